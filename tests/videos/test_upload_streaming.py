"""Plain uploads through the real ASGI app: the body streams through python-multipart into its
file (videos/multipart.py), hashed and scanned while it arrives; anything malformed is a 400."""

import hashlib
import os
import socket
from pathlib import Path

import pytest
import requests
from django.conf import settings as django_settings

from tests.factories import stored_files
from tests.media import EICAR
from tests.videos.test_tus import auth
from videos.models import ScanStatus, Video, VideoStatus

BOUNDARY = "----bench-boundary-7MA4YWxkTrZu0gW"


def form(*parts: tuple[str, str | None, bytes], boundary: str = BOUNDARY, end: bool = True):
    """A multipart body from (name, filename or None, content) parts."""
    body = b""
    for name, filename, content in parts:
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n".encode()
        if filename is not None:
            body += b"Content-Type: video/mp4\r\n"
        body += b"\r\n" + content + b"\r\n"
    if end:
        body += f"--{boundary}--\r\n".encode()
    return body


def post(server, user, body: bytes, content_type: str | None = None) -> requests.Response:
    headers = {
        **auth(user),
        "Content-Type": content_type or f"multipart/form-data; boundary={BOUNDARY}",
    }
    return requests.post(f"{server.url}/api/v1/videos", data=body, headers=headers, timeout=30)


def incoming() -> list[str]:
    """What is left in the upload temp folder (nothing, after any request)."""
    folder = django_settings.FILE_UPLOAD_TEMP_DIR
    return sorted(os.listdir(folder)) if folder and os.path.isdir(folder) else []


def assert_nothing_kept() -> None:
    assert not Video.objects.exists()
    assert stored_files("videos/") == []
    assert [name for name in incoming() if name.startswith("upload-")] == []


def test_streamed_upload_records_the_sha256_of_its_bytes(asgi_server, athlete_user, clips):
    content = Path(clips["landscape"]).read_bytes()
    body = form(("title", None, b"Front squat"), ("file", "squat.mp4", content))
    response = post(asgi_server, athlete_user, body)
    assert response.status_code == 201, response.text
    data = response.json()
    assert data["sha256"] == hashlib.sha256(content).hexdigest()
    assert data["size"] == len(content)
    assert data["title"] == "Front squat"
    assert data["original_filename"] == "squat.mp4"
    assert data["scan_status"] == "clean"  # scanned while it arrived
    assert response.headers["Location"] == f"/api/v1/videos/{data['id']}"
    video = Video.objects.get(pk=data["id"])
    assert video.status == VideoStatus.UPLOADED
    with video.original.open("rb") as stored:
        assert stored.read() == content
    assert stored_files("videos/") == [f"videos/{video.pk}/original"]
    assert [name for name in incoming() if name.startswith("upload-")] == []


def test_a_large_streamed_body_is_hashed_whole(asgi_server, athlete_user, clips, settings):
    """Several hand-off blocks (videos/receiving.BLOCK) and a chunked body: every byte counts."""
    settings.CLAMAV_ADDRESS = ""
    content = Path(clips["landscape"]).read_bytes() + os.urandom(5 * 1024 * 1024 + 17)
    body = form(("file", "long.mp4", content), ("description", None, b"after the file"))

    def pieces():
        for start in range(0, len(body), 300_001):
            yield body[start : start + 300_001]

    headers = {**auth(athlete_user), "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    response = requests.post(
        f"{asgi_server.url}/api/v1/videos", data=pieces(), headers=headers, timeout=30
    )
    assert response.status_code == 201, response.text
    assert response.json()["sha256"] == hashlib.sha256(content).hexdigest()
    assert response.json()["description"] == "after the file"
    assert response.json()["scan_status"] == "not_scanned"


def test_eicar_streamed_is_rejected_as_malware(asgi_server, athlete_user):
    response = post(asgi_server, athlete_user, form(("file", "eicar.mp4", EICAR)))
    assert response.status_code == 422
    assert response.json()["code"] == "malware_detected"
    video = Video.objects.get()
    assert video.status == VideoStatus.REJECTED and video.scan_status == ScanStatus.INFECTED
    assert stored_files("videos/") == []


def test_truncated_multipart_is_400(asgi_server, athlete_user, clips):
    content = Path(clips["landscape"]).read_bytes()
    body = form(("file", "squat.mp4", content), end=False)[: -len(content) // 2]
    response = post(asgi_server, athlete_user, body)
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_request"
    assert "closing boundary" in response.json()["detail"]
    assert_nothing_kept()


@pytest.mark.parametrize(
    "content_type",
    ["multipart/form-data", "multipart/form-data; boundary=", "multipart/form-data; charset=utf-8"],
)
def test_missing_boundary_is_400(asgi_server, athlete_user, content_type):
    response = post(asgi_server, athlete_user, form(("file", "a.mp4", b"x")), content_type)
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_request"
    assert "boundary" in response.json()["detail"]
    assert_nothing_kept()


@pytest.mark.parametrize(
    "parts",
    [
        (("file", "a.mp4", b"first"), ("file", "b.mp4", b"second")),
        (("file", "a.mp4", b"first"), ("other", "b.mp4", b"second")),
        (("video", "a.mp4", b"only"),),
    ],
)
def test_file_parts_other_than_one_file_are_400(asgi_server, athlete_user, parts):
    response = post(asgi_server, athlete_user, form(*parts))
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_request"
    assert "exactly one file" in response.json()["detail"]
    assert_nothing_kept()


@pytest.mark.parametrize(
    "body",
    [
        b"this is not multipart at all",
        f"--{BOUNDARY}\r\nContent-Disposition: form-data\r\n\r\nno name\r\n--{BOUNDARY}--\r\n",
        f"--{BOUNDARY}\r\nX-Other: 1\r\n\r\nno disposition\r\n--{BOUNDARY}--\r\n".encode(),
        f"--{BOUNDARY}\r\nContent-Disposition form-data\r\n\r\nbad header\r\n".encode(),
        f"--{BOUNDARY}\r\n" + "X-A: b\r\n" * 40 + "\r\n",
        b"",
    ],
)
def test_malformed_multipart_is_400_never_500(asgi_server, athlete_user, body):
    response = post(asgi_server, athlete_user, body if isinstance(body, bytes) else body.encode())
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "malformed_request"
    assert_nothing_kept()


def test_no_file_part_is_the_same_field_error(asgi_server, athlete_user):
    response = post(asgi_server, athlete_user, form(("title", None, b"only a title")))
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "file" in response.json()["errors"]
    assert_nothing_kept()


def test_oversize_while_streaming_is_413_and_keeps_nothing(asgi_server, athlete_user, settings):
    settings.MAX_UPLOAD_BYTES = 100_000
    body = form(("file", "big.mp4", b"\0" * 300_000))  # within the guard's multipart allowance
    response = post(asgi_server, athlete_user, body)
    assert response.status_code == 413
    assert response.json()["code"] == "file_too_large"
    assert_nothing_kept()


def test_oversize_without_a_length_is_cut_off_while_streaming(asgi_server, athlete_user, settings):
    """Chunked, no Content-Length: the cap is counted on the file's bytes as they arrive, and
    the answer comes without reading the rest."""
    settings.MAX_UPLOAD_BYTES = 1_000_000
    head = form(("file", "big.mp4", b""), end=False)[: -len(b"\r\n")]
    request = (
        "POST /api/v1/videos HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: {auth(athlete_user)['Authorization']}\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", asgi_server.port), timeout=10) as sock:
        sock.sendall(request + f"{len(head):x}\r\n".encode() + head + b"\r\n")
        block = b"\0" * 65536
        reply = b""
        for _ in range(200):  # 13 MB offered; refused after about 1 MB
            try:
                sock.sendall(f"{len(block):x}\r\n".encode() + block + b"\r\n")
            except OSError:
                break
            sock.settimeout(0.01)
            try:
                reply += sock.recv(4096)
            except TimeoutError:
                continue
            if reply:
                break
        sock.settimeout(5)
        while b"\r\n\r\n" not in reply:
            more = sock.recv(4096)
            if not more:
                break
            reply += more
    assert reply.startswith(b"HTTP/1.1 413"), reply[:200]
    assert b"file_too_large" in reply
    assert_nothing_kept()


@pytest.mark.parametrize(
    "credentials",
    [{}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic YTpi"}],
)
def test_no_valid_credentials_is_401_before_the_body(asgi_server, credentials):
    """Refused from the headers: the body (50 MB declared, none sent) is never waited for."""
    head = "".join(f"{name}: {value}\r\n" for name, value in credentials.items())
    request = (
        "POST /api/v1/videos HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"{head}Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
        f"Content-Length: {50 * 1024 * 1024}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", asgi_server.port), timeout=5) as sock:
        sock.sendall(request)
        reply = sock.recv(4096).decode()
    assert reply.startswith("HTTP/1.1 401"), reply
    assert "not_authenticated" in reply
    assert_nothing_kept()


def test_a_session_is_checked_by_the_view_after_the_body(asgi_server, athlete_user):
    """A session cookie gets the body streamed; the view still refuses a session without its
    CSRF token (and the file is gone)."""
    response = requests.post(
        f"{asgi_server.url}/api/v1/videos",
        data=form(("file", "a.mp4", b"x" * 1000)),
        headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
        cookies={django_settings.SESSION_COOKIE_NAME: "made-up"},
        timeout=10,
    )
    assert response.status_code in (401, 403)
    assert_nothing_kept()


def test_clamd_unreachable_while_streaming_is_pending(asgi_server, athlete_user, clips, settings):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        settings.CLAMAV_ADDRESS = f"127.0.0.1:{closed.getsockname()[1]}"  # bound, not listening
        content = Path(clips["landscape"]).read_bytes()
        response = post(asgi_server, athlete_user, form(("file", "a.mp4", content)))
    assert response.status_code == 201, response.text
    assert response.json()["scan_status"] == "pending"  # the worker scans it; never clean
