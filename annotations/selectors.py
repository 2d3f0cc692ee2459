"""Every read of annotations, with the video's access rules and moderation applied once."""

import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from accounts.models import User
from annotations.errors import AnnotationNotFound, CommentNotFound
from annotations.measure import metres_per_pixel
from annotations.models import Annotation, Comment
from videos.errors import ComparisonNotFound, VideoNotFound
from videos.models import Comparison, Video
from videos.permissions import is_staff
from videos.selectors import comparison_get, video_get


def annotation_list(*, user: User | AnonymousUser, video: Video) -> QuerySet[Annotation]:
    """The video's annotations in time order; hidden ones only for staff. The caller has
    already fetched `video` through the video selectors (so may see it). Drawings on a
    comparison's panes belong to the comparison, not here."""
    annotations = Annotation.objects.filter(video_id=video.pk, comparison_id__isnull=True)
    if not is_staff(user):
        annotations = annotations.filter(hidden=False)
    return annotations.order_by("timestamp", "created_at")


def comparison_annotation_list(
    *, user: User | AnonymousUser, comparison: Comparison, side: str | None = None
) -> QuerySet[Annotation]:
    """The drawings on a comparison's panes (one side's, or both), in time order; the caller
    has fetched `comparison` through the video selectors (so may see it)."""
    annotations = Annotation.objects.filter(comparison_id=comparison.pk)
    if side:
        annotations = annotations.filter(side=side)
    if not is_staff(user):
        annotations = annotations.filter(hidden=False)
    return annotations.order_by("timestamp", "created_at")


def annotation_get_for(
    *, user: User | AnonymousUser, annotation_id: uuid.UUID | str
) -> tuple[Annotation, Video]:
    """The annotation and its video if the user may see both; otherwise 404, never 403."""
    try:
        annotation = Annotation.objects.filter(pk=annotation_id).first()
    except (ValueError, TypeError):
        annotation = None
    if annotation is None or (annotation.hidden and not is_staff(user)):
        raise AnnotationNotFound()
    if annotation.comparison_id is not None:
        try:
            comparison = comparison_get(user=user, comparison_id=annotation.comparison_id)
        except ComparisonNotFound:
            raise AnnotationNotFound() from None
        return annotation, comparison.video(annotation.side)
    try:
        video = video_get(user=user, video_id=annotation.video_id)
    except VideoNotFound:
        raise AnnotationNotFound() from None
    return annotation, video


def annotation_comparison_for(
    *, user: User | AnonymousUser, annotation: Annotation
) -> Comparison | None:
    """The comparison whose pane the annotation is on (None for a video's own annotation)."""
    if annotation.comparison_id is None:
        return None
    try:
        return comparison_get(user=user, comparison_id=annotation.comparison_id)
    except ComparisonNotFound:
        raise AnnotationNotFound() from None


def comment_list(*, user: User | AnonymousUser, video: Video) -> list[Comment]:
    """The video's threads in time order (whole-video threads first, then by moment, then by
    when written), each followed by its replies oldest first. Hidden comments (and the replies
    of a hidden thread) for staff only. The caller fetched `video` through the video selectors.
    """
    comments = list(Comment.objects.filter(video_id=video.pk).order_by("created_at"))
    if not is_staff(user):
        hidden_threads = {c.pk for c in comments if c.hidden and c.parent_id is None}
        comments = [c for c in comments if not c.hidden and c.parent_id not in hidden_threads]
    threads = [c for c in comments if c.parent_id is None]
    threads.sort(key=lambda c: (c.timestamp is not None, c.timestamp or 0.0, c.created_at))
    replies: dict[uuid.UUID, list[Comment]] = {}
    for comment in comments:
        if comment.parent_id is not None:
            replies.setdefault(comment.parent_id, []).append(comment)
    ordered: list[Comment] = []
    for thread in threads:
        ordered += [thread, *replies.get(thread.pk, [])]
    return ordered


def comment_get_for(
    *, user: User | AnonymousUser, comment_id: uuid.UUID | str
) -> tuple[Comment, Video]:
    """The comment and its video if the user may see both; otherwise 404, never 403."""
    try:
        comment = Comment.objects.filter(pk=comment_id).first()
    except (ValueError, TypeError):
        comment = None
    if comment is None or (comment.hidden and not is_staff(user)):
        raise CommentNotFound()
    try:
        video = video_get(user=user, video_id=comment.video_id)
    except VideoNotFound:
        raise CommentNotFound() from None
    return comment, video


@dataclass(frozen=True)
class MeasureBasis:
    """What measurements on a video's picture need: its source size as displayed, its frame
    rate and its latest calibration (metres per source pixel, None when not calibrated)."""

    width: int
    height: int
    fps: float | None
    metres_per_pixel: float | None


def latest_calibration(video_id: uuid.UUID | str) -> dict[str, Any] | None:
    """The drawing data of the video's most recent visible calibration (the one that applies)."""
    latest = (
        Annotation.objects.filter(
            video_id=video_id,
            comparison_id__isnull=True,  # a calibration on a comparison's pane stays there
            drawing_data__tool_type="calibration",
            hidden=False,
        )
        .order_by("-created_at")
        .values_list("drawing_data", flat=True)
        .first()
    )
    return dict(latest) if latest else None


def measure_basis(video_id: uuid.UUID | str, *, video: Video | None = None) -> MeasureBasis:
    """The basis of measurements on a video (pass `video` when it is at hand: one query less)."""
    if video is not None:
        width, height, fps = video.width, video.height, video.fps
    else:
        facts = Video.objects.filter(pk=video_id).values_list("width", "height", "fps").first()
        width, height, fps = facts or (0, 0, None)
    scale = metres_per_pixel(latest_calibration(video_id), width or 0, height or 0)
    return MeasureBasis(width or 0, height or 0, fps, scale)
