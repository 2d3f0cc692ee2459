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

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")
LINE = {"tool_type": "line", "points": [[0.1, 0.1], [0.9, 0.9]]}


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
