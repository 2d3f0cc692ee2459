import socket
import time

import pytest
from django.db import connections
from django.test import override_settings


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_health_is_ok_without_dependencies(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db(transaction=True)
def test_ready_when_everything_answers(client):
    response = client.get("/ready")
    assert response.status_code == 200, response.json()
    assert response.json()["checks"] == {
        "database": "ok",
        "redis": "ok",
        "storage": "ok",
        "broker": "ok",
    }


@pytest.mark.django_db(transaction=True)
def test_ready_503_when_redis_is_unreachable(client):
    with override_settings(REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0"):
        response = client.get("/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["redis"].startswith("error:")
    assert body["checks"]["database"] == "ok"


@pytest.mark.django_db(transaction=True)
def test_ready_503_when_database_is_unreachable(client, monkeypatch):
    # The check connects from these settings (through a pool made from them, on PostgreSQL), so
    # point them at a closed port, and make the pool again from them.
    database = connections["default"]
    monkeypatch.setitem(connections.settings["default"], "PORT", str(closed_port()))
    monkeypatch.setitem(connections.settings["default"], "HOST", "127.0.0.1")
    if database.vendor == "postgresql":
        database.close_pool()  # type: ignore[attr-defined]
    try:
        response = client.get("/ready")
    finally:
        monkeypatch.undo()
        if database.vendor == "postgresql":
            database.close_pool()  # type: ignore[attr-defined]  # the next tests' pool
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["database"].startswith("error:")
    assert body["checks"]["redis"] == "ok"


@pytest.mark.django_db(transaction=True)
def test_ready_answers_in_time_when_a_dependency_hangs(client):
    # A listening socket that never answers: the Redis client waits for a reply that never comes.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        started = time.monotonic()
        with override_settings(REDIS_URL=f"redis://127.0.0.1:{port}/0"):
            response = client.get("/ready")
        elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert response.json()["checks"]["redis"].startswith("error:")
    # Not a timing benchmark: the bound is the check's own deadline plus generous slack.
    assert elapsed < 3


def test_request_id_is_echoed_or_generated(client):
    given = client.get("/health", HTTP_X_REQUEST_ID="abc-123")
    assert given["X-Request-ID"] == "abc-123"
    generated = client.get("/health")
    assert len(generated["X-Request-ID"]) == 32
    hostile = client.get("/health", HTTP_X_REQUEST_ID="evil\r\nSet-Cookie: x")
    assert hostile["X-Request-ID"] != "evil\r\nSet-Cookie: x"


def test_probes_answer_whatever_host_they_use(client, db):
    """Kubelet and Prometheus reach pods by IP; the probe paths answer, the rest stay guarded."""
    assert client.get("/health", HTTP_HOST="10.1.2.3:8000").status_code == 200
    assert (
        client.get("/metrics", HTTP_HOST="10.1.2.3:8000", REMOTE_ADDR="127.0.0.1").status_code
        == 200
    )
    assert client.get("/api/v1/videos", HTTP_HOST="10.1.2.3:8000").status_code == 400
