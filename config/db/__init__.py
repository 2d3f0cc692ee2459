"""Database settings and backends of our own (thin subclasses of Django's, by ENGINE path)."""

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from config.env import env

POOL_RETRY_AFTER_SECONDS = 5


def database(config: dict[str, Any]) -> dict[str, Any]:
    """A DATABASES entry (from `env.db`) set up for this service: the settings use it for
    DATABASE_URL, the tests for TEST_DATABASE_URL, so both run the same way."""
    options = config.setdefault("OPTIONS", {})
    if config["ENGINE"] == "django.db.backends.postgresql":
        config["ENGINE"] = "django_prometheus.db.backends.postgresql"  # query metrics
        options.setdefault("connect_timeout", 3)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["ENGINE"] = "config.db.sqlite3"  # keeps the WAL open between requests
        # The embedded default is shared by several web processes, the worker, the sweeper and
        # the watchdog: WAL lets readers run beside the one writer, a write transaction takes
        # its lock when it begins (IMMEDIATE: waited for, never a "database is locked" halfway
        # through), and a writer waits up to `timeout` seconds for another to finish.
        options.update(
            {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": env.int("SQLITE_BUSY_TIMEOUT_SECONDS", default=20),
            }
        )
    config["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
    # A pooled (or persistent) connection is checked before a request gets it: after a database
    # restart or failover the dead ones are replaced instead of failing a request each.
    config["CONN_HEALTH_CHECKS"] = env.bool("DATABASE_CONN_HEALTH_CHECKS", default=True)
    options.update(postgresql_pool(config))
    return config


def postgresql_pool(database: dict[str, Any]) -> dict[str, Any]:
    """OPTIONS that give a PostgreSQL database a pool of connections in each process.

    A request borrows a connection at its first query and gives it back at its end, instead of
    connecting for every request (2.6 ms on loopback without TLS, and a new server process each
    time). Persistent connections (CONN_MAX_AGE) are not for ASGI, where every request runs in
    a thread of its own; they and the pool exclude each other, so DATABASE_CONN_MAX_AGE > 0 (or
    DATABASE_POOL_MAX_SIZE=0) leaves the pool off. A request that finds every connection taken
    waits up to DATABASE_POOL_TIMEOUT_SECONDS, then gets a 503."""
    max_size = env.int("DATABASE_POOL_MAX_SIZE", default=20)
    postgresql = database["ENGINE"].endswith(".postgresql")
    if not postgresql or max_size <= 0 or database.get("CONN_MAX_AGE", 0) != 0:
        return {}
    return {
        "pool": {
            "min_size": min(env.int("DATABASE_POOL_MIN_SIZE", default=2), max_size),
            "max_size": max_size,
            "timeout": env.float("DATABASE_POOL_TIMEOUT_SECONDS", default=10.0),
            # a connection idle this long is closed (down to min_size): quiet processes hold few
            "max_idle": env.float("DATABASE_POOL_MAX_IDLE_SECONDS", default=300.0),
        }
    }


def pool_exhausted(error: BaseException | None = None) -> bool:
    """Whether `error` (default: the one being handled) is a request that waited for a pooled
    connection in vain: the server is busy, not broken (a 503, not a 500)."""
    from psycopg_pool import PoolTimeout

    error = error if error is not None else sys.exc_info()[1]
    seen = 0
    while error is not None and seen < 10:  # Django wraps it: OperationalError from PoolTimeout
        if isinstance(error, PoolTimeout):
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


async def release_connections() -> None:
    """End of a request served outside Django's handler (tus, a plain upload's credential check),
    whose queries ran on asgiref's shared thread: what Django does at `request_finished`, there.
    The connection goes back to the pool (or is closed), instead of staying with that thread
    across requests, and a broken one is not reused by the next request."""
    from asgiref.sync import sync_to_async  # imported late: the settings import this module
    from django.db import close_old_connections

    await sync_to_async(close_old_connections)()


@contextmanager
def outside_requests() -> Iterator[None]:
    """Database work in a thread no request owns (an event loop's executor): its connection goes
    back to the pool when the work is done. Such a thread lives on between requests, and a
    connection it kept would be one the pool never sees again (and never checks again)."""
    from django.db import connection

    try:
        yield
    finally:
        if not connection.in_atomic_block:  # a caller's transaction keeps its connection
            connection.close()
