"""Private services for the reliability tests: a redis-server of their own, and `make run`'s
supervised stack (deploy/scripts/run-local.sh) on a free port with its own folders."""

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import psutil
import redis
import requests

from tests.services import free_port

ROOT = Path(__file__).resolve().parents[2]


def wait_for(predicate, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


class PrivateRedis:
    """A redis-server of the test's own (restarting the machine's would hurt others), which the
    test may stop and start again on the same port."""

    def __init__(self, workdir: Path) -> None:
        self.workdir, self.port = workdir, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None
        workdir.mkdir(parents=True, exist_ok=True)

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                *("redis-server", "--bind", "127.0.0.1", "--port", str(self.port)),
                *("--dir", str(self.workdir), "--save", "", "--appendonly", "no"),
            ],
            stdout=subprocess.DEVNULL,
        )
        wait_for(lambda: _pings(self.url), 20, "the private redis-server")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=20)
            self.process = None


class PrivateClamd:
    """A clamd of the test's own (EICAR signature only) that the test may stop and start again
    on the same address."""

    def __init__(self, workdir: Path, stream_max_bytes: int = 1024**3) -> None:
        self.workdir, self.port = workdir, free_port()
        self.stream_max_bytes = stream_max_bytes
        self.address = f"127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        from tests.services import start_clamd

        self.process, _ = start_clamd(self.workdir, self.stream_max_bytes, port=self.port)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None


@contextlib.contextmanager
def private_redis(workdir: Path) -> Iterator[str]:
    """A running PrivateRedis for the block; its URL."""
    server = PrivateRedis(workdir)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@contextlib.contextmanager
def web_server(workdir: Path, **env: str) -> Iterator[str]:
    """`start.sh web` (one uvicorn process) on a free port with `env`; its base URL."""
    port = free_port()
    environment = {
        **without_metrics_dir(os.environ),
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "PYTHON": str(ROOT / ".venv/bin/python"),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "MEDIA_ROOT": str(workdir / "media"),
        **env,
    }
    url = f"http://127.0.0.1:{port}"
    with (workdir / "web.log").open("wb") as log:
        process = subprocess.Popen(
            ["deploy/scripts/start.sh", "web"],
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(lambda: http_status(f"{url}/health") == 200, 120, "the web server")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def without_metrics_dir(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment without PROMETHEUS_MULTIPROC_DIR (set, even empty, prometheus_client
    writes its files to that folder: empty is the working directory)."""
    return {k: v for k, v in environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}


def _pings(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def http_status(url: str) -> int:
    """The status, or 0 when nothing answers."""
    try:
        return requests.get(url, timeout=5).status_code
    except requests.RequestException:
        return 0


class LocalStack:
    """`make run`'s script (migrate, then supervisord running every role) in its own session."""

    def __init__(self, workdir: Path, redis_url: str, **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = workdir / "run.log"
        self.env = {
            **without_metrics_dir(os.environ),
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "PORT": str(self.port),
            "RUN_DIR": str(workdir / "run"),
            "REDIS_URL": redis_url,
            "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
            "MEDIA_ROOT": str(workdir / "media"),
            "JOB_WORK_DIR": str(workdir / "jobs"),
            "FILE_UPLOAD_TEMP_DIR": "",
            "CLAMAV_ADDRESS": "",
            **env,
        }
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> "LocalStack":
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                ["bash", "deploy/scripts/run-local.sh"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(lambda: self.health() == 200 or self._exited(), 300, "make run to serve")
        return self

    def _exited(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"run-local.sh exited: {self.log.read_text()[-3000:]}")
        return False

    def health(self) -> int:
        return http_status(f"{self.url}/health")

    def supervisor(self) -> psutil.Process:
        assert self.process is not None
        found = [p for p in psutil.Process(self.process.pid).children() if is_supervisord(p)]
        assert len(found) == 1, found
        return found[0]

    def roles(self) -> dict[str, list[int]]:
        """{role: pids of supervisord's children running it}, from their command lines."""
        roles: dict[str, list[int]] = {}
        for child in self.supervisor().children():
            with contextlib.suppress(psutil.NoSuchProcess):
                roles.setdefault(role_of(child.cmdline()), []).append(child.pid)
        return roles

    def ctrl_c(self) -> None:
        """What a terminal does on Ctrl-C: SIGINT to the foreground process group."""
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGINT)
        self.process.wait(timeout=60)

    def descendants(self) -> list[psutil.Process]:
        assert self.process is not None
        with contextlib.suppress(psutil.NoSuchProcess):
            return psutil.Process(self.process.pid).children(recursive=True)
        return []

    def __exit__(self, *exc: object) -> None:
        assert self.process is not None
        started = self.descendants()
        if self.process.poll() is None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.ctrl_c()
        for process in started:  # whatever a failed stop left behind, by the pids seen
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()


def is_supervisord(process: psutil.Process) -> bool:
    with contextlib.suppress(psutil.NoSuchProcess):
        return any(part.endswith("supervisord") for part in process.cmdline()[:2])
    return False


def role_of(cmdline: list[str]) -> str:
    line = " ".join(cmdline)
    for needle, role in [
        ("uvicorn", "web"),
        ("dramatiq", "worker"),
        ("sweep_uploads", "sweeper"),
        ("processing_watchdog", "watchdog"),
    ]:
        if needle in line:
            return role
    return line
