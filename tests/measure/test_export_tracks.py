"""Tracked points burned into exported MP4s frame by frame, read back with OpenCV."""

import numpy as np
import pytest
from django.core.files.storage import default_storage
from rest_framework.test import APIClient

from processing import tracking
from processing.models import ProcessingJob
from tests.conftest import bearer
from tests.factories import make_user, ready_video
from tests.measure.test_tracking import FPS, H, W, create_track, normalised, setup_video
from tests.processing.test_export import FPS as EXPORT_FPS
from tests.processing.test_export import export, frames, grey_clip

pytestmark = pytest.mark.django_db(databases="__all__")
GREEN = "#00FF00"  # nothing in the generated clips is green


def green_pixels(frame: np.ndarray) -> np.ndarray:
    blue, green, red = (frame[..., channel].astype(int) for channel in range(3))
    ys, xs = np.nonzero((green > 170) & (red < 110) & (blue < 110))
    return np.stack([xs, ys], axis=1) if len(xs) else np.zeros((0, 2))


def test_a_trajectory_follows_the_point_in_the_export(motion_clips):
    clip, motion = motion_clips["thrown"]
    owner, video = setup_video(clip)
    client = bearer(APIClient(), owner)
    start = normalised(motion.truth(0)[0])
    body = create_track(client, video, [start], duration=1.5, color=GREEN, width=6).json()
    tracking.run_tracking(annotation_id=body["id"])

    done = export(client, video)
    assert done["state"] == "succeeded", done
    exported = frames(default_storage.path(ProcessingJob.objects.get(pk=done["id"]).output))
    for index in (5, 20, 40):  # the current point is drawn where the disc is, in every frame
        marks = green_pixels(exported[index])
        assert len(marks), index
        truth = np.array(motion.truth(index)[0])
        nearest = np.min(np.hypot(*(marks - truth).T))
        assert nearest < 6, (index, nearest)
        # The path is behind the point, never ahead of it: the marks end at the current point.
        ahead = np.array(motion.truth(min(index + 12, 59))[0])
        assert np.min(np.hypot(*(marks - ahead).T)) > 4, index
    assert not len(green_pixels(exported[round(1.6 * FPS)]))  # gone after its window
    assert W, H  # the clip's size, as the truth's pixels


def test_a_timer_counts_in_the_export(tmp_path):
    owner = make_user("athlete", role="athlete")
    video = ready_video(owner, grey_clip(tmp_path, audio=False))  # flat grey: only drawings change
    client = bearer(APIClient(), owner)
    timer = {"tool_type": "timer", "points": [[0.1, 0.1]], "color": GREEN, "width": 3}
    response = client.post(
        "/api/v1/annotations/drawing",
        {"video_id": str(video.pk), "timestamp": 0.5, "duration": 1.0, "drawing_data": timer},
        format="json",
    )
    assert response.status_code == 201, response.json()
    done = export(client, video)
    exported = frames(default_storage.path(ProcessingJob.objects.get(pk=done["id"]).output))
    rate = EXPORT_FPS

    def label(index: int) -> np.ndarray:  # where the timer's text sits (top left)
        return exported[index][20:60, 28:140].astype(int)

    times = (0.3, 0.6, 1.44, 1.6, 3.7)  # hidden again 2 s (the hold) after its end at 1.5 s
    before, early, late, frozen, after = (label(round(t * rate)) for t in times)
    assert np.abs(before - 128).max() < 12 and np.abs(after - 128).max() < 12  # not shown
    assert np.abs(early - 128).max() > 60  # drawn
    assert np.abs(early - late).max() > 20  # and counting: "0.12 s" became "0.96 s" (tiny at 240p)
    assert np.abs(frozen - 128).max() > 60  # still shown after its end (the hold), at "1.00 s"
