"""What goes through a real broker and worker, on Redis (the default) and on RabbitMQ
(BROKER_URL=amqp://...): a video processed, a job whose worker died reclaimed by the watchdog,
an export. The worker is Dramatiq's own, in this process, on the test database."""

import contextlib
from collections.abc import Iterator
from datetime import timedelta

import dramatiq
import pytest
from django.utils import timezone
from prometheus_client import REGISTRY

from processing.models import JobKind, JobState, ProcessingJob
from processing.services import export_request, jobs_watchdog
from tests.factories import make_video, ready_video
from tests.media import make_clip
from tests.reliability.stack import wait_for
from tests.reliability.test_rabbitmq import rabbitmq_broker, vhost_url  # noqa: F401
from videos.models import ScanStatus, Video, VideoStatus
from videos.services import send_processing

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture(params=["redis", "rabbitmq"])
def broker(request) -> Iterator[dramatiq.Broker]:
    if request.param == "rabbitmq":
        yield request.getfixturevalue("rabbitmq_broker")
        return
    redis = dramatiq.get_broker()
    redis.flush_all()  # no message of an earlier test reaches this test's worker
    yield redis
    redis.flush_all()


@contextlib.contextmanager
def worker_on(broker: dramatiq.Broker) -> Iterator[None]:
    worker = dramatiq.Worker(broker, worker_threads=1)
    worker.start()
    try:
        yield
    finally:
        worker.stop()


def uploaded(owner, clip, **fields) -> Video:
    fields = {"status": VideoStatus.UPLOADED, **fields}
    return make_video(owner, content=clip.read_bytes(), scan_status=ScanStatus.CLEAN, **fields)


def settled(video: Video) -> Video:
    """The video once it is no longer on its way (ready or failed)."""
    in_flight = (VideoStatus.UPLOADED, VideoStatus.PROCESSING)
    wait_for(lambda: Video.objects.get(pk=video.pk).status not in in_flight, 120, "the video's job")
    video.refresh_from_db()
    return video


def queue_waits() -> float:
    """How many messages the worker's middleware saw taken, with their wait (metrics)."""
    count = REGISTRY.get_sample_value(
        "processing_queue_wait_seconds_count", {"queue": "processing"}
    )
    return count or 0.0


def test_a_video_is_processed_through_the_broker(broker, athlete, tmp_path):
    video = uploaded(athlete, make_clip(tmp_path / "clip.mp4", seconds=2))
    assert send_processing(video_id=video.pk)
    waits = queue_waits()
    with worker_on(broker):
        video = settled(video)
    assert video.status == VideoStatus.READY, video.status_message
    assert queue_waits() == waits + 1  # the message's wait for a worker was measured
    job = ProcessingJob.objects.get(video=video)
    assert (job.kind, job.state, job.attempts) == (JobKind.TRANSCODE, JobState.SUCCEEDED, 1)
    assert video.renditions.count() == 2  # the test ladder on a 320x240 clip


def test_the_watchdog_reclaims_a_job_whose_worker_died(broker, athlete, tmp_path):
    clip = make_clip(tmp_path / "clip.mp4", seconds=2)
    video = uploaded(athlete, clip, status=VideoStatus.PROCESSING)
    job = ProcessingJob.objects.create(
        video=video,
        state=JobState.RUNNING,
        step="transcode",
        attempts=1,
        heartbeat_at=timezone.now() - timedelta(days=1),  # its worker is long gone
    )
    assert jobs_watchdog()["requeued"] == 1
    with worker_on(broker):
        video = settled(video)
    assert video.status == VideoStatus.READY, video.status_message
    job.refresh_from_db()
    assert (job.state, job.attempts) == (JobState.SUCCEEDED, 2)
    assert ProcessingJob.objects.filter(video=video).count() == 1


def test_an_export_is_made_through_the_broker(broker, athlete, tmp_path):
    video = ready_video(athlete, make_clip(tmp_path / "clip.mp4", seconds=2))
    job = export_request(user=athlete, video=video, quality="sd")
    with worker_on(broker):
        wait_for(
            lambda: (
                ProcessingJob.objects.get(pk=job.pk).state
                not in (JobState.QUEUED, JobState.RUNNING)
            ),
            120,
            "the export",
        )
    job.refresh_from_db()
    assert (job.state, job.attempts) == (JobState.SUCCEEDED, 1), job.error_message
    assert job.output and job.output_size > 0
