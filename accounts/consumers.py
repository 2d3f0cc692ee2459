"""The per-user channel /ws/me/: the signed-in person's notifications as they happen.

Authenticates like the video channel (a session from our own pages' origin, or
`?token=<JWT access>`). It joins the user's inbox group (accounts.notifications pushes there) and
the user's access group (annotations.realtime.user_group), so deactivating or deleting the user,
or signing out, closes it with 4403 (checked against the database on every event as well).
"""

import asyncio
import time
from importlib import import_module
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.http.request import split_domain_port, validate_host
from django.utils.crypto import constant_time_compare
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import AccessToken

from accounts.authentication import user_from_access_token
from accounts.models import User
from accounts.notifications import inbox_group
from accounts.selectors import notification_unread_count
from annotations.realtime import user_group

CLOSE_FORBIDDEN = 4403


def _query(scope: dict[str, Any], name: str) -> str:
    return parse_qs(scope.get("query_string", b"").decode()).get(name, [""])[0]


def _origin_allowed(scope: dict[str, Any]) -> bool:
    """A browser's cookie rides along on any page's socket: only our own pages may use it."""
    origin = dict(scope.get("headers") or []).get(b"origin", b"").decode("latin-1")
    domain, _port = split_domain_port(origin.split("://", 1)[-1]) if origin else ("", "")
    return bool(domain) and validate_host(domain, settings.ALLOWED_HOSTS)


def _authenticate(scope: dict[str, Any]) -> User | None:
    token = _query(scope, "token")
    if token:
        return user_from_access_token(token)
    user = scope.get("user")
    if isinstance(user, User) and user.is_authenticated and _origin_allowed(scope):
        return user
    return None


def _token_expiry(scope: dict[str, Any]) -> float | None:
    token = _query(scope, "token")
    if not token:
        return None
    try:
        return float(AccessToken(token)["exp"])  # type: ignore[arg-type]
    except (TokenError, KeyError, TypeError, ValueError):
        return time.time()


def _still_signed_in(user_id: int, session_key: str | None) -> bool:
    """Active, and (for a session socket) the session still signs this user in."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    if session_key is None:
        return True
    data = import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key).load()
    return str(data.get(SESSION_KEY)) == str(user.pk) and constant_time_compare(
        data.get(HASH_SESSION_KEY) or "", user.get_session_auth_hash()
    )


class AccountConsumer(AsyncJsonWebsocketConsumer):
    closing = False

    async def connect(self) -> None:
        user = await database_sync_to_async(_authenticate)(self.scope)
        if user is None:
            await self.accept()
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.user = user
        self.expires_at = _token_expiry(self.scope)
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
