"""Open sockets follow access: a change (share revoked or lowered, user deactivated, deleted or
re-roled, video hidden or deleted, token expired, session signed out) closes them with 4403 or
downgrades them, and no event about the video reaches them afterwards."""

import asyncio
import json
import time

import pytest
import websockets
from asgiref.sync import sync_to_async
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from tests.annotations.test_realtime import LINE, next_event, ws_url
from tests.conftest import bearer
from videos.models import VideoShare

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")


async def closed_within(socket, seconds: float = 3.0) -> tuple[int, list[dict]]:
    """Read until the server closes the socket: its close code, and what arrived meanwhile."""
    received, deadline = [], time.monotonic() + seconds
    try:
        while True:
            received.append(
                json.loads(await asyncio.wait_for(socket.recv(), deadline - time.monotonic()))
            )
    except websockets.ConnectionClosed as closed:
        assert closed.rcvd is not None
        return closed.rcvd.code, received


def staff_session(user):
    from django.test import Client

    from accounts.roles import roles_sync_permissions

    roles_sync_permissions()  # a transactional test flushed what the migration granted
    client = Client()
    client.force_login(user)
    return client


def admin_action(user, path: str, name: str, pks: list, **extra):
    data = {"action": name, "_selected_action": [str(pk) for pk in pks], **extra}
    return staff_session(user).post(path, data)


def post_drawing(user, video, timestamp: float = 5) -> None:
    response = bearer(APIClient(), user).post(
        "/api/v1/annotations/drawing",
        {"video_id": str(video.pk), "timestamp": timestamp, "drawing_data": LINE},
        format="json",
    )
    assert response.status_code == 201


def revoke_share(users, video):
    api = bearer(APIClient(), users["owner"])
    assert api.delete(f"/api/v1/videos/{video.pk}/shares/coach_v").status_code == 204


def deactivate(users, video):
    admin_action(users["staff"], "/admin/accounts/user/", "deactivate", [users["viewing_coach"].pk])


def delete_user(users, video):
    from accounts.models import User

    root = User.objects.create_superuser("root", "root@example.com", "a long enough passphrase")
    response = staff_session(root).post(
        f"/admin/accounts/user/{users['viewing_coach'].pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302


def hide(users, video):
    admin_action(
        users["staff"], "/admin/videos/video/", "hide_videos", [video.pk], apply="Hide", reason="x"
    )


@pytest.mark.parametrize("change", [revoke_share, deactivate, delete_user, hide])
def test_a_viewer_who_loses_access_is_closed_and_hears_nothing_more(asgi_server, coaching, change):
    """The owner's socket stays open and keeps hearing; the viewer's closes (4403) within a
    second of the change, and no event about the video reaches it after the change."""
    users, video = coaching
    owner_url = ws_url(asgi_server, video, users["owner"])
    viewer_url = ws_url(asgi_server, video, users["viewing_coach"])

    async def scenario() -> None:
        async with websockets.connect(owner_url) as owner, websockets.connect(viewer_url) as viewer:
            await next_event(viewer, "presence.joined")
            await sync_to_async(change)(users, video)
            code, after = await closed_within(viewer)
            await sync_to_async(post_drawing)(users["owner"], video)
            assert (await next_event(owner, "annotation.created"))["payload"]["timestamp"] == 5
            assert code == 4403
            assert not [m for m in after if m["type"].startswith(("annotation.", "video."))]

    asyncio.run(scenario())


def test_a_demoted_staff_member_is_closed(asgi_server, coaching):
    """Staff see every video; made a coach (not shared with), they lose this one at once."""
    from accounts.models import User

    users, video = coaching
    root = User.objects.create_superuser("root", "root@example.com", "a long enough passphrase")
    url = ws_url(asgi_server, video, users["staff"])

    async def scenario() -> int:
        async with websockets.connect(url) as socket:
            await next_event(socket, "presence.joined")
            await sync_to_async(admin_action)(
                root, "/admin/accounts/user/", "make_coach", [users["staff"].pk]
            )
            code, _ = await closed_within(socket)
            return code

    assert asyncio.run(scenario()) == 4403


def test_deleting_the_video_closes_every_socket(asgi_server, coaching):
    users, video = coaching
    owner_url = ws_url(asgi_server, video, users["owner"])
    viewer_url = ws_url(asgi_server, video, users["viewing_coach"])

    api = bearer(APIClient(), users["owner"])

    async def scenario() -> list[int]:
        async with websockets.connect(owner_url) as owner, websockets.connect(viewer_url) as viewer:
            assert (
                await sync_to_async(api.delete)(f"/api/v1/videos/{video.pk}")
            ).status_code == 204
            return [(await closed_within(socket))[0] for socket in (owner, viewer)]

    assert asyncio.run(scenario()) == [4403, 4403]


def test_lowered_to_view_the_socket_is_told_and_can_no_longer_draw(asgi_server, coaching):
    users, video = coaching
    api = bearer(APIClient(), users["owner"])
    create = {"type": "annotation.create", "data": {"timestamp": 1, "drawing_data": LINE}}

    url = ws_url(asgi_server, video, users["annotating_coach"])

    async def scenario() -> None:
        async with websockets.connect(url) as coach:
            lowered = await sync_to_async(api.post)(
                f"/api/v1/videos/{video.pk}/shares",
                {"username": "coach_a", "permission": "view"},
                format="json",
            )
            assert lowered.status_code in (200, 201)
            changed = await next_event(coach, "access.changed", timeout=1)
            assert changed["payload"] == {"permission": "view"}
            await coach.send(json.dumps(create))
            assert (await next_event(coach, "error"))["code"] == "permission_denied"
            await sync_to_async(post_drawing)(users["owner"], video)  # still a viewer: hears it
            assert (await next_event(coach, "annotation.created"))["payload"]["timestamp"] == 5

    asyncio.run(scenario())
    from annotations.models import Annotation

    assert not Annotation.objects.filter(author_id=users["annotating_coach"].pk).exists()


def test_a_change_behind_the_services_back_is_caught_within_the_recheck_period(
    asgi_server, coaching, settings
):
    """A share removed behind the services' back (no access.check sent): once
    WS_ACCESS_RECHECK_SECONDS passed since the socket's last look, the next event about the video
    is not forwarded; the socket closes instead."""
    settings.WS_ACCESS_RECHECK_SECONDS = 0.5
    users, video = coaching
    url = ws_url(asgi_server, video, users["viewing_coach"])

    async def scenario() -> tuple[int, list[dict]]:
        async with websockets.connect(url) as viewer:
            await next_event(viewer, "presence.joined")
            await sync_to_async(VideoShare.objects.filter(user=users["viewing_coach"]).delete)()
            await asyncio.sleep(0.6)
            await sync_to_async(post_drawing)(users["owner"], video)
            return await closed_within(viewer)

    code, after = asyncio.run(scenario())
    assert code == 4403 and not [m for m in after if m["type"] == "annotation.created"]


def test_between_access_changes_events_cost_no_database_look(
    asgi_server, coaching, settings, monkeypatch
):
    """With nothing changed, ten events reach a listener without a single access query; the
    next access change makes it look again (and it is closed at once)."""
    from annotations import consumers

    settings.WS_ACCESS_RECHECK_SECONDS = 600
    users, video = coaching
    url = ws_url(asgi_server, video, users["viewing_coach"])
    looks = []
    real = consumers._current_permission

    def counting(*args):
        looks.append(args)
        return real(*args)

    async def scenario() -> tuple[int, list[dict]]:
        async with websockets.connect(url) as viewer:
            await next_event(viewer, "presence.joined")
            for second in range(10):
                await sync_to_async(post_drawing)(users["owner"], video, second)
                assert (await next_event(viewer, "annotation.created"))["payload"][
                    "timestamp"
                ] == second
            assert looks == []
            await sync_to_async(revoke_share)(users, video)
            await sync_to_async(post_drawing)(users["owner"], video)
            return await closed_within(viewer)

    monkeypatch.setattr(consumers, "_current_permission", counting)
    code, after = asyncio.run(scenario())
    assert len(looks) == 1
    assert code == 4403 and not [m for m in after if m["type"] == "annotation.created"]


def test_a_token_socket_closes_when_its_token_expires(asgi_server, coaching):
    """Checked at connect only, a 5-minute token would have listened for ever."""
    from datetime import timedelta

    users, video = coaching
    short = RefreshToken.for_user(users["viewing_coach"]).access_token
    short.set_exp(lifetime=timedelta(seconds=2))
    url = f"ws://127.0.0.1:{asgi_server.port}/ws/videos/{video.pk}/?token={short}"

    async def scenario() -> tuple[int, list[dict]]:
        async with websockets.connect(url) as socket:
            await next_event(socket, "presence.joined")  # open and listening at first
            return await closed_within(socket, seconds=5)

    code, _ = asyncio.run(scenario())
    assert code == 4403


def test_a_session_socket_closes_once_its_session_is_signed_out(asgi_server, coaching):
    """The browser pages' sockets ride on the session: signing out ends them too (at the next
    event about the video at the latest)."""
    from django.test import Client

    users, video = coaching
    browser = Client()
    browser.force_login(users["viewing_coach"])
    headers = {
        "Cookie": f"sessionid={browser.cookies['sessionid'].value}",
        "Origin": f"http://127.0.0.1:{asgi_server.port}",
    }
    url = ws_url(asgi_server, video)

    async def scenario() -> tuple[int, list[dict]]:
        async with websockets.connect(url, additional_headers=headers) as socket:
            await sync_to_async(post_drawing)(users["owner"], video, 1)
            assert (await next_event(socket, "annotation.created"))["payload"]["timestamp"] == 1
            await sync_to_async(browser.logout)()
            await sync_to_async(post_drawing)(users["owner"], video)
            return await closed_within(socket)

    code, after = asyncio.run(scenario())
    assert code == 4403 and not [m for m in after if m["type"] == "annotation.created"]
