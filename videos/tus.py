"""Resumable uploads: the tus 1.0.0 protocol as a small ASGI application.

Why hand-written: the Python tus servers on PyPI are unmaintained or tied to other frameworks,
and Django's ASGI handler reads a whole request body before a view runs, which would lose the
bytes of an interrupted PATCH. Here the body streams straight into a part file, so whatever
arrived is kept.

Extensions: creation, creation-with-upload, termination, checksum, expiration. The bytes of each
PATCH become one part in storage (`uploads/{id}/part-NNNNNN`); the offset lives in the database,
so it survives restarts and works across processes. A PATCH holds a lock (a token with a
heartbeat on the upload row); a lock whose heartbeat is stale is taken over by the next PATCH.
"""

import asyncio
import base64
import binascii
import contextlib
import hashlib
import hmac
import json
import logging
import os
import re
import tempfile
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.http import http_date

from accounts.models import User
from config.errors import ApplicationError, PayloadTooLarge
from config.logging import bind_log_context, log_context
from videos import metrics, services, storage
from videos.models import TusUpload, Video, VideoStatus
from videos.permissions import can_upload

logger = logging.getLogger(__name__)

TUS_VERSION = "1.0.0"
EXTENSIONS = "creation,creation-with-upload,termination,checksum,expiration"
CHECKSUMS = {"sha1": hashlib.sha1, "md5": hashlib.md5, "sha256": hashlib.sha256}
PATH = re.compile(r"^/api/v1/uploads/?(?P<id>[0-9a-fA-F-]{36})?/?$")
LOCK_STALE_AFTER = timedelta(seconds=10)
HEARTBEAT_EVERY = 2.0
WRITE_BUFFER = 1024 * 1024
METADATA_LIMITS = {"filename": 255, "title": 200, "description": 5000, "filetype": 100}


class TusError(ApplicationError):
    pass


@dataclass
class Reply:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | None = None


def _error(status: int, code: str, detail: str) -> Reply:
    return Reply(status, body={"code": code, "detail": detail})


# --- Metadata -----------------------------------------------------------------------------------


def parse_metadata(header: str) -> dict[str, str]:
    """Upload-Metadata: "key base64value, key2 base64value2"; only our keys, sanitised."""
    metadata: dict[str, str] = {}
    if len(header) > 20_000:
        raise TusError("Upload-Metadata is too long.", code="invalid_metadata")
    for pair in filter(None, (part.strip() for part in header.split(","))):
        key, _, encoded = pair.partition(" ")
        if key not in METADATA_LIMITS:
            continue
        try:
            value = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise TusError(
                f"Upload-Metadata {key!r} is not base64-encoded UTF-8.", code="invalid_metadata"
            ) from None
        multiline = key == "description"
        metadata[key] = services.sanitise_text(
            value, max_length=METADATA_LIMITS[key], multiline=multiline
        )
    return metadata


def encode_metadata(video: Video) -> str:
    values = {"filename": video.original_filename, "title": video.title}
    return ",".join(
        f"{key} {base64.b64encode(value.encode()).decode()}"
        for key, value in values.items()
        if value
    )


# --- Authentication -----------------------------------------------------------------------------


def _authenticate(scope: dict, headers: dict[str, str]) -> User | None:
    from rest_framework_simplejwt.authentication import JWTAuthentication
    from rest_framework_simplejwt.exceptions import InvalidToken

    authorization = headers.get("authorization", "")
    if authorization.startswith("Bearer "):
        auth = JWTAuthentication()
        try:
            token = auth.get_validated_token(authorization.removeprefix("Bearer ").encode())
            user = auth.get_user(token)
        except (InvalidToken, Exception):  # any token problem is "not authenticated"
            return None
        return user if isinstance(user, User) and user.is_active else None
    session_user = scope.get("user")
    if not isinstance(session_user, User) or not session_user.is_authenticated:
        return None
    # Session cookies ride along automatically; require the CSRF double-submit header.
    if scope["method"] in ("POST", "PATCH", "DELETE"):
        cookie = scope.get("cookies", {}).get(settings.CSRF_COOKIE_NAME, "")
        sent = headers.get("x-csrftoken", "")
        if not cookie or not hmac.compare_digest(cookie, sent):
            return None
    return session_user


# --- Database steps (sync, run in threads) --------------------------------------------------------


def _load(upload_id: uuid.UUID, user: User) -> TusUpload | None:
    upload = (
        TusUpload.objects.select_related("video")
        .filter(pk=upload_id, video__owner=user, video__status=VideoStatus.UPLOADING)
        .first()
    )
    if upload is None or upload.expires_at < timezone.now():
        return None
    return upload


def _create(user: User, length: int, metadata: dict[str, str]) -> TusUpload:
    if not can_upload(user):
        raise TusError(
            "Only coaches, athletes and staff may upload.",
            status_code=403,
            code="permission_denied",
        )
    if length > settings.MAX_UPLOAD_BYTES:
        raise PayloadTooLarge(
            f"The file is larger than the {settings.MAX_UPLOAD_BYTES} bytes this service accepts."
        )
    if length == 0:
        raise TusError("The file is empty.", status_code=422, code="empty_file")
    services.check_quota(user=user, incoming_bytes=length)
    with transaction.atomic():
        video = Video.objects.create(
            owner=user,
            title=metadata.get("title") or services.sanitise_filename(metadata.get("filename", "")),
            description=metadata.get("description", ""),
            original_filename=services.sanitise_filename(metadata.get("filename", "")),
            size=0,
            status=VideoStatus.UPLOADING,
        )
        return TusUpload.objects.create(
            video=video,
            length=length,
            expires_at=timezone.now() + timedelta(seconds=settings.TUS_EXPIRATION_SECONDS),
        )


def _acquire(upload_id: uuid.UUID, offset: int, token: str) -> str:
    """Take the lock if free or stale and the offset matches; returns "ok", "busy" or "offset"."""
    now = timezone.now()
    free = Q(lock_token="") | Q(lock_heartbeat__lt=now - LOCK_STALE_AFTER)
    taken = TusUpload.objects.filter(free, pk=upload_id, offset=offset).update(
        lock_token=token, lock_heartbeat=now
    )
    if taken:
        return "ok"
    current = TusUpload.objects.filter(pk=upload_id).values_list("offset", flat=True).first()
    return "offset" if current != offset else "busy"


def _heartbeat(upload_id: uuid.UUID, token: str) -> None:
    TusUpload.objects.filter(pk=upload_id, lock_token=token).update(lock_heartbeat=timezone.now())


def _release(upload_id: uuid.UUID, token: str) -> None:
    TusUpload.objects.filter(pk=upload_id, lock_token=token).update(
        lock_token="", lock_heartbeat=None
    )


def _commit_part(upload_id: uuid.UUID, token: str, offset: int, part_path: str, size: int) -> int:
    """Store the part and advance the offset, only while we still hold the lock at `offset`."""
    upload = TusUpload.objects.get(pk=upload_id)
    if upload.lock_token != token or upload.offset != offset:
        raise TusError(
            "Another request changed this upload meanwhile.", status_code=409, code="conflict"
        )
    key = f"{storage.upload_prefix(upload_id)}part-{upload.parts:06d}"
    default_storage.delete(key)
    with metrics.timed_storage("save"), services.LocalFile(part_path) as part:
        stored = default_storage.save(key, part)
    updated = TusUpload.objects.filter(pk=upload_id, lock_token=token, offset=offset).update(
        offset=offset + size, parts=upload.parts + 1
    )
    if not updated:
        default_storage.delete(stored)
        raise TusError(
            "Another request changed this upload meanwhile.", status_code=409, code="conflict"
        )
    return offset + size


def _local_path(key: str) -> str | None:
    """The file's path when storage is a local folder (FileSystemStorage); None for S3."""
    try:
        return str(default_storage.path(key))
    except NotImplementedError:
        return None


def _assemble(upload: TusUpload, prefix: str) -> tuple[str, str]:
    """One local file holding the whole upload, and its sha256.

    On local storage the first part becomes that file and the others are appended to it, so a
    one-PATCH upload (tus-js-client's default) is never copied: it is hashed, then renamed into
    place by the ingest. Remote storage streams every part into a temporary file."""
    digest = hashlib.sha256()
    first = _local_path(f"{prefix}part-000000")
    if first is not None:
        with open(first, "r+b") as local:
            while chunk := local.read(WRITE_BUFFER):
                digest.update(chunk)
            for index in range(1, upload.parts):
                with default_storage.open(f"{prefix}part-{index:06d}", "rb") as part:
                    while chunk := part.read(WRITE_BUFFER):
                        digest.update(chunk)
                        local.write(chunk)
        return first, digest.hexdigest()
    fd, local_path = tempfile.mkstemp(prefix="tus-", dir=settings.FILE_UPLOAD_TEMP_DIR)
    with os.fdopen(fd, "wb") as local:
        for index in range(upload.parts):
            with default_storage.open(f"{prefix}part-{index:06d}", "rb") as part:
                while chunk := part.read(WRITE_BUFFER):
                    digest.update(chunk)
                    local.write(chunk)
    return local_path, digest.hexdigest()


def _finish(upload_id: uuid.UUID, user: User) -> Video:
    """Assemble the parts into one local file (hashing it), then ingest it as the video."""
    upload = TusUpload.objects.select_related("video").get(pk=upload_id)
    video = upload.video
    prefix = storage.upload_prefix(upload_id)
    local_path = ""
    try:
        local_path, sha256 = _assemble(upload, prefix)
        return services.video_ingest(
            owner=user,
            title=video.title,
            description=video.description,
            filename=video.original_filename,
            local_path=local_path,
            size=upload.length,
            sha256=sha256,
            video_id=video.pk,
        )
    except ApplicationError:
        if not Video.objects.filter(pk=video.pk, status=VideoStatus.REJECTED).exists():
            Video.objects.filter(pk=video.pk).delete()
        raise
    finally:
        storage.delete_prefix(prefix)
        if local_path:
            with contextlib.suppress(FileNotFoundError):  # moved into storage on success
                os.unlink(local_path)


def _terminate(upload: TusUpload) -> None:
    storage.delete_prefix(storage.upload_prefix(upload.pk))
    Video.objects.filter(pk=upload.pk, status=VideoStatus.UPLOADING).delete()


def expire_uploads() -> int:
    """Remove unfinished uploads past their expiry, with their parts (a periodic job)."""
    expired = TusUpload.objects.filter(
        expires_at__lt=timezone.now(), video__status=VideoStatus.UPLOADING
    )
    count = 0
    for upload in expired.iterator():
        _terminate(upload)
        count += 1
    return count


# --- The ASGI application -----------------------------------------------------------------------


class TusApp:
    def __init__(self) -> None:
        self.lock_token = uuid.uuid4().hex

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        request_id = headers.get("x-request-id", "")
        if not re.fullmatch(r"[A-Za-z0-9._:-]{1,128}", request_id):
            request_id = uuid.uuid4().hex
        token = bind_log_context(request_id=request_id)
        try:
            reply = await self.dispatch(scope, headers, receive)
        except ApplicationError as error:
            reply = Reply(error.status_code, dict(error.headers), error.as_dict())
        except Exception:
            logger.exception("tus request failed")
            reply = _error(500, "server_error", "Something went wrong on our side; it was logged.")
        finally:
            log_context.reset(token)
        reply.headers["X-Request-ID"] = request_id
        await self.respond(send, reply)

    async def dispatch(self, scope: dict, headers: dict[str, str], receive: Any) -> Reply:
        match = PATH.match(scope["path"])
        method = scope["method"]
        if match is None:
            return _error(404, "not_found", "Not found.")
        if method == "OPTIONS":
            return Reply(204, self.capabilities())
        if headers.get("tus-resumable") != TUS_VERSION:
            return Reply(
                412,
                {"Tus-Version": TUS_VERSION},
                {"code": "unsupported_version", "detail": "Send Tus-Resumable: 1.0.0."},
            )
        user = await sync_to_async(_authenticate)(scope, headers)
        if user is None:
            return _error(401, "not_authenticated", "Sign in or send a valid bearer token.")
        upload_id = match.group("id")
        if upload_id is None:
            if method != "POST":
                return Reply(
                    405,
                    {"Allow": "OPTIONS, POST"},
                    {"code": "method_not_allowed", "detail": f"{method} is not allowed here."},
                )
            return await self.create(scope, headers, receive, user)
        upload = await sync_to_async(_load)(uuid.UUID(upload_id), user)
        if upload is None:  # someone else's, expired, finished, or never existed
            return _error(404, "not_found", "No such upload.")
        if method == "HEAD":
            return Reply(200, self.state_headers(upload))
        if method == "PATCH":
            return await self.patch(upload, headers, receive, user)
        if method == "DELETE":
            await sync_to_async(_terminate)(upload)
            return Reply(204)
        return Reply(
            405,
            {"Allow": "OPTIONS, HEAD, PATCH, DELETE"},
            {"code": "method_not_allowed", "detail": f"{method} is not allowed here."},
        )

    def capabilities(self) -> dict[str, str]:
        return {
            "Tus-Version": TUS_VERSION,
            "Tus-Extension": EXTENSIONS,
            "Tus-Max-Size": str(settings.MAX_UPLOAD_BYTES),
            "Tus-Checksum-Algorithm": ",".join(CHECKSUMS),
        }

    def state_headers(self, upload: TusUpload) -> dict[str, str]:
        headers = {
            "Upload-Offset": str(upload.offset),
            "Upload-Length": str(upload.length),
            "Upload-Expires": http_date(upload.expires_at.timestamp()),
            "Cache-Control": "no-store",
        }
        if metadata := encode_metadata(upload.video):
            headers["Upload-Metadata"] = metadata
        return headers

    async def create(self, scope: dict, headers: dict[str, str], receive: Any, user: User) -> Reply:
        from config.ratelimit import enforce_rate_limit

        if "upload-defer-length" in headers:
            return _error(
                400, "invalid", "Upload-Defer-Length is not supported; send Upload-Length."
            )
        length_header = headers.get("upload-length", "")
        if not length_header.isdigit():
            return _error(400, "invalid", "Upload-Length must be a whole number of bytes.")
        metadata = parse_metadata(headers.get("upload-metadata", ""))
        await sync_to_async(enforce_rate_limit)(
            None, group="video-upload", key=str(user.pk), rate=settings.UPLOAD_RATE_LIMIT
        )
        upload = await sync_to_async(_create)(user, int(length_header), metadata)
        location = f"{settings.PUBLIC_BASE_URL.rstrip('/')}/api/v1/uploads/{upload.pk}"
        reply_headers = {
            "Location": location,
            "Upload-Expires": http_date(upload.expires_at.timestamp()),
        }
        if headers.get("content-type") == "application/offset+octet-stream":
            patched = await self.patch(upload, {**headers, "upload-offset": "0"}, receive, user)
            if patched.status >= 400:
                return patched
            reply_headers.update({k: v for k, v in patched.headers.items() if k == "Upload-Offset"})
        return Reply(201, reply_headers)

    async def patch(
        self, upload: TusUpload, headers: dict[str, str], receive: Any, user: User
    ) -> Reply:
        if headers.get("content-type") != "application/offset+octet-stream":
            return _error(
                415,
                "unsupported_media_type",
                "PATCH bodies must be Content-Type: application/offset+octet-stream.",
            )
        offset_header = headers.get("upload-offset", "")
        if not offset_header.isdigit():
            return _error(400, "invalid", "Upload-Offset must be a whole number of bytes.")
        offset = int(offset_header)
        checksum = self.parse_checksum(headers.get("upload-checksum"))
        remaining = upload.length - offset
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > remaining:
            return _error(413, "file_too_large", "The body goes past the declared Upload-Length.")

        token = uuid.uuid4().hex
        acquired = await sync_to_async(_acquire)(upload.pk, offset, token)
        if acquired == "offset":
            current = await sync_to_async(
                lambda: (
                    TusUpload.objects.filter(pk=upload.pk).values_list("offset", flat=True).first()
                )
            )()
            return Reply(
                409,
                {"Upload-Offset": str(current)},
                {"code": "offset_mismatch", "detail": f"The upload is at offset {current}."},
            )
        if acquired == "busy":
            return _error(409, "upload_locked", "Another request is writing to this upload.")
        try:
            return await self.receive_part(
                upload, offset, token, remaining, checksum, receive, user
            )
        finally:
            await sync_to_async(_release)(upload.pk, token)

    @staticmethod
    def parse_checksum(header: str | None) -> tuple[str, bytes] | None:
        if not header:
            return None
        algorithm, _, encoded = header.strip().partition(" ")
        if algorithm not in CHECKSUMS:
            raise TusError(
                "Unsupported checksum algorithm; use sha1, md5 or sha256.",
                code="unsupported_checksum",
            )
        try:
            return algorithm, base64.b64decode(encoded, validate=True)
        except binascii.Error:
            raise TusError("Upload-Checksum is not base64.", code="invalid") from None

    async def receive_part(
        self,
        upload: TusUpload,
        offset: int,
        token: str,
        remaining: int,
        checksum: tuple[str, bytes] | None,
        receive: Any,
        user: User,
    ) -> Reply:
        hasher = CHECKSUMS[checksum[0]]() if checksum else None
        fd, part_path = tempfile.mkstemp(prefix="tus-part-", dir=settings.FILE_UPLOAD_TEMP_DIR)
        received = 0
        interrupted = False
        loop = asyncio.get_running_loop()
        last_beat = loop.time()
        try:
            with os.fdopen(fd, "wb") as part:
                buffer = bytearray()
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        interrupted = True
                        break
                    chunk = message.get("body", b"")
                    received += len(chunk)
                    if received > remaining:
                        return _error(
                            413, "file_too_large", "The body goes past the declared Upload-Length."
                        )
                    if hasher:
                        hasher.update(chunk)
                    buffer += chunk
                    if len(buffer) >= WRITE_BUFFER:
                        await asyncio.to_thread(part.write, bytes(buffer))
                        buffer.clear()
                    if loop.time() - last_beat > HEARTBEAT_EVERY:
                        await sync_to_async(_heartbeat)(upload.pk, token)
                        last_beat = loop.time()
                    if not message.get("more_body", False):
                        break
                if buffer:
                    await asyncio.to_thread(part.write, bytes(buffer))
            if checksum and (interrupted or hasher.digest() != checksum[1]):  # type: ignore[union-attr]
                # An incomplete body cannot be verified: keep nothing, the offset stays.
                return _error(
                    460,
                    "checksum_mismatch",
                    "The body does not match Upload-Checksum; send it again.",
                )
            new_offset = offset
            if received:
                new_offset = await sync_to_async(_commit_part)(
                    upload.pk, token, offset, part_path, received
                )
        finally:
            with contextlib.suppress(FileNotFoundError):  # moved into storage when kept
                os.unlink(part_path)
        if interrupted:
            logger.info(
                "tus PATCH interrupted", extra={"video_id": str(upload.pk), "kept": received}
            )
            return Reply(400)
        headers = {
            "Upload-Offset": str(new_offset),
            "Upload-Expires": http_date(upload.expires_at.timestamp()),
        }
        if new_offset == upload.length:
            try:
                await sync_to_async(_finish)(upload.pk, user)
            except ApplicationError as error:
                metrics.UPLOAD_FAILURES.labels(method="tus", code=error.code).inc()
                raise
            metrics.UPLOADED_BYTES.labels(method="tus").inc(upload.length)
            metrics.UPLOAD_DURATION.labels(method="tus").observe(
                (timezone.now() - upload.video.created_at).total_seconds()
            )
        return Reply(204, headers)

    @staticmethod
    async def respond(send: Any, reply: Reply) -> None:
        body = json.dumps(reply.body).encode() if reply.body is not None else b""
        headers = {"Tus-Resumable": TUS_VERSION, "Cache-Control": "no-store", **reply.headers}
        if body:
            headers["Content-Type"] = "application/json"
        headers["Content-Length"] = str(len(body))
        await send(
            {
                "type": "http.response.start",
                "status": reply.status,
                "headers": [(k.lower().encode(), v.encode("latin-1")) for k, v in headers.items()],
            }
        )
        await send({"type": "http.response.body", "body": body})
