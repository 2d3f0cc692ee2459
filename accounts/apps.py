from typing import Any

from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_out


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        # Signing out happens in Django's own views (pages and admin): the only hook is its signal.
        user_logged_out.connect(_signed_out, dispatch_uid="accounts.signed_out")


def _signed_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """The browser's sockets ride on the session that just ended: they re-check now."""
    if user is not None and user.pk is not None:
        from accounts.services import user_access_changed

        user_access_changed(user=user)
