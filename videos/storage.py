"""Storage keys and private media URLs. Files go through the storage API only, never `.path`."""

import contextlib
import functools
import hashlib
import hmac
import os
import re
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from urllib.parse import urlencode

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, default_storage
from django.utils.encoding import filepath_to_uri

from config import caching
from videos.metrics import timed_storage


class LocalFile(File):
    """A finished upload on local disk. Local storage moves it into place (a rename on the same
    filesystem) instead of copying it; other storages stream it."""

    def __init__(self, path: str) -> None:
        super().__init__(open(path, "rb"), name=path)  # noqa: SIM115 - closed by File

    def temporary_file_path(self) -> str:
        return str(self.name)


def video_prefix(video_id: object) -> str:
    return f"videos/{video_id}/"


def upload_prefix(video_id: object) -> str:
    return f"uploads/{video_id}/"


def delete_prefix(prefix: str, storage: Storage | None = None) -> int:
    """Delete every file under `prefix` (recursively); returns how many were deleted."""
    storage = storage or default_storage
    deleted = 0
    try:
        directories, files = storage.listdir(prefix)
    except FileNotFoundError:
        return 0
    for name in files:
        with timed_storage("delete"):
            storage.delete(f"{prefix}{name}")
        deleted += 1
    for directory in directories:
        deleted += delete_prefix(f"{prefix}{directory}/", storage)
    if isinstance(storage, FileSystemStorage):
        # A bucket has no folders; on disk the emptied one would stay behind for ever.
        with contextlib.suppress(OSError):  # not empty (a file arrived meanwhile) or gone
            os.rmdir(storage.path(prefix))
    return deleted


def uses_s3() -> bool:
    return bool(settings.AWS_STORAGE_BUCKET_NAME)


# Files whose text names sibling files (HLS playlists, the storyboard's WebVTT): the app serves
# them, rewritten so that each name becomes a URL signed for exactly that sibling (videos/hls.py).
_REWRITTEN = re.compile(r"^videos/[^/]+/(hls/[^/]+\.m3u8|storyboard/[^/]+\.vtt)$")


def served_by_app(key: str) -> bool:
    return bool(_REWRITTEN.match(key))


@functools.lru_cache(maxsize=4)
def _signing_key(secret_key: str) -> bytes:
    return hashlib.sha256(b"media-url:" + secret_key.encode()).digest()


def _signature(key: str, expires: int) -> str:
    """An HMAC over exactly one key and its expiry: it opens that file and nothing else."""
    message = f"{key}\n{expires}".encode()
    return hmac.new(_signing_key(settings.SECRET_KEY), message, hashlib.sha256).hexdigest()[:32]


def media_url(
    key: str, *, attachment: bool = False, expires_in: int | None = None, expires: int | None = None
) -> str:
    """A URL that opens exactly `key` until `expires` (epoch seconds; default: the TTL from now).

    Local storage, and the documents the app rewrites: the app's own signed URL. S3: a presigned
    URL. S3 behind CloudFront: a CloudFront signed URL (canned policy for this one URL)."""
    if expires is None:
        expires = int(time.time()) + (expires_in or settings.MEDIA_URL_TTL)
    if uses_s3() and not served_by_app(key):
        return _storage_url(key, expires, attachment)
    # The route's shape (config/urls.py "media"), formatted rather than reversed: a video list
    # signs about four URLs a video, and reverse() was most of that time.
    url = _local_url(settings.SECRET_KEY, key, expires)
    return url + ("?download=1" if attachment else "")


@functools.lru_cache(maxsize=8192)
def _local_url(secret_key: str, key: str, expires: int) -> str:
    """The app's own URL for `key` until `expires`. Remembered: a page's URLs share one expiry
    for half a TTL (`media_urls`), so the next requests for the same page sign nothing."""
    signature = hmac.new(_signing_key(secret_key), f"{key}\n{expires}".encode(), hashlib.sha256)
    return f"/media/{expires}/{signature.hexdigest()[:32]}/{filepath_to_uri(key)}"


MediaRequest = tuple[str, bool]  # (key, attachment)


def media_urls(wanted: Iterable[MediaRequest]) -> dict[MediaRequest, str]:
    """Signed URLs for many files at once (a page of videos), each valid for between half the
    TTL and the whole TTL, and the same URL for every client and process for half a TTL: the
    browser's cache and the rewritten documents' cache see one URL per file, not one a request.

    Local storage: signed here, an HMAC of microseconds, on a shared expiry (the next
    half-TTL boundary past half a TTL from now); a Redis round trip would cost more than it
    saves. S3 and CloudFront: SigV4 and RSA signatures, a tenth of a millisecond to a
    millisecond each and 175 on a page, read from the `media_urls` cache in one MGET."""
    items = list(dict.fromkeys(wanted))
    ttl = settings.MEDIA_URL_TTL
    if not uses_s3():
        half = max(1, ttl // 2)
        expires = (int(time.time()) // half + 2) * half
        return {item: media_url(item[0], attachment=item[1], expires=expires) for item in items}

    def sign(missing: list[MediaRequest]) -> dict[MediaRequest, str]:
        expires = int(time.time()) + ttl
        return {item: media_url(item[0], attachment=item[1], expires=expires) for item in missing}

    return caching.cached_many(
        "media_urls",
        items,
        cache_key=lambda item: f"media-url:{int(item[1])}:{item[0]}",
        compute=sign,
        timeout=max(1, ttl // 2),
    )


def _storage_url(key: str, expires: int, attachment: bool) -> str:
    params = {"ResponseContentDisposition": "attachment"} if attachment else {}
    signer = getattr(default_storage, "cloudfront_signer", None)
    domain = getattr(default_storage, "custom_domain", None)
    if domain and signer:
        # Signed here rather than by storage.url() so the expiry is exactly `expires`.
        query = f"?{urlencode(params)}" if params else ""
        protocol = getattr(default_storage, "url_protocol", "https:")
        url = f"{protocol}//{domain}/{filepath_to_uri(key)}{query}"
        return str(signer.generate_presigned_url(url, date_less_than=_utc(expires)))
    ttl = max(1, expires - int(time.time()))
    return default_storage.url(key, parameters=params or None, expire=ttl)  # type: ignore[call-arg]


def _utc(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, tz=UTC)


def verify_media_signature(key: str, expires: int, signature: str) -> bool:
    if expires < time.time():
        return False
    return hmac.compare_digest(_signature(key, expires), signature)
