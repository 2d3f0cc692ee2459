"""Rate limits on the shared Redis cache, keyed by a client address that cannot be spoofed."""

import hashlib
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django_ratelimit.core import EXPIRATION_FUDGE, _get_window, _split_rate
from django_redis import get_redis_connection
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import RedisError
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

if TYPE_CHECKING:  # rest_framework.views reads DEFAULT_THROTTLE_CLASSES, which names this module
    from rest_framework.views import APIView

from config.errors import RateLimited
from config.metrics import count_api_error

logger = logging.getLogger(__name__)


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR, or with N trusted proxies the address the outermost of them saw.

    Each proxy appends the address it received the request from to X-Forwarded-For, so only the
    last N entries are trustworthy; anything left of them is whatever the client wrote.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < proxies:
        return remote
    return forwarded[-proxies]


def scope_client_ip(scope: dict[str, Any]) -> str:
    """client_ip for an ASGI scope (WebSocket handshakes), by the same trust rules."""
    request = HttpRequest()
    client = scope.get("client") or ("", 0)
    request.META["REMOTE_ADDR"] = client[0]
    for name, value in scope.get("headers") or []:
        if name.lower() == b"x-forwarded-for":
            request.META["HTTP_X_FORWARDED_FOR"] = value.decode("latin-1")
    return client_ip(request)


def enforce_rate_limit(request: HttpRequest | None, *, group: str, key: str, rate: str) -> None:
    """Count this request against `key` in `group`; raise RateLimited past `rate`.

    `request` may be None outside Django's views (the tus application).
    """
    del request  # counted by key; kept in the signature for the callers' sake
    try:
        count, limit, time_left = count_request(group=group, key=key, rate=rate)
    except (ConnectionInterrupted, RedisError, OSError):
        # Redis is down (/ready says so): the limiter lets requests through rather than turning
        # every one into a 500; what needs Redis itself answers for itself.
        logger.warning("rate limiter unavailable; not counting", extra={"group": group})
        return
    if count > limit:
        raise RateLimited(retry_after=max(1, time_left))


def count_request(*, group: str, key: str, rate: str) -> tuple[int, int, int]:
    """Count one request in `key`'s current window: (count so far, limit, seconds left).

    django-ratelimit's fixed windows (the same per-key jitter, so a key's window ends at the
    same second as before), counted in one round trip: INCR and EXPIRE NX pipelined, where
    get_usage sent ADD and then INCR, twice per API request (address and user limits)."""
    limit, period = _split_rate(rate)
    window = _get_window(key, period)
    digest = hashlib.sha256(f"{group}|{rate}|{key}".encode()).hexdigest()[:32]
    name = cache.make_key(f"rl:{digest}:{window}")
    pipe = get_redis_connection("default").pipeline(transaction=False)
    pipe.incr(name)
    pipe.expire(name, period + EXPIRATION_FUDGE, nx=True)
    count, _ = pipe.execute()
    return int(count), limit, window - int(time.time())


class RateLimitThrottle(BaseThrottle):
    """django-ratelimit as a DRF throttle, so a viewset declares its limits like any other DRF
    policy while the counting stays in the one limiter (the shared Redis cache). Subclasses name
    the group, the setting holding the rate, and the key."""

    group: str = ""
    rate_setting: str = ""

    def key(self, request: Request) -> str:
        return str(request.user.pk)

    def allow_request(self, request: Request, view: "APIView") -> bool:
        rate = getattr(settings, self.rate_setting)
        enforce_rate_limit(request, group=self.group, key=self.key(request), rate=rate)
        return True  # enforce_rate_limit raises RateLimited (429 with Retry-After) past the rate


class UploadRateThrottle(RateLimitThrottle):
    group = "video-upload"
    rate_setting = "UPLOAD_RATE_LIMIT"


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class UserRequestThrottle(RateLimitThrottle):
    """Every API request of a signed-in user: reads and writes counted apart."""

    def allow_request(self, request: Request, view: "APIView") -> bool:
        if not request.user.is_authenticated:
            return True  # counted by address only
        read = request.method in READ_METHODS
        rate = settings.READ_RATE_LIMIT if read else settings.WRITE_RATE_LIMIT
        group = "api-read-user" if read else "api-write-user"
        enforce_rate_limit(request, group=group, key=str(request.user.pk), rate=rate)
        return True


def enforce_address_limit(request: HttpRequest) -> None:
    """Every request from one client address, signed in or not: reads and writes apart."""
    read = request.method in READ_METHODS
    rate = settings.READ_RATE_LIMIT_PER_IP if read else settings.WRITE_RATE_LIMIT_PER_IP
    group = "api-read-ip" if read else "api-write-ip"
    enforce_rate_limit(request, group=group, key=client_ip(request), rate=rate)


UNLIMITED_PREFIXES = ("/static/", "/health", "/ready", "/metrics", "/favicon.ico")


class AddressRateLimitMiddleware:
    """The per-address limit for every path but static files and probes (the API, pages, media),
    counted before authentication: a DRF throttle runs only after the permission check, so an
    anonymous flood against a signed-in endpoint would never be counted there."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(UNLIMITED_PREFIXES):
            try:
                enforce_address_limit(request)
            except RateLimited as refusal:
                count_api_error(refusal.code, 429)
                return JsonResponse(refusal.as_dict(), status=429, headers=refusal.headers)
        return self.get_response(request)


class AnnotationCreateThrottle(RateLimitThrottle):
    """Drawings and voice-overs created per user, REST and WebSocket together."""

    group = "annotation-create"
    rate_setting = "ANNOTATION_RATE_LIMIT"


def enforce_annotation_create_limit(user_pk: Any) -> None:
    enforce_rate_limit(
        None,
        group=AnnotationCreateThrottle.group,
        key=str(user_pk),
        rate=settings.ANNOTATION_RATE_LIMIT,
    )


def spend_per_minute(*, group: str, key: str, amount: int, limit: int) -> int:
    """Add `amount` (bytes, say) to `key`'s total for this minute; past `limit` return the
    seconds until the minute ends (0: within the budget, or no limit)."""
    if limit <= 0:
        return 0
    now = time.time()
    window = int(now // 60)
    counter = f"budget:{group}:{key}:{window}"
    cache.add(counter, 0, timeout=120)
    try:
        spent = cache.incr(counter, amount) if amount else int(cache.get(counter) or 0)
    except ValueError:  # the counter went between add and incr (evicted, or Redis flushed)
        cache.set(counter, amount, timeout=120)
        spent = amount
    if spent > limit or (not amount and spent >= limit):
        return max(1, int((window + 1) * 60 - now))
    return 0
