"""The frame rule: a drawing's frame is the source of truth, and its stored start time is that
frame's own time, frame / video.fps, unrounded, at any frame rate."""

import importlib
import math

import pytest
from django.apps import apps
from django.db import connections
from rest_framework.test import APIClient

from annotations.models import Annotation, AnnotationType
from annotations.services import frame_rule
from tests.conftest import bearer
from tests.factories import make_user, make_video

pytestmark = pytest.mark.django_db(databases="__all__")

RATES = [25.0, 29.97, 60.0, 120.0]
LINE = {"tool_type": "line", "points": [[0.1, 0.2], [0.5, 0.6]]}


@pytest.mark.parametrize("fps", RATES)
def test_every_frame_start_gives_back_its_frame(fps):
    for frame in range(0, 20000, 7):
        assert frame_rule(frame / fps, fps) == (frame, frame / fps)


@pytest.mark.parametrize("fps", RATES)
def test_any_time_inside_a_frame_snaps_to_its_start(fps):
    for frame in (0, 1, 63, 299, 1799):
        start = frame / fps
        for inside in (start, start + 0.25 / fps, start + 0.5 / fps, start + 0.99 / fps):
            assert frame_rule(inside, fps) == (frame, start)


@pytest.mark.parametrize("fps", [*RATES, 59.94, 23.976])
def test_a_player_time_truncated_to_microseconds_keeps_its_frame(fps):
    """Players report whole microseconds: frame 1 at 29.97 fps (33366.67 us) arrives as
    0.033366 s and used to be saved one frame early."""
    for frame in range(0, 5000):
        truncated = math.floor(frame / fps * 1e6) / 1e6
        assert frame_rule(truncated, fps) == (frame, frame / fps)


def test_the_rounded_time_that_used_to_hide_a_drawing():
    # 2.116666 at 30 fps is frame 63 (2.1 s); the studio used to send 2.1167
    assert frame_rule(2.116666, 30.0) == (63, 2.1)
    assert frame_rule(2.1167, 30.0) == (63, 2.1)


def test_no_frame_rate_counts_at_30():
    assert frame_rule(1.0, None) == (30, 1.0)
    assert frame_rule(1.0, 0) == (30, 1.0)


def owner_and_video(fps):
    owner = make_user("owner", role="athlete")
    return owner, make_video(owner, duration=30.0, fps=fps, width=640, height=360)


@pytest.mark.parametrize("fps", RATES)
def test_create_and_update_store_the_frame_and_its_exact_time(fps):
    owner, video = owner_and_video(fps)
    client = bearer(APIClient(), owner)
    frame = 63
    sent = (frame + 0.5) / fps  # anywhere inside the frame: the player's time when paused
    body = {"video_id": str(video.pk), "timestamp": sent, "drawing_data": LINE}
    created = client.post("/api/v1/annotations/drawing", body, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["frame"] == frame
    assert created.json()["timestamp"] == frame / fps
    stored = Annotation.objects.get(pk=created.json()["id"])
    assert (stored.frame, stored.timestamp) == (frame, frame / fps)

    later = 701
    patched = client.patch(
        f"/api/v1/annotations/{stored.pk}", {"timestamp": later / fps}, format="json"
    )
    assert patched.status_code == 200, patched.json()
    stored.refresh_from_db()
    assert (stored.frame, stored.timestamp) == (later, later / fps)
    assert patched.json()["timestamp"] == later / fps


def test_snap_migration_moves_rounded_times_onto_their_frames():
    owner, video = owner_and_video(29.97)
    video_60 = make_video(
        make_user("other", role="athlete"), duration=30.0, fps=60.0, width=640, height=360
    )

    def raw(video, timestamp, frame):
        return Annotation.objects.create(
            video_id=video.pk,
            author_id=owner.pk,
            author_username=owner.username,
            type=AnnotationType.DRAWING,
            timestamp=timestamp,
            frame=frame,
            duration=3.0,
            drawing_data=LINE,
        )

    old = raw(video, round(63.5 / 29.97, 4), 63)  # what the studio used to send
    exact = raw(video_60, 90 / 60, 90)
    orphan = raw(make_video(owner, duration=5.0, fps=None), 1.51, 0)  # no rate known: 30

    migration = importlib.import_module("annotations.migrations.0002_snap_timestamps_to_frames")

    class Editor:
        connection = connections[Annotation.objects.db]

    migration.snap_to_frames(apps, Editor())
    for annotation in (old, exact, orphan):
        annotation.refresh_from_db()
    assert (old.frame, old.timestamp) == (63, 63 / 29.97)
    assert (exact.frame, exact.timestamp) == (90, 1.5)
    assert (orphan.frame, orphan.timestamp) == (45, 1.5)
    assert math.floor(old.timestamp * 29.97 + 1e-6) == old.frame


@pytest.mark.parametrize(
    ("fps", "rate"), [(29.97, "30000/1001"), (59.94, "60000/1001"), (25.0, "25")]
)
def test_renditions_are_made_at_the_frame_rate_frames_are_counted_at(fps, rate):
    from processing.ladder import frame_rate

    assert frame_rate(fps) == rate


def test_a_variable_frame_rate_source_gets_evenly_spaced_frames(tmp_path):
    """1 s at 30 fps then 1 s at 10 fps: the rendition's frames sit at k / video.fps (the fps
    filter of processing.ladder makes it so explicitly, whatever the muxer would do alone)."""
    import subprocess

    from django.core.files.storage import default_storage

    from processing import pipeline
    from tests.media import concat_clip
    from videos.models import ScanStatus, VideoStatus

    clip = concat_clip(
        tmp_path / "vfr.mkv", "testsrc2=s=320x240:r=30:d=1", "testsrc2=s=320x240:r=10:d=1", vfr=True
    )
    owner = make_user("owner", role="athlete")
    video = make_video(
        owner, status=VideoStatus.UPLOADED, content=clip.read_bytes(), scan_status=ScanStatus.CLEAN
    )
    pipeline.process_video(video_id=str(video.pk))
    video.refresh_from_db()
    assert video.status == VideoStatus.READY and video.fps
    rendition = video.renditions.order_by("height").first()
    assert rendition is not None
    argv = ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries"]
    argv += ["frame=pts_time", "-of", "csv=p=0", default_storage.path(rendition.file.name)]
    times = [
        float(line.strip(","))
        for line in subprocess.run(
            argv, check=True, capture_output=True, text=True, timeout=60
        ).stdout.split()
    ]
    assert len(times) > 20
    for index, time in enumerate(times):
        assert time == pytest.approx(times[0] + index / video.fps, abs=0.002), index
