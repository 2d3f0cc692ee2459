"""Garbage on the real-time channel: error events, not dropped sockets; limits on connects and
on drawings created over the socket (annotations/consumers.py)."""

import asyncio
import json

import pytest
import websockets

from annotations.models import Annotation
from tests.annotations.test_realtime import LINE, next_event, ws_url

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")


async def close_code(socket) -> int:
    with pytest.raises(websockets.ConnectionClosed) as closed:
        while True:
            await asyncio.wait_for(socket.recv(), 5)
    assert closed.value.rcvd is not None, "closed without a close frame (1006)"
    return closed.value.rcvd.code


@pytest.mark.parametrize(
    "frame",
    ["not json", b"\x00\x01binary", "[1, 2]", "[" * 100_000, '{"a": ' + '"x' * 200_000 + '"}'],
    ids=["text", "binary", "not-an-object", "deep", "huge"],
)
def test_a_bad_frame_gets_an_error_event_and_the_socket_stays_open(asgi_server, coaching, frame):
    users, video = coaching
    url = ws_url(asgi_server, video, users["owner"])

    async def scenario() -> None:
        async with websockets.connect(url) as socket:
            await socket.send(frame)
            error = await next_event(socket, "error")
            assert error["code"] == "malformed_request"
            await socket.send(json.dumps({"type": "annotation.create", "data": LINE}))
            assert (await next_event(socket, "error"))["code"] == "invalid"  # still served

    asyncio.run(scenario())


def test_a_client_that_keeps_sending_garbage_is_closed_with_4400(asgi_server, coaching, settings):
    users, video = coaching
    settings.WS_MAX_BAD_FRAMES = 3
    url = ws_url(asgi_server, video, users["owner"])

    async def scenario() -> int:
        async with websockets.connect(url) as socket:
            for _ in range(3):
                await socket.send("garbage")
            return await close_code(socket)

    assert asyncio.run(scenario()) == 4400


def test_connects_past_the_rate_are_closed_with_4429(asgi_server, coaching, settings):
    users, video = coaching
    settings.WS_CONNECT_RATE_LIMIT = "2/m"
    url = ws_url(asgi_server, video, users["owner"])

    async def scenario() -> int:
        for _ in range(2):
            async with websockets.connect(url) as socket:
                await next_event(socket, "presence.joined")
        async with websockets.connect(url) as socket:
            return await close_code(socket)

    assert asyncio.run(scenario()) == 4429


def test_drawings_over_the_socket_count_against_the_annotation_rate(
    asgi_server, coaching, settings
):
    users, video = coaching
    settings.ANNOTATION_RATE_LIMIT = "2/m"
    url = ws_url(asgi_server, video, users["owner"])

    async def scenario() -> list[str]:
        replies = []
        async with websockets.connect(url) as socket:
            for i in range(3):
                message = {
                    "type": "annotation.create",
                    "data": {"timestamp": i, "drawing_data": LINE},
                }
                await socket.send(json.dumps(message))
                while True:
                    reply = json.loads(await asyncio.wait_for(socket.recv(), 5))
                    if reply["type"] in ("annotation.saved", "error"):
                        replies.append(reply.get("code", reply["type"]))
                        break
        return replies

    assert asyncio.run(scenario()) == ["annotation.saved", "annotation.saved", "rate_limited"]
    assert Annotation.objects.count() == 2
