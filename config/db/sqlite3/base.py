"""Django's SQLite backend, with one idle connection per process that keeps the WAL open.

Django opens a connection per request and closes it at the end (persistent connections are not
for ASGI, where each request runs in its own thread). When the last connection to a WAL database
closes, SQLite checkpoints the WAL into the database (two fdatasyncs) and deletes the WAL and
shared-memory files; the next connection creates them again and syncs the folder: four syncs
and two files made for every request that writes, under `make run`'s embedded default (a tus
PATCH of 4 KiB, 200 in a row on one connection: 9.2-10.6 ms each, 7.7-8.6 ms with the keeper).
With one more connection open in the process, closing a request's connection is only a close:
the WAL stays, and SQLite checkpoints it when it reaches its size limit (`wal_autocheckpoint`).

The keeper runs one statement when it opens and none after, so it holds no snapshot and never
delays a checkpoint. It is opened once per process (a forked child opens its own and leaves the
parent's alone: closing a connection inherited across fork would drop the child's own POSIX
locks on the file).
"""

import os
import sqlite3
import threading

from django.db.backends.sqlite3 import base

_keepers: dict[str, tuple[int, sqlite3.Connection]] = {}
_inherited: list[sqlite3.Connection] = []  # a parent's keepers, held so they are never closed
_keepers_lock = threading.Lock()


def keep_open(database: str) -> None:
    """Open this process's idle connection to `database` unless it has one."""
    pid = os.getpid()
    with _keepers_lock:
        kept = _keepers.get(database)
        if kept is not None:
            if kept[0] == pid:
                return
            _inherited.append(kept[1])  # dropping it would close it (and our locks) when freed
        uri = database.startswith("file:")
        keeper = sqlite3.connect(database, check_same_thread=False, uri=uri)
        # Open the WAL index (a connection that never read holds nothing); the statement ends
        # here, so no read transaction stays open.
        keeper.execute("SELECT count(*) FROM sqlite_master").fetchall()
        _keepers[database] = (pid, keeper)


def forget_all() -> None:
    """Close this process's keepers (tests; a process that is about to remove its database)."""
    pid = os.getpid()
    with _keepers_lock:
        for database, (owner, keeper) in list(_keepers.items()):
            if owner == pid:
                keeper.close()
            else:
                _inherited.append(keeper)
            del _keepers[database]


class DatabaseWrapper(base.DatabaseWrapper):
    def init_connection_state(self) -> None:
        super().init_connection_state()  # journal_mode=WAL is set by then (init_command)
        if not self.is_in_memory_db():
            keep_open(str(self.settings_dict["NAME"]))
