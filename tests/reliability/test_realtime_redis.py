"""Open sockets ride out a Redis restart: the channel layer's failed receive is tried again
(it used to end the consumer and close the socket), and this process's sockets join their groups
again, since a Redis without persistence comes back having forgotten them."""

import asyncio

import pytest
import websockets
from asgiref.sync import sync_to_async
from rest_framework.test import APIClient

from tests.annotations.test_realtime import LINE, next_event, ws_url
from tests.conftest import bearer
from tests.factories import make_user, make_video
from tests.reliability.stack import PrivateRedis
from tests.services import AsgiServer
from videos.models import VideoShare

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")


def post_drawing(user, video, timestamp: float) -> None:
    response = bearer(APIClient(), user).post(
        "/api/v1/annotations/drawing",
        {"video_id": str(video.pk), "timestamp": timestamp, "drawing_data": LINE},
        format="json",
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    "backend",
    ["config.channel_layer.RedisChannelLayer", "channels_redis.pubsub.RedisPubSubChannelLayer"],
)
def test_a_socket_stays_open_through_a_redis_restart_and_hears_events_after(
    tmp_path, settings, backend
):
    redis = PrivateRedis(tmp_path / "redis")
    redis.start()
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": backend,
            "CONFIG": {"hosts": [redis.url], "prefix": "restart-test"},
        }
    }
    owner = make_user("owner", role="athlete")
    viewer = make_user("viewer", role="coach")
    video = make_video(owner, duration=10.0, fps=30.0)
    VideoShare.objects.create(video=video, user=viewer, permission="view")

    async def scenario(url: str) -> tuple[float, bool]:
        async with websockets.connect(url) as socket:
            await next_event(socket, "presence.joined")
            await sync_to_async(post_drawing)(owner, video, 1)
            assert (await next_event(socket, "annotation.created"))["payload"]["timestamp"] == 1
            await sync_to_async(redis.stop)()
            await asyncio.sleep(1.0)
            await sync_to_async(redis.start)()
            # The layer notices on its next receive (it blocks for at most 5 s), retries, and
            # joins the video's group again; events published from then on arrive.
            for attempt in range(40):
                await sync_to_async(post_drawing)(owner, video, 2 + attempt)
                try:
                    event = await next_event(socket, "annotation.created", timeout=0.5)
                except TimeoutError:
                    continue
                return event["payload"]["timestamp"], socket.close_code is None
            raise AssertionError("no event reached the socket after Redis came back")

    try:
        with AsgiServer() as server:
            timestamp, still_open = asyncio.run(scenario(ws_url(server, video, viewer)))
    finally:
        redis.stop()
    assert timestamp >= 2 and still_open
