import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def attempt(client, username="coach1", password="wrong", **extra):
    return client.post(
        "/api/v1/auth/token", {"username": username, "password": password}, format="json", **extra
    )


def test_eleventh_wrong_password_in_a_minute_is_429(api_client, coach):
    for _ in range(10):
        assert attempt(api_client).status_code == 401
    response = attempt(api_client)
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert 1 <= int(response["Retry-After"]) <= 60
    # even the right password is refused until the window passes
    assert attempt(api_client, password=PASSWORD).status_code == 429


def test_limit_per_username_across_addresses(api_client, coach):
    for i in range(10):
        assert attempt(api_client, REMOTE_ADDR=f"10.0.0.{i}").status_code == 401
    assert attempt(api_client, REMOTE_ADDR="10.0.1.1").status_code == 429
    # another account from a fresh address is not affected
    assert attempt(api_client, username="other", REMOTE_ADDR="10.0.2.1").status_code == 401


def test_limit_per_address_across_usernames(api_client, db):
    for i in range(10):
        assert attempt(api_client, username=f"user{i}").status_code == 401
    assert attempt(api_client, username="user-new").status_code == 429


def test_rotating_forwarded_for_does_not_escape(api_client, db):
    for i in range(10):
        response = attempt(api_client, username=f"u{i}", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}")
        assert response.status_code == 401
    response = attempt(api_client, username="u-last", HTTP_X_FORWARDED_FOR="203.0.113.99")
    assert response.status_code == 429


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_one_trusted_proxy_the_appended_address_counts(api_client, db):
    # The client forges a left-hand entry; the proxy appends the real one (198.51.100.7).
    for i in range(10):
        forwarded = f"203.0.113.{i}, 198.51.100.7"
        assert (
            attempt(api_client, username=f"u{i}", HTTP_X_FORWARDED_FOR=forwarded).status_code == 401
        )
    blocked = attempt(api_client, username="u-x", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7")
    assert blocked.status_code == 429
    other_client = attempt(api_client, username="u-y", HTTP_X_FORWARDED_FOR="198.51.100.8")
    assert other_client.status_code == 401


@override_settings(TOKEN_RATE_LIMIT="3/m")
def test_rate_is_configurable(api_client, db):
    for _ in range(3):
        assert attempt(api_client).status_code == 401
    assert attempt(api_client).status_code == 429


# --- Every API endpoint: reads and writes, per user and per address ---------------------------


def signed_in(coach):
    client = APIClient()
    client.force_authenticate(coach)
    return client


def test_reads_past_the_user_rate_are_429_in_the_error_shape(settings, coach):
    settings.READ_RATE_LIMIT = "3/m"
    client = signed_in(coach)
    for _ in range(3):
        assert client.get("/api/v1/videos").status_code == 200
    response = client.get("/api/v1/users/me")
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert set(response.json()) == {"code", "detail"}
    assert 1 <= int(response["Retry-After"]) <= 60


def test_writes_are_counted_apart_from_reads(settings, coach):
    settings.WRITE_RATE_LIMIT = "2/m"
    client = signed_in(coach)
    for _ in range(2):
        client.post("/api/v1/annotations/drawing", {}, format="json")
    assert client.post("/api/v1/annotations/drawing", {}, format="json").status_code == 429
    assert client.get("/api/v1/videos").status_code == 200  # reads still pass


def test_address_limit_covers_anonymous_and_signed_in_alike(settings, coach):
    settings.WRITE_RATE_LIMIT_PER_IP = "3/m"
    for i in range(3):
        assert attempt(APIClient(), username=f"u{i}").status_code == 401
    assert signed_in(coach).post("/api/v1/videos/", {}, format="json").status_code == 429


def test_one_users_limit_leaves_another_alone(settings, coach, athlete):
    settings.READ_RATE_LIMIT = "2/m"
    client = signed_in(coach)
    for _ in range(2):
        client.get("/api/v1/videos")
    assert client.get("/api/v1/videos").status_code == 429
    assert signed_in(athlete).get("/api/v1/videos").status_code == 200


def test_video_endpoints_are_limited_too(settings, coach):
    # the video viewset adds its upload throttle to the defaults instead of replacing them
    settings.WRITE_RATE_LIMIT = "1/m"
    client = signed_in(coach)
    client.post("/api/v1/videos", {}, format="multipart")
    assert client.post("/api/v1/videos", {}, format="multipart").status_code == 429


def test_anonymous_requests_to_signed_in_endpoints_count_per_address(settings, coach):
    """A flood without credentials gets 401s, and they count: the address limit runs before
    authentication, for the API, pages and media alike (static files and probes excepted)."""
    settings.READ_RATE_LIMIT_PER_IP = "3/m"
    anonymous = APIClient()
    for _ in range(3):
        assert anonymous.get("/api/v1/videos").status_code == 401
    refused = anonymous.get("/api/v1/videos")
    assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert signed_in(coach).get("/api/v1/users/me").status_code == 429  # same address
    assert anonymous.get("/media/1/x/videos/a/poster.jpg").status_code == 429
    assert anonymous.get("/health").status_code == 200


def test_with_redis_down_the_limiter_lets_requests_through(settings, coach):
    """Not a 500 for every request while Redis is away (the load suite's fault run saw 30)."""
    from tests.services import free_port

    settings.CACHES = {
        **settings.CACHES,
        "default": {
            **settings.CACHES["default"],
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
        },
    }
    assert signed_in(coach).get("/api/v1/users/me").status_code == 200
