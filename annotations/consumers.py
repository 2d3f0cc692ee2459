"""The real-time channel of a video: /ws/videos/{id}/.

Everyone who may view the video may listen; changes made anywhere (REST, another socket, the
worker) arrive as events. Clients may create drawings here too, validated exactly like REST.
"""

import json
import time
import uuid
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.core.cache import cache
from django.http.request import split_domain_port, validate_host

from accounts.authentication import user_from_access_token
from accounts.models import User
from annotations import realtime
from annotations.serializers import AnnotationOutputSerializer, DrawingCreateSerializer
from annotations.services import annotation_create_drawing
from config.errors import ApplicationError, ErrorCode, RateLimited
from config.parsers import json_too_deep
from config.ratelimit import enforce_annotation_create_limit, enforce_rate_limit, scope_client_ip
from videos.permissions import can_annotate, can_view
from videos.selectors import video_get

CLOSE_FORBIDDEN = 4403
CLOSE_BAD_FRAMES = 4400
CLOSE_RATE_LIMITED = 4429
MAX_FRAME_CHARS = 256 * 1024  # a drawing's REST body limit
PRESENCE_TTL = 3600


def _origin_allowed(scope: dict[str, Any]) -> bool:
    headers = dict(scope.get("headers") or [])
    origin = headers.get(b"origin", b"").decode("latin-1")
    if not origin:
        return False
    host = origin.split("://", 1)[-1]
    domain, _port = split_domain_port(host)
    return bool(domain) and validate_host(domain, settings.ALLOWED_HOSTS)


@database_sync_to_async
def _authorise(scope: dict[str, Any], video_id: str) -> tuple[User, Any] | None:
    token = parse_qs(scope.get("query_string", b"").decode()).get("token", [""])[0]
    if token:
        user = user_from_access_token(token)
    else:
        session_user = scope.get("user")
        # A browser's cookie rides along on any page's socket: only our own pages may use it.
        user = (
            session_user
            if isinstance(session_user, User) and session_user.is_authenticated
            else None
        )
        if user is not None and not _origin_allowed(scope):
            return None
    if user is None:
        return None
    try:
        video = video_get(user=user, video_id=video_id)
    except ApplicationError:
        return None
    return (user, video) if can_view(user, video) else None


class VideoConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        video_id = self.scope["url_route"]["kwargs"]["video_id"]
        allowed = await _authorise(self.scope, video_id)
        if allowed is None:
            # Accept, then close with our code: a refused handshake would only say "403".
            await self.accept()
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.user, self.video = allowed
        if await _connect_rate_exceeded(self.scope, self.user):
            await self.accept()
            await self.close(code=CLOSE_RATE_LIMITED)
            return
        self.group = realtime.video_group(self.video.pk)
        self.connection_id = uuid.uuid4().hex
        self.tokens, self.refilled = float(settings.WS_MESSAGE_BURST), time.monotonic()
        self.bad_frames = 0
        # `?presence=0`: a page that only follows the video's status (the library, the upload
        # page) listens without being announced as someone looking at the video.
        query = parse_qs(self.scope.get("query_string", b"").decode())
        self.present = query.get("presence", ["1"])[0] != "0"
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        realtime.CONNECTED_CLIENTS.inc()
        if self.present:
            await self._presence("joined")

    async def disconnect(self, code: int) -> None:
        if not hasattr(self, "group"):
            return
        realtime.CONNECTED_CLIENTS.dec()
        await self.channel_layer.group_discard(self.group, self.channel_name)
        if self.present:
            await self._presence("left")

    async def _presence(self, change: str) -> None:
        key = f"presence:{self.video.pk}"
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

    async def broadcast(self, message: dict[str, Any]) -> None:
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
        if not self._take_token():
            await self.send_json(
                {
                    "type": "error",
                    "code": ErrorCode.RATE_LIMITED,
                    "detail": "Too many messages; slow down.",
                }
            )
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
        result = await database_sync_to_async(_create_drawing)(
            self.user, self.video.pk, content.get("data")
        )
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
    /api/v1/annotations/drawing."""
    serializer = DrawingCreateSerializer(
        data={**(data if isinstance(data, dict) else {}), "video_id": str(video_id)}
    )
    if not serializer.is_valid():
        return {
            "type": "error",
            "code": ErrorCode.INVALID,
            "errors": realtime.as_json(serializer.errors),
        }
    video = video_get(user=user, video_id=video_id)
    if not can_annotate(user, video):
        return {
            "type": "error",
            "code": ErrorCode.PERMISSION_DENIED,
            "detail": "You may view this video but not annotate it.",
        }
    try:
        enforce_annotation_create_limit(user.pk)
        annotation = annotation_create_drawing(
            video=video,
            author=user,
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
