import pytest

from tests.factories import make_user, make_video
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
