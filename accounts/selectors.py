"""Every read of accounts that is more than `request.user`."""

from accounts.models import User


def user_by_username(*, username: str, active: bool = False) -> User | None:
    """The user with exactly this username (case as stored), or None; `active` skips
    deactivated accounts (a share needs someone who can sign in)."""
    users = User.objects.filter(username=username)
    if active:
        users = users.filter(is_active=True)
    return users.first()
