"""Receiving uploads: bytes hashed and size-checked while they stream (never held in memory),
and what a received file must pass before it becomes a video (size, quota, scan, probe)."""

import hashlib
import logging
import re
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import TemporaryUploadedFile, UploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler

from accounts.models import User
from config.asgi_guard import BodyLimit, request_body_limit
from config.errors import ErrorCode, PayloadTooLarge, Unprocessable
from processing import clamav, ffmpeg
from videos.errors import QuotaExceeded, VideoErrorCode
from videos.models import ScanStatus
from videos.selectors import user_stored_bytes

logger = logging.getLogger(__name__)

# Multipart framing and the small text fields around the file.
MULTIPART_OVERHEAD = 1024 * 1024
TUS_PREFIX = "/api/v1/uploads"
PLAIN_UPLOAD_PATH = re.compile(r"^/api/v1/videos/?$")
VOICE_OVER_PATH = re.compile(r"^/api/v1/annotations/voice-over/?$")
# Where videos.multipart hands a received plain upload's file to the view.
RECEIVED_FILE_SCOPE_KEY = "video_upload"


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


def upload_body_limit(scope: dict[str, Any]) -> BodyLimit | None:
    """The body limit of a request (config.asgi_guard): a plain upload and a voice-over take a
    file, tus checks each PATCH against its Upload-Length, anything else is a small body."""
    path, method = scope["path"], scope["method"]
    if path.startswith(TUS_PREFIX):
        return None
    content_type = dict(scope.get("headers") or []).get(b"content-type", b"")
    if not content_type.lower().startswith(b"multipart/form-data"):
        return request_body_limit()
    if method == "POST" and PLAIN_UPLOAD_PATH.match(path):
        limit = settings.MAX_UPLOAD_BYTES
    elif method == "POST" and VOICE_OVER_PATH.match(path):
        limit = settings.VOICE_OVER_MAX_BYTES
    else:
        return request_body_limit()
    return BodyLimit(
        limit + MULTIPART_OVERHEAD,
        ErrorCode.FILE_TOO_LARGE,
        f"The file is larger than the {limit} bytes this service accepts.",
    )


class ReceivedUploadedFile(UploadedFile):
    """A plain upload's file part as `videos.multipart` received it: on local disk, hashed and
    scanned already. Closing it closes the handle only; the receiver removes the file."""

    def __init__(self, path: str, *, name: str, size: int, sha256: str, scan: Any) -> None:
        super().__init__(open(path, "rb"), name=name, size=size)  # noqa: SIM115 - closed by File
        self.path, self.sha256, self.scan = path, sha256, scan

    def temporary_file_path(self) -> str:
        return self.path


def upload_form(request: Any) -> Any:
    """A plain upload's form: `request.data`, with the file `videos.multipart` received while
    the body streamed (through the ASGI scope) as `file`. Without that (a WSGI server or the
    test client), Django's parser with HashingUploadHandler made `request.data` already."""
    scope = getattr(request._request, "scope", None) or {}
    received = scope.get(RECEIVED_FILE_SCOPE_KEY)
    if received is None:
        return request.data
    data = request.data.dict()
    data["file"] = ReceivedUploadedFile(
        received.path,
        name=received.filename,
        size=received.size,
        sha256=received.sha256,
        scan=received.scan,
    )
    return data


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


def scan_deferred() -> clamav.ScanVerdict:
    """The verdict of an upload not scanned while it arrived (a tus upload in several PATCHes,
    or resumed): the worker scans the stored file before anything else (`pending`), as when
    clamd could not be reached; NOT_SCANNED without a configured clamd."""
    if not settings.CLAMAV_ADDRESS:
        return clamav.ScanVerdict(ScanStatus.NOT_SCANNED, "No virus scanner is configured.")
    return clamav.ScanVerdict(ScanStatus.PENDING, "")


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
