"""Private media behind signed, expiring URLs, with HTTP Range support (seeking, HLS byte ranges).

A URL's signature covers exactly one key. HLS playlists and the storyboard's WebVTT are served
rewritten (videos/hls.py): each file they name becomes a URL signed for exactly that file, with
the same expiry, on whichever storage is configured (this view, S3 presigned, CloudFront)."""

import mimetypes
import re
import time
from collections.abc import AsyncIterator

from asgiref.sync import sync_to_async
from django.core.files import File
from django.core.files.storage import default_storage
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.views.decorators.http import require_http_methods

from config import caching
from config.api import error_response
from config.errors import ErrorCode
from videos import hls
from videos.errors import VideoErrorCode
from videos.metrics import MEDIA_RESPONSE, media_kind
from videos.storage import media_url, served_by_app, uses_s3, verify_media_signature

CONTENT_TYPES = {
    ".mp4": "video/mp4",
    ".m4s": "video/iso.segment",
    ".m3u8": "application/vnd.apple.mpegurl",
    ".vtt": "text/vtt",
    ".jpg": "image/jpeg",
    ".webm": "audio/webm",
    ".m4a": "audio/mp4",
    ".json": "application/json",
}
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)\Z")
CHUNK = 256 * 1024


def _content_type(key: str) -> str:
    for suffix, content_type in CONTENT_TYPES.items():
        if key.endswith(suffix):
            return content_type
    return mimetypes.guess_type(key)[0] or "application/octet-stream"


def _byte_range(header: str, size: int) -> tuple[int, int] | None:
    """(first, last) inclusive for a single satisfiable range; None when unsatisfiable."""
    match = _RANGE.match(header.strip())
    if not match or (not match.group(1) and not match.group(2)):
        return None
    first, last = match.group(1), match.group(2)
    if not first:  # suffix range: the last N bytes
        length = int(last)
        return (max(0, size - length), size - 1) if length else None
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    return (start, end) if start <= end and start < size else None


async def _chunks(handle: File, start: int, length: int) -> AsyncIterator[bytes]:
    """`length` bytes from `start`, read chunk by chunk in a worker thread. An async iterator on
    purpose: Django's ASGI handler reads a sync iterator whole into memory before sending it."""
    read = sync_to_async(handle.read, thread_sensitive=False)
    try:
        await sync_to_async(handle.seek, thread_sensitive=False)(start)
        while length > 0:
            data = await read(min(CHUNK, length))
            if not data:
                break
            length -= len(data)
            yield data
    finally:
        await sync_to_async(handle.close, thread_sensitive=False)()


def _rewritten(key: str, expires: int) -> HttpResponse:
    """A playlist or storyboard whose every file name is signed for exactly that file. Served
    whole (small text; Range is ignored, which RFC 9110 allows) and never cached by the
    browser: it holds URLs that expire with this one. The `documents` cache keeps the rewritten
    text per key and expiry (every client gets the same URLs for half a TTL: videos/storage.py
    `media_urls`), where that saves work: a storyboard's hundreds of cues (1.9 ms to rewrite,
    0.1 ms from Redis), and on S3 every document (a GET from the bucket). Only finished
    playlists: one still growing (an EVENT playlist) is read fresh every time."""
    cache_it = key.endswith(".vtt") or uses_s3()
    if not cache_it:
        body = _read_and_rewrite(key, expires)
    else:
        body = caching.cached(
            "documents",
            document_cache_key(key, expires),
            lambda: _read_and_rewrite(key, expires, only_final=True),
            timeout=max(1, expires - int(time.time())),
        )
        if body is None:  # absent, or a playlist still growing (not cached)
            body = _read_and_rewrite(key, expires)
    if body is None:
        return error_response(ErrorCode.NOT_FOUND, "Not found.", 404)
    response = HttpResponse(body, content_type=_content_type(key))
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def document_cache_key(key: str, expires: int) -> str:
    return f"document:{key}:{expires}"


def _read_and_rewrite(key: str, expires: int, only_final: bool = False) -> str | None:
    """The document as the reader gets it; None when it is absent (or, with `only_final`, a
    playlist that may still grow)."""
    try:
        with default_storage.open(key, "rb") as handle:
            text = handle.read().decode()
    except (FileNotFoundError, OSError):
        return None
    if only_final and key.endswith(".m3u8") and not hls.is_final(text):
        return None
    return hls.rewrite(text, key=key, sign=lambda sibling: media_url(sibling, expires=expires))


@require_http_methods(["GET", "HEAD"])
def media(
    request: HttpRequest, expires: int, signature: str, key: str
) -> HttpResponse | StreamingHttpResponse:
    started = time.perf_counter()
    try:
        return _media(request, expires, signature, key)
    finally:
        MEDIA_RESPONSE.labels(kind=media_kind(key)).observe(time.perf_counter() - started)


def _media(
    request: HttpRequest, expires: int, signature: str, key: str
) -> HttpResponse | StreamingHttpResponse:
    if ".." in key.split("/") or not verify_media_signature(key, expires, signature):
        return error_response(
            VideoErrorCode.INVALID_SIGNATURE, "This media link is invalid or has expired.", 403
        )
    if served_by_app(key):
        return _rewritten(key, expires)
    try:
        size = default_storage.size(key)
        handle = default_storage.open(key, "rb")
    except (FileNotFoundError, OSError):
        return error_response(ErrorCode.NOT_FOUND, "Not found.", 404)

    content_type = _content_type(key)
    response: HttpResponse | StreamingHttpResponse
    range_header = request.headers.get("Range")
    if range_header:
        byte_range = _byte_range(range_header, size)
        if byte_range is None:
            handle.close()
            response = error_response(
                VideoErrorCode.RANGE_NOT_SATISFIABLE, "Range not satisfiable.", 416
            )
            response["Content-Range"] = f"bytes */{size}"
            return response
        start, end = byte_range
        response = StreamingHttpResponse(
            _chunks(handle, start, end - start + 1), status=206, content_type=content_type
        )
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(end - start + 1)
    else:
        response = StreamingHttpResponse(_chunks(handle, 0, size), content_type=content_type)
        response["Content-Length"] = str(size)
    response["Accept-Ranges"] = "bytes"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    if request.GET.get("download") or key.endswith("/original"):
        response["Content-Disposition"] = "attachment"
    return response
