"""clamd down: uploads are kept, `pending` (never clean); the worker's scan is retried as
transient trouble, and when clamd returns the video is scanned and processed."""

from pathlib import Path

import pytest

from processing import pipeline
from processing.jobs import TransientError
from processing.models import JobState, ProcessingJob
from tests.conftest import bearer
from tests.reliability.proxy import TcpProxy
from tests.videos.test_upload import upload
from videos.models import ScanStatus, Video, VideoStatus

pytestmark = pytest.mark.django_db(transaction=True)


def test_clamd_down_keeps_uploads_pending_and_scans_when_it_returns(
    api_client, athlete, clips, settings, clamd_address
):
    with TcpProxy(int(clamd_address.rsplit(":", 1)[1])) as clamd:
        settings.CLAMAV_ADDRESS = f"127.0.0.1:{clamd.port}"
        clamd.down()
        response = upload(bearer(api_client, athlete), Path(clips["landscape"]).read_bytes())
        assert response.status_code == 201
        assert response.json()["scan_status"] == "pending"
        video_id = response.json()["id"]

        with pytest.raises(TransientError):  # the actor retries it with backoff
            pipeline.process_video(video_id=video_id)
        video = Video.objects.get(pk=video_id)
        assert video.scan_status == ScanStatus.PENDING
        assert video.status not in (VideoStatus.READY, VideoStatus.FAILED, VideoStatus.REJECTED)
        assert ProcessingJob.objects.get(video=video).state == JobState.QUEUED

        clamd.up()
        pipeline.process_video(video_id=video_id)  # the retry
    video.refresh_from_db()
    assert (video.status, video.scan_status) == (VideoStatus.READY, ScanStatus.CLEAN)
    job = ProcessingJob.objects.get(video=video)
    # the outage was not a crash: the requeue gave its attempt back
    assert (job.state, job.attempts) == (JobState.SUCCEEDED, 1)
