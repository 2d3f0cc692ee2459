"""Writes to processing jobs: claim, heartbeat, finish, cancel. Conditional updates only."""

import logging
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from processing.models import JobKind, JobState, ProcessingJob

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from accounts.models import User
    from videos.models import Video

logger = logging.getLogger(__name__)

ACTIVE = [JobState.QUEUED, JobState.RUNNING]


def jobs_claim(job: ProcessingJob) -> bool:
    """Claim a queued job, or a running one whose worker stopped beating (and count the attempt);
    never run a job twice at once when a message is delivered again while its first worker
    still works. Refreshes `job` when claimed."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.PROCESSING_STALE_SECONDS)
    dead = Q(heartbeat_at__lt=stale) | Q(heartbeat_at__isnull=True)
    claimable = Q(state=JobState.QUEUED) | (Q(state=JobState.RUNNING) & dead)
    claimed = ProcessingJob.objects.filter(claimable, pk=job.pk).update(
        attempts=F("attempts") + 1, state=JobState.RUNNING, started_at=now, heartbeat_at=now
    )
    if claimed:
        job.refresh_from_db()
    return bool(claimed)


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
            if job.kind == JobKind.TRANSCODE:  # a failed export leaves its video as it was
                Video.objects.filter(pk=job.video_id, status__in=LIVE_VIDEO).update(
                    status=VideoStatus.FAILED,
                    status_code="worker_crashed",
                    status_message="Processing kept stopping; try reprocessing, or contact staff.",
                )
            counts["failed"] += 1
        elif ProcessingJob.objects.filter(pk=job.pk, state=JobState.RUNNING).update(
            state=JobState.QUEUED
        ):
            if job.kind == JobKind.EXPORT:
                export_send(job_id=job.pk)
            else:
                send_processing(video_id=job.video_id)
            counts["requeued"] += 1
    orphaned = Video.objects.filter(status__in=LIVE_VIDEO[1:], updated_at__lt=stale).exclude(
        jobs__in=ProcessingJob.objects.filter(kind=JobKind.TRANSCODE, state__in=ACTIVE)
    )
    for video_id in orphaned.values_list("pk", flat=True):
        counts["resent"] += send_processing(video_id=video_id)
    return counts


LIVE_VIDEO = ["uploaded", "scanning", "processing"]


# --- Exports: the coached video as one MP4 (drawings burned in, voice-overs mixed) ---------------


def export_request(
    *,
    user: "User",
    video: "Video",
    quality: str,
    include_drawings: bool = True,
    include_voice_overs: bool = True,
) -> ProcessingJob:
    """Queue an export of a ready video at one of its renditions' qualities."""
    from django.db import transaction

    from config.errors import Conflict, RateLimited, Unprocessable
    from videos.models import VideoStatus

    if video.status != VideoStatus.READY:
        raise Conflict("The video is not ready yet; export it once processing has finished.")
    available = sorted(video.renditions.values_list("quality", flat=True))
    if quality not in available:
        raise Unprocessable(
            f"This video has no {quality} rendition; choose one of: {', '.join(available)}.",
            code="quality_unavailable",
        )
    active = ProcessingJob.objects.filter(
        kind=JobKind.EXPORT, requested_by=user, state__in=ACTIVE
    ).count()
    if active >= settings.EXPORT_MAX_ACTIVE_PER_USER:
        raise RateLimited(
            60,
            f"You have {active} exports in progress; wait for one to finish before asking again.",
        )
    job = ProcessingJob.objects.create(
        video=video,
        kind=JobKind.EXPORT,
        requested_by=user,
        options={
            "quality": quality,
            "include_drawings": include_drawings,
            "include_voice_overs": include_voice_overs,
        },
    )
    transaction.on_commit(lambda: export_send(job_id=job.pk))
    return job


def export_send(*, job_id: uuid.UUID) -> bool:
    from processing.actors import export_video

    try:
        export_video.send(str(job_id))
    except Exception:  # the broker's errors vary by transport
        logger.warning("could not enqueue an export", exc_info=True, extra={"job_id": str(job_id)})
        ProcessingJob.objects.filter(pk=job_id, state=JobState.QUEUED).update(
            state=JobState.FAILED,
            finished_at=timezone.now(),
            error_code="queue_unavailable",
            error_message="The job queue could not be reached; ask for the export again.",
        )
        return False
    return True


def exports_for_video(*, video: "Video") -> "QuerySet[ProcessingJob]":
    return ProcessingJob.objects.filter(video=video, kind=JobKind.EXPORT).order_by("-created_at")


def export_retry(*, job: ProcessingJob) -> bool:
    """Queue a failed export again (staff, from the admin)."""
    requeued = ProcessingJob.objects.filter(
        pk=job.pk, kind=JobKind.EXPORT, state=JobState.FAILED
    ).update(state=JobState.QUEUED, attempts=0, progress=0, error_code="", error_message="")
    return bool(requeued) and export_send(job_id=job.pk)
