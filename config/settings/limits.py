"""Rate limits (django-ratelimit, counted in the shared Redis cache) and the ASGI request guard
(config/asgi_guard.py): how much any one user, address or connection may ask of the service.
Part of every settings module through base.py."""

from config.env import env

RATELIMIT_USE_CACHE = "default"
RATELIMIT_VIEW = "config.api.ratelimited_view"
TOKEN_RATE_LIMIT = env("TOKEN_RATE_LIMIT", default="10/m")
# Every API request, per signed-in user and per client address; reads are GET/HEAD/OPTIONS.
READ_RATE_LIMIT = env("READ_RATE_LIMIT", default="600/m")
READ_RATE_LIMIT_PER_IP = env("READ_RATE_LIMIT_PER_IP", default="1200/m")
WRITE_RATE_LIMIT = env("WRITE_RATE_LIMIT", default="120/m")
WRITE_RATE_LIMIT_PER_IP = env("WRITE_RATE_LIMIT_PER_IP", default="240/m")
# Drawings created per user (REST and WebSocket together), on top of the write limit.
ANNOTATION_RATE_LIMIT = env("ANNOTATION_RATE_LIMIT", default="60/m")
# WebSocket handshakes per user and per address; messages per connection (a token bucket).
WS_CONNECT_RATE_LIMIT = env("WS_CONNECT_RATE_LIMIT", default="60/m")
WS_MESSAGES_PER_SECOND = env.float("WS_MESSAGES_PER_SECOND", default=10.0)
WS_MESSAGE_BURST = env.int("WS_MESSAGE_BURST", default=20)
# An open socket asks the database again whenever a service says access changed (access.check)
# and, for changes made behind the services' back, before an event once this many seconds passed
# since its last look (0: before every event, as before; costly with hundreds of listeners).
WS_ACCESS_RECHECK_SECONDS = env.float("WS_ACCESS_RECHECK_SECONDS", default=10.0)
# Frames that are not a JSON object before the socket is closed (4400).
WS_MAX_BAD_FRAMES = env.int("WS_MAX_BAD_FRAMES", default=5)
# tus PATCH bytes per user per minute, all uploads together (0: no limit).
TUS_BYTES_PER_MINUTE = env.int("TUS_BYTES_PER_MINUTE", default=8 * 1024**3)
# The ASGI guard (config/asgi_guard.py), in front of Django and tus alike.
MAX_REQUEST_HEADER_BYTES = env.int("MAX_REQUEST_HEADER_BYTES", default=32 * 1024)
# Bodies of anything but an upload (plain POST /api/v1/videos, tus PATCH, voice-overs).
MAX_REQUEST_BODY_BYTES = env.int("MAX_REQUEST_BODY_BYTES", default=2_621_440)
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BODY_BYTES  # Django's own check, the same number
# A body that waits this long for its next chunk, or arrives slower than the floor
# (bytes a second, measured once REQUEST_BODY_GRACE_SECONDS have passed), gets 408.
REQUEST_BODY_STALL_SECONDS = env.float("REQUEST_BODY_STALL_SECONDS", default=30.0)
REQUEST_BODY_MIN_RATE = env.int("REQUEST_BODY_MIN_RATE", default=1024)
REQUEST_BODY_GRACE_SECONDS = env.float("REQUEST_BODY_GRACE_SECONDS", default=10.0)
# HTTP requests one process serves at once; more get 503 with Retry-After.
MAX_CONCURRENT_REQUESTS = env.int("MAX_CONCURRENT_REQUESTS", default=200)
JSON_MAX_DEPTH = env.int("JSON_MAX_DEPTH", default=32)
