import time
import uuid

import boto3
import pytest
from boto3.s3.transfer import TransferConfig
from django.conf import settings as django_settings
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.factories import make_user
from tests.services import AsgiServer, start_clamd, start_moto_server


@pytest.fixture(scope="session")
def clamd_address(tmp_path_factory):
    """A real clamd for the whole run; its database holds only an EICAR signature."""
    process, address = start_clamd(
        tmp_path_factory.mktemp("clamd"), django_settings.CLAMAV_STREAM_MAX_BYTES
    )
    yield address
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path, clamd_address):
    """Each test stores media in its own folder and scans with the real clamd."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media"), "base_url": "/media/"},
        },
    }
    settings.CLAMAV_ADDRESS = clamd_address
    yield


@pytest.fixture(scope="session")
def clips(tmp_path_factory):
    from tests.media import make_clip

    folder = tmp_path_factory.mktemp("clips")
    return {
        "landscape": make_clip(folder / "landscape.mp4"),
        "noaudio": make_clip(folder / "noaudio.mp4", audio=False),
        "webm": make_clip(folder / "clip.mkv", container="mkv"),
    }


@pytest.fixture
def asgi_server(transactional_db):
    with AsgiServer() as server:
        yield server


@pytest.fixture(autouse=True)
def _fresh_channel_layer():
    """Each test (and its servers) gets a channel layer of its own: channels_redis keeps one
    receive lock per layer, and a server stopped mid-receive in an earlier test leaves it held by
    a dead event loop ("Lock ... is bound to a different event loop", lost live events)."""
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture
def buffered_channel_layer(settings):
    """The list channel layer, which keeps a channel's messages in Redis until read: for tests
    that publish first (a pipeline run, a tracking job) and read the channel afterwards, in
    another event loop. The default Pub/Sub layer hands a message only to a listener that is
    receiving when it is published."""
    settings.CHANNEL_LAYERS = {
        "default": {
            **settings.CHANNEL_LAYERS["default"],
            "BACKEND": "config.channel_layer.RedisChannelLayer",
        }
    }


@pytest.fixture(autouse=True)
def _fresh_redis():
    """Rate-limit counters and cache entries never leak between tests (test Redis DB only)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _steady_rate_window(monkeypatch):
    """django-ratelimit counts in fixed windows (a minute, offset per key): a test that makes
    eleven attempts across a window's end saw the count start again at zero and no 429 (a CI
    failure). The limiter's clock stands still for the test, so the window cannot roll over
    mid-test; the counts, limits and Retry-After are computed exactly as in production."""
    import types

    import django_ratelimit.core

    now = time.time()
    monkeypatch.setattr(django_ratelimit.core, "time", types.SimpleNamespace(time=lambda: now))


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def coach(db):
    return make_user("coach1", role="coach")


@pytest.fixture
def athlete(db):
    return make_user("athlete1", role="athlete")


@pytest.fixture
def staff(db):
    return make_user("staff1", role="staff")


def bearer(client: APIClient, user) -> APIClient:
    from rest_framework_simplejwt.tokens import RefreshToken

    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


@pytest.fixture(scope="session", autouse=True)
def _close_stray_connections(django_db_setup, django_db_blocker):
    """Server threads in the live-server tests hold their own connections; close them all before
    the test database is dropped."""
    yield
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


CREDENTIALS = {"access_key": "testing", "secret_key": "testing", "region_name": "us-east-1"}


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory):
    process, url = start_moto_server(tmp_path_factory.mktemp("moto"))
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def s3(settings, s3_endpoint):
    bucket = f"media-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=bucket)
    options = {
        "bucket_name": bucket,
        "endpoint_url": s3_endpoint,
        **CREDENTIALS,
        "file_overwrite": False,
        "querystring_auth": True,
        "default_acl": None,
        "transfer_config": TransferConfig(
            multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024
        ),
    }
    settings.AWS_STORAGE_BUCKET_NAME = bucket
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options},
    }
    return client, bucket
