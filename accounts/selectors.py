"""Every read of accounts that is more than `request.user`."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q, QuerySet

from accounts.models import Invite, Notification, User
from videos.models import Comparison, Video, VideoShare
from videos.permissions import visible_comparisons_q, visible_videos_q


def user_by_username(*, username: str, active: bool = False) -> User | None:
    """The user with exactly this username (case as stored), or None; `active` skips
    deactivated accounts (a share needs someone who can sign in)."""
    users = User.objects.filter(username=username)
    if active:
        users = users.filter(is_active=True)
    return users.first()


def _inbox(user: User) -> QuerySet[Notification]:
    """The user's notifications about nothing in particular or about videos they may still see
    (a share revoked or a video hidden takes its notifications out of the inbox)."""
    visible = Video.objects.filter(visible_videos_q(user)).values("pk")
    comparisons = Comparison.objects.filter(visible_comparisons_q(user)).values("pk")
    return (
        Notification.objects.filter(recipient=user)
        .filter(Q(video__isnull=True) | Q(video__in=visible))
        .filter(Q(comparison__isnull=True) | Q(comparison__in=comparisons))
    )


def notification_list(*, user: User) -> QuerySet[Notification]:
    return _inbox(user).select_related("video", "comparison").order_by("-updated_at", "-pk")


def notification_unread_count(*, user: User) -> int:
    return _inbox(user).filter(read_at__isnull=True).count()


def user_search(*, user: User, q: str, limit: int = 10) -> list[User]:
    """People the user works with whose username contains `q`: those they shared a video with
    and the owners of videos shared with them; staff find everyone. Never an open directory."""
    people = User.objects.filter(is_active=True, username__icontains=q).exclude(pk=user.pk)
    if not user.is_staff_role:
        shared_with = VideoShare.objects.filter(video__owner=user).values("user_id")
        shared_by = VideoShare.objects.filter(user=user).values("video__owner_id")
        people = people.filter(Q(pk__in=shared_with) | Q(pk__in=shared_by))
    return list(people.prefetch_related("groups").order_by("username")[:limit])


def invites_of_video(*, video: Video) -> QuerySet[Invite]:
    """Every invitation to the video, newest first (for its owner and staff)."""
    return (
        Invite.objects.filter(video=video)
        .select_related("inviter", "used_by")
        .order_by("-created_at", "-pk")
    )


def invite_get(*, invite_id: str) -> Invite | None:
    try:
        return Invite.objects.select_related("video", "inviter").get(pk=invite_id)
    except (Invite.DoesNotExist, ValueError, TypeError, DjangoValidationError):
        return None
