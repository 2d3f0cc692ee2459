"""Writes to processing jobs: claim, heartbeat, finish, cancel. Conditional updates only."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from processing.models import JobState, ProcessingJob

ACTIVE = [JobState.QUEUED, JobState.RUNNING]


def jobs_cancel_for_video(*, video_id: uuid.UUID) -> int:
    """Mark the video's live jobs cancelled; a running actor sees it at its next heartbeat."""
    return ProcessingJob.objects.filter(video_id=video_id, state__in=ACTIVE).update(
        state=JobState.CANCELLED, finished_at=timezone.now()
    )


def jobs_watchdog() -> dict[str, int]:
    """Nothing stays `processing` forever: requeue or fail jobs whose worker stopped beating,
    and re-send videos that are mid-pipeline with no live job at all."""
    from videos.models import Video, VideoStatus
    from videos.services import send_processing

    stale = timezone.now() - timedelta(seconds=settings.PROCESSING_STALE_SECONDS)
    dead = ProcessingJob.objects.filter(state=JobState.RUNNING, heartbeat_at__lt=stale)
    counts = {"requeued": 0, "failed": 0, "resent": 0}
    for job in dead.select_related("video"):
        if job.attempts >= settings.PROCESSING_MAX_ATTEMPTS:
            ProcessingJob.objects.filter(pk=job.pk, state=JobState.RUNNING).update(
                state=JobState.FAILED,
                finished_at=timezone.now(),
                error_code="worker_crashed",
                error_message=f"The worker stopped {job.attempts} times without finishing.",
            )
            Video.objects.filter(pk=job.video_id, status__in=LIVE_VIDEO).update(
                status=VideoStatus.FAILED,
                status_code="worker_crashed",
                status_message="Processing kept stopping; try reprocessing, or contact staff.",
            )
            counts["failed"] += 1
        elif ProcessingJob.objects.filter(pk=job.pk, state=JobState.RUNNING).update(
            state=JobState.QUEUED
        ):
            send_processing(video_id=job.video_id)
            counts["requeued"] += 1
    orphaned = Video.objects.filter(status__in=LIVE_VIDEO[1:], updated_at__lt=stale).exclude(
        jobs__state__in=ACTIVE
    )
    for video_id in orphaned.values_list("pk", flat=True):
        counts["resent"] += send_processing(video_id=video_id)
    return counts


LIVE_VIDEO = ["uploaded", "scanning", "processing"]
