"""The ASGI guard (config/asgi_guard.py): header and body sizes, slow senders, the request cap."""

import asyncio
import json
import socket
import time

import pytest
import requests

from config.asgi_guard import AsgiGuard
from tests.factories import PASSWORD, make_user


def scope(method="POST", path="/api/v1/auth/token", headers=()):
    return {"type": "http", "method": method, "path": path, "headers": list(headers)}


async def echo_app(scope, receive, send):
    body = b""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return  # as Django does: no answer for a request whose body was lost
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": str(len(body)).encode()})


def run(app, request_scope, messages, pause=0.0):
    """Feed `messages` (then wait forever) to `app`; return the status and the decoded body."""
    sent = []
    queue = list(messages)

    async def receive():
        if queue:
            if pause:
                await asyncio.sleep(pause)
            return queue.pop(0)
        await asyncio.sleep(3600)

    async def send(message):
        sent.append(message)

    asyncio.run(asyncio.wait_for(app(request_scope, receive, send), timeout=10))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], dict(start["headers"]), body


def error_of(body):
    parsed = json.loads(body)
    assert set(parsed) == {"code", "detail"}
    return parsed["code"]


def test_small_body_passes(settings):
    status, _, body = run(AsgiGuard(echo_app), scope(), [{"type": "http.request", "body": b"{}"}])
    assert (status, body) == (200, b"2")


def test_declared_length_over_the_limit_is_413_at_once(settings):
    settings.MAX_REQUEST_BODY_BYTES = 100
    headers = [(b"content-length", b"101")]
    status, response_headers, body = run(AsgiGuard(echo_app), scope(headers=headers), [])
    assert status == 413
    assert error_of(body) == "request_too_large"
    assert response_headers[b"connection"] == b"close"


def test_streamed_body_over_the_limit_is_413(settings):
    settings.MAX_REQUEST_BODY_BYTES = 100
    chunks = [{"type": "http.request", "body": b"x" * 60, "more_body": True}] * 2
    status, _, body = run(AsgiGuard(echo_app), scope(), chunks)
    assert (status, error_of(body)) == (413, "request_too_large")


def test_stalled_body_is_408(settings):
    settings.REQUEST_BODY_STALL_SECONDS = 0.2
    chunks = [{"type": "http.request", "body": b"x", "more_body": True}]
    started = time.monotonic()
    status, response_headers, body = run(AsgiGuard(echo_app), scope(), chunks)
    assert (status, error_of(body)) == (408, "request_timeout")
    assert response_headers[b"connection"] == b"close"
    assert time.monotonic() - started < 2


def test_trickling_body_below_the_floor_rate_is_408(settings):
    settings.REQUEST_BODY_GRACE_SECONDS = 0.2
    settings.REQUEST_BODY_MIN_RATE = 1000  # 10 bytes every 0.05 s is 200 bytes a second
    chunks = [{"type": "http.request", "body": b"x" * 10, "more_body": True}] * 100
    status, _, body = run(AsgiGuard(echo_app), scope(), chunks, pause=0.05)
    assert (status, error_of(body)) == (408, "request_timeout")


def test_headers_over_the_limit_are_431(settings):
    settings.MAX_REQUEST_HEADER_BYTES = 1000
    headers = [(b"cookie", b"a" * 1000)]
    status, _, body = run(AsgiGuard(echo_app), scope(headers=headers), [])
    assert (status, error_of(body)) == (431, "headers_too_large")


def test_requests_past_the_concurrency_cap_get_503_with_retry_after(settings):
    settings.MAX_CONCURRENT_REQUESTS = 1
    guard = AsgiGuard(echo_app)
    guard.active = 1  # one request in flight
    status, headers, body = run(guard, scope(), [{"type": "http.request", "body": b""}])
    assert (status, error_of(body)) == (503, "service_unavailable")
    assert headers[b"retry-after"] == b"1"
    guard.active = 0
    assert run(guard, scope(), [{"type": "http.request", "body": b""}])[0] == 200


def test_health_is_never_refused(settings):
    settings.MAX_CONCURRENT_REQUESTS = 0
    status, _, _ = run(AsgiGuard(echo_app), scope("GET", "/health"), [{"type": "http.request"}])
    assert status == 200


# --- The real application under uvicorn --------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/api/v1/auth/token", "/api/v1/annotations/drawing", "/api/v1/videos/", "/api/v1/users/me"],
)
def test_json_body_over_2_5_mb_is_413_in_the_error_shape(asgi_server, path):
    body = b'{"a": "' + b"x" * 2_700_000 + b'"}'
    response = requests.post(
        asgi_server.url + path,
        data=body,
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


def test_plain_video_upload_keeps_its_own_limit(asgi_server, settings):
    settings.MAX_UPLOAD_BYTES = 1000
    response = requests.post(
        asgi_server.url + "/api/v1/videos",
        data=b"x" * (1024 * 1024 + 2000),
        headers={"Content-Type": "multipart/form-data; boundary=x"},
        timeout=10,
    )
    assert (response.status_code, response.json()["code"]) == (413, "file_too_large")


def test_slow_sender_gets_408_and_the_connection_closes(asgi_server, settings):
    settings.REQUEST_BODY_STALL_SECONDS = 0.5
    make_user("slowcoach", role="coach")
    host, port = asgi_server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(
            b"POST /api/v1/auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
        )
        received = b""
        while chunk := sock.recv(4096):  # the server closes: recv returns b""
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408")
    assert json.loads(body)["code"] == "request_timeout"
    # the server still serves others
    ok = requests.post(
        asgi_server.url + "/api/v1/auth/token",
        json={"username": "slowcoach", "password": PASSWORD},
        timeout=5,
    )
    assert ok.status_code == 200
