"""The real-time channel of a video: /ws/videos/{id}/.

Everyone who may view the video may listen; changes made anywhere (REST, another socket, the
worker) arrive as events. Clients may create drawings here too, validated exactly like REST.

Access is not decided once at connect: whenever a service says access changed (`access.check`,
see annotations.realtime; it travels in the same ordered stream as the events, so nothing sent
after the change overtakes it) the socket asks the database again before forwarding anything
more, and before an event once WS_ACCESS_RECHECK_SECONDS passed since its last look (changes made
behind the services' back). Between changes, 200 listeners cost the database nothing per event.
Lost access: closed with 4403, and nothing more is sent. Lowered to view: `access.changed` tells
the client, and drawings sent here are refused.
"""

import asyncio
import json
import logging
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qs

from channels.db import DatabaseSyncToAsync, database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db.models import Prefetch

from accounts.authentication import session_signs_in, socket_token_expiry, socket_user
from accounts.models import User
from annotations import realtime
from annotations.serializers import AnnotationOutputSerializer, DrawingCreateSerializer
from annotations.services import annotation_create_drawing
from config.errors import ApplicationError, ErrorCode, RateLimited
from config.parsers import json_too_deep
from config.ratelimit import enforce_annotation_create_limit, enforce_rate_limit, scope_client_ip
from videos.models import SharePermission, Video, VideoShare
from videos.permissions import can_annotate, can_view
from videos.selectors import video_get

# Channel-layer messages whose handler only queues them for the forwarder (see dispatch).
QUEUED_HANDLERS = frozenset({"broadcast", realtime.ACCESS_CHECK})
CLOSE_FORBIDDEN = 4403
CLOSE_BAD_FRAMES = 4400
CLOSE_RATE_LIMITED = 4429
MAX_FRAME_CHARS = 256 * 1024  # a drawing's REST body limit
PRESENCE_TTL = 3600
RATE_LIMITED = {
    "type": "error",
    "code": ErrorCode.RATE_LIMITED,
    "detail": "Too many messages; slow down.",
}
logger = logging.getLogger(__name__)
# Channels hops to asgiref's one shared database thread before dispatching every message; work
# done there would make the whole receive loop wait for it. Access checks (on every event) and
# drawing saves run on threads of their own instead, so the loop (and the flood limit) keeps pace.
ACCESS_CHECKS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="ws-access-check")
DRAWING_SAVES = ThreadPoolExecutor(max_workers=2, thread_name_prefix="ws-drawing-save")


@database_sync_to_async
def _authorise(scope: dict[str, Any], video_id: str) -> tuple[User, Any] | None:
    user = socket_user(scope)
    if user is None:
        return None
    try:
        video = video_get(user=user, video_id=video_id)
    except ApplicationError:
        return None
    return (user, video) if can_view(user, video) else None


def _permission(user: User, video: Video) -> str | None:
    if not can_view(user, video):
        return None
    return SharePermission.ANNOTATE if can_annotate(user, video) else SharePermission.VIEW


def _current_permission(user_id: int, video_id: uuid.UUID, session_key: str | None) -> str | None:
    """What the user may do with the video now, read from the database every time: the user may
    have been deactivated, deleted or re-roled, signed out, the video hidden or deleted, the
    share revoked."""
    user = User.objects.filter(pk=user_id, is_active=True).prefetch_related("groups").first()
    if user is None or (session_key is not None and not session_signs_in(session_key, user)):
        return None
    video = (
        Video.objects.filter(pk=video_id)
        .prefetch_related(Prefetch("shares", queryset=VideoShare.objects.filter(user_id=user_id)))
        .first()
    )
    return None if video is None else _permission(user, video)


class VideoConsumer(AsyncJsonWebsocketConsumer):
    # Set once the socket lost access: events already queued for it are dropped.
    closing = False

    async def connect(self) -> None:
        allowed = await self._authorise()
        if allowed is None:
            # Accept, then close with our code: a refused handshake would only say "403".
            await self.accept()
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.user = allowed[0]
        if await _connect_rate_exceeded(self.scope, self.user):
            await self.accept()
            await self.close(code=CLOSE_RATE_LIMITED)
            return
        self.permission = self._permission_at_connect()
        self.checked_at = time.monotonic()  # _authorise just read it from the database
        # A token socket lasts as long as its token: checked again when it expires.
        self.expires_at = socket_token_expiry(self.scope)
        # A session socket lasts as long as its session (sign-out, password change).
        session = self.scope.get("session")
        self.session_key = session.session_key if self.expires_at is None and session else None
        self.group = self._group()
        self.groups_joined = [self.group, realtime.user_group(self.user.pk)]
        self.connection_id = uuid.uuid4().hex
        self.tokens, self.refilled = float(settings.WS_MESSAGE_BURST), time.monotonic()
        self.bad_frames = 0
        # `?presence=0`: a page that only follows the video's status (the library, the upload
        # page) listens without being announced as someone looking at the video.
        query = parse_qs(self.scope.get("query_string", b"").decode())
        self.present = query.get("presence", ["1"])[0] != "0"
        # Drawings are saved one at a time, in order, by a task of their own: the receive loop
        # stays quick, so the flood limit counts messages as they arrive, not as they are saved.
        self.drawings: asyncio.Queue[Any] = asyncio.Queue(maxsize=settings.WS_MESSAGE_BURST)
        self.outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.tasks = [
            asyncio.create_task(self._save_drawings()),
            asyncio.create_task(self._forward_events()),
        ]
        if self.expires_at is not None:
            self.tasks.append(asyncio.create_task(self._check_at_expiry()))
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        realtime.CONNECTED_CLIENTS.inc()
        if self.present:
            await self._presence("joined")

    # --- What a channel is about (the comparison channel says it for a comparison) -----------

    async def _authorise(self) -> tuple[User, Any] | None:
        """The user and what the socket is about, if they may see it; sets it on the socket."""
        allowed = await _authorise(self.scope, self.scope["url_route"]["kwargs"]["video_id"])
        if allowed is not None:
            self.video = allowed[1]
        return allowed

    def _permission_at_connect(self) -> str | None:
        return _permission(self.user, self.video)

    def _group(self) -> str:
        return realtime.video_group(self.video.pk)

    def _presence_key(self) -> str:
        return f"presence:{self.video.pk}"

    def _create_drawing(self, data: Any) -> dict[str, Any]:
        """Runs on a thread: reads the user and the video afresh (a right lost meanwhile is
        refused there)."""
        return _create_drawing(self.user, self.video.pk, data)

    async def disconnect(self, code: int) -> None:
        if not hasattr(self, "group"):
            return
        realtime.CONNECTED_CLIENTS.dec()
        for task in self.tasks:
            task.cancel()
        await self._leave_groups()
        if self.present:
            await self._presence("left")

    async def _leave_groups(self) -> None:
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def _still_allowed(self, *, changed: bool) -> bool:
        """The token's clock always; the database when access `changed` or the last look is
        older than WS_ACCESS_RECHECK_SECONDS. Close with 4403 when access is gone, tell the
        client when the permission changed (e.g. lowered to view)."""
        if self.closing:
            return False
        permission = None
        if self.expires_at is None or time.time() < self.expires_at:  # the token still holds
            fresh = time.monotonic() - self.checked_at < settings.WS_ACCESS_RECHECK_SECONDS
            if fresh and not changed:
                return True
            permission = await self._look_up_permission()
            self.checked_at = time.monotonic()
        if permission is None:
            self.closing = True
            await self._leave_groups()
            await self.close(code=CLOSE_FORBIDDEN)
            return False
        if permission != self.permission:
            self.permission = permission
            await self.send_json({"type": "access.changed", "payload": {"permission": permission}})
        return True

    async def _look_up_permission(self) -> str | None:
        """The database's answer now, off the shared database thread (the receive loop never
        waits for it); the comparison channel asks about its comparison instead."""
        return await DatabaseSyncToAsync(
            _current_permission, thread_sensitive=False, executor=ACCESS_CHECKS
        )(self.user.pk, self.video.pk, self.session_key)

    async def _check_at_expiry(self) -> None:
        await asyncio.sleep(max(0.0, (self.expires_at or 0.0) - time.time()) + 0.05)
        await self.broadcast({"type": realtime.ACCESS_CHECK})

    async def access_check(self, message: dict[str, Any]) -> None:
        """A service changed who may see the video, or what this user may see: the forwarder
        checks now, after whatever was queued before the change."""
        await self.broadcast(message)

    async def _presence(self, change: str) -> None:
        key = self._presence_key()
        member = f"{self.user.pk}:{self.user.username}:{self.connection_id}"
        viewers = await database_sync_to_async(_update_presence)(key, member, change == "joined")
        await self.channel_layer.group_send(
            self.group,
            {
                "type": "broadcast",
                "event": f"presence.{change}",
                "payload": {
                    "user": {"id": self.user.pk, "username": self.user.username},
                    "viewers": viewers,
                },
            },
        )

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels closes stale database connections before every handler, on the process's
        one shared sync thread: with 200 listeners that was 200 hops onto the thread the API's
        views run on, per event. Events and access checks only join the outbox here (the
        forwarder's database looks run on their own executor), so they skip that hop."""
        if message["type"] in QUEUED_HANDLERS:
            await self.broadcast(message)
            return
        await super().dispatch(message)

    async def broadcast(self, message: dict[str, Any]) -> None:
        if not self.closing:
            self.outbox.put_nowait(message)

    async def _forward_events(self) -> None:
        """One task forwards events in order, each only once this socket is known to be allowed
        it (see _still_allowed); the receive loop never waits for these checks."""
        while True:
            message = await self.outbox.get()
            if not await self._still_allowed(changed=message["type"] != "broadcast"):
                return  # closed: whatever is still queued is dropped
            if message["type"] != "broadcast":
                continue  # an access check: asking was the point
            await self.send_json({"type": message["event"], "payload": message["payload"]})
            if "sent_at" in message:
                realtime.BROADCAST_LATENCY.observe(max(0.0, time.time() - message["sent_at"]))

    def _take_token(self) -> bool:
        now = time.monotonic()
        refill = (now - self.refilled) * settings.WS_MESSAGES_PER_SECOND
        self.tokens = min(settings.WS_MESSAGE_BURST, self.tokens + refill)
        self.refilled = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any
    ) -> None:
        """Frames that are not a JSON object get an `error` event, not a dropped connection;
        after WS_MAX_BAD_FRAMES of them the socket is closed with 4400."""
        content, problem = _decode_frame(text_data, bytes_data)
        if problem is None:
            await self.receive_json(content)
            return
        self.bad_frames += 1
        await self.send_json(
            {"type": "error", "code": ErrorCode.MALFORMED_REQUEST, "detail": problem}
        )
        if self.bad_frames >= settings.WS_MAX_BAD_FRAMES:
            await self.close(code=CLOSE_BAD_FRAMES)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if self.closing:
            return
        if not self._take_token():
            await self.send_json(RATE_LIMITED)
            return
        if not isinstance(content, dict) or content.get("type") != "annotation.create":
            await self.send_json(
                {
                    "type": "error",
                    "code": ErrorCode.INVALID,
                    "detail": 'Send {"type": "annotation.create", "data": {...}}.',
                }
            )
            return
        try:
            self.drawings.put_nowait(content.get("data"))
        except asyncio.QueueFull:
            await self.send_json(RATE_LIMITED)

    async def _save_drawings(self) -> None:
        while True:
            data = await self.drawings.get()
            try:
                result = await DatabaseSyncToAsync(
                    self._create_drawing, thread_sensitive=False, executor=DRAWING_SAVES
                )(data)
            except Exception:  # one bad message must not stop the saver for the others
                logger.exception("saving a drawing from the real-time channel failed")
                result = {"type": "error", "code": ErrorCode.SERVER_ERROR}
            if not self.closing:
                await self.send_json(result)


def _decode_frame(text_data: str | None, bytes_data: bytes | None) -> tuple[Any, str | None]:
    """The frame's JSON object, or why there is none."""
    if text_data is None:
        return None, "Send text frames of JSON; binary frames are not understood."
    if len(text_data) > MAX_FRAME_CHARS:
        return None, f"A frame may hold at most {MAX_FRAME_CHARS} characters."
    if json_too_deep(text_data):
        return None, f"JSON nested deeper than {settings.JSON_MAX_DEPTH} levels."
    try:
        content = json.loads(text_data)
    except ValueError:
        return None, "The frame is not JSON."
    if not isinstance(content, dict):
        return None, "Send a JSON object."
    return content, None


@database_sync_to_async
def _connect_rate_exceeded(scope: dict[str, Any], user: User) -> bool:
    """Handshakes per client address and per user (WS_CONNECT_RATE_LIMIT each)."""
    rate = settings.WS_CONNECT_RATE_LIMIT
    try:
        enforce_rate_limit(None, group="ws-connect-ip", key=scope_client_ip(scope), rate=rate)
        enforce_rate_limit(None, group="ws-connect-user", key=str(user.pk), rate=rate)
    except RateLimited:
        return True
    return False


def _update_presence(key: str, member: str, joined: bool) -> list[dict[str, Any]]:
    client = cache.client.get_client()  # type: ignore[attr-defined]
    full_key = cache.make_key(key)
    if joined:
        client.sadd(full_key, member)
        client.expire(full_key, PRESENCE_TTL)
    else:
        client.srem(full_key, member)
    viewers: dict[str, dict[str, Any]] = {}
    for raw in client.smembers(full_key):
        user_id, username, _ = raw.decode().split(":", 2)
        viewers[user_id] = {"id": int(user_id), "username": username}
    return sorted(viewers.values(), key=lambda viewer: viewer["username"])


def _create_drawing(user: User, video_id: uuid.UUID, data: Any) -> dict[str, Any]:
    """The same validation, permission, rate limit and service as POST
    /api/v1/annotations/drawing, for the user as they are now (the connect-time instance may
    carry an old role)."""
    current = User.objects.filter(pk=user.pk, is_active=True).first()
    serializer = DrawingCreateSerializer(
        data={**(data if isinstance(data, dict) else {}), "video_id": str(video_id)}
    )
    if not serializer.is_valid():
        return {
            "type": "error",
            "code": ErrorCode.INVALID,
            "errors": realtime.as_json(serializer.errors),
        }
    try:
        video = video_get(user=current or AnonymousUser(), video_id=video_id)
        if current is None or not can_annotate(current, video):
            return {
                "type": "error",
                "code": ErrorCode.PERMISSION_DENIED,
                "detail": "You may view this video but not annotate it.",
            }
        enforce_annotation_create_limit(user.pk)
        annotation = annotation_create_drawing(
            video=video,
            author=current,
            **{
                key: serializer.validated_data[key]
                for key in ("timestamp", "duration", "drawing_data")
            },
        )
    except ApplicationError as error:
        return {"type": "error", **error.as_dict()}
    return {
        "type": "annotation.saved",
        "payload": realtime.as_json(AnnotationOutputSerializer(annotation).data),
    }
