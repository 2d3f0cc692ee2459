"""Real rows through the real services: one place that makes test users."""

from accounts.models import Role, User
from accounts.services import user_create

PASSWORD = "correct horse battery staple"


def make_user(username: str, *, role: str = "athlete", password: str = PASSWORD) -> User:
    return user_create(
        username=username, password=password, email=f"{username}@example.com", role=Role(role)
    )
