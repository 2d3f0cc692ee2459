import pytest

from tests.factories import make_user, make_video
from tests.measure.motion import Motion, angle_paths, parabola, write_clip

# The browser fixtures, for the studio test (test_studio_measure.py).
from tests.pages.conftest import browser, live, open_page, page_errors, worker  # noqa: F401
from videos.models import VideoShare


@pytest.fixture
def coaching(db):
    """An athlete's ready 10 s 1280x720 video at 30 fps, shared with two coaches."""
    users = {
        "owner": make_user("owner", role="athlete"),
        "annotating_coach": make_user("coach_a", role="coach"),
        "viewing_coach": make_user("coach_v", role="coach"),
        "stranger": make_user("stranger", role="coach"),
        "staff": make_user("mod", role="staff"),
    }
    video = make_video(users["owner"], duration=10.0, fps=30.0, width=1280, height=720)
    VideoShare.objects.create(video=video, user=users["annotating_coach"], permission="annotate")
    VideoShare.objects.create(video=video, user=users["viewing_coach"], permission="view")
    return users, video


W, H, FPS, SECONDS = 320, 240, 30, 2.0


@pytest.fixture(scope="session")
def motion_clips(tmp_path_factory):
    folder = tmp_path_factory.mktemp("motion")
    thrown = Motion(W, H, FPS, SECONDS, [parabola(W, H, SECONDS)], radius=22)

    def leaving(t: float) -> tuple[float, float]:  # crosses the right edge at about 1.2 s
        return W * (0.55 + 0.5 * t / SECONDS * 1.6), H * 0.5

    gone = Motion(W, H, FPS, SECONDS, [leaving], radius=22)
    knee = Motion(W, H, FPS, SECONDS, angle_paths(W, H, SECONDS), radius=16)
    return {
        "thrown": (write_clip(folder / "thrown.mp4", thrown), thrown),
        "leaving": (write_clip(folder / "leaving.mp4", gone), gone),
        "knee": (write_clip(folder / "knee.mp4", knee), knee),
    }
