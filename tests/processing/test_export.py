"""Exports checked with tools nobody here wrote: ffprobe for the file, OpenCV for the pixels,
ffmpeg's PCM output for the sound."""

import json
import subprocess
from pathlib import Path

import cv2
import numpy as np
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from processing.export import run_export
from processing.models import JobKind, JobState, ProcessingJob
from processing.voice_over import process_voice_over
from tests.conftest import bearer
from tests.factories import make_user, make_video, ready_video, stored_files
from tests.media import make_audio, make_clip
from videos.models import Video, VideoShare, VideoStatus

pytestmark = pytest.mark.django_db
FPS = 25
SECONDS = 4.0


def grey_clip(folder: Path, *, audio: bool) -> Path:
    """A flat grey picture (drawn pixels stand out) and, optionally, a quiet 220 Hz hum."""
    return make_clip(
        folder / ("grey.mp4" if audio else "grey-silent.mp4"),
        seconds=SECONDS,
        rate=FPS,
        audio=audio,
        picture="color=c=0x808080",
        tone="sine=frequency=220:duration={seconds},volume=0.05",
    )


def ffprobe(path: str) -> dict:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_streams", "-show_format", path],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out)


def frames(path: str) -> list[np.ndarray]:
    capture = cv2.VideoCapture(path)
    decoded = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        decoded.append(frame)
    capture.release()
    return decoded


def loudness(path: str, start: float, end: float) -> float:
    """RMS of the mixed-down sound between start and end (seconds)."""
    pcm = subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-nostdin",
            "-i",
            path,
            "-ac",
            "1",
            "-ar",
            "8000",
            "-f",
            "s16le",
            "-",
        ],
        check=True,
        capture_output=True,
    ).stdout
    samples = np.frombuffer(pcm, dtype=np.int16).astype(np.float64)
    window = samples[int(start * 8000) : int(end * 8000)]
    return float(np.sqrt(np.mean(window**2)))


@pytest.fixture
def coached(tmp_path):
    """A ready grey video with a red line from 1.0 s for 1.0 s and a loud voice-over at 2.5 s."""
    owner = make_user("athlete", role="athlete")
    coach = make_user("coach", role="coach")
    video = ready_video(owner, grey_clip(tmp_path, audio=True))
    VideoShare.objects.create(video=video, user=coach, permission="annotate")
    return owner, coach, video


def draw_line(client, video, timestamp=1.0, duration=1.0):
    response = client.post(
        "/api/v1/annotations/drawing",
        {
            "video_id": str(video.pk),
            "timestamp": timestamp,
            "duration": duration,
            "drawing_data": {
                "tool_type": "line",
                "points": [[0.1, 0.5], [0.9, 0.5]],
                "color": "#FF0000",
                "width": 12,
            },
        },
        format="json",
    )
    assert response.status_code == 201, response.json()


def voice_over(client, video, folder: Path, timestamp: float) -> None:
    tone = make_audio(folder / "voice.wav", frequency=1000, codec=("-c:a", "pcm_s16le"))
    upload = SimpleUploadedFile("voice.wav", tone.read_bytes(), content_type="audio/wav")
    response = client.post(
        "/api/v1/annotations/voice-over",
        {"video_id": str(video.pk), "timestamp": timestamp, "audio_file": upload},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    process_voice_over(annotation_id=response.json()["id"])


def export(client, video, **body) -> dict:
    response = client.post(
        f"/api/v1/videos/{video.pk}/exports", {"quality": "sd", **body}, format="json"
    )
    assert response.status_code == 202, response.json()
    run_export(job_id=response.json()["id"])
    return client.get(f"/api/v1/videos/{video.pk}/exports/{response.json()['id']}").json()


def test_drawings_burned_in_frame_exact_and_voice_over_mixed(coached, tmp_path):
    owner, coach, video = coached
    coach_api = bearer(APIClient(), coach)
    draw_line(coach_api, video)
    voice_over(coach_api, video, tmp_path, timestamp=2.5)

    done = export(bearer(APIClient(), owner), video)
    assert done["state"] == "succeeded" and done["progress"] == 100, done
    assert done["url"] and done["size"] > 0
    path = default_storage.path(ProcessingJob.objects.get(pk=done["id"]).output)

    facts = ffprobe(path)
    codecs = {stream["codec_type"]: stream["codec_name"] for stream in facts["streams"]}
    assert codecs == {"video": "h264", "audio": "aac"}
    assert abs(float(facts["format"]["duration"]) - SECONDS) <= 1 / FPS + 0.03
    with open(path, "rb") as mp4:  # faststart: the index comes before the media data
        head = mp4.read(64 * 1024)
    assert 0 <= head.find(b"moov") < head.find(b"mdat")

    exported = frames(path)
    assert abs(len(exported) - SECONDS * FPS) <= 1
    row, left, right = 120, 32, 288  # the line crosses the middle of the 320x240 picture

    def red(frame: np.ndarray) -> bool:
        blue, green, red_ = frame[row, (left + right) // 2].astype(int)
        return red_ > 180 and green < 90 and blue < 90

    first, last = round(1.0 * FPS), round(2.0 * FPS) - 1
    assert red(exported[first]) and red(exported[last])  # from its first frame to its last
    assert not red(exported[first - 1]) and not red(exported[last + 1])  # and not a frame more
    # outside the annotation the picture is the source's grey
    assert np.abs(exported[10].astype(int) - 128).max() < 12

    quiet = loudness(path, 0.3, 2.2)
    spoken = loudness(path, 2.7, 3.3)
    assert spoken > quiet * 4, (quiet, spoken)


def test_video_without_sound_gets_the_voice_over_alone(tmp_path):
    owner = make_user("athlete", role="athlete")
    video = ready_video(owner, grey_clip(tmp_path, audio=False))
    api = bearer(APIClient(), owner)
    voice_over(api, video, tmp_path, timestamp=1.0)
    done = export(api, video)
    path = default_storage.path(ProcessingJob.objects.get(pk=done["id"]).output)
    assert {stream["codec_type"] for stream in ffprobe(path)["streams"]} == {"video", "audio"}
    assert loudness(path, 0.1, 0.9) < 50 < loudness(path, 1.2, 1.8)


def test_options_leave_things_out(coached, tmp_path):
    owner, coach, video = coached
    draw_line(bearer(APIClient(), coach), video)
    done = export(bearer(APIClient(), owner), video, include_drawings=False)
    path = default_storage.path(ProcessingJob.objects.get(pk=done["id"]).output)
    assert np.abs(frames(path)[30].astype(int) - 128).max() < 12  # no line at 1.2 s


def test_who_may_export_and_what_is_refused(coached):
    owner, coach, video = coached
    stranger = make_user("stranger", role="coach")
    url = f"/api/v1/videos/{video.pk}/exports"
    assert APIClient().post(url, {"quality": "sd"}, format="json").status_code == 401
    assert bearer(APIClient(), stranger).post(url, {"quality": "sd"}).status_code == 404
    coach_api = bearer(APIClient(), coach)
    bad = coach_api.post(url, {"quality": "4k"}, format="json")
    assert bad.status_code == 400 and "hd" in json.dumps(bad.json())
    missing = coach_api.post(url, {"quality": "hd"}, format="json")  # a 240p source has no HD
    assert missing.status_code == 422 and missing.json()["code"] == "quality_unavailable"
    assert coach_api.post(url, {"quality": "sd"}, format="json").status_code == 202
    listed = bearer(APIClient(), owner).get(url).json()
    assert [item["requested_by"]["username"] for item in listed] == ["coach"]
    assert stranger and bearer(APIClient(), stranger).get(url).status_code == 404
    nonsense = coach_api.get(f"{url}/------------------------------------")
    assert nonsense.status_code == 404

    processing = make_video(owner, status=VideoStatus.PROCESSING)
    busy = bearer(APIClient(), owner).post(
        f"/api/v1/videos/{processing.pk}/exports", {"quality": "sd"}, format="json"
    )
    assert busy.status_code == 409


def test_too_many_at_once_is_429(coached, settings):
    owner, _coach, video = coached
    settings.EXPORT_MAX_ACTIVE_PER_USER = 1
    api = bearer(APIClient(), owner)
    url = f"/api/v1/videos/{video.pk}/exports"
    assert api.post(url, {"quality": "sd"}, format="json").status_code == 202
    refused = api.post(url, {"quality": "sd"}, format="json")
    assert refused.status_code == 429 and "in progress" in refused.json()["detail"]


def test_deleting_the_video_deletes_its_exports(coached):
    owner, _coach, video = coached
    api = bearer(APIClient(), owner)
    done = export(api, video)
    key = ProcessingJob.objects.get(pk=done["id"]).output
    assert default_storage.exists(key)
    assert api.delete(f"/api/v1/videos/{video.pk}").status_code == 204
    assert not default_storage.exists(key) and stored_files(f"videos/{video.pk}/") == []
    assert not ProcessingJob.objects.filter(kind=JobKind.EXPORT).exists()


def test_a_dead_export_is_requeued_by_the_watchdog(coached, settings):
    from processing.services import jobs_watchdog

    owner, _coach, video = coached
    api = bearer(APIClient(), owner)
    job_id = api.post(
        f"/api/v1/videos/{video.pk}/exports", {"quality": "sd"}, format="json"
    ).json()["id"]
    ProcessingJob.objects.filter(pk=job_id).update(
        state=JobState.RUNNING, attempts=1, heartbeat_at="2020-01-01T00:00:00Z"
    )
    assert jobs_watchdog()["requeued"] == 1
    run_export(job_id=job_id)
    job = ProcessingJob.objects.get(pk=job_id)
    assert job.state == JobState.SUCCEEDED and job.attempts == 2
    assert Video.objects.get(pk=video.pk).status == VideoStatus.READY  # untouched by the export
