"""Resumable uploads against the real ASGI app under uvicorn, with tuspy and raw HTTP."""

import base64
import hashlib
import socket
import time
from pathlib import Path

import requests
from django.core.files.storage import default_storage
from rest_framework_simplejwt.tokens import RefreshToken
from tusclient import client as tus_client

from tests.factories import make_user, stored_files
from tests.media import EICAR
from tests.services import db_thread
from videos.models import TusUpload, Video, VideoStatus

TUS = {"Tus-Resumable": "1.0.0"}


def auth(user) -> dict[str, str]:
    return {"Authorization": f"Bearer {RefreshToken.for_user(user).access_token}"}


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def create(server, user, length: int, metadata: str | None = None) -> requests.Response:
    headers = {**TUS, **auth(user), "Upload-Length": str(length)}
    if metadata is not None:
        headers["Upload-Metadata"] = metadata
    return requests.post(f"{server.url}/api/v1/uploads/", headers=headers, timeout=10)


def patch(server, user, location: str, offset: int, body: bytes, **extra) -> requests.Response:
    headers = {
        **TUS,
        **auth(user),
        "Upload-Offset": str(offset),
        "Content-Type": "application/offset+octet-stream",
        **extra,
    }
    return requests.patch(f"{server.url}{location}", data=body, headers=headers, timeout=30)


def test_options_lists_capabilities(asgi_server, settings):
    response = requests.options(f"{asgi_server.url}/api/v1/uploads/", timeout=5)
    assert response.status_code == 204
    assert response.headers["Tus-Version"] == "1.0.0"
    extensions = set(response.headers["Tus-Extension"].split(","))
    assert extensions == {
        "creation",
        "creation-with-upload",
        "termination",
        "checksum",
        "expiration",
    }
    assert response.headers["Tus-Max-Size"] == str(settings.MAX_UPLOAD_BYTES)
    assert "sha1" in response.headers["Tus-Checksum-Algorithm"]


def test_tuspy_upload_becomes_a_video(asgi_server, athlete_user, clips):
    content = Path(clips["landscape"]).read_bytes()
    client = tus_client.TusClient(f"{asgi_server.url}/api/v1/uploads/", headers=auth(athlete_user))
    uploader = client.uploader(
        file_path=str(clips["landscape"]),
        chunk_size=4096,
        metadata={"filename": "squat.mp4", "title": "Back squat", "description": "set 2"},
        upload_checksum=True,
    )
    uploader.upload()
    video_id = str(uploader.url).rstrip("/").rsplit("/", 1)[1]
    video = Video.objects.get(pk=video_id)
    assert video.status == VideoStatus.UPLOADED
    assert video.title == "Back squat" and video.description == "set 2"
    assert video.sha256 == hashlib.sha256(content).hexdigest()
    assert video.size == len(content)
    with video.original.open("rb") as stored:
        assert stored.read() == content
    assert stored_files() == [f"videos/{video_id}/original"]  # parts are gone
    detail = requests.get(
        f"{asgi_server.url}/api/v1/videos/{video_id}", headers=auth(athlete_user), timeout=5
    )
    assert detail.status_code == 200 and detail.json()["status"] == "uploaded"


def test_upload_in_progress_is_not_a_video_yet(asgi_server, athlete_user):
    location = create(asgi_server, athlete_user, 1000).headers["Location"]
    video_id = location.rsplit("/", 1)[1]
    detail = requests.get(
        f"{asgi_server.url}/api/v1/videos/{video_id}", headers=auth(athlete_user), timeout=5
    )
    assert detail.status_code == 404


def test_interrupted_patch_keeps_its_bytes_and_resumes(asgi_server, athlete_user, clips):
    content = Path(clips["landscape"]).read_bytes()
    location = create(asgi_server, athlete_user, len(content), f"filename {b64('a.mp4')}").headers[
        "Location"
    ]
    # A client that dies half-way through its body.
    sent = len(content) // 2
    head = (
        f"PATCH {location} HTTP/1.1\r\nHost: 127.0.0.1\r\nTus-Resumable: 1.0.0\r\n"
        f"Authorization: {auth(athlete_user)['Authorization']}\r\nUpload-Offset: 0\r\n"
        f"Content-Type: application/offset+octet-stream\r\nContent-Length: {len(content)}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", asgi_server.port)) as sock:
        sock.sendall(head + content[:sent])
        time.sleep(0.5)
    offset = 0
    for _ in range(50):  # the server notices the disconnect and stores the part
        state = requests.head(
            f"{asgi_server.url}{location}", headers={**TUS, **auth(athlete_user)}, timeout=5
        )
        offset = int(state.headers["Upload-Offset"])
        if offset:
            break
        time.sleep(0.1)
    assert offset == sent
    assert state.headers["Cache-Control"] == "no-store"
    # resume with a real client from the offset the server reports
    client = tus_client.TusClient(f"{asgi_server.url}/api/v1/uploads/", headers=auth(athlete_user))
    uploader = client.uploader(
        file_path=str(clips["landscape"]), url=f"{asgi_server.url}{location}", chunk_size=10_000
    )
    assert uploader.get_offset() == sent
    uploader.upload()
    video = Video.objects.get(pk=location.rsplit("/", 1)[1])
    with video.original.open("rb") as stored:
        assert stored.read() == content


def test_checksum_mismatch_is_460_and_offset_stays(asgi_server, athlete_user):
    location = create(asgi_server, athlete_user, 100).headers["Location"]
    wrong = base64.b64encode(hashlib.sha1(b"other").digest()).decode()
    response = patch(
        asgi_server, athlete_user, location, 0, b"x" * 50, **{"Upload-Checksum": f"sha1 {wrong}"}
    )
    assert response.status_code == 460
    assert response.json()["code"] == "checksum_mismatch"
    assert TusUpload.objects.get().offset == 0
    right = base64.b64encode(hashlib.sha1(b"x" * 50).digest()).decode()
    ok = patch(
        asgi_server, athlete_user, location, 0, b"x" * 50, **{"Upload-Checksum": f"sha1 {right}"}
    )
    assert ok.status_code == 204 and ok.headers["Upload-Offset"] == "50"


def test_wrong_offset_is_409(asgi_server, athlete_user):
    location = create(asgi_server, athlete_user, 100).headers["Location"]
    response = patch(asgi_server, athlete_user, location, 10, b"x" * 10)
    assert response.status_code == 409
    assert response.headers["Upload-Offset"] == "0"


def test_two_patches_at_the_same_offset(asgi_server, athlete_user):
    chunk = 512 * 1024
    body_length = 8 * chunk
    location = create(asgi_server, athlete_user, 2 * body_length).headers["Location"]

    def slow_body(byte: bytes):
        for _ in range(8):
            yield byte * chunk
            time.sleep(0.1)

    results: dict[str, requests.Response] = {}

    def send(byte: bytes) -> None:
        headers = {
            **TUS,
            **auth(athlete_user),
            "Upload-Offset": "0",
            "Content-Type": "application/offset+octet-stream",
        }
        url = f"{asgi_server.url}{location}"
        results[byte.decode()] = requests.patch(
            url, data=slow_body(byte), headers=headers, timeout=30
        )

    threads = [db_thread(send, b) for b in (b"a", b"b")]
    for thread in threads:
        thread.start()
        time.sleep(0.05)
    for thread in threads:
        thread.join()
    assert sorted(r.status_code for r in results.values()) == [204, 409]
    winner = next(name for name, r in results.items() if r.status_code == 204)
    assert results[winner].headers["Upload-Offset"] == str(body_length)
    upload = TusUpload.objects.get()
    assert upload.offset == body_length and upload.lock_token == ""
    parts = stored_files("uploads/")
    assert len(parts) == 1

    with default_storage.open(parts[0], "rb") as part:
        assert part.read() == winner.encode() * body_length


def test_other_users_get_404(asgi_server, athlete_user):
    location = create(asgi_server, athlete_user, 100).headers["Location"]
    intruder = make_user("intruder", role="coach")
    url = f"{asgi_server.url}{location}"
    assert requests.head(url, headers={**TUS, **auth(intruder)}, timeout=5).status_code == 404
    assert patch(asgi_server, intruder, location, 0, b"x").status_code == 404
    assert requests.delete(url, headers={**TUS, **auth(intruder)}, timeout=5).status_code == 404
    assert TusUpload.objects.get().offset == 0
    anonymous = requests.head(url, headers=TUS, timeout=5)
    assert anonymous.status_code == 401


def test_termination_removes_parts(asgi_server, athlete_user):
    location = create(asgi_server, athlete_user, 100).headers["Location"]
    assert patch(asgi_server, athlete_user, location, 0, b"x" * 40).status_code == 204
    assert len(stored_files("uploads/")) == 1
    response = requests.delete(
        f"{asgi_server.url}{location}", headers={**TUS, **auth(athlete_user)}, timeout=5
    )
    assert response.status_code == 204
    assert stored_files() == []
    assert not Video.objects.exists()


def test_oversized_upload_length_is_413(asgi_server, athlete_user, settings):
    response = create(asgi_server, athlete_user, settings.MAX_UPLOAD_BYTES + 1)
    assert response.status_code == 413
    assert response.json()["code"] == "file_too_large"
    assert not Video.objects.exists()


def test_creation_with_upload_and_not_a_video(asgi_server, athlete_user):
    body = b"hello, not a video" * 10
    headers = {
        **TUS,
        **auth(athlete_user),
        "Upload-Length": str(len(body)),
        "Content-Type": "application/offset+octet-stream",
    }
    response = requests.post(
        f"{asgi_server.url}/api/v1/uploads", data=body, headers=headers, timeout=10
    )
    assert response.status_code == 422
    assert response.json()["code"] == "unsupported_format"
    assert stored_files() == []
    assert not Video.objects.exists()


def test_eicar_through_tus_is_rejected(asgi_server, athlete_user):
    location = create(asgi_server, athlete_user, len(EICAR)).headers["Location"]
    response = patch(asgi_server, athlete_user, location, 0, EICAR)
    assert response.status_code == 422
    assert response.json()["code"] == "malware_detected"
    assert stored_files() == []
    assert Video.objects.get().status == VideoStatus.REJECTED


def test_metadata_is_sanitised_and_not_echoed_raw(asgi_server, athlete_user):
    evil = "x\r\nSet-Cookie: a=b"
    response = create(
        asgi_server, athlete_user, 100, f"filename {b64('../../' + evil)},title {b64(evil)}"
    )
    assert response.status_code == 201
    head = requests.head(
        f"{asgi_server.url}{response.headers['Location']}",
        headers={**TUS, **auth(athlete_user)},
        timeout=5,
    )
    assert "Set-Cookie" not in head.headers
    video = Video.objects.get()
    assert "\r" not in video.title and "\n" not in video.title
    bad = create(asgi_server, athlete_user, 100, "filename not-base64!!")
    assert bad.status_code == 400


def test_location_ignores_forwarded_host(asgi_server, athlete_user, settings):
    settings.PUBLIC_BASE_URL = "https://video.example.com"
    headers = {
        **TUS,
        **auth(athlete_user),
        "Upload-Length": "10",
        "X-Forwarded-Host": "evil.example",
    }
    response = requests.post(f"{asgi_server.url}/api/v1/uploads/", headers=headers, timeout=5)
    assert response.headers["Location"].startswith("https://video.example.com/api/v1/uploads/")


def test_plain_upload_over_the_cap_is_refused_before_the_body(asgi_server, athlete_user, settings):
    settings.MAX_UPLOAD_BYTES = 10_000
    declared = 50 * 1024 * 1024
    head = (
        f"POST /api/v1/videos HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: {auth(athlete_user)['Authorization']}\r\n"
        f"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: {declared}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", asgi_server.port), timeout=5) as sock:
        sock.sendall(head)  # no body at all: the answer must not wait for it
        reply = sock.recv(4096).decode()
    assert reply.startswith("HTTP/1.1 413")
    assert "file_too_large" in reply


def test_stale_lock_from_a_dead_connection_is_taken_over(asgi_server, athlete_user):
    from datetime import timedelta

    from django.utils import timezone

    location = create(asgi_server, athlete_user, 100).headers["Location"]
    upload = TusUpload.objects.get()
    # A PATCH whose process died: its lock stays, but its heartbeat stops.
    upload.lock_token = "dead"
    upload.lock_heartbeat = timezone.now()
    upload.save()
    assert patch(asgi_server, athlete_user, location, 0, b"x" * 10).status_code == 409
    TusUpload.objects.filter(pk=upload.pk).update(
        lock_heartbeat=timezone.now() - timedelta(seconds=11)
    )
    resumed = patch(asgi_server, athlete_user, location, 0, b"x" * 10)
    assert resumed.status_code == 204 and resumed.headers["Upload-Offset"] == "10"


def test_one_patch_upload_is_moved_into_place_not_copied(asgi_server, athlete_user, clips):
    """tus-js-client's default: the whole file in one PATCH; local storage renames that part."""
    content = Path(clips["landscape"]).read_bytes()
    location = create(asgi_server, athlete_user, len(content), f"filename {b64('a.mp4')}").headers[
        "Location"
    ]
    assert patch(asgi_server, athlete_user, location, 0, content).status_code == 204
    video = Video.objects.get(pk=location.rsplit("/", 1)[1])
    assert video.status == VideoStatus.UPLOADED
    assert video.sha256 == hashlib.sha256(content).hexdigest()
    with video.original.open("rb") as stored:
        assert stored.read() == content
    assert stored_files() == [f"videos/{video.pk}/original"]


def test_parts_in_a_bucket_are_assembled(asgi_server, athlete_user, clips, s3):
    client, bucket = s3
    content = Path(clips["landscape"]).read_bytes()
    uploader = tus_client.TusClient(
        f"{asgi_server.url}/api/v1/uploads/", headers=auth(athlete_user)
    ).uploader(file_path=str(clips["landscape"]), chunk_size=len(content) // 3 + 1)
    uploader.upload()
    video_id = str(uploader.url).rstrip("/").rsplit("/", 1)[1]
    video = Video.objects.get(pk=video_id)
    assert video.sha256 == hashlib.sha256(content).hexdigest()
    listed = sorted(o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", []))
    assert listed == [f"videos/{video_id}/original"]
    stored = client.get_object(Bucket=bucket, Key=f"videos/{video_id}/original")["Body"].read()
    assert stored == content


# --- Bad input and abuse --------------------------------------------------------------------
