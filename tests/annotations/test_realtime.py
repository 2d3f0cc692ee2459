"""Two clients on one video over the real ASGI app: events, presence, denial, flood control."""

import asyncio
import json
import statistics
import time

import pytest
import websockets
from asgiref.sync import sync_to_async
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from tests.conftest import bearer
from videos.models import VideoShare

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")
LINE = {"tool_type": "line", "points": [[0.1, 0.1], [0.9, 0.9]]}


@pytest.fixture(autouse=True)
def _fresh_channel_layer():
    """Each test's server gets a channel layer of its own: channels_redis keeps one receive lock
    per layer, and a server stopped mid-receive in an earlier test would leave it held by a dead
    event loop (seen under heavy load as "Lock ... is bound to a different event loop")."""
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


def token(user) -> str:
    return str(RefreshToken.for_user(user).access_token)


def ws_url(server, video, user=None) -> str:
    base = f"ws://127.0.0.1:{server.port}/ws/videos/{video.pk}/"
    return f"{base}?token={token(user)}" if user else base


async def next_event(socket, kind: str, timeout: float = 5) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        message = json.loads(await asyncio.wait_for(socket.recv(), deadline - time.monotonic()))
        if message["type"] == kind:
            return message


def test_rest_change_reaches_other_viewers(asgi_server, coaching):
    users, video = coaching
    api = bearer(APIClient(), users["annotating_coach"])
    owner_url = ws_url(asgi_server, video, users["owner"])
    viewer_url = ws_url(asgi_server, video, users["viewing_coach"])

    async def scenario() -> list[float]:
        async with websockets.connect(owner_url) as owner, websockets.connect(viewer_url) as viewer:
            joined = await next_event(viewer, "presence.joined")
            assert {"owner", "coach_v"} >= {v["username"] for v in joined["payload"]["viewers"]}
            latencies = []
            for i in range(5):
                started = time.perf_counter()
                response = await sync_to_async(api.post)(
                    "/api/v1/annotations/drawing",
                    {"video_id": str(video.pk), "timestamp": i, "drawing_data": LINE},
                    format="json",
                )
                assert response.status_code == 201
                for socket in (owner, viewer):
                    event = await next_event(socket, "annotation.created")
                    assert event["payload"]["timestamp"] == i
                latencies.append(time.perf_counter() - started)
            annotation_id = response.json()["id"]
            await sync_to_async(api.delete)(f"/api/v1/annotations/{annotation_id}")
            deleted = await next_event(viewer, "annotation.deleted")
            assert deleted["payload"]["id"] == annotation_id
            return latencies

    latencies = asyncio.run(scenario())
    print(f"REST -> socket latency: median {statistics.median(latencies) * 1000:.1f} ms")


def test_drawing_over_the_socket_is_validated_and_broadcast(asgi_server, coaching):
    users, video = coaching
    coach_url = ws_url(asgi_server, video, users["annotating_coach"])
    owner_url = ws_url(asgi_server, video, users["owner"])

    async def scenario() -> None:
        async with websockets.connect(coach_url) as coach, websockets.connect(owner_url) as owner:
            await coach.send(
                json.dumps(
                    {
                        "type": "annotation.create",
                        "data": {"timestamp": 1, "drawing_data": {**LINE, "points": [[2, 2]]}},
                    }
                )
            )
            error = await next_event(coach, "error")
            assert error["code"] == "invalid" and "drawing_data" in error["errors"]
            await coach.send(
                json.dumps(
                    {"type": "annotation.create", "data": {"timestamp": 1, "drawing_data": LINE}}
                )
            )
            saved = await next_event(coach, "annotation.saved")
            created = await next_event(owner, "annotation.created")
            assert created["payload"]["id"] == saved["payload"]["id"]

    asyncio.run(scenario())


def test_view_only_user_cannot_draw_over_the_socket(asgi_server, coaching):
    users, video = coaching
    viewer_url = ws_url(asgi_server, video, users["viewing_coach"])

    async def scenario() -> None:
        async with websockets.connect(viewer_url) as viewer:
            await viewer.send(
                json.dumps(
                    {"type": "annotation.create", "data": {"timestamp": 1, "drawing_data": LINE}}
                )
            )
            assert (await next_event(viewer, "error"))["code"] == "permission_denied"

    asyncio.run(scenario())


@pytest.mark.parametrize("who", ["stranger", "anonymous", "bad_token"])
def test_denied_clients_are_closed_with_4403(asgi_server, coaching, who):
    users, video = coaching
    url = {
        "stranger": ws_url(asgi_server, video, users["stranger"]),
        "anonymous": ws_url(asgi_server, video),
        "bad_token": ws_url(asgi_server, video) + "?token=nonsense",
    }[who]

    async def scenario() -> int:
        async with websockets.connect(url) as socket:
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(socket.recv(), 5)
            received = closed.value.rcvd
            assert received is not None
            return received.code

    assert asyncio.run(scenario()) == 4403


def test_a_flood_is_rate_limited_not_broadcast(asgi_server, coaching):
    users, video = coaching
    flooder_url = ws_url(asgi_server, video, users["owner"])
    viewer_url = ws_url(asgi_server, video, users["viewing_coach"])

    async def scenario() -> tuple[int, int]:
        async with websockets.connect(flooder_url) as flooder, websockets.connect(viewer_url):
            for i in range(60):
                await flooder.send(
                    json.dumps(
                        {
                            "type": "annotation.create",
                            "data": {"timestamp": i % 10, "drawing_data": LINE},
                        }
                    )
                )
            limited = saved = replies = 0
            while replies < 60:  # one reply per message sent; broadcasts are not replies
                message = json.loads(await asyncio.wait_for(flooder.recv(), 10))
                if message["type"] not in ("annotation.saved", "error"):
                    continue
                replies += 1
                limited += message.get("code") == "rate_limited"
                saved += message["type"] == "annotation.saved"
            return limited, saved

    limited, saved = asyncio.run(scenario())
    assert limited > 0 and saved < 60
    from annotations.models import Annotation

    assert Annotation.objects.count() == saved


def test_a_status_listener_is_not_announced_as_present(asgi_server, coaching):
    """The library follows a processing video with ?presence=0: it hears events but the studio's
    "who is here" does not list it."""
    users, video = coaching
    owner_url = ws_url(asgi_server, video, users["owner"])
    listener_url = ws_url(asgi_server, video, users["viewing_coach"]) + "&presence=0"

    async def scenario() -> None:
        async with websockets.connect(owner_url) as owner:
            await next_event(owner, "presence.joined")
            async with websockets.connect(listener_url) as listener:
                await sync_to_async(realtime_publish)(video.pk)
                assert (await next_event(listener, "video.progress"))["payload"]["progress"] == 50
                first = json.loads(await asyncio.wait_for(owner.recv(), 5))
                assert first["type"] == "video.progress"  # no presence.joined for the listener
            await sync_to_async(realtime_publish)(video.pk)
            after = json.loads(await asyncio.wait_for(owner.recv(), 5))
            assert after["type"] == "video.progress"  # no presence.left for it either

    asyncio.run(scenario())


def realtime_publish(video_id) -> None:
    from annotations import realtime

    realtime.publish(video_id, "video.progress", {"id": str(video_id), "progress": 50})


# --- Access changes reach sockets that are already open ----------------------------------------


async def closed_within(socket, seconds: float = 1.0) -> tuple[int, list[dict]]:
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


def test_every_event_rechecks_access_even_without_an_access_event(asgi_server, coaching):
    """A share removed behind the services' back (no access.check sent): the next event about
    the video is not forwarded; the socket closes instead."""
    users, video = coaching
    url = ws_url(asgi_server, video, users["viewing_coach"])

    async def scenario() -> tuple[int, list[dict]]:
        async with websockets.connect(url) as viewer:
            await next_event(viewer, "presence.joined")
            await sync_to_async(VideoShare.objects.filter(user=users["viewing_coach"]).delete)()
            await sync_to_async(post_drawing)(users["owner"], video)
            return await closed_within(viewer)

    code, after = asyncio.run(scenario())
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
