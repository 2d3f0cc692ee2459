"""Mail: notifications gathered into digests (sent by the sweeper), one-click unsubscribe links,
and invitations. Django's email framework; the backend and SMTP server come from the settings.

A notification waits NOTIFICATION_DIGEST_SECONDS for others to the same person: what has
gathered by then leaves as one mail (one notification: a mail about it; several: a digest).
Each mail links every item to its moment in the studio and carries a signed unsubscribe link per
kind in it (and RFC 8058 List-Unsubscribe headers for mail clients' own button).
"""

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Min
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts import selectors
from accounts.models import Invite, Notification, NotificationKind, User
from accounts.serializers import notification_path, notification_sentence

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "accounts.mail.unsubscribe"


def absolute(path: str) -> str:
    base = settings.PUBLIC_BASE_URL or settings.EMAIL_LINK_BASE_URL
    return base.rstrip("/") + path


def unsubscribe_token(user: User, kinds: list[str]) -> str:
    """Signed (not expiring: a mail may be read months later); names the user and kinds."""
    return signing.dumps({"u": user.pk, "k": sorted(set(kinds))}, salt=UNSUBSCRIBE_SALT)


def unsubscribe_read(token: str) -> tuple[User, list[str]] | None:
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        kinds = [NotificationKind(kind).value for kind in data["k"]]
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    user = User.objects.filter(pk=data["u"]).first()
    return (user, kinds) if user is not None and kinds else None


def unsubscribe_url(user: User, kinds: list[str]) -> str:
    return absolute(reverse("unsubscribe", args=[unsubscribe_token(user, kinds)]))


def digests_send_due(*, now: Any = None) -> int:
    """Mail everyone whose oldest waiting notification has waited long enough; returns how many
    mails went. Safe to run from several processes: each notification is claimed once."""
    now = now or timezone.now()
    due = (
        Notification.objects.filter(email_pending=True)
        .values("recipient_id")
        .annotate(first=Min("created_at"))
        .filter(first__lte=now - timedelta(seconds=settings.NOTIFICATION_DIGEST_SECONDS))
    )
    sent = 0
    for row in list(due):
        try:
            sent += _send_digest(recipient_id=row["recipient_id"], now=now)
        except Exception:  # one person's mail server trouble must not stop the others
            logger.exception("sending a notification mail failed")
    return sent


def _claim(recipient_id: int, now: Any) -> list[int]:
    with transaction.atomic():
        ids = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(recipient_id=recipient_id, email_pending=True)
            .values_list("pk", flat=True)
        )
        Notification.objects.filter(pk__in=ids).update(email_pending=False, emailed_at=now)
    return ids


def _send_digest(*, recipient_id: int, now: Any) -> int:
    ids = _claim(recipient_id, now)
    recipient = User.objects.filter(pk=recipient_id, is_active=True).first()
    if not ids or recipient is None or not recipient.email:
        return 0
    # Only what they may still see (a share revoked meanwhile takes its news with it).
    items = list(selectors.notification_list(user=recipient).filter(pk__in=ids))
    if not items:
        return 0
    message = digest_message(recipient, items)
    try:
        message.send()
    except Exception:
        # Back in the queue: the next sweep tries again.
        Notification.objects.filter(pk__in=ids).update(email_pending=True, emailed_at=None)
        raise
    return 1


def digest_message(recipient: User, items: list[Notification]) -> EmailMultiAlternatives:
    kinds = sorted({item.kind for item in items})
    entries = [
        {"sentence": notification_sentence(item), "url": absolute(notification_path(item))}
        for item in items
    ]
    unsubscribe = [
        {"label": NotificationKind(kind).label, "url": unsubscribe_url(recipient, [kind])}
        for kind in kinds
    ]
    if len(items) == 1:
        subject = entries[0]["sentence"]
        subject = subject if len(subject) <= 120 else subject[:119] + "…"
    else:
        subject = f"{len(items)} new notifications"
    context = {
        "user": recipient,
        "entries": entries,
        "unsubscribe": unsubscribe,
        "settings_url": absolute(reverse("notification-settings")),
        "inbox_url": absolute(reverse("inbox")),
    }
    all_kinds = unsubscribe_url(recipient, kinds)
    message = EmailMultiAlternatives(
        subject=subject.replace("\n", " "),
        body=render_to_string("accounts/mail/digest.txt", context),
        to=[recipient.email],
        headers={
            "List-Unsubscribe": f"<{all_kinds}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(render_to_string("accounts/mail/digest.html", context), "text/html")
    return message


def send_invite(*, invite: Invite, url: str) -> None:
    context = {"invite": invite, "url": url, "hours": settings.INVITE_TTL_HOURS}
    message = EmailMultiAlternatives(
        subject=f"{invite.inviter.username} invites you to a video on Video coaching",
        body=render_to_string("accounts/mail/invite.txt", context),
        to=[invite.email],
    )
    message.attach_alternative(render_to_string("accounts/mail/invite.html", context), "text/html")
    message.send()
