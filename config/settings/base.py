"""Settings shared by every environment. Everything that varies is read from the environment."""

import hashlib
import os
import tempfile
from datetime import timedelta
from typing import Any

from config.db import database
from config.env import BASE_DIR, env

SECRET_KEY = env("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_prometheus",
    "rest_framework",
    "django_filters",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_dramatiq",
    "channels",
    "storages",
    "csp",
    "accounts",
    "videos",
    "processing",
    "annotations",
]

MIDDLEWARE = [
    "config.middleware.ProbeHostMiddleware",
    "config.middleware.RequestContextMiddleware",
    "config.ratelimit.AddressRateLimitMiddleware",
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.middleware.ContentSecurityPolicyMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"
APPEND_SLASH = False  # the API takes an optional trailing slash itself, for every method

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Databases -------------------------------------------------------------------------------
# How each engine is set up (pool, keeper, timeouts): `config.db.database`, for tests too.
DATABASES = {
    "default": database(env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")),
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
MONGODB_URL = env("MONGODB_URL", default="")
if MONGODB_URL:
    DATABASES["annotations"] = {
        "ENGINE": "django_mongodb_backend",
        "HOST": MONGODB_URL,
        "NAME": env("MONGODB_NAME", default="video_service_annotations"),
    }
DATABASE_ROUTERS = ["config.routers.AnnotationsRouter"]

# --- Instance: the names of this deployment's keys and queues in a shared Redis --------------
# Processes that share a database are one instance; two checkouts or deployments on one Redis
# never take each other's jobs, cache entries or WebSocket groups. Set INSTANCE_NAME when the
# processes of one instance reach the database by different URLs.
_database = DATABASES["default"]
_database_identity = "|".join(
    str(_database.get(key) or "") for key in ("ENGINE", "HOST", "PORT", "NAME")
)
INSTANCE_NAME = env("INSTANCE_NAME", default="") or (
    "db-" + hashlib.sha256(_database_identity.encode()).hexdigest()[:10]
)
KEY_NAMESPACE = f"video-service-{INSTANCE_NAME}"
# What the broker namespace was before it derived from the instance: `start.sh migrate` moves
# messages still queued there (manage.py move_queued_messages).
LEGACY_BROKER_NAMESPACE = "video-service"

# --- Redis: cache, rate limits, broker, channel layer ----------------------------------------
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="") or KEY_NAMESPACE,
        "OPTIONS": {
            "SOCKET_CONNECT_TIMEOUT": 2,
            "SOCKET_TIMEOUT": 2,
        },
    }
}
# Application caches (config/caching.py) to turn off, by name: media_urls, documents, analysis.
CACHES_OFF = frozenset(env.list("CACHES_OFF", default=[]))
# `lists`: channels_redis's list layer (a Redis sorted set per socket, popped one message at a
# time); `pubsub`: its Pub/Sub layer (one PUBLISH per event, each process fans out in memory).
CHANNEL_LAYER = env("CHANNEL_LAYER", default="pubsub")
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": {
            "lists": "config.channel_layer.RedisChannelLayer",
            "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer",
        }[CHANNEL_LAYER],
        "CONFIG": {
            # redis-py reads with a 5 s socket timeout, exactly the layer's 5 s blocking pop:
            # under load every idle receive raced it ("Timeout reading from ..."). Reads get
            # room beyond the pop; a dead Redis still shows at connect (5 s).
            "hosts": [{"address": REDIS_URL, "socket_timeout": 15, "socket_connect_timeout": 5}],
            "prefix": env("CHANNELS_PREFIX", default="") or KEY_NAMESPACE,
        },
    }
}
# Listed by hand: django-dramatiq's default names dramatiq.middleware.Prometheus, which
# dramatiq 2 no longer has.
_BROKER_MIDDLEWARE = [
    "dramatiq.middleware.AgeLimit",
    "dramatiq.middleware.TimeLimit",
    "dramatiq.middleware.Callbacks",
    "dramatiq.middleware.Retries",
    "django_dramatiq.middleware.DbConnectionsMiddleware",
    "processing.middleware.RequestContext",
    "processing.worker_boot.WorkerProcessBoot",
]
BROKER_URL = env("BROKER_URL", default="") or REDIS_URL
DRAMATIQ_BROKER: dict[str, Any]
if BROKER_URL.startswith(("amqp://", "amqps://")):
    # RabbitMQ, for production: durable queues, persistent messages, and a send returns only
    # once the broker has confirmed it. Queues carry no namespace: one virtual host per instance.
    DRAMATIQ_BROKER = {
        "BROKER": "dramatiq.brokers.rabbitmq.RabbitmqBroker",
        "OPTIONS": {"url": BROKER_URL, "confirm_delivery": True},
        "MIDDLEWARE": _BROKER_MIDDLEWARE,
    }
else:
    DRAMATIQ_BROKER = {
        "BROKER": "dramatiq.brokers.redis.RedisBroker",
        "OPTIONS": {
            "url": BROKER_URL,
            "namespace": env("BROKER_NAMESPACE", default="") or KEY_NAMESPACE,
            # A worker silent this long is dead: its unacknowledged messages are delivered again.
            "heartbeat_timeout": env.int("BROKER_HEARTBEAT_TIMEOUT_MS", default=60_000),
            # Out of a million broker commands, how many also run that clean-up.
            "maintenance_chance": env.int("BROKER_MAINTENANCE_CHANCE", default=1000),
        },
        "MIDDLEWARE": _BROKER_MIDDLEWARE,
    }
DRAMATIQ_AUTODISCOVER_MODULES = ["actors"]

# --- Files -------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")

MEDIA_URL_TTL = env.int("MEDIA_URL_TTL", default=3600)
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME", default="")
# Where uploads are spooled while they stream in; on the media volume, a finished upload is moved.
FILE_UPLOAD_TEMP_DIR = env("FILE_UPLOAD_TEMP_DIR", default="") or (
    None if AWS_STORAGE_BUCKET_NAME else os.path.join(str(MEDIA_ROOT), ".incoming")
)
if AWS_STORAGE_BUCKET_NAME:
    _s3_options = {
        "bucket_name": AWS_STORAGE_BUCKET_NAME,
        "endpoint_url": env("AWS_S3_ENDPOINT_URL", default="") or None,
        "region_name": env("AWS_S3_REGION_NAME", default="") or None,
        "access_key": env("AWS_ACCESS_KEY_ID", default="") or None,
        "secret_key": env("AWS_SECRET_ACCESS_KEY", default="") or None,
        "default_acl": None,
        "file_overwrite": False,
        "querystring_auth": True,
        "querystring_expire": MEDIA_URL_TTL,
        "custom_domain": env("AWS_S3_CUSTOM_DOMAIN", default="") or None,
        "cloudfront_key_id": env("CLOUDFRONT_KEY_ID", default="") or None,
        "cloudfront_key": env("CLOUDFRONT_PRIVATE_KEY", default="") or None,
    }
    _default_storage = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": _s3_options}
else:
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT), "base_url": MEDIA_URL},
    }
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Auth and the API --------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # JSON nested deeper than JSON_MAX_DEPTH is refused before the decoder recurses.
    "DEFAULT_PARSER_CLASSES": [
        "config.parsers.DepthLimitedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # Per user, reads and writes apart (config/ratelimit.py); per client address, before
    # authentication, by config.ratelimit.AddressRateLimitMiddleware.
    "DEFAULT_THROTTLE_CLASSES": ["config.ratelimit.UserRequestThrottle"],
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(seconds=env.int("JWT_ACCESS_SECONDS", default=300)),
    "REFRESH_TOKEN_LIFETIME": timedelta(seconds=env.int("JWT_REFRESH_SECONDS", default=86400)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "SIGNING_KEY": env("JWT_SIGNING_KEY", default="") or SECRET_KEY,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Video coaching service API",
    "DESCRIPTION": "Upload training videos, get them transcoded, annotate them together.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets that share a field name get their own component names.
    "ENUM_NAME_OVERRIDES": {
        "InviteStateEnum": "accounts.models.INVITE_STATES",
        "StateEnum": "processing.models.JobState",  # its name before invitations had a state
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.schema.uuid_path_parameters",
    ],
}

# Rate limits and the request guard: config/settings/limits.py.
from config.settings.limits import *  # noqa: E402, F403

# How many reverse proxies in front of us append to X-Forwarded-For; 0 means trust REMOTE_ADDR.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# --- Metrics -----------------------------------------------------------------------------------
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=["127.0.0.1/32", "::1/128"])
METRICS_TOKEN = env("METRICS_TOKEN", default="")
READY_CHECK_TIMEOUT_SECONDS = env.float("READY_CHECK_TIMEOUT_SECONDS", default=2.0)

# --- Processing limits (read by later apps; listed here so .env.example has one home) ----------
MAX_UPLOAD_BYTES = env.int("MAX_UPLOAD_BYTES", default=5 * 1024**3)
MAX_VIDEO_SECONDS = env.int("MAX_VIDEO_SECONDS", default=2 * 3600)
# quality:short_side:maxrate_kbps:max_fps, largest first; never upscaled, at least one is made.
VIDEO_LADDER = env("VIDEO_LADDER", default="hd:1080:6000:120,sd:720:3000:60,mobile:360:800:30")
FFMPEG_PRESET = env("FFMPEG_PRESET", default="veryfast")
VOICE_OVER_MAX_BYTES = env.int("VOICE_OVER_MAX_BYTES", default=100 * 1024**2)
PROCESSING_MAX_ATTEMPTS = env.int("PROCESSING_MAX_ATTEMPTS", default=3)
# A running job whose heartbeat is older than this is taken as dead (requeued or failed).
PROCESSING_STALE_SECONDS = env.int("PROCESSING_STALE_SECONDS", default=120)
# A message presumed lost (a job queued again after storage or scanner trouble, or an uploaded
# video, not taken since) is sent again by the watchdog after this long (longer than the
# actor's longest backoff, 300 s; a queue that is merely long gets one harmless copy).
LOST_MESSAGE_SECONDS = env.int("LOST_MESSAGE_SECONDS", default=900)
# Every job's working folder is made here, so the sweeper and a starting worker can remove the
# folders of jobs whose worker died (processing.jobs.job_workdirs_sweep).
JOB_WORK_DIR = env("JOB_WORK_DIR", default="") or os.path.join(
    tempfile.gettempdir(), "video-service-jobs"
)
# Exports (a coached MP4 with drawings burned in): at most this many queued or running per user.
EXPORT_MAX_ACTIVE_PER_USER = env.int("EXPORT_MAX_ACTIVE_PER_USER", default=3)
EXPORT_CRF = env.int("EXPORT_CRF", default=20)
CLAMAV_ADDRESS = env("CLAMAV_ADDRESS", default="")
# Must not exceed clamd's StreamMaxLength: bytes past it are recorded as not scanned.
CLAMAV_STREAM_MAX_BYTES = env.int("CLAMAV_STREAM_MAX_BYTES", default=1024**3)
MAX_USER_STORAGE_BYTES = env.int("MAX_USER_STORAGE_BYTES", default=50 * 1024**3)
UPLOAD_RATE_LIMIT = env("UPLOAD_RATE_LIMIT", default="30/h")
TUS_EXPIRATION_SECONDS = env.int("TUS_EXPIRATION_SECONDS", default=24 * 3600)
# Bytes per PATCH the upload page sends (0: the whole file; set it below a proxy's body limit).
TUS_CLIENT_CHUNK_BYTES = env.int("TUS_CLIENT_CHUNK_BYTES", default=0)
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", default="")

# --- Email: notifications and invitations (Django's email framework) ---------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", default="") or "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Video coaching <noreply@localhost>")
# Links in mails start with PUBLIC_BASE_URL, or this when it is empty.
EMAIL_LINK_BASE_URL = env("EMAIL_LINK_BASE_URL", default="http://127.0.0.1:8000")
# A notification waits this long for others to join it in one mail (sent by the sweeper).
NOTIFICATION_DIGEST_SECONDS = env.int("NOTIFICATION_DIGEST_SECONDS", default=120)
INVITE_TTL_HOURS = env.int("INVITE_TTL_HOURS", default=72)
INVITE_RATE_LIMIT = env("INVITE_RATE_LIMIT", default="20/h")

# --- i18n --------------------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Logging: one JSON object per line on stdout -----------------------------------------------
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_context": {"()": "config.logging.RequestContextFilter"}},
    "formatters": {"json": {"()": "config.logging.JsonFormatter"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json",
            "filters": ["request_context"],
        }
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        # Our request log line replaces Django's and uvicorn's access lines.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
        "uvicorn.access": {"level": "WARNING"},
        # A malformed multipart body is the client's 400 (videos/multipart.py), not a warning.
        "python_multipart": {"level": "ERROR"},
    },
}

# --- Browser pages: Content-Security-Policy (django-csp) ---------------------------------------
# Scripts and styles only from our own static files (no inline code); media and thumbnails may come
# from the storage's public origin (S3 or CloudFront) when one is configured.
_media_origins = env.list("CSP_MEDIA_ORIGINS", default=[])
if AWS_STORAGE_BUCKET_NAME and env("AWS_S3_CUSTOM_DOMAIN", default=""):
    _media_origins.append("https://" + env("AWS_S3_CUSTOM_DOMAIN"))
CONTENT_SECURITY_POLICY = {
    # The API's Swagger page ships an inline bootstrap script; it is documentation, not the app.
    "EXCLUDE_URL_PREFIXES": ["/api/docs/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:", *_media_origins],
        "media-src": ["'self'", "blob:", *_media_origins],
        "connect-src": ["'self'", *_media_origins],
        "worker-src": ["'self'", "blob:"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# --- Application performance monitoring and error tracking: off unless configured ----------
ELASTIC_APM_SERVER_URL = env("ELASTIC_APM_SERVER_URL", default="")
if ELASTIC_APM_SERVER_URL:
    INSTALLED_APPS.append("elasticapm.contrib.django")
    MIDDLEWARE.insert(0, "elasticapm.contrib.django.middleware.TracingMiddleware")
    ELASTIC_APM = {
        "SERVER_URL": ELASTIC_APM_SERVER_URL,
        "SERVICE_NAME": env("ELASTIC_APM_SERVICE_NAME", default="video-service"),
        "SECRET_TOKEN": env("ELASTIC_APM_SECRET_TOKEN", default=""),
        "ENVIRONMENT": env("ELASTIC_APM_ENVIRONMENT", default="production"),
        "DJANGO_TRANSACTION_NAME_FROM_ROUTE": True,
        "CAPTURE_BODY": "off",  # uploads and tokens never leave
    }

SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        integrations=[DjangoIntegration()],
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
        environment=env("SENTRY_ENVIRONMENT", default="production"),
        send_default_pii=False,
    )
