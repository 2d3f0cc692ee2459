"""Connections per request: SQLite keeps its WAL between requests; PostgreSQL reuses pooled
connections instead of connecting for every request."""

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
import requests
from django.conf import settings
from django.db import connection
from django.db.utils import ConnectionHandler

from config.db.sqlite3 import base as sqlite_backend
from tests.factories import make_user
from tests.videos.test_tus import auth


@pytest.fixture
def sqlite_handler(tmp_path: Path, django_db_blocker) -> Iterator[tuple[ConnectionHandler, Path]]:
    """Connections of our own to a SQLite file (pytest-django's guard is for the test database)."""

    def handler(engine: str) -> ConnectionHandler:
        return ConnectionHandler(
            {
                "default": {
                    "ENGINE": engine,
                    "NAME": str(tmp_path / "db.sqlite3"),
                    "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL;"},
                }
            }
        )

    with django_db_blocker.unblock():
        yield handler, tmp_path / "db.sqlite3"  # type: ignore[misc]
    sqlite_backend.forget_all()


def write_and_close(handler: ConnectionHandler, value: int) -> None:
    """One request's worth: a connection, a write, the connection closed at the end."""
    db = handler["default"]
    with db.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS t (a INTEGER)")
        cursor.execute("INSERT INTO t VALUES (%s)", [value])
    db.close()


def test_sqlite_keeps_the_wal_when_a_request_closes_its_connection(sqlite_handler) -> None:
    make, path = sqlite_handler
    write_and_close(make("config.db.sqlite3"), 1)
    write_and_close(make("config.db.sqlite3"), 2)
    # Without the process's idle connection SQLite checkpoints and deletes the WAL at each close.
    assert Path(f"{path}-wal").exists()
    with contextlib.closing(sqlite3.connect(path)) as other:  # written for anyone to read
        assert sorted(row[0] for row in other.execute("SELECT a FROM t")) == [1, 2]


def test_django_sqlite_alone_deletes_the_wal_at_each_close(sqlite_handler) -> None:
    """What the keeper prevents, shown on Django's own backend (the control for the test above)."""
    make, path = sqlite_handler
    write_and_close(make("django.db.backends.sqlite3"), 1)
    assert not Path(f"{path}-wal").exists()


def test_sqlite_keeper_is_opened_once_per_process(sqlite_handler) -> None:
    make, path = sqlite_handler
    write_and_close(make("config.db.sqlite3"), 0)
    owner, keeper = sqlite_backend._keepers[str(path)]
    held = _descriptors(path)
    for value in range(1, 6):  # later requests' connections reuse it, none opens another
        write_and_close(make("config.db.sqlite3"), value)
    assert sqlite_backend._keepers[str(path)] == (os.getpid(), keeper) and owner == os.getpid()
    # No descriptor of the file piles up (SQLite parks one closed connection's for reuse).
    assert _descriptors(path) == held


def _descriptors(path: Path) -> int:
    return sum(_points_at(fd, path) for fd in os.listdir("/proc/self/fd"))


def test_a_forked_process_opens_its_own_keeper_and_keeps_the_parents(sqlite_handler) -> None:
    """A connection inherited across fork is never closed in the child (closing it would drop
    the child's POSIX locks on the file); the child opens one of its own."""
    make, path = sqlite_handler
    write_and_close(make("config.db.sqlite3"), 0)
    _, parents = sqlite_backend._keepers[str(path)]
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through its exit status
        ok = False
        with contextlib.suppress(BaseException):
            sqlite_backend.keep_open(str(path))
            owner, keeper = sqlite_backend._keepers[str(path)]
            ok = owner == os.getpid() and keeper is not parents
            ok = ok and any(kept is parents for kept in sqlite_backend._inherited)
        os._exit(0 if ok else 1)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert sqlite_backend._keepers[str(path)] == (os.getpid(), parents)


def _points_at(fd: str, path: Path) -> bool:
    with contextlib.suppress(OSError):
        return os.readlink(f"/proc/self/fd/{fd}") == str(path)
    return False


@pytest.mark.django_db(transaction=True)
def test_postgresql_requests_borrow_pooled_connections() -> None:
    """A request's connection goes back to the pool at its end; the next request borrows one
    of the pool's instead of connecting (a new server process) again."""
    if connection.vendor != "postgresql":
        pytest.skip("the pool is PostgreSQL's")
    pool = connection.pool  # type: ignore[attr-defined]  # PostgreSQL's wrapper has it
    assert pool is not None
    backends = set()
    for _ in range(pool.max_size + 10):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backends.add(cursor.fetchone()[0])
        connection.close()  # as at the end of every request
    # Without the pool every close ends its server process: one new backend per "request".
    assert len(backends) <= pool.get_stats()["pool_size"] <= pool.max_size


@pytest.mark.django_db(transaction=True)
def test_requests_that_find_every_pooled_connection_taken_get_a_503(asgi_server, client) -> None:
    """Every connection of the pool taken for longer than its timeout: the API, a page, tus and
    a plain upload (before any of its body is read) answer 503 with Retry-After, not 500."""
    if connection.vendor != "postgresql":
        pytest.skip("the pool is PostgreSQL's")
    user = make_user("uploader", role="athlete")
    headers = auth(user)
    client.force_login(user)
    cookies = {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}
    with small_pool(timeout=0.5):
        with connection.cursor() as cursor:  # this thread takes the pool's only connection
            cursor.execute("SELECT 1")
        responses = {
            "api": requests.get(f"{asgi_server.url}/api/v1/videos", headers=headers, timeout=30),
            "page": requests.get(f"{asgi_server.url}/", cookies=cookies, timeout=30),
            "tus": requests.post(
                f"{asgi_server.url}/api/v1/uploads/",
                headers={**headers, "Tus-Resumable": "1.0.0", "Upload-Length": "1000"},
                timeout=30,
            ),
            "plain": requests.post(
                f"{asgi_server.url}/api/v1/videos",
                headers={**headers, "Content-Type": "multipart/form-data; boundary=x"},
                data=b"--x\r\n" + b"0" * 100_000,
                timeout=30,
            ),
        }
        connection.close()
    for name, response in responses.items():
        assert response.status_code == 503, (name, response.text)
        assert response.headers["Retry-After"] == "5", name
    for name in ("api", "tus", "plain"):
        assert responses[name].json()["code"] == "service_unavailable", name
    assert "Busy for a moment" in responses["page"].text
    # The pool is whole again: the next request gets a connection.
    assert requests.get(f"{asgi_server.url}/api/v1/videos", headers=headers, timeout=30).ok


@contextmanager
def small_pool(**options: Any) -> Iterator[None]:
    """The test database's pool made again with one connection (and `options`), then as it was."""
    pool = connection.settings_dict["OPTIONS"]["pool"]
    connection.close()
    connection.settings_dict["OPTIONS"]["pool"] = {**pool, "min_size": 1, "max_size": 1, **options}
    connection.close_pool()  # type: ignore[attr-defined]  # made again from the options
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["OPTIONS"]["pool"] = pool
        connection.close_pool()  # type: ignore[attr-defined]  # the next tests' pool


@pytest.mark.django_db(transaction=True)
def test_a_pooled_connection_the_server_ended_is_replaced_not_used() -> None:
    """After a database restart or failover the pool holds dead connections: the next request
    gets a live one, instead of an error. (On a pool of one: with several dead connections in
    a row, psycopg's pool waits 1, 2, 4 s between checks, bounded by the pool's timeout.)"""
    if connection.vendor != "postgresql":
        pytest.skip("the pool is PostgreSQL's")
    with small_pool():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            first = cursor.fetchone()[0]
        connection.close()  # back to the pool
        with psycopg.connect(
            host=connection.settings_dict["HOST"] or None,
            port=connection.settings_dict["PORT"] or None,
            user=connection.settings_dict["USER"] or None,
            password=connection.settings_dict["PASSWORD"] or None,
            dbname=connection.settings_dict["NAME"],
            autocommit=True,
        ) as admin:  # the server ends the pooled backend, as a restart does
            admin.execute("SELECT pg_terminate_backend(%s)", [first])
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            assert cursor.fetchone()[0] != first
