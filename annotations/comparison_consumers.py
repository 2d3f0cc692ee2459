"""The real-time channel of a comparison: /ws/comparisons/{id}/.

The same protocol as a video's channel (annotations.consumers.VideoConsumer, which this
subclasses: flood limits, bad frames, event forwarding, token expiry, presence), with the
comparison's access rules: whoever may see the comparison (its owner, its shares, staff, and
each only while they may view both videos) may listen; its owner, staff and `annotate` shares
draw on its panes (`{"type": "annotation.create", "data": {"side": "left", ...}}`). Access is
asked of the database again as on a video's channel (on every `access.check`, and before an event
once WS_ACCESS_RECHECK_SECONDS passed); lost access closes the socket with 4403. Events:
annotation.created/updated/deleted for pane drawings,
presence.joined/left, comparison.updated (sync, layout, mirror, title), and the comparison's
exports (compare_export.progress/ready/failed).
"""

import logging
import uuid
from typing import Any

from channels.db import DatabaseSyncToAsync, database_sync_to_async
from django.contrib.auth.models import AnonymousUser

from accounts.authentication import session_signs_in, socket_user
from accounts.models import User
from annotations import realtime
from annotations.consumers import (
    ACCESS_CHECKS,
    VideoConsumer,
)
from annotations.serializers import AnnotationOutputSerializer, DrawingCreateSerializer
from annotations.services import annotation_create_drawing
from config.errors import ApplicationError, ErrorCode
from config.ratelimit import enforce_annotation_create_limit
from videos.models import Comparison, SharePermission
from videos.permissions import can_annotate_comparison, can_view_comparison
from videos.selectors import comparison_get

logger = logging.getLogger(__name__)


@database_sync_to_async
def _authorise(scope: dict[str, Any], comparison_id: str) -> tuple[User, Comparison] | None:
    user = socket_user(scope)
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
    if user is None or (session_key is not None and not session_signs_in(session_key, user)):
        return None
    try:
        comparison = comparison_get(user=user, comparison_id=comparison_id)
    except ApplicationError:
        return None
    return _permission(user, comparison)


class ComparisonConsumer(VideoConsumer):
    """VideoConsumer's protocol about a comparison: only what the socket is about differs."""

    async def _authorise(self) -> tuple[User, Any] | None:
        comparison_id = self.scope["url_route"]["kwargs"]["comparison_id"]
        allowed = await _authorise(self.scope, comparison_id)
        if allowed is not None:
            self.comparison = allowed[1]
        return allowed

    def _permission_at_connect(self) -> str | None:
        return _permission(self.user, self.comparison)

    def _group(self) -> str:
        return realtime.comparison_group(self.comparison.pk)

    def _presence_key(self) -> str:
        return f"presence:comparison:{self.comparison.pk}"

    def _create_drawing(self, data: Any) -> dict[str, Any]:
        return _create_pane_drawing(self.user, self.comparison.pk, data)

    async def _look_up_permission(self) -> str | None:
        return await DatabaseSyncToAsync(
            _current_permission, thread_sensitive=False, executor=ACCESS_CHECKS
        )(self.user.pk, self.comparison.pk, self.session_key)


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
