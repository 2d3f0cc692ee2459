import pytest

from tests.factories import make_user, make_video

# The browser fixtures of the page tests (test_page.py): Chromium, the live app, signed-in pages.
from tests.pages.conftest import browser, live, open_page, page_errors  # noqa: F401
from videos.models import VideoShare


@pytest.fixture
def comparing(db):
    """An athlete's two ready videos (10 s at 30 fps, 4 s at 60 fps), both shared with two
    coaches (annotate, view), and people who see only one of them or none."""
    users = {
        "owner": make_user("owner", role="athlete"),
        "coach_a": make_user("coach_a", role="coach"),
        "coach_v": make_user("coach_v", role="coach"),
        "half": make_user("half", role="coach"),
        "stranger": make_user("stranger", role="coach"),
        "staff": make_user("mod", role="staff"),
    }
    left = make_video(
        users["owner"], title="This week", duration=10.0, fps=30.0, width=1280, height=720
    )
    right = make_video(
        users["owner"], title="Last month", duration=4.0, fps=60.0, width=1280, height=720
    )
    for video in (left, right):
        VideoShare.objects.create(video=video, user=users["coach_a"], permission="annotate")
        VideoShare.objects.create(video=video, user=users["coach_v"], permission="view")
    VideoShare.objects.create(video=left, user=users["half"], permission="annotate")
    return users, left, right
