"""Resumable uploads: the tus 1.0.0 protocol as a small ASGI application.

Why hand-written: the Python tus servers on PyPI are unmaintained or tied to other frameworks,
and Django's ASGI handler reads a whole request body before a view runs, which would lose the
bytes of an interrupted PATCH. Here the body streams straight to the upload's bytes (appended
to its one file, or parts of an S3 multipart upload: `videos.resumable`), hashed and, when one
PATCH carries the whole upload, scanned by clamd as it arrives (`videos.receiving`), so
whatever arrived is kept.

Extensions: creation, creation-with-upload, termination, checksum, expiration. This module is the
protocol only (headers, bodies, answers); the upload's state is `videos.resumable`, and creating,
finishing and terminating an upload are services of `videos.services`.
"""

import asyncio
import base64
import binascii
import hashlib
import json
import logging
import re
import uuid
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.utils import timezone
from django.utils.http import http_date

from accounts.models import User
from config.api import UUID_PATTERN
from config.db import POOL_RETRY_AFTER_SECONDS, pool_exhausted, release_connections
from config.errors import ApplicationError, ErrorCode
from config.logging import bind_log_context, log_context
from config.middleware import request_id_or_new
from config.ratelimit import enforce_rate_limit
from processing import clamav
from videos import metrics, receiving, resumable, s3_upload, selectors, services
from videos.errors import VideoErrorCode
from videos.models import TusUpload
from videos.permissions import can_upload
from videos.tus_headers import (
    Part,
    Reply,
    TusError,
    authenticate,
    byte_count,
    encode_metadata,
    enforce_request_limits,
    error_reply,
    parse_metadata,
    spend_bytes,
    throttled_reply,
)

logger = logging.getLogger(__name__)

TUS_VERSION = "1.0.0"
EXTENSIONS = "creation,creation-with-upload,termination,checksum,expiration"
CHECKSUMS = {"sha1": hashlib.sha1, "md5": hashlib.md5, "sha256": hashlib.sha256}
PATH = re.compile(rf"^/api/v1/uploads/?(?P<id>{UUID_PATTERN})?/?$")
HEARTBEAT_EVERY = 2.0
SPEND_EVERY = 16 * 1024 * 1024
OCTET_STREAM = "application/offset+octet-stream"


class TusApp:
    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        request_id = request_id_or_new(headers.get("x-request-id", ""))
        token = bind_log_context(request_id=request_id)
        try:
            reply = await self.dispatch(scope, headers, receive)
        except ApplicationError as error:
            reply = Reply(error.status_code, dict(error.headers), error.as_dict())
        except Exception as error:
            if pool_exhausted(error):  # every database connection busy: resume in a moment
                logger.warning("tus request found no free database connection")
                reply = error_reply(
                    503, ErrorCode.SERVICE_UNAVAILABLE, "The service is busy; resume shortly."
                )
                reply.headers["Retry-After"] = str(POOL_RETRY_AFTER_SECONDS)
            else:
                logger.exception("tus request failed")
                reply = error_reply(
                    500, ErrorCode.SERVER_ERROR, "Something went wrong on our side."
                )
        finally:
            await release_connections()
            log_context.reset(token)
        reply.headers["X-Request-ID"] = request_id
        await self.respond(send, reply)

    async def dispatch(self, scope: dict, headers: dict[str, str], receive: Any) -> Reply:
        match = PATH.match(scope["path"])
        method = scope["method"]
        if match is None:
            return error_reply(404, ErrorCode.NOT_FOUND, "Not found.")
        if method == "OPTIONS":
            return Reply(204, self.capabilities())
        if headers.get("tus-resumable") != TUS_VERSION:
            return Reply(
                412,
                {"Tus-Version": TUS_VERSION},
                {
                    "code": VideoErrorCode.UNSUPPORTED_VERSION,
                    "detail": "Send Tus-Resumable: 1.0.0.",
                },
            )
        user = await sync_to_async(authenticate)(scope, headers)
        if user is None:
            return error_reply(
                401, ErrorCode.NOT_AUTHENTICATED, "Sign in or send a valid bearer token."
            )
        await sync_to_async(enforce_request_limits)(scope, user)
        upload_id = match.group("id")
        if upload_id is None:
            if method != "POST":
                return self.not_allowed(method, "OPTIONS, POST")
            return await self.create(headers, receive, user)
        upload = await sync_to_async(selectors.upload_get_for)(
            user=user, upload_id=uuid.UUID(upload_id)
        )
        if upload is None:  # someone else's, expired, finished, or never existed
            return error_reply(404, ErrorCode.NOT_FOUND, "No such upload.")
        if method == "HEAD":
            return Reply(200, self.state_headers(upload))
        if method == "PATCH":
            return await self.patch(upload, headers, receive, user)
        if method == "DELETE":
            await sync_to_async(services.upload_terminate)(upload=upload)
            return Reply(204)
        return self.not_allowed(method, "OPTIONS, HEAD, PATCH, DELETE")

    @staticmethod
    def not_allowed(method: str, allow: str) -> Reply:
        return Reply(
            405,
            {"Allow": allow},
            {"code": ErrorCode.METHOD_NOT_ALLOWED, "detail": f"{method} is not allowed here."},
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

    async def create(self, headers: dict[str, str], receive: Any, user: User) -> Reply:
        if "upload-defer-length" in headers:
            return error_reply(
                400, ErrorCode.INVALID, "Upload-Defer-Length is not supported; send Upload-Length."
            )
        length = byte_count(headers.get("upload-length", ""))
        if length is None:
            return error_reply(
                400, ErrorCode.INVALID, "Upload-Length must be a whole number of bytes."
            )
        metadata = parse_metadata(headers.get("upload-metadata", ""))
        if not await sync_to_async(can_upload)(user):
            raise TusError(
                "Only coaches, athletes and staff may upload.",
                status_code=403,
                code=ErrorCode.PERMISSION_DENIED,
            )
        await sync_to_async(enforce_rate_limit)(
            None, group="video-upload", key=str(user.pk), rate=settings.UPLOAD_RATE_LIMIT
        )
        upload = await sync_to_async(services.upload_create)(
            owner=user, length=length, metadata=metadata
        )
        location = f"{settings.PUBLIC_BASE_URL.rstrip('/')}/api/v1/uploads/{upload.pk}"
        reply_headers = {
            "Location": location,
            "Upload-Expires": http_date(upload.expires_at.timestamp()),
        }
        if headers.get("content-type") == OCTET_STREAM:
            patched = await self.create_with_upload(upload, headers, receive, user)
            if patched.status >= 400:
                return patched
            reply_headers["Upload-Offset"] = patched.headers["Upload-Offset"]
        return Reply(201, reply_headers)

    async def create_with_upload(
        self, upload: TusUpload, headers: dict[str, str], receive: Any, user: User
    ) -> Reply:
        """The creation's own PATCH. Refused, the upload goes with it: the client never got
        its Location, so it could neither resume nor delete it, and it would count against
        the quota until it expired."""
        try:
            patched = await self.patch(upload, {**headers, "upload-offset": "0"}, receive, user)
        except ApplicationError:
            await sync_to_async(services.upload_terminate)(upload=upload)
            raise
        if patched.status >= 400:
            await sync_to_async(services.upload_terminate)(upload=upload)
        return patched

    async def patch(
        self, upload: TusUpload, headers: dict[str, str], receive: Any, user: User
    ) -> Reply:
        if headers.get("content-type") != OCTET_STREAM:
            return error_reply(
                415,
                ErrorCode.UNSUPPORTED_MEDIA_TYPE,
                f"PATCH bodies must be Content-Type: {OCTET_STREAM}.",
            )
        offset = byte_count(headers.get("upload-offset", ""))
        if offset is None:
            return error_reply(
                400, ErrorCode.INVALID, "Upload-Offset must be a whole number of bytes."
            )
        checksum = self.parse_checksum(headers.get("upload-checksum"))
        declared = byte_count(headers.get("content-length", ""))
        if declared is not None and declared > upload.length - offset:
            return error_reply(
                413, ErrorCode.FILE_TOO_LARGE, "The body goes past the declared Upload-Length."
            )
        part = Part(upload, offset, uuid.uuid4().hex, checksum)
        await sync_to_async(spend_bytes)(part, user.pk)
        if part.throttled:
            return throttled_reply(part.throttled)
        lock = await sync_to_async(resumable.upload_lock)(upload.pk, offset, part.token)
        if lock == resumable.Lock.MOVED:
            current = await sync_to_async(resumable.upload_offset)(upload.pk)
            return Reply(
                409,
                {"Upload-Offset": str(current)},
                {
                    "code": VideoErrorCode.OFFSET_MISMATCH,
                    "detail": f"The upload is at offset {current}.",
                },
            )
        if lock == resumable.Lock.BUSY:
            return error_reply(
                409, VideoErrorCode.UPLOAD_LOCKED, "Another request is writing to this upload."
            )
        # An upload whose every byte comes in this PATCH is scanned as it arrives.
        whole = offset == 0 and declared == upload.length
        scan = await asyncio.to_thread(receiving.start_scan) if whole else None
        try:
            return await self.receive_part(part, receive, user, scan)
        finally:
            if scan is not None:
                scan.close()
            await sync_to_async(resumable.upload_unlock)(upload.pk, part.token)

    @staticmethod
    def parse_checksum(header: str | None) -> tuple[str, bytes] | None:
        if not header:
            return None
        algorithm, _, encoded = header.strip().partition(" ")
        if algorithm not in CHECKSUMS:
            raise TusError(
                "Unsupported checksum algorithm; use sha1, md5 or sha256.",
                code=VideoErrorCode.UNSUPPORTED_CHECKSUM,
            )
        try:
            return algorithm, base64.b64decode(encoded, validate=True)
        except binascii.Error:
            raise TusError("Upload-Checksum is not base64.", code=ErrorCode.INVALID) from None

    async def receive_part(
        self, part: Part, receive: Any, user: User, scan: clamav.StreamScan | None
    ) -> Reply:
        """Stream the body to the upload's bytes (appended to its file, or parts on S3), keep
        what arrived (unless a checksum was sent and does not match), then finish the upload
        when it is whole."""
        upload = part.upload
        writer: s3_upload.PartWriter | None = None
        path = resumable.local_data_path(upload.pk)
        if path is not None:
            target = await asyncio.to_thread(resumable.open_for_append, path, part.offset)
            if target is None:
                return error_reply(
                    409, VideoErrorCode.UPLOAD_LOCKED, "Another request is writing to this upload."
                )
        else:
            writer = await asyncio.to_thread(s3_upload.PartWriter, upload, part.token)
            target = writer.spool
        sha256 = await sync_to_async(resumable.hash_resume)(upload.pk, part.offset)
        try:
            if writer is not None:
                await asyncio.to_thread(writer.load_tail)
            refusal = await self.stream_body(part, receive, target, user, sha256, scan, writer)
            if refusal is not None:
                return refusal
            new_offset = part.offset
            if part.received:
                new_offset = await self.commit(part, writer, sha256)
                if sha256 is not None:
                    resumable.hash_keep(upload.pk, new_offset, sha256)
        finally:
            if writer is not None:
                await asyncio.to_thread(writer.close)
            else:
                await asyncio.to_thread(target.close)  # and so unlocked
        if part.interrupted:
            logger.info(
                "tus PATCH interrupted", extra={"video_id": str(upload.pk), "kept": part.received}
            )
            return Reply(400)
        if part.throttled:  # what arrived is kept; the client resumes from Upload-Offset
            throttled = throttled_reply(part.throttled)
            throttled.headers["Upload-Offset"] = str(new_offset)
            return throttled
        if new_offset == upload.length:
            # Scanned while it arrived only when this one PATCH carried the whole upload.
            verdict = None
            if scan is not None and part.offset == 0:
                verdict = await asyncio.to_thread(receiving.scan_verdict, scan, upload.length)
            await self.finish(upload, user, verdict)
        return Reply(
            204,
            {
                "Upload-Offset": str(new_offset),
                "Upload-Expires": http_date(upload.expires_at.timestamp()),
            },
        )

    @staticmethod
    async def commit(part: Part, writer: "s3_upload.PartWriter | None", sha256: Any) -> int:
        """Advance the offset past what arrived, with the running sha256; on S3 the spool's rest
        becomes a part or the tail first."""
        upload, new_offset = part.upload, part.offset + part.received
        fields: dict[str, Any] = {"sha256_state": resumable.hash_state(sha256)}
        if writer is not None:
            fields.update(await asyncio.to_thread(writer.settle, new_offset))
        committed = await sync_to_async(resumable.upload_commit)(
            upload.pk, part.token, part.offset, part.received, **fields
        )
        if writer is not None:
            await asyncio.to_thread(writer.committed, part.offset)
        return int(committed)

    async def stream_body(
        self,
        part: Part,
        receive: Any,
        file: Any,
        user: User,
        sha256: Any,
        scan: clamav.StreamScan | None,
        writer: "s3_upload.PartWriter | None",
    ) -> Reply | None:
        """Write the body to `file` in large blocks off the event loop (hashing and scanning
        them there too), beating the lock's heartbeat and spending the user's byte budget; a
        refusal Reply if it goes past the length or fails its checksum. Past the budget it
        stops reading (`part.throttled`). On S3, every PART_BYTES of spool become a part."""
        hasher = CHECKSUMS[part.checksum[0]]() if part.checksum else None
        sink = receiving.BlockSink(file, hashers=(sha256, hasher), scan=scan)
        remaining = part.upload.length - part.offset
        # The byte budget is a Redis round trip: spent every few blocks, finer under a tight one.
        spend_every = max(receiving.BLOCK, min(SPEND_EVERY, settings.TUS_BYTES_PER_MINUTE // 4))
        loop = asyncio.get_running_loop()
        last_beat = loop.time()
        try:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    part.interrupted = True
                    break
                chunk = message.get("body", b"")
                part.received += len(chunk)
                if part.received > remaining:
                    await sink.abandon()
                    return error_reply(
                        413,
                        ErrorCode.FILE_TOO_LARGE,
                        "The body goes past the declared Upload-Length.",
                    )
                if sink.add(chunk):
                    await sink.flush()
                    if writer is not None:
                        await sink.wait()
                        if await asyncio.to_thread(writer.spooled) >= s3_upload.PART_BYTES:
                            await asyncio.to_thread(writer.send_part)
                    if part.received - part.counted >= spend_every:
                        await sync_to_async(spend_bytes)(part, user.pk)
                        if part.throttled:
                            break
                if loop.time() - last_beat > HEARTBEAT_EVERY:
                    await sync_to_async(resumable.upload_heartbeat)(part.upload.pk, part.token)
                    last_beat = loop.time()
                if not message.get("more_body", False):
                    break
            await sink.close()
        except BaseException:
            await sink.abandon()
            raise
        if not part.throttled:
            await sync_to_async(spend_bytes)(part, user.pk)
            part.throttled = 0  # the last chunk is in: the next request waits instead
        if part.checksum and part.throttled:
            return throttled_reply(part.throttled)  # an incomplete body cannot be verified
        if part.checksum and (part.interrupted or hasher.digest() != part.checksum[1]):  # type: ignore[union-attr]
            # An incomplete body cannot be verified: keep nothing, the offset stays.
            return error_reply(
                460,
                VideoErrorCode.CHECKSUM_MISMATCH,
                "The body does not match Upload-Checksum; send it again.",
            )
        return None

    @staticmethod
    async def finish(upload: TusUpload, user: User, scan: clamav.ScanVerdict | None) -> None:
        try:
            await sync_to_async(services.upload_finish)(upload_id=upload.pk, owner=user, scan=scan)
        except ApplicationError as error:
            metrics.UPLOAD_FAILURES.labels(method="tus", code=error.code).inc()
            raise
        metrics.UPLOADED_BYTES.labels(method="tus").inc(upload.length)
        metrics.UPLOAD_DURATION.labels(method="tus").observe(
            (timezone.now() - upload.video.created_at).total_seconds()
        )

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
