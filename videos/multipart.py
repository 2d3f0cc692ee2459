"""Plain uploads (`POST /api/v1/videos`, multipart/form-data) received outside Django's body
handling.

Django's ASGI handler spools a whole body to a temporary file before any view runs, and its
multipart parser then reads that file and writes the file part again: every byte is written
twice and parsed in Python. Here the body streams through a streaming parser (python-multipart,
the one Starlette uses; it finds boundaries with `bytes.find`) into the upload's file in
FILE_UPLOAD_TEMP_DIR (on the media volume, so storing it is a rename), hashed (sha256) and sent
to clamd (INSTREAM) while it arrives (`videos.receiving`). The size cap holds while it streams.

The view stays the same DRF action: it receives the small text fields as a form body and the
received file through the ASGI scope (`RECEIVED_FILE_SCOPE_KEY`), as an `UploadedFile`
(`videos.uploads.upload_form`). Anything malformed is a 400 `malformed_request` before Django.
"""

import asyncio
import contextlib
import hashlib
import os
import tempfile
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from asgiref.sync import sync_to_async
from django.conf import settings
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from accounts.authentication import user_from_access_token
from config.asgi_guard import Refusal, respond
from config.db import POOL_RETRY_AFTER_SECONDS, pool_exhausted, release_connections
from config.errors import ErrorCode
from processing import clamav
from videos import metrics, receiving
from videos.uploads import PLAIN_UPLOAD_PATH, RECEIVED_FILE_SCOPE_KEY

FILE_FIELD = "file"
# The text fields around the file (title, description, csrfmiddlewaretoken): small.
MAX_FIELDS = 50
MAX_FIELD_BYTES = 64 * 1024
MAX_BOUNDARY = 200  # RFC 2046 allows 70; leave room for odd clients


@dataclass(frozen=True)
class ReceivedFile:
    """The file part of a plain upload, complete on local disk."""

    path: str
    filename: str
    size: int
    sha256: str
    scan: clamav.ScanVerdict


class MultipartRefused(Exception):
    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.refusal = Refusal(status, code, detail)


def malformed(detail: str) -> MultipartRefused:
    return MultipartRefused(400, ErrorCode.MALFORMED_REQUEST, detail)


def is_plain_upload(scope: dict[str, Any]) -> bool:
    if scope["method"] != "POST" or not PLAIN_UPLOAD_PATH.match(scope["path"]):
        return False
    return _content_type(scope).lower().startswith("multipart/form-data")


def _content_type(scope: dict[str, Any]) -> str:
    for name, value in scope.get("headers") or []:
        if name.lower() == b"content-type":
            return bytes(value).decode("latin-1")
    return ""


@dataclass
class _Part:
    headers: dict[bytes, bytes] = field(default_factory=dict)
    name: str = ""
    filename: str | None = None
    text: bytearray = field(default_factory=bytearray)


class FormReceiver:
    """One multipart body: the file part into `path`, the text fields in memory."""

    def __init__(self, boundary: bytes, path: str) -> None:
        self.path = path
        self.file: Any = None
        self.sink: receiving.BlockSink | None = None
        self.sha256 = hashlib.sha256()
        self.scan: clamav.StreamScan | None = None
        self.fields: list[tuple[str, str]] = []
        self.filename = ""
        self.size = 0
        self.ended = False
        self.part = _Part()
        self.header_field = bytearray()
        self.header_value = bytearray()
        self.file_started = False  # the file part's headers are in: open the file and scan
        self.must_flush = False
        self.early = bytearray()  # the file's first bytes, parsed before the file was open
        self.text_bytes = 0
        self.parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self.on_part_begin,
                "on_header_field": self.on_header_field,
                "on_header_value": self.on_header_value,
                "on_header_end": self.on_header_end,
                "on_headers_finished": self.on_headers_finished,
                "on_part_data": self.on_part_data,
                "on_part_end": self.on_part_end,
                "on_end": self.on_end,
            },
        )

    # --- parser callbacks (synchronous; the async work follows each write) ---------------------

    def on_part_begin(self) -> None:
        self.part = _Part()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        self.part.headers[bytes(self.header_field).lower()] = bytes(self.header_value)
        self.header_field.clear()
        self.header_value.clear()

    def on_headers_finished(self) -> None:
        part = self.part
        disposition, options = parse_options_header(part.headers.get(b"content-disposition"))
        if disposition != b"form-data" or b"name" not in options:
            raise malformed("Each part needs Content-Disposition: form-data with a name.")
        part.name = options[b"name"].decode("utf-8", "replace")
        if b"filename" in options:
            part.filename = options[b"filename"].decode("utf-8", "replace")
        if not part.filename:  # a text field, or a file input left empty (ignored, as Django does)
            if len(self.fields) >= MAX_FIELDS:
                raise malformed(f"At most {MAX_FIELDS} fields are accepted.")
            return
        if part.name != FILE_FIELD or self.file_started:
            raise malformed(f"Send exactly one file, in the field {FILE_FIELD!r}.")
        self.file_started = True
        self.filename = part.filename

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        part = self.part
        if part.filename:
            self.size += end - start
            if self.size > settings.MAX_UPLOAD_BYTES:
                raise MultipartRefused(
                    413,
                    ErrorCode.FILE_TOO_LARGE,
                    f"The file is larger than the {settings.MAX_UPLOAD_BYTES} bytes "
                    "this service accepts.",
                )
            piece = data if start == 0 and end == len(data) else memoryview(data)[start:end]
            if self.sink is None:  # opened after this write: keep the bytes till then
                self.early += piece
            elif self.sink.add(piece):
                self.must_flush = True
        elif part.filename is None:
            self.text_bytes += end - start
            if self.text_bytes > MAX_FIELD_BYTES:
                raise MultipartRefused(
                    413,
                    ErrorCode.REQUEST_TOO_LARGE,
                    f"The form's text fields are over {MAX_FIELD_BYTES} bytes.",
                )
            part.text += data[start:end]

    def on_part_end(self) -> None:
        part = self.part
        if part.filename is None:
            self.fields.append((part.name, part.text.decode("utf-8", "replace")))

    def on_end(self) -> None:
        self.ended = True

    # --- the body ---------------------------------------------------------------------------

    async def write(self, chunk: bytes) -> None:
        """Parse one received chunk; open the file (and the scan) when its part began in it."""
        try:
            self.parser.write(chunk)
        except MultipartParseError as error:
            raise malformed(f"The multipart body is malformed: {error}") from None
        if self.file_started and self.sink is None:
            self.sink = await self.open_file()
            self.must_flush = self.sink.add(bytes(self.early))
            self.early = bytearray()
        if self.must_flush and self.sink is not None:
            self.must_flush = False
            await self.sink.flush()

    async def open_file(self) -> receiving.BlockSink:
        self.scan = await asyncio.to_thread(receiving.start_scan)
        # r+b, not wb: the file is mkstemp's, empty; truncating it would make ext4 flush it
        # when closed (auto_da_alloc), 0.4 s for 1 GiB before the answer.
        self.file = open(self.path, "r+b")  # noqa: SIM115 - closed in finish/abandon
        return receiving.BlockSink(self.file, hashers=(self.sha256,), scan=self.scan)

    async def finish(self) -> ReceivedFile | None:
        if self.sink is None:
            return None
        await self.sink.close()
        await asyncio.to_thread(self.file.close)
        verdict = await asyncio.to_thread(receiving.scan_verdict, self.scan, self.size)
        return ReceivedFile(
            path=self.path,
            filename=self.filename,
            size=self.size,
            sha256=self.sha256.hexdigest(),
            scan=verdict,
        )

    async def abandon(self) -> None:
        if self.sink is not None:
            await self.sink.abandon()
        if self.file is not None:
            self.file.close()
        if self.scan is not None:
            self.scan.close()


async def receive_form(form: FormReceiver, receive: Any) -> bool:
    """Feed the body to `form`; False when the client went away (or the guard cut it off)."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return False
        chunk = message.get("body", b"")
        if chunk:
            await form.write(chunk)
        if not message.get("more_body", False):
            break
    if not form.ended:
        raise malformed("The multipart body ends before its closing boundary.")
    return True


async def handle_plain_upload(app: Any, scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Receive a plain upload's body, then let Django's view decide about it. The file is
    removed (unless the view moved it into storage) before any answer goes out."""
    try:
        may_send = await _may_send_a_body(scope)
    except Exception as error:
        if not pool_exhausted(error):
            raise
        await respond(send, BUSY)  # every database connection taken: no byte read yet
        return
    finally:
        await release_connections()  # Django's view takes its own, after the body
    if not may_send:
        await respond(send, NOT_SIGNED_IN)
        return
    boundary = parse_options_header(_content_type(scope))[1].get(b"boundary", b"")
    if not boundary or len(boundary) > MAX_BOUNDARY:
        await _refuse(send, malformed("multipart/form-data needs a boundary parameter."))
        return
    temp_dir = settings.FILE_UPLOAD_TEMP_DIR or None
    fd, path = tempfile.mkstemp(prefix="upload-", dir=temp_dir)
    os.close(fd)

    def remove() -> None:
        with contextlib.suppress(FileNotFoundError):  # moved into storage when accepted
            os.unlink(path)

    async def send_after_removing(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            remove()
        await send(message)

    form = FormReceiver(boundary, path)
    try:
        try:
            complete = await receive_form(form, receive)
        except MultipartRefused as refused:
            await form.abandon()
            remove()
            await _refuse(send, refused)
            return
        if not complete:
            await form.abandon()
            return  # the client left, or the guard refused the body and answers itself
        received = await form.finish()
        await _to_django(app, scope, receive, send_after_removing, form.fields, received)
    finally:
        remove()


BUSY = Refusal(
    503,
    ErrorCode.SERVICE_UNAVAILABLE,
    "The service is busy; try again in a few seconds.",
    ((b"retry-after", str(POOL_RETRY_AFTER_SECONDS).encode()),),
)
NOT_SIGNED_IN = Refusal(
    401,
    ErrorCode.NOT_AUTHENTICATED,
    "Sign in or send a valid bearer token.",
    ((b"www-authenticate", b'Bearer realm="api"'),),
)


async def _may_send_a_body(scope: dict[str, Any]) -> bool:
    """Credentials checked before any byte is taken, so no one writes gigabytes to disk only to
    hear 401: a bearer token must be valid; otherwise a session cookie must be there (the view
    checks the session and its CSRF token, as for any form)."""
    headers = {bytes(k).lower(): bytes(v) for k, v in scope.get("headers") or []}
    authorization = headers.get(b"authorization", b"").decode("latin-1")
    if authorization.startswith("Bearer "):
        token = authorization.removeprefix("Bearer ")
        return await sync_to_async(user_from_access_token)(token) is not None
    return settings.SESSION_COOKIE_NAME.encode() + b"=" in headers.get(b"cookie", b"")


async def _refuse(send: Any, refused: MultipartRefused) -> None:
    metrics.UPLOAD_FAILURES.labels(method="plain", code=refused.refusal.code).inc()
    await respond(send, refused.refusal)


async def _to_django(
    app: Any,
    scope: dict[str, Any],
    receive: Any,
    send: Any,
    fields: list[tuple[str, str]],
    received: ReceivedFile | None,
) -> None:
    """The text fields as a form body, the file in the scope; after the body, Django's own
    receive listens for the client leaving."""
    body = urlencode(fields).encode()
    dropped = {b"content-type", b"content-length", b"transfer-encoding"}
    headers = [(k, v) for k, v in scope.get("headers") or [] if k.lower() not in dropped]
    headers += [
        (b"content-type", b"application/x-www-form-urlencoded"),
        (b"content-length", str(len(body)).encode()),
    ]
    replayed = False

    async def replay() -> dict[str, Any]:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    await app({**scope, "headers": headers, RECEIVED_FILE_SCOPE_KEY: received}, replay, send)
