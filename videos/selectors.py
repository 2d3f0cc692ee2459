"""Every read of videos; owns select_related/prefetch so views never cause N+1 queries."""

import uuid
from typing import TypedDict

from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch, QuerySet

from accounts.models import User
from videos.models import Video, VideoShare
from videos.permissions import VideoNotFound, can_view, visible_videos_q


class VideoFilters(TypedDict, total=False):
    status: str
    owner: str
    q: str
    shared: bool


def _with_relations(queryset: QuerySet[Video]) -> QuerySet[Video]:
    return queryset.select_related("owner").prefetch_related(
        Prefetch("shares", queryset=VideoShare.objects.select_related("user")),
        "renditions",
    )


def video_list(
    *, user: User | AnonymousUser, filters: VideoFilters | None = None
) -> QuerySet[Video]:
    filters = filters or {}
    queryset = Video.objects.filter(visible_videos_q(user))
    if status := filters.get("status"):
        queryset = queryset.filter(status=status)
    if owner := filters.get("owner"):
        queryset = queryset.filter(owner__username=owner)
    if text := filters.get("q"):
        queryset = queryset.filter(title__icontains=text)
    if filters.get("shared") and user.is_authenticated:
        queryset = queryset.filter(shares__user=user)
    # visible_videos_q joins shares; distinct keeps one row per video.
    return _with_relations(queryset.distinct().order_by("-created_at"))


def video_get(*, user: User | AnonymousUser, video_id: uuid.UUID | str) -> Video:
    """The video if the user may see it; otherwise VideoNotFound (404), never 403."""
    try:
        video = _with_relations(Video.objects.all()).get(pk=video_id)
    except (Video.DoesNotExist, ValueError, TypeError):
        raise VideoNotFound() from None
    if not can_view(user, video):
        raise VideoNotFound()
    return video
