"""Real services the tests start themselves: clamd with a local EICAR signature, an ASGI server."""

import hashlib
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.media import EICAR


def db_thread(target: Callable[..., Any], *args: Any, **kwargs: Any) -> threading.Thread:
    """A thread that uses the database as a worker does: its connections go back (to the pool)
    when it ends. A thread that ends holding one loses the pool that connection for good."""

    def run() -> None:
        from django.db import connections

        try:
            target(*args, **kwargs)
        finally:
            connections.close_all()

    return threading.Thread(target=run)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_clamd(
    workdir: Path, stream_max_bytes: int, port: int | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """clamd whose database holds only an EICAR signature made here (nothing downloaded), on
    `port` (a free one by default)."""
    database = workdir / "db"
    database.mkdir(parents=True, exist_ok=True)
    (database / "eicar.hdb").write_text(
        f"{hashlib.md5(EICAR).hexdigest()}:{len(EICAR)}:Eicar-Test-Signature\n"
    )
    port = port or free_port()
    megabytes = max(1, stream_max_bytes // (1024 * 1024))
    config = workdir / "clamd.conf"
    config.write_text(
        "\n".join(
            [
                "Foreground yes",
                f"DatabaseDirectory {database}",
                "TCPAddr 127.0.0.1",
                f"TCPSocket {port}",
                f"LogFile {workdir / 'clamd.log'}",
                f"StreamMaxLength {megabytes}M",
                f"MaxFileSize {megabytes}M",
                f"MaxScanSize {megabytes}M",
                "AlertExceedsMax yes",
                "SelfCheck 0",
            ]
        )
        + "\n"
    )
    process = subprocess.Popen(["clamd", "-c", str(config)], stdout=subprocess.DEVNULL)
    address = f"127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(b"zPING\0")
                if sock.recv(16).startswith(b"PONG"):
                    return process, address
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"clamd did not start; see {workdir / 'clamd.log'}")


class AsgiServer:
    """The real ASGI application under uvicorn, in a thread of the test process."""

    def __init__(self) -> None:
        import uvicorn

        from config.asgi import application

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            application, host="127.0.0.1", port=self.port, lifespan="off", log_level="warning"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> "AsgiServer":
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        import asyncio

        from asgiref.sync import sync_to_async
        from django.db import connections

        self.server.should_exit = True
        self.thread.join(timeout=10)
        # The app's database work ran on asgiref's shared sync thread: close its connections
        # there, or the test database cannot be dropped at the end of the run.
        # (In a thread of its own: a browser test's Playwright keeps an event loop in this one.)
        closer = threading.Thread(
            target=asyncio.run, args=(sync_to_async(connections.close_all)(),)
        )
        closer.start()
        closer.join(timeout=10)


def start_moto_server(workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    """moto's S3-compatible server on loopback (the only one installable here)."""
    import shutil
    import sys

    port = free_port()
    executable = shutil.which("moto_server", path=str(Path(sys.executable).parent)) or "moto_server"
    log = open(workdir / "moto.log", "wb")  # noqa: SIM115 - lives as long as the server
    process = subprocess.Popen(
        [executable, "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=log
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process, url
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"moto_server did not start; see {workdir / 'moto.log'}")
