"""`make run`: embedded defaults, nothing to configure."""

from config.env import env

from .base import *  # noqa: F403
from .base import STORAGES

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default="local-development-key-not-for-production-use-0123456789")
SIMPLE_JWT["SIGNING_KEY"] = env("JWT_SIGNING_KEY", default="") or SECRET_KEY
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
