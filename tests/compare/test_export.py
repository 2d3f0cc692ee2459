"""Comparison exports checked with tools nobody here wrote: ffprobe for the file, OpenCV for the
pixels (each clip shows its own frame number, see tests.media.make_counter_clip), ffmpeg's PCM
for the sound. Two clips at different rates, lined up at sync points: every exported frame
shows the frames the sync math says."""

import os
import subprocess

import cv2
import numpy as np
import pytest
from django.core.files.storage import default_storage
from rest_framework.test import APIClient

from processing.compare_export import canvas_layout, run_compare_export
from processing.models import JobKind, JobState, ProcessingJob
from tests.conftest import bearer
from tests.factories import make_user, ready_video
from tests.media import make_counter_clip, pane_level, read_counter
from tests.processing.test_export import ffprobe, frames
from videos import sync
from videos.models import Comparison, ComparisonShare, VideoShare

pytestmark = pytest.mark.django_db(databases="__all__")
LEFT_FPS, RIGHT_FPS = 30, 24
LEFT_LEVEL, RIGHT_LEVEL = 60, 200  # the clips' luma; as RGB (limited range) below
LEFT_RGB, RIGHT_RGB = round((60 - 16) * 255 / 219), round((200 - 16) * 255 / 219)
W, H = 320, 180


@pytest.fixture(scope="module")
def counter_clips(tmp_path_factory):
    folder = tmp_path_factory.mktemp("counters")
    return (
        make_counter_clip(
            folder / "left.mp4", seconds=3, rate=LEFT_FPS, level=LEFT_LEVEL, frequency=440
        ),
        make_counter_clip(
            folder / "right.mp4", seconds=2, rate=RIGHT_FPS, level=RIGHT_LEVEL, frequency=1000
        ),
    )


@pytest.fixture
def compared(counter_clips, settings):
    """A 3 s clip at 30 fps (left, sync 1.0 s) and a 2 s clip at 24 fps (right, sync 0.5 s):
    the right one starts 0.5 s into the shared timeline and ends at 2.5 s of its 3 s."""
    settings.VIDEO_LADDER = "mobile:180:800:60"  # one rendition at the clips' own size
    owner = make_user("athlete", role="athlete")
    left = ready_video(owner, counter_clips[0], title="left")
    right = ready_video(owner, counter_clips[1], title="right")
    comparison = Comparison.objects.create(
        owner=owner, title="c", left_video=left, right_video=right, left_sync=1.0, right_sync=0.5
    )
    return owner, comparison


def export(client, comparison, **body) -> dict:
    url = f"/api/v1/comparisons/{comparison.pk}/exports"
    response = client.post(url, {"quality": "mobile", **body}, format="json")
    assert response.status_code == 202, response.json()
    run_compare_export(job_id=response.json()["id"])
    return client.get(f"{url}/{response.json()['id']}").json()


def output_path(done: dict) -> str:
    assert done["state"] == "succeeded", done
    return default_storage.path(ProcessingJob.objects.get(pk=done["id"]).output)


def expected_right(n: int, fps: float) -> int | None:
    return sync.side_frame(n / fps, 0.5, 2.0, RIGHT_FPS)


def test_side_by_side_frames_are_the_ones_the_sync_says(compared):
    owner, comparison = compared
    done = export(bearer(APIClient(), owner), comparison)
    assert done["comparison_id"] == str(comparison.pk) and done["progress"] == 100
    assert done["url"] and done["size"] > 0
    path = output_path(done)

    facts = ffprobe(path)
    video = next(stream for stream in facts["streams"] if stream["codec_type"] == "video")
    assert {stream["codec_type"] for stream in facts["streams"]} == {"video", "audio"}
    assert (video["codec_name"], video["width"], video["height"]) == ("h264", 2 * W, H)
    assert video["avg_frame_rate"] == "30/1"  # the higher rate of the two
    assert abs(float(facts["format"]["duration"]) - 3.0) < 0.1

    exported = frames(path)
    assert len(exported) == 90
    shown_right = []
    for n, frame in enumerate(exported):
        assert read_counter(frame, 0, 0, W, H) == n, n  # left: offset 0, 30 fps
        assert abs(pane_level(frame, 0, 0, W, H) - LEFT_RGB) < 12
        want = expected_right(n, 30)
        if want is None:
            assert pane_level(frame, W, 0, W, H) < 10, n  # black: not started, or ended
        else:
            assert abs(pane_level(frame, W, 0, W, H) - RIGHT_RGB) < 12, n
            assert read_counter(frame, W, 0, W, H) == want, (n, want)
            shown_right.append(want)
    # the right clip starts at 0.5 s with its first frame and shows all 48, none twice in a row
    # more often than 30/24 allows
    assert shown_right[0] == 0 and shown_right[-1] == 47 and len(shown_right) == 60
    assert sorted(set(shown_right)) == list(range(48))


def test_pane_drawings_burned_in_on_their_side_frame_exact(compared):
    owner, comparison = compared
    api = bearer(APIClient(), owner)
    response = api.post(
        "/api/v1/annotations/drawing",
        {
            "comparison_id": str(comparison.pk),
            "side": "right",
            "timestamp": 1.0,  # the right video's own time: its frame 24
            "duration": 0.5,
            "drawing_data": {
                "tool_type": "line",
                "points": [[0.05, 0.75], [0.95, 0.75]],
                "color": "#FF0000",
                "width": 10,
            },
        },
        format="json",
    )
    assert response.status_code == 201 and response.json()["frame"] == 24
    exported = frames(output_path(export(api, comparison)))
    row = round(H * 0.75)

    def red(frame, x: int) -> bool:
        blue, green, red_ = frame[row, x + W // 2].astype(int)
        return red_ > 170 and green < 100 and blue < 100

    drawn = [n for n, frame in enumerate(exported) if red(frame, W)]
    # right frames 24..35 (1.0 <= t < 1.5 of its own time) are on screen at shared 1.5..2.0 s
    assert drawn == list(range(45, 60))
    assert next(expected_right(n, 30) for n in drawn) == 24
    assert not [n for n, frame in enumerate(exported) if red(frame, 0)]  # never on the left


def test_stacked_overlay_and_mirror(compared):
    owner, comparison = compared
    api = bearer(APIClient(), owner)
    comparison.layout, comparison.left_mirror = "stacked", True
    comparison.save()
    exported = frames(output_path(export(api, comparison)))
    assert exported[0].shape[:2] == (2 * H, W)
    mirrored = cv2.flip(exported[40], 1)  # the left clip, mirrored back, reads its number
    assert read_counter(mirrored, 0, 0, W, H) == 40
    assert read_counter(exported[40], 0, H, W, H) == expected_right(40, 30)

    comparison.layout, comparison.left_mirror, comparison.overlay_opacity = "overlay", False, 0.5
    comparison.save()
    exported = frames(output_path(export(api, comparison)))
    assert exported[0].shape[:2] == (H, W)
    # before the right clip starts, the left alone; then the right one at half opacity over it
    assert abs(pane_level(exported[5]) - LEFT_RGB) < 12
    assert abs(pane_level(exported[40]) - (LEFT_RGB + RIGHT_RGB) / 2) < 15


def dominant_frequency(path: str, start: float, end: float) -> tuple[float, float]:
    """The loudest frequency (Hz) and the RMS of the sound between start and end."""
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
    spectrum = np.abs(np.fft.rfft(window))
    return float(np.fft.rfftfreq(len(window), 1 / 8000)[spectrum.argmax()]), float(
        np.sqrt(np.mean(window**2))
    )


def test_audio_left_right_or_mixed_at_the_offsets(compared):
    owner, comparison = compared
    api = bearer(APIClient(), owner)
    left = output_path(export(api, comparison, audio="left"))
    assert abs(dominant_frequency(left, 0.5, 2.5)[0] - 440) < 10
    right = output_path(export(api, comparison, audio="right"))
    assert dominant_frequency(right, 0.0, 0.45)[1] < 50  # not started yet: silence
    assert abs(dominant_frequency(right, 0.7, 2.3)[0] - 1000) < 10
    assert dominant_frequency(right, 2.6, 2.95)[1] < 50  # ended
    mixed = output_path(export(api, comparison, audio="mix"))
    pcm_low = dominant_frequency(mixed, 0.0, 0.45)[0]
    assert abs(pcm_low - 440) < 10  # the left alone before the right starts


def test_who_may_export_and_what_is_refused(compared):
    owner, comparison = compared
    coach = make_user("coach", role="coach")
    url = f"/api/v1/comparisons/{comparison.pk}/exports"
    assert APIClient().post(url, {"quality": "sd"}, format="json").status_code == 401
    assert bearer(APIClient(), coach).post(url, {"quality": "sd"}, format="json").status_code == 404
    ComparisonShare.objects.create(comparison=comparison, user=coach, permission="view")
    # shared the comparison but not the videos: still nothing to see
    assert bearer(APIClient(), coach).post(url, {"quality": "sd"}, format="json").status_code == 404
    for video in (comparison.left_video, comparison.right_video):
        VideoShare.objects.create(video=video, user=coach, permission="view")
    viewer = bearer(APIClient(), coach)
    response = viewer.post(url, {"quality": "sd", "audio": "both"}, format="json")
    assert response.status_code == 400 and "audio" in response.json()["errors"]
    accepted = viewer.post(url, {"quality": "sd"}, format="json")
    assert accepted.status_code == 202 and accepted.json()["state"] == "queued"
    assert [job["id"] for job in viewer.get(url).json()] == [accepted.json()["id"]]
    assert bearer(APIClient(), owner).get(url).status_code == 200


def test_deleting_the_comparison_cancels_its_exports_and_removes_files(compared):
    owner, comparison = compared
    api = bearer(APIClient(), owner)
    done = export(api, comparison)
    path = output_path(done)
    queued = api.post(
        f"/api/v1/comparisons/{comparison.pk}/exports", {"quality": "sd"}, format="json"
    ).json()
    assert api.delete(f"/api/v1/comparisons/{comparison.pk}").status_code == 204
    assert ProcessingJob.objects.get(pk=queued["id"]).state == JobState.CANCELLED
    assert not default_storage.exists(ProcessingJob.objects.get(pk=done["id"]).output)
    assert not os.path.exists(path)
    assert ProcessingJob.objects.filter(kind=JobKind.COMPARE_EXPORT).count() == 2


def test_canvas_layouts():
    assert canvas_layout("side_by_side", (320, 180), (640, 360))[:2] == (960, 360)
    _, _, places = canvas_layout("side_by_side", (320, 180), (640, 360))
    assert (places["left"].x, places["left"].y, places["right"].x) == (0, 90, 320)
    width, height, places = canvas_layout("stacked", (320, 180), (640, 360))
    assert (width, height, places["left"].x, places["right"].y) == (640, 540, 160, 180)
    assert canvas_layout("overlay", (320, 180), (640, 360))[:2] == (320, 180)
    assert canvas_layout("overlay", (320, 180), (640, 360), swapped=True)[:2] == (640, 360)


def test_a_videos_own_export_leaves_the_pane_drawings_out(compared):
    from processing.export import run_export

    owner, comparison = compared
    api = bearer(APIClient(), owner)
    line = {"tool_type": "line", "points": [[0.05, 0.75], [0.95, 0.75]], "color": "#FF0000"}
    for body in (
        {"comparison_id": str(comparison.pk), "side": "left"},  # on the pane: not in the video's
        {"video_id": str(comparison.left_video_id)},  # on the video itself, a second later
    ):
        timestamp = 0.0 if "side" in body else 1.5
        response = api.post(
            "/api/v1/annotations/drawing",
            {
                **body,
                "timestamp": timestamp,
                "duration": 1.0,
                "drawing_data": {**line, "width": 10},
            },
            format="json",
        )
        assert response.status_code == 201, response.json()
    url = f"/api/v1/videos/{comparison.left_video_id}/exports"
    job = api.post(url, {"quality": "mobile"}, format="json").json()
    run_export(job_id=job["id"])
    exported = frames(output_path(api.get(f"{url}/{job['id']}").json()))
    row = round(H * 0.75)

    def red(frame) -> bool:
        blue, green, red_ = frame[row, W // 2].astype(int)
        return red_ > 170 and green < 100 and blue < 100

    assert [n for n, frame in enumerate(exported) if red(frame)] == list(range(45, 75))
