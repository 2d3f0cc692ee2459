"""What the benchmarks share: a temporary workdir, a throwaway service (SQLite, temp media, local
Redis) under uvicorn in its own process or set up in this one, users with tokens made through the
real services, and the 1080p30 source clip with audio."""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from tests.media import generate, lavfi

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def workdir(prefix: str) -> Iterator[Path]:
    """A temporary folder for one run, removed afterwards whatever happens."""
    work = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


def service_env(work: Path, **overrides: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
        "MEDIA_ROOT": str(work / "media"),
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12"),
        "CLAMAV_ADDRESS": "",
        "LOG_LEVEL": "WARNING",
        # Benchmarks measure speed, not the limits: one user posts hundreds of drawings a minute.
        "WRITE_RATE_LIMIT": "100000/m",
        "WRITE_RATE_LIMIT_PER_IP": "100000/m",
        "ANNOTATION_RATE_LIMIT": "100000/m",
        **overrides,
    }


def setup_django(work: Path) -> None:
    """Set Django up in this process on the run's own database, media and broker namespace.
    Models are importable only after this, so the benchmarks import them inside functions."""
    os.environ.update(service_env(work, BROKER_NAMESPACE=f"bench-{os.getpid()}"))
    import django

    django.setup()


def manage(env: dict[str, str], *args: str) -> str:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def make_user_token(env: dict[str, str], username: str, role: str = "COACH") -> str:
    """Create a user through the services and return an access token."""
    script = (
        "from accounts.models import Role; from accounts.services import user_create;"
        "from rest_framework_simplejwt.tokens import RefreshToken;"
        f"u = user_create(username={username!r}, password='bench-pass-123!', role=Role.{role});"
        "print(RefreshToken.for_user(u).access_token)"
    )
    return manage(env, "shell", "-c", script).strip().splitlines()[-1]


def start_server(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "config.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--lifespan",
            "off",
            "--log-level",
            "warning",
            "--ws-per-message-deflate",  # as deploy/scripts/start.sh serves it
            "false",
            "--loop",
            env.get("WEB_LOOP") or "uvloop",
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(400):
        try:
            requests.get(f"http://127.0.0.1:{port}/health", timeout=1)
            return server
        except requests.RequestException:  # not listening yet, or too busy starting to answer
            time.sleep(0.05)
    server.kill()
    raise RuntimeError("the service did not start")


@contextmanager
def running_server(env: dict[str, str], port: int) -> Iterator[subprocess.Popen[bytes]]:
    """The service under uvicorn on `port` for the length of the block."""
    server = start_server(env, port)
    try:
        yield server
    finally:
        server.terminate()
        server.wait(timeout=30)


def make_source_clip(path: Path, seconds: int, audio_filter: str = "") -> Path:
    """The benchmarks' 1080p30 H.264 clip with a 440 Hz AAC tone, encoded near-losslessly
    (-crf 18, unlike make_clip) so the service has real detail to transcode; `audio_filter`
    (such as "volume=0.2") follows the tone."""
    tone = f"sine=frequency=440:duration={seconds}" + (f",{audio_filter}" if audio_filter else "")
    return generate(
        path,
        *lavfi(f"testsrc2=size=1920x1080:rate=30:duration={seconds}"),
        *lavfi(tone),
        *("-c:v", "libx264", "-preset", "ultrafast", "-crf", "18", "-pix_fmt", "yuv420p"),
        *("-c:a", "aac"),
    )
