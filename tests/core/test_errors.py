"""One error shape for every status the API uses."""

import pytest
from django.test import override_settings
from django.urls import path
from rest_framework.views import APIView

from config import errors
from tests.conftest import bearer

pytestmark = pytest.mark.django_db


def _raising(exc):
    class Raising(APIView):
        permission_classes = []

        def get(self, request):
            raise exc

    return Raising.as_view()


urlpatterns = [
    path("conflict", _raising(errors.Conflict("Someone else wrote first."))),
    path("too-large", _raising(errors.PayloadTooLarge())),
    path(
        "unprocessable", _raising(errors.Unprocessable("Not a video.", code="unsupported_format"))
    ),
    path("unavailable", _raising(errors.ServiceUnavailable())),
]


def assert_shape(response, status, code):
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code
    assert isinstance(body["detail"], str) and body["detail"]
    assert set(body) <= {"code", "detail", "errors"}
    return body


def test_400_validation(api_client):
    body = assert_shape(api_client.post("/api/v1/auth/token", {}, format="json"), 400, "invalid")
    assert set(body["errors"]) == {"username", "password"}


def test_400_malformed_json(api_client):
    response = api_client.post("/api/v1/auth/token", "{not json", content_type="application/json")
    assert_shape(response, 400, "malformed_request")


def test_401(api_client):
    assert_shape(api_client.get("/api/v1/users/me"), 401, "not_authenticated")


def test_401_bad_token(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer nonsense")
    assert_shape(api_client.get("/api/v1/users/me"), 401, "token_not_valid")


def test_403(api_client, coach):
    response = bearer(api_client, coach).post("/api/v1/users", {}, format="json")
    assert_shape(response, 403, "permission_denied")


def test_404_unknown_api_url(api_client):
    assert_shape(api_client.get("/api/v1/no-such-thing"), 404, "not_found")


def test_405(api_client):
    assert_shape(api_client.get("/api/v1/auth/token"), 405, "method_not_allowed")


def test_415(api_client):
    response = api_client.post("/api/v1/auth/token", "username=x", content_type="text/plain")
    assert_shape(response, 415, "unsupported_media_type")


def test_429(api_client):
    for _ in range(10):
        api_client.post("/api/v1/auth/token", {"username": "a", "password": "b"}, format="json")
    response = api_client.post(
        "/api/v1/auth/token", {"username": "a", "password": "b"}, format="json"
    )
    assert_shape(response, 429, "rate_limited")


@override_settings(ROOT_URLCONF=__name__)
@pytest.mark.parametrize(
    "url,status,code",
    [
        ("/conflict", 409, "conflict"),
        ("/too-large", 413, "file_too_large"),
        ("/unprocessable", 422, "unsupported_format"),
        ("/unavailable", 503, "service_unavailable"),
    ],
)
def test_domain_errors(api_client, url, status, code):
    assert_shape(api_client.get(url), status, code)
