"""`make test`: the real PostgreSQL and Redis, isolated key spaces."""

from config.db import database
from config.env import env

from .base import *  # noqa: F403
from .base import CACHES, DATABASES, DRAMATIQ_BROKER, STORAGES

SECRET_KEY = "test-key-not-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
SIMPLE_JWT["SIGNING_KEY"] = SECRET_KEY
DEBUG = False
DATABASES["default"] = database(
    env.db("TEST_DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/video_service")
)
# A Redis database of its own, so flushing it between tests touches nothing else.
REDIS_URL = env("TEST_REDIS_URL", default="redis://127.0.0.1:6379/13")
CACHES["default"]["LOCATION"] = REDIS_URL
CACHES["default"]["KEY_PREFIX"] = "video-service-test"
CHANNEL_LAYERS["default"]["CONFIG"] = {
    "hosts": [{"address": REDIS_URL, "socket_timeout": 15, "socket_connect_timeout": 5}],
    # Pub/Sub channels ignore the Redis database number: runs on other databases of the same
    # Redis (parallel checkouts) keep apart by prefix.
    "prefix": f"video-service-test-{REDIS_URL.rsplit('/', 1)[-1]}",
}
DRAMATIQ_BROKER["OPTIONS"] = {
    **DRAMATIQ_BROKER["OPTIONS"],
    "url": REDIS_URL,
    "namespace": "video-service-test",
}
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed; tests only
LOG_LEVEL = "WARNING"
LOGGING = {**LOGGING, "root": {"handlers": ["stdout"], "level": "WARNING"}}
WHITENOISE_AUTOREFRESH = True  # serve from the finders; no collectstatic needed for tests
WHITENOISE_USE_FINDERS = True
CLAMAV_STREAM_MAX_BYTES = 64 * 1024 * 1024  # the test clamd is started with the same limit
# Tiny generated clips still exercise every rung of a ladder scaled down to their size.
VIDEO_LADDER = "hd:480:1500:120,sd:240:800:60,mobile:120:300:30"
FFMPEG_PRESET = "ultrafast"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # tests/conversation: real SMTP
