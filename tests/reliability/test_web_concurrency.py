"""`make run` serves the web with several processes: one held up by a slow request does not stall
the others' GET /health and API GETs, and the embedded SQLite is shared safely (WAL)."""

import contextlib
import os
import signal
import socket
import sqlite3
from collections.abc import Iterator

import pytest
import requests

from tests.reliability.stack import LocalStack, private_redis

pytestmark = pytest.mark.slow
ADMIN = {"username": "concurrency-admin", "password": "a-long-enough-password-1"}


@contextlib.contextmanager
def slow_upload(port: int) -> Iterator[None]:
    """A plain upload whose body trickles in: headers and a first chunk, then nothing."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(
            b"POST /api/v1/videos HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: multipart/form-data; boundary=x\r\n"
            b"Content-Length: 10000000\r\n\r\n--x\r\n"
        )
        yield


@contextlib.contextmanager
def stopped(pid: int) -> Iterator[None]:
    """A web process that answers nothing (as one stuck in a long synchronous request)."""
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)


def test_a_held_web_process_does_not_stall_the_other(tmp_path):
    env = {f"DJANGO_SUPERUSER_{key.upper()}": value for key, value in ADMIN.items()}
    env["DJANGO_SUPERUSER_EMAIL"] = "admin@example.com"
    with (
        private_redis(tmp_path / "redis") as redis_url,
        LocalStack(tmp_path, redis_url, **env) as stack,
    ):
        token = requests.post(f"{stack.url}/api/v1/auth/token", json=ADMIN, timeout=10)
        headers = {"Authorization": f"Bearer {token.json()['access']}"}
        web = stack.roles()["web"]
        assert len(web) == 2
        with slow_upload(stack.port), stopped(web[0]):
            for _ in range(10):  # new connections each time: the kernel hands them to web[1]
                assert requests.get(f"{stack.url}/health", timeout=10).status_code == 200
                videos = requests.get(f"{stack.url}/api/v1/videos", headers=headers, timeout=10)
                assert (videos.status_code, videos.json()["count"]) == (200, 0)
        assert stack.health() == 200
    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
