import pytest

from tests.factories import make_user, make_video
from videos.models import VideoShare


@pytest.fixture
def coaching(db):
    """A coach's ready 10 s video at 30 fps, shared to annotate with a second coach and to view
    with an athlete; a stranger (a coach) and staff besides."""
    users = {
        "owner": make_user("coach_o", role="coach"),
        "coach": make_user("coach_a", role="coach"),
        "athlete": make_user("ath", role="athlete"),
        "stranger": make_user("stranger", role="coach"),
        "staff": make_user("mod", role="staff"),
    }
    video = make_video(users["owner"], duration=10.0, fps=30.0, width=1280, height=720)
    VideoShare.objects.create(video=video, user=users["coach"], permission="annotate")
    VideoShare.objects.create(video=video, user=users["athlete"], permission="view")
    return users, video
