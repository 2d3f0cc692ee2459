from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from processing import pipeline
from processing.models import JobState, ProcessingJob
from tests.factories import make_video
from tests.media import make_clip
from videos.models import ScanStatus, Video, VideoStatus

pytestmark = pytest.mark.django_db


def stale_time(settings):
    return timezone.now() - timedelta(seconds=settings.PROCESSING_STALE_SECONDS + 5)


def test_dead_job_is_requeued_then_failed_after_max_attempts(athlete, settings):
    video = make_video(athlete, status=VideoStatus.PROCESSING)
    job = ProcessingJob.objects.create(
        video=video, state=JobState.RUNNING, attempts=1, heartbeat_at=stale_time(settings)
    )
    call_command("processing_watchdog")
    job.refresh_from_db()
    assert job.state == JobState.QUEUED
    video.refresh_from_db()
    assert video.enqueued_at is not None  # a message went to the real broker

    ProcessingJob.objects.filter(pk=job.pk).update(
        state=JobState.RUNNING,
        attempts=settings.PROCESSING_MAX_ATTEMPTS,
        heartbeat_at=stale_time(settings),
    )
    call_command("processing_watchdog")
    job.refresh_from_db()
    video.refresh_from_db()
    assert (job.state, job.error_code) == (JobState.FAILED, "worker_crashed")
    assert (video.status, video.status_code) == (VideoStatus.FAILED, "worker_crashed")


def test_live_job_is_left_alone(athlete):
    video = make_video(athlete, status=VideoStatus.PROCESSING)
    job = ProcessingJob.objects.create(
        video=video, state=JobState.RUNNING, attempts=1, heartbeat_at=timezone.now()
    )
    call_command("processing_watchdog")
    job.refresh_from_db()
    assert job.state == JobState.RUNNING


def test_a_second_delivery_does_not_run_a_live_job_twice(athlete, tmp_path):
    video = make_video(
        athlete,
        status=VideoStatus.PROCESSING,
        scan_status=ScanStatus.CLEAN,
        content=make_clip(tmp_path / "a.mp4").read_bytes(),
    )
    ProcessingJob.objects.create(
        video=video, state=JobState.RUNNING, attempts=1, heartbeat_at=timezone.now()
    )
    pipeline.process_video(video_id=str(video.pk))
    assert ProcessingJob.objects.get(video=video).attempts == 1
    assert Video.objects.get(pk=video.pk).status == VideoStatus.PROCESSING


def test_orphaned_video_is_resent(athlete, settings):
    video = make_video(athlete, status=VideoStatus.PROCESSING)
    Video.objects.filter(pk=video.pk).update(updated_at=stale_time(settings))
    call_command("processing_watchdog")
    video.refresh_from_db()
    assert video.enqueued_at is not None
