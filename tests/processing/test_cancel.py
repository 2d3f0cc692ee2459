import time

import psutil
import pytest

from processing import pipeline
from tests.factories import make_video, stored_files
from tests.media import make_clip
from tests.services import db_thread
from videos.models import ScanStatus, Video, VideoStatus
from videos.services import video_delete


def ffmpeg_children() -> list[psutil.Process]:
    """This test's own ffmpeg processes (others may run on the machine meanwhile)."""
    mine = psutil.Process().children(recursive=True)
    return [process for process in mine if process.name() == "ffmpeg" and process.is_running()]


@pytest.mark.django_db(transaction=True)
def test_delete_while_processing_stops_ffmpeg_and_leaves_nothing(athlete, tmp_path, settings):
    settings.VIDEO_LADDER = "hd:720:3000:120,sd:480:1500:60,mobile:240:500:30"
    clip = make_clip(tmp_path / "long.mp4", seconds=40, size="1280x720")
    video = make_video(
        athlete,
        status=VideoStatus.UPLOADED,
        content=clip.read_bytes(),
        scan_status=ScanStatus.CLEAN,
    )
    worker = db_thread(pipeline.process_video, video_id=str(video.pk))
    worker.start()
    deadline = time.monotonic() + 60
    while not ffmpeg_children():  # the transcode: the pipeline's one ffmpeg
        assert time.monotonic() < deadline, "transcoding never started"
        time.sleep(0.05)
    video_delete(video=Video.objects.get(pk=video.pk))
    worker.join(timeout=30)
    assert not worker.is_alive()
    assert ffmpeg_children() == []
    assert not Video.objects.filter(pk=video.pk).exists()
    assert stored_files(f"videos/{video.pk}/") == []
