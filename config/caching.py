"""The application's caches in Redis (django-redis, the `default` cache): what is read often and
changes rarely. Never a permission: access is decided on every request from the database.

Each cache has a name, counted in /metrics (`app_cache_hits_total`, `app_cache_misses_total`
by `cache`), and can be turned off (CACHES_OFF=name,name: the benchmark's comparison). When
Redis is unavailable a read is a miss and the value is computed, never an error.

- media_urls: signed media URLs (videos/storage.py `media_urls`), reused while at least half
  their lifetime is left; one MGET per response.
- documents: storyboard WebVTT and (on S3) finished HLS playlists as served, rewritten with
  signed URLs (videos/views.py), by key and expiry; a video's are deleted when processing
  records new outputs and when the video is deleted (`videos.services.documents_forget`).
"""

import contextlib
import logging
from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import RedisError

from config.metrics import CACHE_HITS, CACHE_MISSES

logger = logging.getLogger(__name__)

K = TypeVar("K", bound=Hashable)
CACHE_NAMES = ("media_urls", "documents")
_UNAVAILABLE = (ConnectionInterrupted, RedisError, OSError)


def enabled(name: str) -> bool:
    return name not in settings.CACHES_OFF


def cached_many(
    name: str,
    keys: Sequence[K],
    *,
    cache_key: Callable[[K], str],
    compute: Callable[[list[K]], dict[K, Any]],
    timeout: int,
) -> dict[K, Any]:
    """{key: value} for every key: one MGET, then `compute` for the misses (stored back)."""
    wanted = list(dict.fromkeys(keys))
    if not wanted:
        return {}
    if not enabled(name):
        return compute(wanted)
    names = {cache_key(key): key for key in wanted}
    try:
        found = cache.get_many(list(names))
    except _UNAVAILABLE:
        logger.warning("cache unavailable; computing", extra={"cache": name})
        found = {}
    values = {names[stored]: value for stored, value in found.items()}
    missing = [key for key in wanted if key not in values]
    if values:
        CACHE_HITS.labels(cache=name).inc(len(values))
    if missing:
        CACHE_MISSES.labels(cache=name).inc(len(missing))
        computed = compute(missing)
        values.update(computed)
        with contextlib.suppress(*_UNAVAILABLE):
            cache.set_many({cache_key(key): computed[key] for key in missing}, timeout=timeout)
    return values


def cached(name: str, key: str, compute: Callable[[], Any], timeout: int) -> Any:
    """One value (`compute()` on a miss, stored back). None is never cached."""
    if not enabled(name):
        return compute()
    try:
        value = cache.get(key)
    except _UNAVAILABLE:
        value = None
    if value is not None:
        CACHE_HITS.labels(cache=name).inc()
        return value
    CACHE_MISSES.labels(cache=name).inc()
    value = compute()
    if value is not None:
        with contextlib.suppress(*_UNAVAILABLE):
            cache.set(key, value, timeout=timeout)
    return value


def forget_matching(pattern: str) -> None:
    """Delete every entry whose key matches `pattern` (a SCAN: for rare writes only)."""
    try:
        cache.delete_pattern(pattern)  # type: ignore[attr-defined]
    except _UNAVAILABLE:
        logger.warning(
            "cache unavailable; entries live to their timeout", extra={"pattern": pattern}
        )


def forget(*keys: str) -> None:
    """Delete entries whose source changed (a failure only lets them live to their timeout)."""
    try:
        cache.delete_many(list(keys))
    except _UNAVAILABLE:
        logger.warning("cache unavailable; entries live to their timeout", extra={"keys": keys})
