import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.factories import make_user


@pytest.fixture(autouse=True)
def _fresh_redis():
    """Rate-limit counters and cache entries never leak between tests (test Redis DB only)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def coach(db):
    return make_user("coach1", role="coach")


@pytest.fixture
def athlete(db):
    return make_user("athlete1", role="athlete")


@pytest.fixture
def staff(db):
    return make_user("staff1", role="staff")


def bearer(client: APIClient, user) -> APIClient:
    from rest_framework_simplejwt.tokens import RefreshToken

    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client
