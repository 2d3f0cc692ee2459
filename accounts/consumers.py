"""The per-user channel /ws/me/: the signed-in person's notifications as they happen.

Authenticates like the video channel (a session from our own pages' origin, or
`?token=<JWT access>`). It joins the user's inbox group (accounts.notifications pushes there) and
the user's access group (annotations.realtime.user_group), so deactivating or deleting the user,
or signing out, closes it with 4403 (checked against the database on every event as well).
"""

import asyncio
import time
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from accounts.authentication import session_signs_in, socket_token_expiry, socket_user
from accounts.models import User
from accounts.notifications import inbox_group
from accounts.selectors import notification_unread_count
from annotations.realtime import user_group

CLOSE_FORBIDDEN = 4403


def _still_signed_in(user_id: int, session_key: str | None) -> bool:
    """Active, and (for a session socket) the session still signs this user in."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    return session_key is None or session_signs_in(session_key, user)


class AccountConsumer(AsyncJsonWebsocketConsumer):
    closing = False

    async def connect(self) -> None:
        user = await database_sync_to_async(socket_user)(self.scope)
        if user is None:
            await self.accept()
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.user = user
        self.expires_at = socket_token_expiry(self.scope)
        session = self.scope.get("session")
        self.session_key = session.session_key if self.expires_at is None and session else None
        self.groups_joined = [inbox_group(user.pk), user_group(user.pk)]
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        unread = await database_sync_to_async(notification_unread_count)(user=user)
        await self.send_json({"type": "hello", "payload": {"unread": unread}})
        self.expiry_task = None
        if self.expires_at is not None:
            self.expiry_task = asyncio.create_task(self._check_at_expiry())

    async def disconnect(self, code: int) -> None:
        if not hasattr(self, "groups_joined"):
            return
        if self.expiry_task is not None:
            self.expiry_task.cancel()
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def _still_allowed(self) -> bool:
        if self.closing:
            return False
        allowed = (self.expires_at is None or time.time() < self.expires_at) and (
            await database_sync_to_async(_still_signed_in)(self.user.pk, self.session_key)
        )
        if not allowed:
            self.closing = True
            for group in self.groups_joined:
                await self.channel_layer.group_discard(group, self.channel_name)
            await self.close(code=CLOSE_FORBIDDEN)
        return allowed

    async def _check_at_expiry(self) -> None:
        await asyncio.sleep(max(0.0, (self.expires_at or 0.0) - time.time()) + 0.05)
        await self._still_allowed()

    async def inbox_event(self, message: dict[str, Any]) -> None:
        if await self._still_allowed():
            await self.send_json({"type": message["event"], "payload": message["payload"]})

    async def access_check(self, message: dict[str, Any]) -> None:
        """The user was deactivated, deleted or re-roled (accounts.services)."""
        await self._still_allowed()

    async def broadcast(self, message: dict[str, Any]) -> None:
        """Video events sent to the user's group are for the video pages, not this channel."""

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any
    ) -> None:
        await self.send_json(
            {"type": "error", "code": "invalid", "detail": "This channel only sends."}
        )
