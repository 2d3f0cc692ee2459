"""What the benchmarks share: a throwaway service (SQLite, temp media, local Redis) under uvicorn
in its own process, and users with tokens made through the real services."""

import os
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


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
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(400):
        try:
            requests.get(f"http://127.0.0.1:{port}/health", timeout=1)
            return server
        except requests.ConnectionError:
            time.sleep(0.05)
    server.kill()
    raise RuntimeError("the service did not start")
