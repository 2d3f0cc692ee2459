"""Inviting someone to a video by email: every write to invitations.

The link is signed and names the invitation; the row says whether it is still open (unused, not
taken back, not expired), so a link works once. Using it is a conditional update (claimed once
even when opened twice at the same moment). Emails are not unique, so the address never selects
an account: the link makes a new athlete account with that address, or, opened while signed in,
gives the share to whoever is signed in. Asking to invite answers the same whether the address
has an account.
"""

import logging
import re
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts import mail
from accounts.models import Invite, Role, User
from accounts.services import user_create
from config.errors import ApplicationError, Conflict
from videos.models import SharePermission, Video

logger = logging.getLogger(__name__)

INVITE_SALT = "accounts.invites"
USERNAME = re.compile(r"[\w.@+-]{1,150}")


def invite_token(invite: Invite) -> str:
    return signing.dumps(str(invite.pk), salt=INVITE_SALT)


def invite_url(invite: Invite) -> str:
    return mail.absolute(reverse("invite", args=[invite_token(invite)]))


def invite_create(*, inviter: User, video: Video, email: str) -> Invite:
    """Record the invitation and mail it once this commits (a mail failure is logged: the
    answer must not tell whether the address exists anywhere)."""
    now = timezone.now()
    invite = Invite.objects.create(
        email=email,
        inviter=inviter,
        video=video,
        permission=SharePermission.VIEW,
        created_at=now,
        expires_at=now + timedelta(hours=settings.INVITE_TTL_HOURS),
    )

    def send() -> None:
        try:
            mail.send_invite(invite=invite, url=invite_url(invite))
        except Exception:
            logger.exception("sending an invitation failed", extra={"invite_id": str(invite.pk)})

    transaction.on_commit(send)
    return invite


def invite_open(token: str) -> Invite | None:
    """The open invitation the link names, or None (tampered, unknown, used or expired: one
    answer for all)."""
    try:
        invite_id = signing.loads(token, salt=INVITE_SALT)
    except signing.BadSignature:
        return None
    return Invite.objects.select_related("video", "inviter").filter(_open(), pk=invite_id).first()


def _open() -> Q:
    return Q(used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())


def _claim(invite: Invite, user: User) -> None:
    claimed = Invite.objects.filter(_open(), pk=invite.pk).update(
        used_at=timezone.now(), used_by=user
    )
    if not claimed:
        raise ApplicationError("This invitation was used already, taken back, or it expired.")


def invite_revoke(*, invite: Invite) -> None:
    """Take back an invitation nobody used yet: its link stops working at once (a conditional
    update: racing someone opening it, one of the two wins)."""
    revoked = Invite.objects.filter(_open(), pk=invite.pk).update(revoked_at=timezone.now())
    if not revoked:
        invite.refresh_from_db()
        raise Conflict(f"This invitation is {invite.state} already; there is nothing to take back.")


def _share(invite: Invite, user: User) -> None:
    from videos.services import video_share  # videos.services imports accounts' notifications

    if user.pk != invite.video.owner_id:
        video_share(
            video=invite.video, user=user, permission=SharePermission.VIEW, by=invite.inviter
        )


@transaction.atomic
def invite_accept_new_account(*, invite: Invite, username: str, password: str) -> User:
    """A new athlete account with the invited address, and the share: once."""
    if not USERNAME.fullmatch(username):
        raise ApplicationError(errors={"username": ["Use letters, digits and @ . + - _ only."]})
    if User.objects.filter(username__iexact=username).exists():
        raise ApplicationError(errors={"username": ["This username is taken."]})
    try:
        validate_password(password, User(username=username, email=invite.email))
    except Exception as error:  # django's ValidationError: its messages are for people
        messages = getattr(error, "messages", [str(error)])
        raise ApplicationError(errors={"password": list(messages)}) from None
    user = user_create(username=username, password=password, email=invite.email, role=Role.ATHLETE)
    _claim(invite, user)
    _share(invite, user)
    return user


@transaction.atomic
def invite_accept_signed_in(*, invite: Invite, user: User) -> None:
    """Opened while signed in: the share goes to this account, whatever its address."""
    _claim(invite, user)
    _share(invite, user)
