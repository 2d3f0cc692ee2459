"""Receiving uploads: bytes hashed and size-checked while they stream (never held in memory),
and what a received file must pass before it becomes a video (size, quota, scan, probe)."""

import hashlib
import json
import logging
import re
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler

from accounts.models import User
from config.errors import ErrorCode, PayloadTooLarge, Unprocessable
from processing import clamav, ffmpeg
from videos.errors import QuotaExceeded, VideoErrorCode
from videos.models import ScanStatus
from videos.selectors import user_stored_bytes

logger = logging.getLogger(__name__)

# Multipart framing and the small text fields around the file.
MULTIPART_OVERHEAD = 1024 * 1024


class HashingUploadHandler(TemporaryFileUploadHandler):
    """Streams each file to a temporary file, computing sha256 and enforcing the size cap."""

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.sha256 = hashlib.sha256()
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > settings.MAX_UPLOAD_BYTES:
            raise PayloadTooLarge(
                f"The file is larger than the {settings.MAX_UPLOAD_BYTES} bytes "
                "this service accepts."
            )
        self.sha256.update(raw_data)
        return super().receive_data_chunk(raw_data, start)

    def file_complete(self, file_size: int) -> TemporaryUploadedFile:
        self.file.seek(0)
        self.file.size = file_size
        self.file.sha256 = self.sha256.hexdigest()  # type: ignore[attr-defined]
        return self.file


class UploadSizeGuard:
    """ASGI middleware: refuse an oversized plain upload before Django reads its body.

    Django's ASGI handler reads the whole body before any view runs, so the cap is enforced
    here: from Content-Length at once, and by counting while the body streams in.
    """

    PATH = re.compile(r"^/api/v1/videos/?$")

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or not self.PATH.match(scope["path"])
        ):
            await self.app(scope, receive, send)
            return
        limit = settings.MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length", b"").decode("latin-1")
        if declared.isdigit() and int(declared) > limit:
            await self._refuse(send)
            return
        received = 0
        started = False

        async def counting_receive() -> dict:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge()
            return message

        async def tracking_send(message: dict) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._refuse(send)

    @staticmethod
    async def _refuse(send: Any) -> None:
        body = json.dumps(
            {
                "code": ErrorCode.FILE_TOO_LARGE,
                "detail": f"The file is larger than the {settings.MAX_UPLOAD_BYTES} bytes "
                "this service accepts.",
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    pass


class StreamedUploadMixin:
    """For API views that take a multipart file: parse the body with HashingUploadHandler from
    the start. A session-authenticated request's CSRF check reads `request.POST` while DRF
    authenticates, before the view runs, so setting handlers in the view would be too late."""

    def initialize_request(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        if request.method == "POST":
            request.upload_handlers = [HashingUploadHandler(request)]
        return super().initialize_request(request, *args, **kwargs)  # type: ignore[misc]


# --- What a received file must pass ----------------------------------------------------------


def check_quota(*, user: User, incoming_bytes: int) -> None:
    if user_stored_bytes(user=user) + incoming_bytes > settings.MAX_USER_STORAGE_BYTES:
        raise QuotaExceeded()


def check_upload_size(size: int) -> None:
    if size > settings.MAX_UPLOAD_BYTES:
        raise PayloadTooLarge(
            f"The file is larger than the {settings.MAX_UPLOAD_BYTES} bytes this service accepts."
        )
    if size == 0:
        raise Unprocessable("The file is empty.", code=VideoErrorCode.EMPTY_FILE)


def inspect_media(local_path: str) -> ffmpeg.MediaInfo:
    """Decide quickly whether a local file is a video we accept (ffprobe, hardened)."""
    try:
        info = ffmpeg.probe(local_path, timeout=30)
    except ffmpeg.MediaError as error:
        raise Unprocessable(error.message, code=error.code) from None
    if info.width <= 0 or info.height <= 0:
        raise Unprocessable(
            "The video has no picture size.", code=VideoErrorCode.UNSUPPORTED_FORMAT
        )
    return info


def scan_local_file(path: str, size: int) -> tuple[ScanStatus, str]:
    """Scan with clamd when one is configured and answering.

    Returns the scan status to record: CLEAN/PARTIAL, INFECTED (with the signature), PENDING
    when clamd could not be reached (the worker retries; never clean), NOT_SCANNED without clamd.
    """
    try:
        verdict = clamav.scan_file(path, size=size)
    except clamav.ScannerUnavailable as error:
        logger.warning(
            "clamd unavailable at upload; the worker will scan", extra={"error": str(error)}
        )
        return ScanStatus.PENDING, ""
    return verdict.status, verdict.detail
