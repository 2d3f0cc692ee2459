import hashlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import bearer
from tests.factories import stored_files
from tests.media import EICAR, make_audio, make_clip
from videos.models import ScanStatus, Video, VideoStatus

pytestmark = pytest.mark.django_db


def upload(
    client, content: bytes | None, name: str = "squat.mp4", content_type: str = "video/mp4", **data
):
    payload = {"title": "Front squat", **data}
    if content is not None:
        payload["file"] = SimpleUploadedFile(name, content, content_type=content_type)
    return client.post("/api/v1/videos", payload, format="multipart")


def test_plain_upload_stores_and_enqueues(api_client, athlete, clips):
    content = Path(clips["landscape"]).read_bytes()
    response = upload(bearer(api_client, athlete), content, description="Week 3")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert response["Location"] == f"/api/v1/videos/{body['id']}"
    assert body["status"] == "uploaded"
    assert body["size"] == len(content)
    assert body["sha256"] == hashlib.sha256(content).hexdigest()
    assert body["original_filename"] == "squat.mp4"
    assert body["scan_status"] == "clean"
    assert body["permissions"] == {"can_annotate": True, "can_edit": True}
    assert stored_files() == [f"videos/{body['id']}/original"]
    video = Video.objects.get(pk=body["id"])
    with video.original.open("rb") as stored:
        assert stored.read() == content


def test_trailing_slash_and_other_containers(api_client, coach, clips):
    response = bearer(api_client, coach).post(
        "/api/v1/videos/",
        {"file": SimpleUploadedFile("clip.mkv", Path(clips["webm"]).read_bytes()), "title": "x"},
        format="multipart",
    )
    assert response.status_code == 201, response.json()


def test_no_file_is_a_field_error(api_client, athlete):
    response = upload(bearer(api_client, athlete), None)
    assert response.status_code == 400
    assert "file" in response.json()["errors"]


def test_empty_file_is_422(api_client, athlete):
    response = upload(bearer(api_client, athlete), b"")
    assert response.status_code == 422
    assert response.json()["code"] == "empty_file"
    assert stored_files() == []
    assert not Video.objects.exists()


@pytest.mark.parametrize(
    "content",
    [
        b"just some text, named like a video\n" * 50,
        b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 2000,  # an MP4 signature and nothing else
    ],
)
def test_not_a_video_is_422_and_leaves_nothing(api_client, athlete, content):
    response = upload(bearer(api_client, athlete), content)
    assert response.status_code == 422
    assert response.json()["code"] == "unsupported_format"
    assert stored_files() == []
    assert not Video.objects.exists()


def test_hls_playlist_renamed_mp4_is_refused_without_reading_the_target(
    api_client, athlete, tmp_path
):
    secret = tmp_path / "secret.mp4"
    make_clip(secret)
    playlist = f"#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\nfile://{secret}\n#EXT-X-ENDLIST\n"
    before = secret.stat().st_atime_ns
    response = upload(bearer(api_client, athlete), playlist.encode())
    assert response.status_code == 422
    assert response.json()["code"] == "unsupported_format"
    assert secret.stat().st_atime_ns == before
    assert stored_files() == []


def test_audio_only_is_refused(api_client, athlete, tmp_path):
    audio = make_audio(tmp_path / "voice.m4a", codec=("-c:a", "aac"))
    response = upload(bearer(api_client, athlete), audio.read_bytes(), name="voice.mp4")
    assert response.status_code == 422
    assert response.json()["code"] == "no_video_stream"


def test_eicar_is_rejected_as_malware_and_deleted(api_client, athlete):
    response = upload(bearer(api_client, athlete), EICAR, name="innocent.mp4")
    assert response.status_code == 422
    assert response.json()["code"] == "malware_detected"
    assert stored_files() == []
    video = Video.objects.get()
    assert video.status == VideoStatus.REJECTED
    assert video.status_code == "malware_detected"
    assert video.scan_status == ScanStatus.INFECTED
    # the owner sees the rejected video and why
    listed = api_client.get("/api/v1/videos").json()["results"]
    assert [v["code"] for v in listed] == ["malware_detected"]


def test_clamd_unreachable_means_not_clean(api_client, athlete, clips, settings):
    from tests.services import free_port

    settings.CLAMAV_ADDRESS = f"127.0.0.1:{free_port()}"
    response = upload(bearer(api_client, athlete), Path(clips["landscape"]).read_bytes())
    assert response.status_code == 201
    assert response.json()["scan_status"] == "pending"  # the worker scans; never "clean"


def test_without_clamd_the_video_records_not_scanned(api_client, athlete, clips, settings):
    settings.CLAMAV_ADDRESS = ""
    response = upload(bearer(api_client, athlete), Path(clips["landscape"]).read_bytes())
    assert response.status_code == 201
    assert response.json()["scan_status"] == "not_scanned"


def test_too_large_while_streaming_is_413(api_client, athlete, clips, settings):
    settings.MAX_UPLOAD_BYTES = 1000
    response = upload(bearer(api_client, athlete), Path(clips["landscape"]).read_bytes())
    assert response.status_code == 413
    assert response.json()["code"] == "file_too_large"
    assert stored_files() == []


def test_quota_exceeded_is_413(api_client, athlete, clips, settings):
    content = Path(clips["landscape"]).read_bytes()
    settings.MAX_USER_STORAGE_BYTES = len(content) + 10
    bearer(api_client, athlete)
    assert upload(api_client, content).status_code == 201
    response = upload(api_client, content)
    assert response.status_code == 413
    assert response.json()["code"] == "quota_exceeded"
    assert Video.objects.count() == 1


def test_upload_rate_limit(api_client, athlete, settings):
    settings.UPLOAD_RATE_LIMIT = "2/h"
    bearer(api_client, athlete)
    for _ in range(2):
        assert upload(api_client, b"").status_code == 422
    response = upload(api_client, b"")
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"


def test_anonymous_cannot_upload(api_client, db):
    assert upload(api_client, b"x").status_code == 401


def test_filename_is_display_text_only(api_client, athlete, clips):
    content = Path(clips["landscape"]).read_bytes()
    response = upload(bearer(api_client, athlete), content, name="../../etc/\u202epasswd.mp4")
    assert response.status_code == 201
    body = response.json()
    assert body["original_filename"] == "passwd.mp4"
    assert stored_files() == [f"videos/{body['id']}/original"]


def test_upload_metrics(api_client, athlete, clips, client):
    content = Path(clips["landscape"]).read_bytes()
    bearer(api_client, athlete)
    upload(api_client, content)
    upload(api_client, b"")
    text = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    assert 'video_upload_bytes_total{method="plain"}' in text
    assert 'video_upload_failures_total{code="empty_file",method="plain"}' in text
    assert 'video_upload_duration_seconds_bucket{le="0.1",method="plain"}' in text
    assert 'video_storage_operation_duration_seconds_count{operation="save",outcome="ok"}' in text
