"""The real-time channel of a comparison: /ws/comparisons/{id}/.

The same protocol as a video's channel (annotations.consumers.VideoConsumer, which this
subclasses: flood limits, bad frames, event forwarding, token expiry, presence), with the
comparison's access rules: whoever may see the comparison (its owner, its shares, staff, and
each only while they may view both videos) may listen; its owner, staff and `annotate` shares
draw on its panes (`{"type": "annotation.create", "data": {"side": "left", ...}}`). Access is
asked of the database again before every event and on every `access.check`; lost access closes
the socket with 4403. Events: annotation.created/updated/deleted for pane drawings,
presence.joined/left, comparison.updated (sync, layout, mirror, title), and the comparison's
exports (compare_export.progress/ready/failed).
"""

import asyncio
import logging
import time
import uuid
from typing import Any
from urllib.parse import parse_qs

from channels.db import DatabaseSyncToAsync, database_sync_to_async
from django.conf import settings
from django.contrib.auth.models import AnonymousUser

from accounts.authentication import user_from_access_token
from accounts.models import User
from annotations import realtime
from annotations.consumers import (
    ACCESS_CHECKS,
    CLOSE_FORBIDDEN,
    CLOSE_RATE_LIMITED,
    DRAWING_SAVES,
    VideoConsumer,
    _connect_rate_exceeded,
    _origin_allowed,
    _session_signs_in,
    _token_expiry,
    _update_presence,
)
from annotations.serializers import AnnotationOutputSerializer, DrawingCreateSerializer
from annotations.services import annotation_create_drawing
from config.errors import ApplicationError, ErrorCode
from config.ratelimit import enforce_annotation_create_limit
from videos.models import Comparison, SharePermission
from videos.permissions import can_annotate_comparison, can_view_comparison
from videos.selectors import comparison_get

logger = logging.getLogger(__name__)


def _scope_user(scope: dict[str, Any]) -> User | None:
    """The token's user, or the session's when the socket comes from our own pages."""
    token = parse_qs(scope.get("query_string", b"").decode()).get("token", [""])[0]
    if token:
        return user_from_access_token(token)
    session_user = scope.get("user")
    if not (isinstance(session_user, User) and session_user.is_authenticated):
        return None
    return session_user if _origin_allowed(scope) else None


@database_sync_to_async
def _authorise(scope: dict[str, Any], comparison_id: str) -> tuple[User, Comparison] | None:
    user = _scope_user(scope)
    if user is None:
        return None
    try:
        comparison = comparison_get(user=user, comparison_id=comparison_id)
    except ApplicationError:
        return None
    return user, comparison


def _permission(user: User | AnonymousUser, comparison: Comparison) -> str | None:
    if not can_view_comparison(user, comparison):
        return None
    if can_annotate_comparison(user, comparison):
        return SharePermission.ANNOTATE
    return SharePermission.VIEW


def _current_permission(
    user_id: int, comparison_id: uuid.UUID, session_key: str | None
) -> str | None:
    """What the user may do with the comparison now, read from the database every time (the
    user, their session, the comparison, its shares, and both videos with their shares)."""
    user = User.objects.filter(pk=user_id, is_active=True).prefetch_related("groups").first()
    if user is None or (session_key is not None and not _session_signs_in(session_key, user)):
        return None
    try:
        comparison = comparison_get(user=user, comparison_id=comparison_id)
    except ApplicationError:
        return None
    return _permission(user, comparison)


class ComparisonConsumer(VideoConsumer):
    async def connect(self) -> None:
        comparison_id = self.scope["url_route"]["kwargs"]["comparison_id"]
        allowed = await _authorise(self.scope, comparison_id)
        if allowed is None:
            await self.accept()
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.user, self.comparison = allowed
        if await _connect_rate_exceeded(self.scope, self.user):
            await self.accept()
            await self.close(code=CLOSE_RATE_LIMITED)
            return
        self.permission = _permission(self.user, self.comparison)
        self.checked_at = time.monotonic()  # _authorise just read it from the database
        self.expires_at = _token_expiry(self.scope)
        session = self.scope.get("session")
        self.session_key = session.session_key if self.expires_at is None and session else None
        self.group = realtime.comparison_group(self.comparison.pk)
        self.groups_joined = [self.group, realtime.user_group(self.user.pk)]
        self.connection_id = uuid.uuid4().hex
        self.tokens, self.refilled = float(settings.WS_MESSAGE_BURST), time.monotonic()
        self.bad_frames = 0
        self.present = True
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
        await self._presence("joined")

    async def _look_up_permission(self) -> str | None:
        return await DatabaseSyncToAsync(
            _current_permission, thread_sensitive=False, executor=ACCESS_CHECKS
        )(self.user.pk, self.comparison.pk, self.session_key)

    async def _presence(self, change: str) -> None:
        key = f"presence:comparison:{self.comparison.pk}"
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

    async def _save_drawings(self) -> None:
        while True:
            data = await self.drawings.get()
            try:
                result = await DatabaseSyncToAsync(
                    _create_pane_drawing, thread_sensitive=False, executor=DRAWING_SAVES
                )(self.user, self.comparison.pk, data)
            except Exception:  # one bad message must not stop the saver for the others
                logger.exception("saving a pane drawing from the real-time channel failed")
                result = {"type": "error", "code": ErrorCode.SERVER_ERROR}
            if not self.closing:
                await self.send_json(result)


def _create_pane_drawing(user: User, comparison_id: uuid.UUID, data: Any) -> dict[str, Any]:
    """The same validation, permission, rate limit and service as POST
    /api/v1/annotations/drawing with comparison_id, for the user as they are now."""
    current = User.objects.filter(pk=user.pk, is_active=True).first()
    serializer = DrawingCreateSerializer(
        data={**(data if isinstance(data, dict) else {}), "comparison_id": str(comparison_id)}
    )
    if not serializer.is_valid():
        return {
            "type": "error",
            "code": ErrorCode.INVALID,
            "errors": realtime.as_json(serializer.errors),
        }
    values = serializer.validated_data
    try:
        comparison = comparison_get(user=current or AnonymousUser(), comparison_id=comparison_id)
        if current is None or not can_annotate_comparison(current, comparison):
            return {
                "type": "error",
                "code": ErrorCode.PERMISSION_DENIED,
                "detail": "You may view this comparison but not draw on it.",
            }
        video = comparison.video(values["side"])
        if values.get("video_id") is not None and values["video_id"] != video.pk:
            raise ApplicationError(errors={"video_id": [f"Not the {values['side']} pane's video."]})
        enforce_annotation_create_limit(user.pk)
        annotation = annotation_create_drawing(
            video=video,
            author=current,
            comparison=comparison,
            side=values["side"],
            **{key: values[key] for key in ("timestamp", "duration", "drawing_data")},
        )
    except ApplicationError as error:
        return {"type": "error", **error.as_dict()}
    return {
        "type": "annotation.saved",
        "payload": realtime.as_json(AnnotationOutputSerializer(annotation).data),
    }
