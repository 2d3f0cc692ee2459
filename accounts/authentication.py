"""Reading a user from a JWT access token outside DRF's views (the tus app, the WebSockets)."""

from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken, TokenError

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
