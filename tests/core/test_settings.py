"""Production settings: refuse to start half-configured, and pass Django's deploy checks."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "x" * 20 + "y" * 20 + "0123456789abcdefghij",
    "ALLOWED_HOSTS": "video.example.com",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/video_service",
    "CLAMAV_ADDRESS": "127.0.0.1:3310",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_production_refuses_without_secret_key():
    env = {**PRODUCTION_ENV, "SECRET_KEY": ""}
    result = manage("check", **env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_without_clamd():
    env = {**PRODUCTION_ENV, "CLAMAV_ADDRESS": ""}
    result = manage("check", **env)
    assert result.returncode != 0
    assert "CLAMAV_ADDRESS" in result.stderr
