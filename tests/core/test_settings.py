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


# --- `make run` (config.settings.local) --------------------------------------------------------

OLD_FIXED_KEY = "local-development-key-not-for-production-use-0123456789"
LOCAL_PROBE = """
import json, os, time
import django
django.setup()
from django.conf import settings
from django.core import signing
from django.test import Client, override_settings
import jwt
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import AccessToken
from videos.storage import media_url

claims = {"token_type": "access", "user_id": "1", "jti": "x", "exp": int(time.time()) + 600}
try:
    AccessToken(jwt.encode(claims, OLD, algorithm="HS256"))
    token_accepted = True
except TokenError:
    token_accepted = False
try:
    signed = signing.dumps("x", key=OLD)
    assert signing.loads(signed, key=OLD) == "x"  # the probe itself works
    signing.loads(signed)  # sessions, messages, password reset links: the settings' key
    cookie_accepted = True
except signing.BadSignature:
    cookie_accepted = False
with override_settings(SECRET_KEY=OLD):
    url = media_url("videos/x/original")
media_status = Client().get(url, HTTP_HOST="127.0.0.1").status_code
print(json.dumps({
    "key": settings.SECRET_KEY, "debug": settings.DEBUG, "hosts": settings.ALLOWED_HOSTS,
    "token_accepted": token_accepted, "cookie_accepted": cookie_accepted,
    "media_status": media_status,
}))
"""


def local_settings(key_file: Path, **env: str) -> dict:
    import json

    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SECRET_KEY", "DEBUG", "JWT_SIGNING_KEY", "ALLOWED_HOSTS")
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings.local", SECRET_KEY_FILE=str(key_file), **env
    )
    result = subprocess.run(
        [sys.executable, "-c", f"OLD = {OLD_FIXED_KEY!r}\n{LOCAL_PROBE}"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_make_run_makes_a_random_key_once_and_keeps_it(tmp_path):
    key_file = tmp_path / ".run" / "secret-key"
    first = local_settings(key_file)
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert first["key"] != OLD_FIXED_KEY and len(first["key"]) >= 50
    assert local_settings(key_file)["key"] == first["key"] == key_file.read_text().strip()
    assert local_settings(tmp_path / "elsewhere")["key"] != first["key"]  # random, not fixed


def test_the_old_fixed_key_signs_nothing_accepted(tmp_path):
    probe = local_settings(tmp_path / "secret-key")
    assert probe["token_accepted"] is False
    assert probe["cookie_accepted"] is False
    assert probe["media_status"] == 403


def test_make_run_has_debug_off_unless_asked_and_local_hosts_only(tmp_path):
    probe = local_settings(tmp_path / "secret-key")
    assert probe["debug"] is False
    assert probe["hosts"] == ["127.0.0.1", "localhost"]
    assert local_settings(tmp_path / "secret-key", DEBUG="1")["debug"] is True


def test_an_environment_key_wins_and_no_file_is_made(tmp_path):
    key = "k" * 60
    assert local_settings(tmp_path / "secret-key", SECRET_KEY=key)["key"] == key
    assert not (tmp_path / "secret-key").exists()
