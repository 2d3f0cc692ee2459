"""Every read of videos; owns select_related/prefetch so views never cause N+1 queries."""

import uuid

from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from accounts.models import User
from videos.errors import ComparisonNotFound, VideoNotFound
from videos.models import (
    Comparison,
    ComparisonShare,
    Rendition,
    TusUpload,
    Video,
    VideoShare,
    VideoStatus,
)
from videos.permissions import (
    RENDITIONS_ATTR,
    SHARES_ATTR,
    can_view,
    can_view_comparison,
    visible_comparisons_q,
    visible_videos_q,
)

# What the output and the access rules read of a video's shares and renditions (other fields
# load on access): a page of 25 videos builds about 150 related rows, field by field.
_SHARES = VideoShare.objects.select_related("user").only(
    "video_id", "user_id", "permission", "user__username"
)
_RENDITIONS = Rendition.objects.defer("playlist", "created_at")


def _with_relations(queryset: QuerySet[Video]) -> QuerySet[Video]:
    """Owner, shares and renditions in three queries for any number of videos. The related
    rows land in plain lists (`video_shares`, `video_renditions` read them): a prefetch into
    the managers clones a filtered queryset per video and relation, a tenth of a page's time."""
    return queryset.select_related("owner").prefetch_related(
        Prefetch("shares", queryset=_SHARES, to_attr=SHARES_ATTR),
        Prefetch("renditions", queryset=_RENDITIONS, to_attr=RENDITIONS_ATTR),
    )


def video_list(*, user: User | AnonymousUser) -> QuerySet[Video]:
    """Videos the user may see, newest first; the API narrows it with `videos.filters`.

    Without the analysis (motion per 0.5 s: thousands of numbers for a long video), which only
    its own endpoint shows."""
    queryset = Video.objects.filter(visible_videos_q(user)).order_by("-created_at")
    return _with_relations(queryset.defer("analysis"))


def video_get(
    *, user: User | AnonymousUser, video_id: uuid.UUID | str, renditions: bool = True
) -> Video:
    """The video if the user may see it; otherwise VideoNotFound (404), never 403.

    Its analysis loads when read (only its own endpoint shows it); `renditions=False` for the
    callers that only check access (the annotations), one query fewer."""
    queryset = Video.objects.defer("analysis").select_related("owner")
    queryset = queryset.prefetch_related(Prefetch("shares", queryset=_SHARES, to_attr=SHARES_ATTR))
    if renditions:
        queryset = queryset.prefetch_related(
            Prefetch("renditions", queryset=_RENDITIONS, to_attr=RENDITIONS_ATTR)
        )
    try:
        video = queryset.get(pk=video_id)
    except (Video.DoesNotExist, ValueError, TypeError):
        raise VideoNotFound() from None
    if not can_view(user, video):
        raise VideoNotFound()
    return video


def user_stored_bytes(*, user: User) -> int:
    """What counts against the user's quota: stored videos and unfinished uploads' lengths."""
    stored = Video.objects.filter(owner=user).aggregate(total=Sum("size"))["total"] or 0
    pending = (
        Video.objects.filter(owner=user, status=VideoStatus.UPLOADING).aggregate(
            total=Sum("tus_upload__length")
        )["total"]
        or 0
    )
    return int(stored) + int(pending)


def upload_get_for(*, user: User, upload_id: uuid.UUID) -> TusUpload | None:
    """The user's own unfinished, unexpired resumable upload, or None."""
    upload = (
        TusUpload.objects.select_related("video")
        .filter(pk=upload_id, video__owner=user, video__status=VideoStatus.UPLOADING)
        .first()
    )
    if upload is None or upload.expires_at < timezone.now():
        return None
    return upload


# --- Comparisons ---------------------------------------------------------------------------------


def _comparison_relations(queryset: QuerySet[Comparison]) -> QuerySet[Comparison]:
    videos = Video.objects.select_related("owner").prefetch_related(
        Prefetch("shares", queryset=VideoShare.objects.select_related("user")), "renditions"
    )
    return queryset.select_related("owner").prefetch_related(
        Prefetch("left_video", queryset=videos),
        Prefetch("right_video", queryset=videos),
        Prefetch("shares", queryset=ComparisonShare.objects.select_related("user")),
    )


def comparison_list(*, user: User | AnonymousUser) -> QuerySet[Comparison]:
    """Comparisons the user may see (theirs and shared with them, both videos viewable)."""
    queryset = Comparison.objects.filter(visible_comparisons_q(user)).distinct()
    return _comparison_relations(queryset.order_by("-created_at"))


def comparison_get(*, user: User | AnonymousUser, comparison_id: uuid.UUID | str) -> Comparison:
    """The comparison if the user may see it and both its videos; otherwise 404, never 403."""
    try:
        comparison = _comparison_relations(Comparison.objects.all()).get(pk=comparison_id)
    except (Comparison.DoesNotExist, ValueError, TypeError):
        raise ComparisonNotFound() from None
    if not can_view_comparison(user, comparison):
        raise ComparisonNotFound()
    return comparison


def comparisons_of_video(*, video_id: uuid.UUID | str) -> QuerySet[Comparison]:
    return Comparison.objects.filter(Q(left_video_id=video_id) | Q(right_video_id=video_id))
