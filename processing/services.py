"""Writes to processing jobs: claim, heartbeat, finish, cancel. Conditional updates only."""

import uuid

from django.utils import timezone

from processing.models import JobState, ProcessingJob

ACTIVE = [JobState.QUEUED, JobState.RUNNING]


def jobs_cancel_for_video(*, video_id: uuid.UUID) -> int:
    """Mark the video's live jobs cancelled; a running actor sees it at its next heartbeat."""
    return ProcessingJob.objects.filter(video_id=video_id, state__in=ACTIVE).update(
        state=JobState.CANCELLED, finished_at=timezone.now()
    )


def job_is_cancelled(*, job_id: uuid.UUID) -> bool:
    state = ProcessingJob.objects.filter(pk=job_id).values_list("state", flat=True).first()
    return state in (None, JobState.CANCELLED)
