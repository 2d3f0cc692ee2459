"""Every write to accounts."""

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts.models import Role, User
from annotations import realtime


@transaction.atomic
def user_create(*, username: str, password: str, email: str = "", role: Role) -> User:
    user = User(username=username, email=email)
    validate_password(password, user)
    user.set_password(password)
    user.save()
    _put_in_role(user, role)  # a new user has no open sockets to re-check
    return user


@transaction.atomic
def user_set_role(*, user: User, role: Role) -> User:
    _put_in_role(user, role)
    user_access_changed(user=user)
    return user


def _put_in_role(user: User, role: Role) -> None:
    """Put the user in exactly one role group; staff also reach the admin."""
    user.groups.remove(*Group.objects.filter(name__in=Role.values))
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    user.is_staff = role == Role.STAFF
    user.save(update_fields=["is_staff"])
    user.__dict__.pop("role", None)  # drop the cached value


def user_revoke_refresh_tokens(*, user: User) -> int:
    """Blacklist every refresh token the user holds; returns how many were live."""
    outstanding = OutstandingToken.objects.filter(user=user).exclude(blacklistedtoken__isnull=False)
    tokens = list(outstanding)
    BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in tokens], ignore_conflicts=True
    )
    return len(tokens)


@transaction.atomic
def user_deactivate(*, user: User) -> User:
    """Access tokens stop at once (authentication checks is_active); refresh tokens are revoked."""
    user.is_active = False
    user.save(update_fields=["is_active"])
    user_revoke_refresh_tokens(user=user)
    user_access_changed(user=user)
    return user


def user_access_changed(*, user: User) -> None:
    """What the user may see may have changed (role, active, staff flags, groups): their open
    sockets re-check it once this commits."""
    realtime.publish_access_check(user_id=user.pk)


@transaction.atomic
def user_delete(*, user: User) -> None:
    user_id = user.pk
    user.delete()
    realtime.publish_access_check(user_id=user_id)


def user_record_login(*, user: User) -> None:
    User.objects.filter(pk=user.pk).update(last_login=timezone.now())
