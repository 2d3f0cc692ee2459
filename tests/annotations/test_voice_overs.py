from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from annotations.models import Annotation, AudioStatus
from processing.voice_over import process_voice_over
from tests.conftest import bearer
from tests.factories import stored_files
from tests.media import EICAR, make_audio, make_clip
from videos.services import video_delete

pytestmark = pytest.mark.django_db(databases="__all__")


def speech(folder: Path, name: str, codec: list[str], seconds: float = 2) -> Path:
    return make_audio(folder / name, seconds=seconds, frequency=300, codec=tuple(codec))


def send(client, video, path: Path, timestamp: float = 1.0, content_type: str = "audio/webm"):
    upload = SimpleUploadedFile(path.name, path.read_bytes(), content_type=content_type)
    return client.post(
        "/api/v1/annotations/voice-over",
        {"video_id": str(video.pk), "timestamp": timestamp, "audio_file": upload},
        format="multipart",
    )


@pytest.mark.parametrize(
    "name,codec",
    [
        ("take.webm", ["-c:a", "libopus", "-f", "webm"]),  # what MediaRecorder produces
        ("take.m4a", ["-c:a", "aac", "-f", "ipod"]),
        ("take.mp3", ["-c:a", "libmp3lame", "-f", "mp3"]),
        ("take.wav", ["-c:a", "pcm_s16le", "-f", "wav"]),
        ("take.ogg", ["-c:a", "libopus", "-f", "ogg"]),
    ],
)
def test_browser_and_common_formats_become_normalised_m4a(coaching, tmp_path, name, codec):
    users, video = coaching
    response = send(
        bearer(APIClient(), users["annotating_coach"]), video, speech(tmp_path, name, codec)
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["type"] == "voice_over" and body["audio_status"] == "processing"
    assert body["frame"] == 30
    process_voice_over(annotation_id=body["id"])
    annotation = Annotation.objects.get(pk=body["id"])
    assert annotation.audio_status == AudioStatus.READY
    assert annotation.duration == pytest.approx(2, abs=0.1)
    assert annotation.audio.endswith(".m4a") and annotation.audio_source == ""
    ready = (
        bearer(APIClient(), users["viewing_coach"]).get(f"/api/v1/annotations/{body['id']}").json()
    )
    assert ready["audio_url"]
    assert stored_files(f"videos/{video.pk}/voice-overs/") == [
        f"videos/{video.pk}/voice-overs/{body['id']}.m4a"
    ]


def test_video_sent_as_audio_is_422(coaching, tmp_path):
    users, video = coaching
    response = send(bearer(APIClient(), users["owner"]), video, make_clip(tmp_path / "v.mp4"))
    assert response.status_code == 422 and response.json()["code"] == "not_audio"
    assert not Annotation.objects.exists()
    assert stored_files(f"videos/{video.pk}/voice-overs/") == []


def test_silent_recording_is_422(coaching, tmp_path):
    users, video = coaching
    silent = make_audio(tmp_path / "silent.webm", seconds=2, frequency=0, codec=("-c:a", "libopus"))
    response = send(bearer(APIClient(), users["owner"]), video, silent)
    assert response.status_code == 422 and response.json()["code"] == "silent_audio"


def test_too_long_recordings_are_422(coaching, tmp_path):
    users, video = coaching
    client = bearer(APIClient(), users["owner"])
    past_end = speech(tmp_path, "long.webm", ["-c:a", "libopus"], seconds=4)
    response = send(client, video, past_end, timestamp=8)  # the video is 10 s long
    assert response.status_code == 422 and response.json()["code"] == "too_long"
    video.duration = 3600
    video.save(update_fields=["duration"])
    eleven_minutes = speech(tmp_path, "huge.webm", ["-c:a", "libopus", "-b:a", "8k"], seconds=660)
    response = send(client, video, eleven_minutes, timestamp=0)
    assert response.status_code == 422 and response.json()["code"] == "too_long"


def test_malware_and_text_are_refused(coaching, tmp_path):
    users, video = coaching
    client = bearer(APIClient(), users["owner"])
    eicar = tmp_path / "eicar.webm"
    eicar.write_bytes(EICAR)
    assert send(client, video, eicar).json()["code"] == "malware_detected"
    text = tmp_path / "notes.webm"
    text.write_text("hello")
    assert send(client, video, text).json()["code"] == "unsupported_format"
    assert not Annotation.objects.exists()


def test_view_only_user_cannot_record(coaching, tmp_path):
    users, video = coaching
    response = send(
        bearer(APIClient(), users["viewing_coach"]),
        video,
        speech(tmp_path, "t.webm", ["-c:a", "libopus"]),
    )
    assert response.status_code == 403
    assert not Annotation.objects.exists()


def test_deleting_the_video_removes_voice_over_files(coaching, tmp_path):
    users, video = coaching
    body = send(
        bearer(APIClient(), users["owner"]), video, speech(tmp_path, "t.webm", ["-c:a", "libopus"])
    ).json()
    process_voice_over(annotation_id=body["id"])
    assert stored_files(f"videos/{video.pk}/voice-overs/")
    video_delete(video=video)
    assert not Annotation.objects.exists()
    assert stored_files(f"videos/{video.pk}/") == []


def test_a_browser_session_upload_streams_to_disk_too(coaching, tmp_path):
    """A session's CSRF check parses the body during authentication: the streaming handler must
    already be in place then (a small recording used to land in memory and fail with a 500)."""
    from django.test import Client

    users, video = coaching
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(users["annotating_coach"])
    browser.get(f"/videos/{video.pk}")  # the studio sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    clip = speech(tmp_path, "small.webm", ["-c:a", "libopus", "-f", "webm"], seconds=1)
    response = browser.post(
        "/api/v1/annotations/voice-over",
        {"video_id": str(video.pk), "timestamp": 1.0, "audio_file": clip.open("rb")},
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 201, response.content
    refused = Client(enforce_csrf_checks=True)
    refused.force_login(users["annotating_coach"])
    without_token = refused.post(
        "/api/v1/annotations/voice-over",
        {"video_id": str(video.pk), "timestamp": 1.0, "audio_file": clip.open("rb")},
    )
    assert without_token.status_code == 403


def test_a_voice_over_is_a_processing_job_from_enqueue_to_success(coaching, tmp_path):
    from processing.models import JobKind, JobState, ProcessingJob

    users, video = coaching
    body = send(
        bearer(APIClient(), users["owner"]), video, speech(tmp_path, "t.webm", ["-c:a", "libopus"])
    ).json()
    job = ProcessingJob.objects.get(kind=JobKind.VOICE_OVER)
    assert (job.video_id, job.options, job.state) == (
        video.pk,
        {"annotation_id": body["id"]},
        JobState.QUEUED,
    )
    process_voice_over(annotation_id=body["id"])
    job.refresh_from_db()
    assert (job.state, job.attempts, job.error_code) == (JobState.SUCCEEDED, 1, "")
    assert Annotation.objects.get(pk=body["id"]).audio_status == AudioStatus.READY
    process_voice_over(annotation_id=body["id"])  # a second delivery finds it done
    assert ProcessingJob.objects.filter(kind=JobKind.VOICE_OVER).count() == 1


def test_a_recording_that_fails_to_normalise_fails_its_job(coaching, tmp_path):
    from django.core.files.storage import default_storage

    from processing.models import JobKind, JobState, ProcessingJob

    users, video = coaching
    body = send(
        bearer(APIClient(), users["owner"]), video, speech(tmp_path, "t.webm", ["-c:a", "libopus"])
    ).json()
    source = Annotation.objects.get(pk=body["id"]).audio_source
    with default_storage.open(source, "wb") as broken:  # the stored source went bad
        broken.write(b"no longer audio")
    process_voice_over(annotation_id=body["id"])
    job = ProcessingJob.objects.get(kind=JobKind.VOICE_OVER)
    annotation = Annotation.objects.get(pk=body["id"])
    assert (job.state, job.error_code) == (JobState.FAILED, "corrupt_media")
    assert annotation.audio_status == AudioStatus.FAILED and annotation.audio_error
