"""Live: comment events on the video's channel, and the per-user channel /ws/me/ (badge counts,
closing when the user is deactivated), over the real ASGI app."""

import asyncio
import json
import time

import pytest
import websockets
from asgiref.sync import sync_to_async
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.services import user_deactivate
from tests.annotations.test_realtime import next_event, ws_url
from tests.annotations.test_realtime_access import closed_within
from tests.conftest import bearer

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")


def me_url(server, user=None) -> str:
    base = f"ws://127.0.0.1:{server.port}/ws/me/"
    return f"{base}?token={RefreshToken.for_user(user).access_token}" if user else base


def test_comment_events_reach_everyone_in_the_room(asgi_server, coaching):
    users, video = coaching
    coach = bearer(APIClient(), users["coach"])
    athlete = bearer(APIClient(), users["athlete"])
    url = ws_url(asgi_server, video, users["athlete"])

    async def scenario() -> None:
        async with websockets.connect(url) as socket:
            created = await sync_to_async(coach.post)(
                f"/api/v1/videos/{video.pk}/comments",
                {"text": "Elbows up", "timestamp": 2},
                format="json",
            )
            comment_id = created.json()["id"]
            event = await next_event(socket, "comment.created")
            assert event["payload"]["id"] == comment_id
            assert event["payload"]["text"] == "Elbows up"
            await sync_to_async(athlete.post)(
                f"/api/v1/videos/{video.pk}/comments",
                {"text": "ok", "parent_id": comment_id},
                format="json",
            )
            reply = await next_event(socket, "comment.created")
            assert reply["payload"]["parent_id"] == comment_id
            await sync_to_async(coach.patch)(
                f"/api/v1/comments/{comment_id}", {"text": "Elbows higher"}, format="json"
            )
            updated = await next_event(socket, "comment.updated")
            assert updated["payload"]["text"] == "Elbows higher"
            await sync_to_async(coach.post)(f"/api/v1/comments/{comment_id}/resolve")
            resolved = await next_event(socket, "comment.resolved")
            assert resolved["payload"]["resolved"] is True
            await sync_to_async(coach.delete)(f"/api/v1/comments/{comment_id}")
            deleted = await next_event(socket, "comment.deleted")
            assert deleted["payload"]["id"] == comment_id
            assert reply["payload"]["id"] in deleted["payload"]["ids"]

    asyncio.run(scenario())


def test_the_badge_follows_notifications_live(asgi_server, coaching):
    users, video = coaching
    coach = bearer(APIClient(), users["coach"])
    athlete = bearer(APIClient(), users["athlete"])
    url = me_url(asgi_server, users["athlete"])

    async def scenario() -> None:
        async with websockets.connect(url) as socket:
            hello = await next_event(socket, "hello")
            assert hello["payload"]["unread"] == 0
            started = time.perf_counter()
            await sync_to_async(coach.post)(
                f"/api/v1/videos/{video.pk}/comments",
                {"text": "@ath look at 0:02", "timestamp": 2},
                format="json",
            )
            created = await next_event(socket, "notification.created")
            print(f"comment POST -> badge event: {(time.perf_counter() - started) * 1000:.1f} ms")
            assert created["payload"]["unread"] == 1
            notification = created["payload"]["notification"]
            assert notification["kind"] == "mention"
            assert notification["actor"]["username"] == "coach_a"
            assert notification["link"].startswith(f"/videos/{video.pk}?t=2.000&comment=")
            read = await sync_to_async(athlete.post)(
                "/api/v1/notifications/read", {"all": True}, format="json"
            )
            assert read.json() == {"marked": 1, "unread": 0}
            cleared = await next_event(socket, "notifications.read")
            assert cleared["payload"]["unread"] == 0

    asyncio.run(scenario())


def test_nobody_hears_anothers_notifications(asgi_server, coaching):
    users, video = coaching
    coach = bearer(APIClient(), users["coach"])
    url = me_url(asgi_server, users["stranger"])

    async def scenario() -> list[dict]:
        async with websockets.connect(url) as socket:
            await next_event(socket, "hello")
            await sync_to_async(coach.post)(
                f"/api/v1/videos/{video.pk}/comments",
                {"text": "@ath @stranger see this", "timestamp": 2},
                format="json",
            )
            received = []
            try:
                while True:
                    received.append(json.loads(await asyncio.wait_for(socket.recv(), 1.0)))
            except TimeoutError:
                return received

    assert asyncio.run(scenario()) == []


def test_the_channel_needs_a_signed_in_user_and_closes_when_deactivated(asgi_server, coaching):
    users, _video = coaching
    url = me_url(asgi_server, users["athlete"])

    async def scenario() -> None:
        async with websockets.connect(me_url(asgi_server)) as anonymous:
            code, received = await closed_within(anonymous)
            assert code == 4403 and received == []
        async with websockets.connect(url) as socket:
            await next_event(socket, "hello")
            await sync_to_async(user_deactivate)(user=users["athlete"])
            code, _ = await closed_within(socket, 5)
            assert code == 4403

    asyncio.run(scenario())
