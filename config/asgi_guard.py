"""ASGI middleware that protects the process from slow or greedy HTTP clients.

uvicorn bounds neither a body's size nor how slowly it arrives, and Django's ASGI handler reads
a whole body before any view runs. In front of Django and tus alike this middleware refuses:
headers over a size (431), a body over its path's limit (413, from Content-Length at once or
counted while it streams), a body that stalls or trickles below a floor rate (408, connection
closed), and requests past a per-process concurrency cap (503 with Retry-After). Every refusal
is the API's one error shape.

A refused body ends for the application as a client disconnect (Django drops the request, tus
keeps what arrived, as for any interrupted PATCH); the guard then answers in its place.
"""

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from config.errors import ErrorCode
from config.metrics import count_api_error

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[[dict[str, Any], Receive, Send], Awaitable[None]]


@dataclass(frozen=True)
class BodyLimit:
    """The largest body a path takes, and how to say it is too large."""

    max_bytes: int
    code: str
    detail: str


@dataclass
class Refusal:
    status: int
    code: str
    detail: str
    headers: tuple[tuple[bytes, bytes], ...] = ()


def request_body_limit() -> BodyLimit:
    limit = settings.MAX_REQUEST_BODY_BYTES
    return BodyLimit(
        limit, ErrorCode.REQUEST_TOO_LARGE, f"The request body is larger than {limit} bytes."
    )


class AsgiGuard:
    """`body_limit(scope)` names the limit of a request's body, or None for a path that checks
    its own (tus compares a PATCH with its Upload-Length)."""

    def __init__(
        self,
        app: ASGIApp,
        body_limit: Callable[[dict[str, Any]], BodyLimit | None] = lambda _scope: (
            request_body_limit()
        ),
        exempt_paths: frozenset[str] = frozenset({"/health"}),
    ) -> None:
        self.app = app
        self.body_limit = body_limit
        self.exempt_paths = exempt_paths
        self.active = 0

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.exempt_paths:
            await self.app(scope, receive, send)
            return
        refusal = self.check_headers(scope)
        if refusal is None and self.active >= settings.MAX_CONCURRENT_REQUESTS:
            refusal = Refusal(
                503,
                ErrorCode.SERVICE_UNAVAILABLE,
                "The server is busy; try again shortly.",
                ((b"retry-after", b"1"),),
            )
        if refusal is not None:
            await respond(send, refusal)
            return
        self.active += 1
        try:
            await GuardedRequest(self.app, scope, self.body_limit(scope)).run(receive, send)
        finally:
            self.active -= 1

    def check_headers(self, scope: dict[str, Any]) -> Refusal | None:
        headers = scope.get("headers") or []
        size = len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"")
        size += sum(len(name) + len(value) + 4 for name, value in headers)
        if size > settings.MAX_REQUEST_HEADER_BYTES:
            return Refusal(
                431,
                ErrorCode.HEADERS_TOO_LARGE,
                f"The request line and headers are over {settings.MAX_REQUEST_HEADER_BYTES} bytes.",
            )
        return None


class GuardedRequest:
    """One request: its body counted and timed; a refusal replaces whatever the app answers."""

    def __init__(self, app: ASGIApp, scope: dict[str, Any], limit: BodyLimit | None) -> None:
        self.app, self.scope, self.limit = app, scope, limit
        self.received = 0
        self.waited = 0.0
        self.body_done = scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE") and not (
            _header(scope, b"content-length") or _header(scope, b"transfer-encoding")
        )
        self.refusal: Refusal | None = None
        self.started = False
        # Read once: a large body arrives in thousands of messages.
        self.grace = settings.REQUEST_BODY_GRACE_SECONDS
        self.min_rate = max(1, settings.REQUEST_BODY_MIN_RATE)
        self.stall = settings.REQUEST_BODY_STALL_SECONDS

    async def run(self, receive: Receive, send: Send) -> None:
        declared = _header(scope=self.scope, name=b"content-length")
        if self.limit and declared.isdigit() and int(declared) > self.limit.max_bytes:
            await respond(send, self.too_large())
            return

        async def guarded_receive() -> dict[str, Any]:
            return await self.receive(receive)

        async def guarded_send(message: dict[str, Any]) -> None:
            if self.refusal is not None:
                return  # the app answering a body it did not get; the guard answers instead
            self.started = self.started or message["type"] == "http.response.start"
            await send(message)

        await self.app(self.scope, guarded_receive, guarded_send)
        if self.refusal is not None and not self.started:
            await respond(send, self.refusal)

    async def receive(self, receive: Receive) -> dict[str, Any]:
        if self.body_done or self.refusal is not None:
            if self.refusal is not None:
                return {"type": "http.disconnect"}
            return await receive()
        budget = self.grace + self.received / self.min_rate
        timeout = max(0.0, min(self.stall, budget - self.waited))
        loop = asyncio.get_running_loop()
        began = loop.time()
        try:
            # asyncio.timeout, not wait_for: no task of its own for each of the body's messages.
            async with asyncio.timeout(timeout):
                message = await receive()
        except TimeoutError:
            self.refusal = Refusal(
                408,
                ErrorCode.REQUEST_TIMEOUT,
                "The request body arrived too slowly; send it again.",
            )
            return {"type": "http.disconnect"}
        self.waited += loop.time() - began
        if message["type"] != "http.request":
            return message
        self.received += len(message.get("body", b""))
        if self.limit and self.received > self.limit.max_bytes:
            self.refusal = self.too_large()
            return {"type": "http.disconnect"}
        self.body_done = not message.get("more_body", False)
        return message

    def too_large(self) -> Refusal:
        limit = self.limit or request_body_limit()
        return Refusal(413, limit.code, limit.detail)


def _header(scope: dict[str, Any], name: bytes) -> str:
    for key, value in scope.get("headers") or []:
        if key.lower() == name:
            return bytes(value).decode("latin-1").strip()
    return ""


async def respond(send: Send, refusal: Refusal) -> None:
    """The error shape, and the connection closed: an unread body must not be taken as the
    next request."""
    count_api_error(refusal.code, refusal.status)
    body = json.dumps({"code": refusal.code, "detail": refusal.detail}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
        (b"cache-control", b"no-store"),
        *refusal.headers,
    ]
    await send({"type": "http.response.start", "status": refusal.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
