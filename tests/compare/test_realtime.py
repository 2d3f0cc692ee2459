"""The comparison's live channel over the real ASGI app: pane drawings, sync changes and
presence arrive; the video's channel does not carry them; access is the comparison's, and
losing either video closes the socket."""

import asyncio
import json

import pytest
import websockets
from asgiref.sync import sync_to_async
from rest_framework.test import APIClient

from annotations.models import Annotation
from tests.annotations.test_realtime import next_event, token
from tests.annotations.test_realtime_access import closed_within
from tests.conftest import bearer
from videos.models import Comparison, ComparisonShare

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")
LINE = {"tool_type": "line", "points": [[0.1, 0.1], [0.9, 0.9]]}


@pytest.fixture
def comparison(comparing):
    users, left, right = comparing
    made = Comparison.objects.create(
        owner=users["owner"], title="c", left_video=left, right_video=right, left_sync=2.0
    )
    ComparisonShare.objects.create(comparison=made, user=users["coach_a"], permission="annotate")
    ComparisonShare.objects.create(comparison=made, user=users["coach_v"], permission="view")
    ComparisonShare.objects.create(comparison=made, user=users["half"], permission="view")
    return made


def url(server, comparison, user) -> str:
    return f"ws://127.0.0.1:{server.port}/ws/comparisons/{comparison.pk}/?token={token(user)}"


def video_url(server, video, user) -> str:
    return f"ws://127.0.0.1:{server.port}/ws/videos/{video.pk}/?token={token(user)}"


def test_pane_drawings_and_sync_changes_arrive_live(asgi_server, comparing, comparison):
    users, _, right = comparing
    api = bearer(APIClient(), users["coach_a"])
    owner_url = url(asgi_server, comparison, users["owner"])
    viewer_url = url(asgi_server, comparison, users["coach_v"])
    on_video_url = video_url(asgi_server, right, users["owner"])

    async def scenario() -> None:
        async with (
            websockets.connect(owner_url) as owner,
            websockets.connect(viewer_url) as viewer,
            websockets.connect(on_video_url) as on_video,
        ):
            joined = await next_event(owner, "presence.joined")
            names = {viewer["username"] for viewer in joined["payload"]["viewers"]}
            assert "owner" in names
            await next_event(owner, "presence.joined")  # the viewer's
            response = await sync_to_async(api.post)(
                "/api/v1/annotations/drawing",
                {
                    "comparison_id": str(comparison.pk),
                    "side": "right",
                    "timestamp": 1.5,
                    "drawing_data": LINE,
                },
                format="json",
            )
            assert response.status_code == 201
            for socket in (owner, viewer):
                created = await next_event(socket, "annotation.created")
                assert created["payload"]["side"] == "right"
                assert created["payload"]["frame"] == 90  # 1.5 s at 60 fps
            patched = await sync_to_async(api.patch)(
                f"/api/v1/comparisons/{comparison.pk}",
                {"right": {"sync": 0.75}, "layout": "overlay"},
                format="json",
            )
            assert patched.status_code == 200
            updated = await next_event(viewer, "comparison.updated")
            assert updated["payload"]["right"]["sync"] == 0.75
            assert updated["payload"]["layout"] == "overlay"
            deleted = await sync_to_async(api.delete)(
                f"/api/v1/annotations/{response.json()['id']}"
            )
            assert deleted.status_code == 204
            assert (await next_event(viewer, "annotation.deleted"))["payload"] == {
                "id": response.json()["id"]
            }
            # the video's own channel heard none of it
            with pytest.raises(TimeoutError):
                await next_event(on_video, "annotation.created", timeout=0.5)

    asyncio.run(scenario())


def test_drawing_over_the_socket_annotators_only(asgi_server, comparing, comparison):
    users, _, _ = comparing
    create = {
        "type": "annotation.create",
        "data": {"side": "left", "timestamp": 2.0, "drawing_data": LINE},
    }

    coach_url = url(asgi_server, comparison, users["coach_a"])
    viewer_url = url(asgi_server, comparison, users["coach_v"])

    async def scenario() -> None:
        async with (
            websockets.connect(coach_url) as coach,
            websockets.connect(viewer_url) as viewer,
        ):
            await coach.send(json.dumps(create))
            saved = await next_event(coach, "annotation.saved")
            assert saved["payload"]["comparison_id"] == str(comparison.pk)
            assert saved["payload"]["frame"] == 60  # 2 s at 30 fps
            assert (await next_event(viewer, "annotation.created"))["payload"]["side"] == "left"
            await viewer.send(json.dumps(create))
            assert (await next_event(viewer, "error"))["code"] == "permission_denied"
            no_side = {"timestamp": 1, "drawing_data": LINE}
            await coach.send(json.dumps({"type": "annotation.create", "data": no_side}))
            refused = await next_event(coach, "error")
            assert refused["code"] == "invalid" and "side" in refused["errors"]

    asyncio.run(scenario())
    assert Annotation.objects.filter(comparison_id=comparison.pk).count() == 1


@pytest.mark.parametrize("name", ["stranger", "half"])
def test_who_may_not_see_it_is_closed_at_once(asgi_server, comparing, comparison, name):
    """A stranger, and "half", who may view only one of the videos (though shared the
    comparison): 4403."""
    users, _, _ = comparing

    socket_url = url(asgi_server, comparison, users[name])

    async def scenario() -> int:
        async with websockets.connect(socket_url) as socket:
            code, _ = await closed_within(socket)
            return code

    assert asyncio.run(scenario()) == 4403


def test_losing_either_video_closes_the_socket(asgi_server, comparing, comparison):
    users, _, right = comparing
    owner_api = bearer(APIClient(), users["owner"])

    owner_url = url(asgi_server, comparison, users["owner"])
    viewer_url = url(asgi_server, comparison, users["coach_v"])

    async def scenario() -> tuple[int, list[dict]]:
        async with (
            websockets.connect(owner_url) as owner,
            websockets.connect(viewer_url) as viewer,
        ):
            await next_event(viewer, "presence.joined")
            revoked = await sync_to_async(owner_api.delete)(
                f"/api/v1/videos/{right.pk}/shares/coach_v"
            )
            assert revoked.status_code == 204
            code, after = await closed_within(viewer)
            # the owner keeps listening
            patched = await sync_to_async(owner_api.patch)(
                f"/api/v1/comparisons/{comparison.pk}", {"left": {"sync": 1.0}}, format="json"
            )
            assert patched.status_code == 200
            assert (await next_event(owner, "comparison.updated"))["payload"]["left"]["sync"] == 1.0
            return code, after

    code, after = asyncio.run(scenario())
    assert code == 4403 and not [m for m in after if m["type"].startswith("comparison.")]


def test_deleting_a_video_closes_every_socket_on_its_comparisons(
    asgi_server, comparing, comparison
):
    users, left, _ = comparing
    owner_api = bearer(APIClient(), users["owner"])

    owner_url = url(asgi_server, comparison, users["owner"])
    coach_url = url(asgi_server, comparison, users["coach_a"])

    async def scenario() -> list[int]:
        async with (
            websockets.connect(owner_url) as owner,
            websockets.connect(coach_url) as coach,
        ):
            await next_event(coach, "presence.joined")
            deleted = await sync_to_async(owner_api.delete)(f"/api/v1/videos/{left.pk}")
            assert deleted.status_code == 204
            return [(await closed_within(socket))[0] for socket in (owner, coach)]

    assert asyncio.run(scenario()) == [4403, 4403]


def test_lowered_to_view_is_told(asgi_server, comparing, comparison):
    users, _, _ = comparing
    owner_api = bearer(APIClient(), users["owner"])

    coach_url = url(asgi_server, comparison, users["coach_a"])

    async def scenario() -> None:
        async with websockets.connect(coach_url) as coach:
            await next_event(coach, "presence.joined")
            lowered = await sync_to_async(owner_api.post)(
                f"/api/v1/comparisons/{comparison.pk}/shares",
                {"username": "coach_a", "permission": "view"},
                format="json",
            )
            assert lowered.status_code == 201
            changed = await next_event(coach, "access.changed", timeout=2)
            assert changed["payload"] == {"permission": "view"}

    asyncio.run(scenario())
