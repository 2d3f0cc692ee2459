"""Reading a user from a JWT access token outside DRF's views (the tus app, the WebSockets),
and the rules every WebSocket channel (videos, comparisons, /ws/me/) authenticates by."""

import time
from importlib import import_module
from typing import Any
from urllib.parse import parse_qs

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.http.request import split_domain_port, validate_host
from django.utils.crypto import constant_time_compare
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken, TokenError
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import User


def user_from_access_token(token: str) -> User | None:
    """The active user the token was issued to, or None for any token problem (malformed,
    expired, wrong signature, unknown or deactivated user)."""
    auth = JWTAuthentication()
    try:
        user = auth.get_user(auth.get_validated_token(token.encode()))
    except (InvalidToken, TokenError, AuthenticationFailed, UnicodeEncodeError):
        return None
    return user if isinstance(user, User) and user.is_active else None


def _scope_token(scope: dict[str, Any]) -> str:
    return parse_qs(scope.get("query_string", b"").decode()).get("token", [""])[0]


def origin_allowed(scope: dict[str, Any]) -> bool:
    """A browser's cookie rides along on any page's socket: only our own pages may use it."""
    origin = dict(scope.get("headers") or []).get(b"origin", b"").decode("latin-1")
    domain, _port = split_domain_port(origin.split("://", 1)[-1]) if origin else ("", "")
    return bool(domain) and validate_host(domain, settings.ALLOWED_HOSTS)


def socket_user(scope: dict[str, Any]) -> User | None:
    """A socket's user: `?token=<JWT access>`, or the session from our own pages' origin."""
    token = _scope_token(scope)
    if token:
        return user_from_access_token(token)
    user = scope.get("user")
    if isinstance(user, User) and user.is_authenticated and origin_allowed(scope):
        return user
    return None


def socket_token_expiry(scope: dict[str, Any]) -> float | None:
    """When the access token the socket connected with expires (None: a session socket)."""
    token = _scope_token(scope)
    if not token:
        return None
    try:
        return float(AccessToken(token)["exp"])  # type: ignore[arg-type]
    except (TokenError, KeyError, TypeError, ValueError):
        return time.time()  # unreadable: treat as expired


def session_signs_in(session_key: str, user: User) -> bool:
    """The browser session a socket came with still signs this user in: not signed out, and
    the password not changed since (Django's own session hash rule)."""
    data = import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key).load()
    return str(data.get(SESSION_KEY)) == str(user.pk) and constant_time_compare(
        data.get(HASH_SESSION_KEY) or "", user.get_session_auth_hash()
    )
