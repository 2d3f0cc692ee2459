"""Every write to notifications: `notify` from the places where things happen, reading them, and
what each person wants by email (the mails themselves are accounts.mail, sent by the sweeper).

A notification is pushed live to its recipient's own channel (/ws/me/, accounts.consumers) after
the write commits. Nobody hears about their own doing, nor about a video (or comparison) they
may not view.
"""

import logging
import uuid
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.db.models import F, Prefetch
from django.utils import timezone

from accounts.models import Notification, NotificationKind, NotificationPreference, User
from videos.models import Video, VideoShare
from videos.permissions import can_view

__all__ = ["NotificationKind", "notify"]

logger = logging.getLogger(__name__)

# New drawings and voice-overs on a video: one notification per person and video in this window.
GROUP_WINDOW = timedelta(minutes=10)
GROUPED_KINDS = {NotificationKind.ANNOTATION}
# The message type the per-user consumer handles (AccountConsumer.inbox_event).
INBOX_EVENT = "inbox.event"


def inbox_group(user_id: int | str) -> str:
    return f"inbox.{user_id}"


def _summary(kind: str, text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 280 else text[:279] + "…"


def _push(user_id: int, event: str, payload: dict[str, Any]) -> None:
    """To the recipient's open pages, after commit, best effort (the inbox is the record)."""

    def send() -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        message = {"type": INBOX_EVENT, "event": event, "payload": payload}
        try:
            async_to_sync(layer.group_send)(inbox_group(user_id), message)
        except Exception:  # the layer's errors vary; the inbox still has it
            logger.warning("inbox push failed", exc_info=True, extra={"event": event})

    transaction.on_commit(send)


def _wants_email(user: User, kind: str) -> bool:
    if not user.email:
        return False
    preference = NotificationPreference.objects.filter(user=user).first()
    return preference is None or kind not in preference.email_off


def _may_view(user: User, video: Video) -> bool:
    """Asked afresh: the caller's copy of the video may predate the share being made."""
    current = (
        Video.objects.filter(pk=video.pk)
        .prefetch_related(Prefetch("shares", queryset=VideoShare.objects.filter(user=user)))
        .first()
    )
    return current is not None and can_view(user, current)


def _may_view_comparison(user: User, comparison: Any) -> bool:
    """Asked afresh, as for videos (the share may have just been made)."""
    from videos.errors import ComparisonNotFound
    from videos.selectors import comparison_get

    try:
        comparison_get(user=user, comparison_id=comparison.pk)
    except ComparisonNotFound:
        return False
    return True


def notify(
    *,
    recipient: User,
    kind: NotificationKind,
    actor: User | None = None,
    video: Video | None = None,
    comparison: Any = None,
    comment: Any = None,
    timestamp: float | None = None,
    text: str = "",
) -> Notification | None:
    """Record that `kind` happened for `recipient` (and push it to their pages). Grouped kinds
    add to the person's notification about the same video from the same actor in the last ten
    minutes instead of making another. None when there is nobody to tell."""
    if not recipient.is_active or (actor is not None and actor.pk == recipient.pk):
        return None
    if video is not None and not _may_view(recipient, video):
        return None
    if comparison is not None and not _may_view_comparison(recipient, comparison):
        return None
    if comment is not None:
        text = text or comment.text
        timestamp = comment.timestamp if timestamp is None else timestamp
    now = timezone.now()
    if kind in GROUPED_KINDS:
        recent = Notification.objects.filter(
            recipient=recipient,
            kind=kind,
            actor=actor,
            video=video,
            created_at__gte=now - GROUP_WINDOW,
        ).order_by("-created_at")
        grouped = recent.first()
        if grouped is not None:
            Notification.objects.filter(pk=grouped.pk).update(
                count=F("count") + 1, updated_at=now, read_at=None
            )
            grouped.refresh_from_db()
            _push(recipient.pk, "notification.updated", _live(grouped))
            return grouped
    notification = Notification.objects.create(
        recipient=recipient,
        kind=kind,
        actor=actor,
        actor_username=actor.username if actor else "",
        video=video,
        comparison=comparison,
        comment_id=getattr(comment, "pk", None),
        timestamp=timestamp,
        text=_summary(kind, text),
        created_at=now,
        updated_at=now,
        email_pending=_wants_email(recipient, kind),
    )
    _push(recipient.pk, "notification.created", _live(notification))
    return notification


def _live(notification: Notification) -> dict[str, Any]:
    from accounts.selectors import notification_unread_count
    from accounts.serializers import NotificationOutputSerializer

    data = NotificationOutputSerializer(notification).data
    return {
        "notification": {
            key: str(value) if isinstance(value, uuid.UUID) else value
            for key, value in data.items()
        },
        "unread": notification_unread_count(user=notification.recipient),
    }


def notifications_mark_read(
    *, user: User, ids: Iterable[int] | None = None, everything: bool = False
) -> int:
    """Mark the user's notifications read (only theirs: others' ids match nothing)."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if not everything:
        unread = unread.filter(pk__in=list(ids or []))
    marked = unread.update(read_at=timezone.now())
    from accounts.selectors import notification_unread_count

    _push(user.pk, "notifications.read", {"unread": notification_unread_count(user=user)})
    return marked


def notifications_forget_comments(*, comment_ids: list[str]) -> None:
    """A deleted or hidden comment leaves no copy of its text in anyone's inbox."""
    Notification.objects.filter(comment_id__in=comment_ids).delete()


def preferences_get(*, user: User) -> dict[str, bool]:
    preference = NotificationPreference.objects.filter(user=user).first()
    off = set(preference.email_off) if preference else set()
    return {kind.value: kind.value not in off for kind in NotificationKind}


@transaction.atomic
def preferences_update(*, user: User, email: dict[str, bool]) -> dict[str, bool]:
    preference, _ = NotificationPreference.objects.select_for_update().get_or_create(user=user)
    off = set(preference.email_off)
    for kind, wanted in email.items():
        (off.discard if wanted else off.add)(NotificationKind(kind).value)
    preference.email_off = sorted(off)
    preference.save(update_fields=["email_off"])
    # Turned off: what waits for the digest is not mailed either.
    Notification.objects.filter(recipient=user, kind__in=off, email_pending=True).update(
        email_pending=False
    )
    return preferences_get(user=user)
