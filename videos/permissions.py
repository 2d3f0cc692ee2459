"""Who may do what with a video: the one place the access rules live.

Owner, users it is shared with, and staff may see a video, its media and its annotations; anyone
else gets 404. A hidden video is visible only to staff and its owner. Owners annotate their own
videos; others need an `annotate` share, which only coaches and staff can be given.
"""

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q

from accounts.models import Role, User
from config.errors import ApplicationError
from videos.models import Moderation, SharePermission, Video, VideoStatus

UPLOAD_ROLES = {Role.STAFF, Role.COACH, Role.ATHLETE}
ANNOTATE_SHARE_ROLES = {Role.STAFF, Role.COACH}


class VideoNotFound(ApplicationError):
    status_code = 404
    code = "not_found"
    default_detail = "No such video."


class VideoPermissionDenied(ApplicationError):
    status_code = 403
    code = "permission_denied"
    default_detail = "You may see this video but not do that."


def is_staff(user: User | AnonymousUser) -> bool:
    return bool(user.is_authenticated and user.is_staff_role)


def visible_videos_q(user: User | AnonymousUser) -> Q:
    """Videos the user may see, as a filter (uploads in progress are not videos yet)."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    listed = ~Q(status=VideoStatus.UPLOADING)
    if is_staff(user):
        return listed
    shared = Q(shares__user=user) & Q(moderation=Moderation.VISIBLE)
    return listed & (Q(owner=user) | shared)


def share_permission(user: User | AnonymousUser, video: Video) -> str | None:
    if not user.is_authenticated:
        return None
    for share in video.shares.all():  # prefetched by the selectors
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
