"""Every read of annotations, with the video's access rules and moderation applied once."""

import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from accounts.models import User
from annotations.errors import AnnotationNotFound
from annotations.measure import metres_per_pixel
from annotations.models import Annotation
from videos.errors import VideoNotFound
from videos.models import Video
from videos.permissions import is_staff
from videos.selectors import video_get


def annotation_list(*, user: User | AnonymousUser, video: Video) -> QuerySet[Annotation]:
    """The video's annotations in time order; hidden ones only for staff. The caller has
    already fetched `video` through the video selectors (so may see it)."""
    annotations = Annotation.objects.filter(video_id=video.pk)
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
    try:
        video = video_get(user=user, video_id=annotation.video_id)
    except VideoNotFound:
        raise AnnotationNotFound() from None
    return annotation, video


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
            video_id=video_id, drawing_data__tool_type="calibration", hidden=False
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
