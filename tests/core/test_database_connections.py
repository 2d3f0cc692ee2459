"""Connections per request: SQLite keeps its WAL between requests; PostgreSQL reuses pooled
connections instead of connecting for every request."""

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import requests
from django.db import connection
from django.db.utils import ConnectionHandler

from config.db.sqlite3 import base as sqlite_backend
from tests.factories import make_user
from tests.videos.test_tus import auth


def exhausted(self, timeout=None):
    """ConnectionPool.getconn when every connection stays taken for the whole timeout."""
    from psycopg_pool import PoolTimeout

    raise PoolTimeout("couldn't get a connection after 10.00 sec")


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


def test_sqlite_keeper_is_one_per_process(sqlite_handler) -> None:
    make, _ = sqlite_handler
    for value in range(3):
        write_and_close(make("config.db.sqlite3"), value)
    owners = [pid for pid, _ in sqlite_backend._keepers.values()]
    assert owners == [os.getpid()]


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
def test_a_request_that_finds_every_pooled_connection_taken_gets_a_503(
    monkeypatch, client, django_user_model
) -> None:
    """Waiting in vain for a connection is the pool's PoolTimeout (raised here by the pool
    itself, as after DATABASE_POOL_TIMEOUT_SECONDS): busy, try again, not a server error."""
    if connection.vendor != "postgresql":
        pytest.skip("the pool is PostgreSQL's")
    client.force_login(django_user_model.objects.create_user("athlete", password="x" * 12))
    connection.close()
    monkeypatch.setattr("psycopg_pool.ConnectionPool.getconn", exhausted)
    client.raise_request_exception = False
    api = client.get("/api/v1/videos")  # signed in by the session: the user is a query
    page = client.get("/")
    monkeypatch.undo()
    assert api.status_code == 503 and api["Retry-After"] == "5"
    assert api.json()["code"] == "service_unavailable"
    assert page.status_code == 503 and "Busy for a moment" in page.content.decode()


@pytest.mark.django_db(transaction=True)
def test_uploads_that_find_every_pooled_connection_taken_get_a_503(monkeypatch, asgi_server):
    """The upload paths outside Django's handler (tus, the plain upload's credential check)
    answer the same 503 before reading any of the body."""
    if connection.vendor != "postgresql":
        pytest.skip("the pool is PostgreSQL's")
    headers = auth(make_user("uploader", role="athlete"))
    connection.close()
    monkeypatch.setattr("psycopg_pool.ConnectionPool.getconn", exhausted)
    tus = requests.post(
        f"{asgi_server.url}/api/v1/uploads/",
        headers={**headers, "Tus-Resumable": "1.0.0", "Upload-Length": "1000"},
        timeout=30,
    )
    plain = requests.post(
        f"{asgi_server.url}/api/v1/videos",
        headers={**headers, "Content-Type": "multipart/form-data; boundary=x"},
        data=b"--x\r\n" + b"0" * 100_000,
        timeout=30,
    )
    monkeypatch.undo()
    for response in (tus, plain):
        assert response.status_code == 503, response.text
        assert response.headers["Retry-After"] == "5"
        assert response.json()["code"] == "service_unavailable"


@pytest.mark.django_db(transaction=True)
def test_a_pooled_connection_the_server_ended_is_replaced_not_used(monkeypatch) -> None:
    """After a database restart or failover the pool holds dead connections: the next request
    gets a live one, instead of an error. (On a pool of one: with several dead connections in
    a row, psycopg's pool waits 1, 2, 4 s between checks, bounded by the pool's timeout.)"""
    if connection.vendor != "postgresql":
        pytest.skip("the pool is PostgreSQL's")
    connection.close()
    small = {**connection.settings_dict["OPTIONS"]["pool"], "min_size": 1, "max_size": 1}
    monkeypatch.setitem(connection.settings_dict["OPTIONS"], "pool", small)
    connection.close_pool()  # type: ignore[attr-defined]  # made again, of one connection
    try:
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
        connection.close()
    finally:
        monkeypatch.undo()
        connection.close_pool()  # type: ignore[attr-defined]  # the next tests' pool
