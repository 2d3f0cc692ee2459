"""Who may do what with a video: the one place the access rules live.

Owner, users it is shared with, and staff may see a video, its media and its annotations; anyone
else gets 404. A hidden video is visible only to staff and its owner. Owners annotate their own
videos; others need an `annotate` share, which only coaches and staff can be given.
"""

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Q
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from accounts.models import Role, User
from videos.models import (
    Comparison,
    Moderation,
    Rendition,
    SharePermission,
    Video,
    VideoShare,
    VideoStatus,
)

UPLOAD_ROLES = {Role.STAFF, Role.COACH, Role.ATHLETE}
ANNOTATE_SHARE_ROLES = {Role.STAFF, Role.COACH}


def is_staff(user: User | AnonymousUser) -> bool:
    return bool(user.is_authenticated and user.is_staff_role)


def visible_videos_q(user: User | AnonymousUser) -> Q:
    """Videos the user may see, as a filter (uploads in progress are not videos yet)."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    listed = ~Q(status=VideoStatus.UPLOADING)
    if is_staff(user):
        return listed
    # A subquery rather than a join on shares: one row per video, so no DISTINCT (which made
    # the database compare whole rows, and the page count a count of a DISTINCT subquery).
    share = VideoShare.objects.filter(video=OuterRef("pk"), user=user)
    shared = Q(Exists(share)) & Q(moderation=Moderation.VISIBLE)
    return listed & (Q(owner=user) | shared)


# Where the selectors put a video's prefetched shares and renditions (plain lists).
SHARES_ATTR = "prefetched_shares"
RENDITIONS_ATTR = "prefetched_renditions"


def video_shares(video: Video) -> list[VideoShare]:
    """The video's shares: prefetched by the selectors, else read now."""
    shares: list[VideoShare] | None = getattr(video, SHARES_ATTR, None)
    return list(video.shares.all()) if shares is None else shares


def video_renditions(video: Video) -> list[Rendition]:
    renditions: list[Rendition] | None = getattr(video, RENDITIONS_ATTR, None)
    return list(video.renditions.all()) if renditions is None else renditions


def share_permission(user: User | AnonymousUser, video: Video) -> str | None:
    if not user.is_authenticated:
        return None
    for share in video_shares(video):
        if share.user_id == user.pk:
            return share.permission
    return None


def can_view(user: User | AnonymousUser, video: Video) -> bool:
    if not user.is_authenticated or video.status == VideoStatus.UPLOADING:
        return False
    if is_staff(user) or video.owner_id == user.pk:
        return True
    return video.moderation == Moderation.VISIBLE and share_permission(user, video) is not None


def can_edit(user: User | AnonymousUser, video: Video) -> bool:
    return user.is_authenticated and (video.owner_id == user.pk or is_staff(user))


def can_annotate(user: User | AnonymousUser, video: Video) -> bool:
    if not can_view(user, video):
        return False
    if video.owner_id == user.pk or is_staff(user):
        return True
    return share_permission(user, video) == SharePermission.ANNOTATE


def can_upload(user: User | AnonymousUser) -> bool:
    return user.is_authenticated and user.role in UPLOAD_ROLES


def may_receive_share(user: User, permission: str) -> bool:
    return permission == SharePermission.VIEW or user.role in ANNOTATE_SHARE_ROLES


# --- Comparisons: two videos side by side ------------------------------------------------------
# A comparison is seen by its owner, those it is shared with, and staff, and by each of them
# only while they may view BOTH of its videos (sharing a comparison never shares its videos).
# Its owner, staff and `annotate` shares draw on its panes and move its sync and layout; its
# owner and staff rename, share and delete it.


def comparison_share_permission(user: User | AnonymousUser, comparison: Comparison) -> str | None:
    if not user.is_authenticated:
        return None
    for share in comparison.shares.all():  # prefetched by the selectors
        if share.user_id == user.pk:
            return share.permission
    return None


def visible_comparisons_q(user: User | AnonymousUser) -> Q:
    """Comparisons the user may see, as a filter: theirs or shared with them (staff: all), with
    both videos among the videos they may see."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    videos = Video.objects.filter(visible_videos_q(user)).values("pk")
    both = Q(left_video__in=videos) & Q(right_video__in=videos)
    if is_staff(user):
        return both
    return both & (Q(owner=user) | Q(shares__user=user))


def can_view_comparison(user: User | AnonymousUser, comparison: Comparison) -> bool:
    if not user.is_authenticated:
        return False
    if not (can_view(user, comparison.left_video) and can_view(user, comparison.right_video)):
        return False
    return (
        is_staff(user)
        or comparison.owner_id == user.pk
        or comparison_share_permission(user, comparison) is not None
    )


def can_edit_comparison(user: User | AnonymousUser, comparison: Comparison) -> bool:
    return can_view_comparison(user, comparison) and (
        comparison.owner_id == user.pk or is_staff(user)
    )


def can_annotate_comparison(user: User | AnonymousUser, comparison: Comparison) -> bool:
    if not can_view_comparison(user, comparison):
        return False
    if comparison.owner_id == user.pk or is_staff(user):
        return True
    return comparison_share_permission(user, comparison) == SharePermission.ANNOTATE


# --- The same rules as DRF permission classes, for the viewsets ---------------------------------


class VideoAccess(BasePermission):
    """Seeing a video is the selector's business (404 for others); these actions need more.

    `view.action` names the viewset action; the refusal says, in words, who may do it."""

    OWNER_ACTIONS = {
        "partial_update": "Only the owner may edit this video.",
        "destroy": "Only the owner may delete this video.",
        "shares": "Only the owner may share this video.",
        "unshare": "Only the owner may change sharing.",
        "reprocess": "Only the owner may reprocess.",
    }

    def has_permission(self, request: Request, view: Any) -> bool:
        if getattr(view, "action", None) == "create" and not can_upload(request.user):
            self.message = "Only coaches, athletes and staff may upload."
            return False
        return True

    def has_object_permission(self, request: Request, view: Any, video: Video) -> bool:
        refusal = self.OWNER_ACTIONS.get(getattr(view, "action", None) or "")
        if refusal and not can_edit(request.user, video):
            self.message = refusal
            return False
        return True


class ComparisonAccess(BasePermission):
    """Seeing a comparison is the selector's business (404 for others); these actions need more."""

    OWNER_ACTIONS = {
        "destroy": "Only the owner may delete this comparison.",
        "shares": "Only the owner may share this comparison.",
        "unshare": "Only the owner may change sharing.",
    }

    def has_object_permission(self, request: Request, view: Any, comparison: Comparison) -> bool:
        action = getattr(view, "action", None) or ""
        refusal = self.OWNER_ACTIONS.get(action)
        if refusal and not can_edit_comparison(request.user, comparison):
            self.message = refusal
            return False
        if action == "partial_update" and not can_annotate_comparison(request.user, comparison):
            self.message = "You may view this comparison but not change it."
            return False
        return True
