"""Production: refuses to start without what it needs, and passes `check --deploy`."""

from django.core.exceptions import ImproperlyConfigured

from config.env import env

from .base import *  # noqa: F403
from .base import CLAMAV_ADDRESS, SECRET_KEY

DEBUG = False
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured(
        "SECRET_KEY must be set (at least 50 random characters) in production."
    )
if not CLAMAV_ADDRESS:
    raise ImproperlyConfigured(
        "CLAMAV_ADDRESS must point at clamd (host:port or unix socket) in production: "
        "uploads are never served unscanned."
    )

if env("AWS_S3_CUSTOM_DOMAIN", default="") and not (
    env("CLOUDFRONT_KEY_ID", default="") and env("CLOUDFRONT_PRIVATE_KEY", default="")
):
    raise ImproperlyConfigured(
        "AWS_S3_CUSTOM_DOMAIN needs CLOUDFRONT_KEY_ID and CLOUDFRONT_PRIVATE_KEY: "
        "media is private and its URLs must be signed."
    )

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Probes and the scraper talk plain HTTP inside the cluster.
SECURE_REDIRECT_EXEMPT = [r"^health$", r"^ready$", r"^metrics$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
