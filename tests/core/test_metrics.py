import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


def test_metrics_from_loopback(client):
    client.get("/health")
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    assert b"django_http_requests_total_by_method_total" in response.content


def test_metrics_refused_from_elsewhere(client):
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.5")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_forwarded_for_does_not_open_metrics(client):
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="127.0.0.1")
    assert response.status_code == 403


@override_settings(METRICS_TOKEN="s3cret-scrape-token")
def test_metrics_with_bearer_token(client):
    ok = client.get(
        "/metrics", REMOTE_ADDR="203.0.113.5", HTTP_AUTHORIZATION="Bearer s3cret-scrape-token"
    )
    assert ok.status_code == 200
    wrong = client.get("/metrics", REMOTE_ADDR="203.0.113.5", HTTP_AUTHORIZATION="Bearer nope")
    assert wrong.status_code == 403


@override_settings(METRICS_ALLOWED_IPS=["10.1.0.0/16"])
def test_allowed_networks_are_configurable(client):
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403
