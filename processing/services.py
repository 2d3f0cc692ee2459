"""Processing's public entry points (what other apps may call) and the periodic watchdog.

Enqueue work, cancel it, request and retry exports. Every write to a ProcessingJob row is here
or in processing.jobs; conditional updates only.
"""

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from annotations.models import Annotation
from annotations.services import tracking_record_failed, voice_over_mark_failed
from config.errors import Conflict, RateLimited, Unprocessable
from processing.errors import ProcessingErrorCode
from processing.jobs import ACTIVE, job_live_or_create
from processing.models import JobKind, JobState, ProcessingJob
from videos.models import IN_FLIGHT_STATUSES, Comparison, Video, VideoStatus
from videos.services import send_processing, video_mark_failed

logger = logging.getLogger(__name__)

# The actors (processing.actors) are imported where they are sent, not at the top: declaring
# them needs the broker django_dramatiq sets up when apps are ready, and admin autodiscovery
# (the first app's ready) imports this module earlier.


def processing_send(*, video_id: uuid.UUID | str) -> bool:
    """Send the processing message for a video; False when the broker cannot be reached."""
    from processing.actors import process_video  # see above: the broker exists once apps are ready

    try:
        process_video.send(str(video_id))
    except Exception:  # the broker's errors vary by transport; the sweeper retries
        logger.warning(
            "could not enqueue processing; the sweeper will",
            exc_info=True,
            extra={"video_id": str(video_id)},
        )
        return False
    return True


def jobs_cancel_for_video(*, video_id: uuid.UUID) -> int:
    """Mark the video's live jobs cancelled; a running actor sees it at its next heartbeat."""
    return ProcessingJob.objects.filter(video_id=video_id, state__in=ACTIVE).update(
        state=JobState.CANCELLED, finished_at=timezone.now()
    )


def jobs_cancel_for_comparison(*, comparison_id: uuid.UUID) -> int:
    """Mark the comparison's live exports cancelled (it is being deleted)."""
    return ProcessingJob.objects.filter(
        kind=JobKind.COMPARE_EXPORT, options__comparison_id=str(comparison_id), state__in=ACTIVE
    ).update(state=JobState.CANCELLED, finished_at=timezone.now())


# --- Voice-overs --------------------------------------------------------------------------------


def voice_over_enqueue(*, annotation_id: uuid.UUID | str) -> ProcessingJob | None:
    """Create the recording's job row and send it to a worker; None when the annotation or its
    video is gone. If the broker is down the job stays queued."""
    annotation = Annotation.objects.filter(pk=annotation_id).first()
    if annotation is None or not Video.objects.filter(pk=annotation.video_id).exists():
        return None
    job = job_live_or_create(
        video_id=annotation.video_id,
        kind=JobKind.VOICE_OVER,
        options={"annotation_id": str(annotation.pk)},
    )
    voice_over_send(job=job)
    return job


def voice_over_send(*, job: ProcessingJob) -> bool:
    from processing.actors import process_voice_over  # see above

    try:
        process_voice_over.send(str(job.options["annotation_id"]))
    except Exception:  # the broker's errors vary; the job stays queued
        logger.warning("could not enqueue a voice-over", exc_info=True)
        return False
    return True


# --- Tracking ------------------------------------------------------------------------------------


def track_enqueue(*, annotation_id: uuid.UUID | str) -> ProcessingJob | None:
    """Create the job of the annotation's current tracking revision and send it; earlier
    revisions' live jobs are cancelled (their worker stops at its next heartbeat). None when the
    annotation, its tracking or its video is gone."""
    from processing.tracking import track_job  # imports annotations.services, which imports us

    annotation = Annotation.objects.filter(pk=annotation_id).first()
    if annotation is None or annotation.tracking is None:
        return None
    if not Video.objects.filter(pk=annotation.video_id).exists():
        return None
    revision = int(annotation.tracking.get("revision", 0))
    ProcessingJob.objects.filter(
        kind=JobKind.TRACK, state__in=ACTIVE, options__annotation_id=str(annotation.pk)
    ).exclude(options__revision=revision).update(
        state=JobState.CANCELLED, finished_at=timezone.now()
    )
    job = track_job(annotation)
    track_send(job=job)
    return job


def track_send(*, job: ProcessingJob) -> bool:
    from processing.actors import track_annotation  # see above

    try:
        track_annotation.send(str(job.options["annotation_id"]))
    except Exception:  # the broker's errors vary; the job stays queued for the watchdog
        logger.warning("could not enqueue tracking", exc_info=True)
        return False
    return True


# --- The watchdog -------------------------------------------------------------------------------


def jobs_watchdog() -> dict[str, int]:
    """Nothing stays `processing` forever: requeue or fail jobs whose worker stopped beating,
    and re-send videos that are mid-pipeline with no live job at all."""
    stale = timezone.now() - timedelta(seconds=settings.PROCESSING_STALE_SECONDS)
    dead = ProcessingJob.objects.filter(state=JobState.RUNNING, heartbeat_at__lt=stale)
    counts = {"requeued": 0, "failed": 0, "resent": 0}
    for job in dead.select_related("video"):
        if job.attempts >= settings.PROCESSING_MAX_ATTEMPTS:
            counts["failed"] += _fail_crashed(job)
        elif ProcessingJob.objects.filter(pk=job.pk, state=JobState.RUNNING).update(
            state=JobState.QUEUED
        ):
            _resend(job)
            counts["requeued"] += 1
    counts["resent"] += _resend_lost_messages()
    orphaned = Video.objects.filter(
        status__in=[status for status in IN_FLIGHT_STATUSES if status != VideoStatus.UPLOADED],
        updated_at__lt=stale,
    ).exclude(jobs__in=ProcessingJob.objects.filter(kind=JobKind.TRANSCODE, state__in=ACTIVE))
    for video_id in orphaned.values_list("pk", flat=True):
        counts["resent"] += send_processing(video_id=video_id)
    return counts


def _resend_lost_messages() -> int:
    """Messages lost with a broker restart, a killed worker process or spent retries: jobs queued
    again after transient trouble and not taken since, and uploaded videos whose message went
    out long ago with no job since. A second copy is harmless (the claim is conditional), and
    each is sent again at most once per LOST_MESSAGE_SECONDS (the send records the time)."""
    waiting = timezone.now() - timedelta(seconds=settings.LOST_MESSAGE_SECONDS)
    resent = 0
    for job in ProcessingJob.objects.filter(
        state=JobState.QUEUED, error_code=ProcessingErrorCode.TRANSIENT, heartbeat_at__lt=waiting
    ):
        if ProcessingJob.objects.filter(pk=job.pk, state=JobState.QUEUED).update(
            heartbeat_at=timezone.now()
        ):
            _resend(job)
            resent += 1
    lost = Video.objects.filter(status=VideoStatus.UPLOADED, enqueued_at__lt=waiting).exclude(
        jobs__in=ProcessingJob.objects.filter(kind=JobKind.TRANSCODE, state__in=ACTIVE)
    )
    for video_id in lost.values_list("pk", flat=True):
        resent += send_processing(video_id=video_id)
    return resent


def _fail_crashed(job: ProcessingJob) -> int:
    ProcessingJob.objects.filter(pk=job.pk, state=JobState.RUNNING).update(
        state=JobState.FAILED,
        finished_at=timezone.now(),
        error_code=ProcessingErrorCode.WORKER_CRASHED,
        error_message=f"The worker stopped {job.attempts} times without finishing.",
    )
    if job.kind == JobKind.TRANSCODE:  # a failed export leaves its video as it was
        video_mark_failed(
            video_id=job.video_id,
            code=ProcessingErrorCode.WORKER_CRASHED,
            message="Processing kept stopping; try reprocessing, or contact staff.",
        )
    elif job.kind == JobKind.VOICE_OVER:
        voice_over_mark_failed(
            annotation_id=job.options["annotation_id"],
            message="Processing the recording kept stopping; record it again.",
        )
    elif job.kind == JobKind.TRACK:
        tracking_record_failed(
            annotation_id=job.options["annotation_id"],
            revision=int(job.options.get("revision", 0)),
            message="Tracking kept stopping; correct the point to try again.",
        )
    return 1


def _resend(job: ProcessingJob) -> None:
    if job.kind == JobKind.EXPORT:
        export_send(job_id=job.pk)
    elif job.kind == JobKind.COMPARE_EXPORT:
        compare_export_send(job_id=job.pk)
    elif job.kind == JobKind.VOICE_OVER:
        voice_over_send(job=job)
    elif job.kind == JobKind.TRACK:
        track_send(job=job)
    else:
        send_processing(video_id=job.video_id)


# --- Exports: the coached video as one MP4 (drawings burned in, voice-overs mixed) ---------------


def export_request(
    *,
    user: User,
    video: Video,
    quality: str,
    include_drawings: bool = True,
    include_voice_overs: bool = True,
) -> ProcessingJob:
    """Queue an export of a ready video at one of its renditions' qualities."""
    if video.status != VideoStatus.READY:
        raise Conflict("The video is not ready yet; export it once processing has finished.")
    available = sorted(video.renditions.values_list("quality", flat=True))
    if quality not in available:
        raise Unprocessable(
            f"This video has no {quality} rendition; choose one of: {', '.join(available)}.",
            code=ProcessingErrorCode.QUALITY_UNAVAILABLE,
        )
    _check_export_quota(user)
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


def _check_export_quota(user: User) -> None:
    active = ProcessingJob.objects.filter(
        kind__in=[JobKind.EXPORT, JobKind.COMPARE_EXPORT], requested_by=user, state__in=ACTIVE
    ).count()
    if active >= settings.EXPORT_MAX_ACTIVE_PER_USER:
        raise RateLimited(
            60,
            f"You have {active} exports in progress; wait for one to finish before asking again.",
        )


def export_send(*, job_id: uuid.UUID) -> bool:
    from processing.actors import export_video  # see above

    try:
        export_video.send(str(job_id))
    except Exception:  # the broker's errors vary by transport
        logger.warning("could not enqueue an export", exc_info=True, extra={"job_id": str(job_id)})
        ProcessingJob.objects.filter(pk=job_id, state=JobState.QUEUED).update(
            state=JobState.FAILED,
            finished_at=timezone.now(),
            error_code=ProcessingErrorCode.QUEUE_UNAVAILABLE,
            error_message="The job queue could not be reached; ask for the export again.",
        )
        return False
    return True


def exports_for_video(*, video: Video) -> QuerySet[ProcessingJob]:
    return ProcessingJob.objects.filter(video=video, kind=JobKind.EXPORT).order_by("-created_at")


def export_retry(*, job: ProcessingJob) -> bool:
    """Queue a failed export again (staff, from the admin)."""
    requeued = ProcessingJob.objects.filter(
        pk=job.pk, kind=JobKind.EXPORT, state=JobState.FAILED
    ).update(state=JobState.QUEUED, attempts=0, progress=0, error_code="", error_message="")
    return bool(requeued) and export_send(job_id=job.pk)


# --- Comparison exports: two videos in one picture ---------------------------------------------


def compare_export_request(
    *,
    user: User,
    comparison: Comparison,
    quality: str,
    include_drawings: bool = True,
    include_voice_overs: bool = False,
    include_video_drawings: bool = False,
    audio: str = "mix",
) -> ProcessingJob:
    """Queue an export of a comparison; each side uses its rendition of `quality` (or the
    nearest it has). The job hangs on the left video (a job row needs one); deleting either
    video deletes the comparison, which cancels it."""
    for video in (comparison.left_video, comparison.right_video):
        if video.status != VideoStatus.READY:
            raise Conflict("A video of this comparison is being processed; export it later.")
        if not video.renditions.exists():
            raise Unprocessable(
                "A video of this comparison has no rendition to export.",
                code=ProcessingErrorCode.QUALITY_UNAVAILABLE,
            )
    _check_export_quota(user)
    job = ProcessingJob.objects.create(
        video=comparison.left_video,
        kind=JobKind.COMPARE_EXPORT,
        requested_by=user,
        options={
            "comparison_id": str(comparison.pk),
            "quality": quality,
            "include_drawings": include_drawings,
            "include_voice_overs": include_voice_overs,
            "include_video_drawings": include_video_drawings,
            "audio": audio,
        },
    )
    transaction.on_commit(lambda: compare_export_send(job_id=job.pk))
    return job


def compare_export_send(*, job_id: uuid.UUID) -> bool:
    from processing.actors import export_comparison  # see above

    try:
        export_comparison.send(str(job_id))
    except Exception:  # the broker's errors vary by transport
        logger.warning(
            "could not enqueue a comparison export", exc_info=True, extra={"job_id": str(job_id)}
        )
        ProcessingJob.objects.filter(pk=job_id, state=JobState.QUEUED).update(
            state=JobState.FAILED,
            finished_at=timezone.now(),
            error_code=ProcessingErrorCode.QUEUE_UNAVAILABLE,
            error_message="The job queue could not be reached; ask for the export again.",
        )
        return False
    return True


def exports_for_comparison(*, comparison: Comparison) -> QuerySet[ProcessingJob]:
    return ProcessingJob.objects.filter(
        kind=JobKind.COMPARE_EXPORT, options__comparison_id=str(comparison.pk)
    ).order_by("-created_at")
