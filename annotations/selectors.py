"""Every read of annotations, with the video's access rules and moderation applied once."""

import uuid

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from accounts.models import User
from annotations.errors import AnnotationNotFound
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
