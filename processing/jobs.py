"""The job protocol: claim, heartbeat, step, cancel, finish, shared by every kind of job.

`job_run` is the one frame a worker runs a job in: the pipeline, exports and voice-overs alike.
Every write of a ProcessingJob row outside processing.services is here; all are conditional
updates, so a redelivered message, the watchdog and a cancelling delete never overwrite each
other's decisions.
"""

import errno
import logging
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.db.models import F, Q
from django.db.models.functions import Greatest
from django.utils import timezone

from config.logging import bind_log_context, log_context
from processing import clamav, metrics
from processing.errors import ProcessingErrorCode
from processing.ffmpeg import DISK_FULL_MESSAGE, MediaError
from processing.models import JobKind, JobState, ProcessingJob
from processing.workdirs import workdir_create

logger = logging.getLogger(__name__)

ACTIVE = [JobState.QUEUED, JobState.RUNNING]
# An S3 (django-storages) outage or refusal: botocore's errors are not OSErrors.
STORAGE_ERRORS = (BotoCoreError, ClientError)


class JobCancelled(Exception):
    """The job's row says cancelled (or is gone): stop, clean up, record nothing."""


class TransientError(Exception):
    """Storage or scanner trouble: the actor retries with backoff."""


# --- Rows -------------------------------------------------------------------------------------


def job_live_or_create(
    *, video_id: uuid.UUID | str, kind: JobKind, options: dict[str, Any] | None = None
) -> ProcessingJob:
    """The live job of this kind (a redelivery after a crash finds it) or a new one; `options`
    must match too, so two voice-overs of one video are two jobs."""
    live = ProcessingJob.objects.filter(video_id=video_id, kind=kind, state__in=ACTIVE)
    for key, value in (options or {}).items():
        live = live.filter(**{f"options__{key}": value})
    return live.order_by("-created_at").first() or ProcessingJob.objects.create(
        video_id=video_id, kind=kind, options=options or {}
    )


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


def job_cancelled(job: ProcessingJob) -> bool:
    state = ProcessingJob.objects.filter(pk=job.pk).values_list("state", flat=True).first()
    return state in (None, JobState.CANCELLED)


def set_step(job: ProcessingJob, step: str) -> None:
    """Record the step (and a heartbeat); stop here if the job was cancelled."""
    if job_cancelled(job):
        raise JobCancelled
    ProcessingJob.objects.filter(pk=job.pk).update(step=step, heartbeat_at=timezone.now())
    logger.info("processing step", extra={"step": step, "job_id": str(job.pk)})


def job_heartbeat(job_id: uuid.UUID | str, *, progress: int) -> bool:
    """Beat and record progress; False when the job is no longer running (cancelled)."""
    return bool(
        ProcessingJob.objects.filter(pk=job_id, state=JobState.RUNNING).update(
            heartbeat_at=timezone.now(), progress=progress
        )
    )


def job_finish(
    job: ProcessingJob,
    state: JobState,
    *,
    code: str = "",
    message: str = "",
    log_tail: str = "",
    **result: Any,
) -> bool:
    """End a live job (`result`: an export's output, output_size, progress); False when it had
    ended already (cancelled while finishing, or a second delivery's duplicate)."""
    ended = ProcessingJob.objects.filter(pk=job.pk, state__in=ACTIVE).update(
        state=state,
        finished_at=timezone.now(),
        error_code=code,
        error_message=message[:500],
        log_tail=log_tail[-8000:],
        **result,
    )
    if ended and state == JobState.FAILED:
        metrics.FAILURES.labels(code=code or "unknown").inc()
    return bool(ended)


def job_requeue(job: ProcessingJob, error: Exception) -> None:
    """Transient trouble: queued again for the actor's retry (or the watchdog's re-send). The
    attempt counted at the claim is given back: attempts count workers that died, and this one
    stopped on purpose, so a long storage or scanner outage never ends as `worker_crashed`."""
    ProcessingJob.objects.filter(pk=job.pk).update(
        state=JobState.QUEUED,
        attempts=Greatest(F("attempts") - 1, 0),
        heartbeat_at=timezone.now(),
        error_code=ProcessingErrorCode.TRANSIENT,
        error_message=str(error)[:500],
    )


def _record_request_id(job: ProcessingJob) -> None:
    request_id = (log_context.get() or {}).get("request_id", "")
    if request_id and not job.request_id:
        ProcessingJob.objects.filter(pk=job.pk).update(request_id=str(request_id)[:128])


def _state_of(job: ProcessingJob) -> str:
    return str(ProcessingJob.objects.filter(pk=job.pk).values_list("state", flat=True).first())


# --- Progress ---------------------------------------------------------------------------------


class ProgressWriter:
    """ffmpeg -progress lines -> a percent (at most once a second) and the job heartbeat.

    `report` says what the percent means to others: a video's processing progress in
    processing.pipeline, an export's in processing.export."""

    def __init__(self, *, video_id: str, job_id: str, duration: float) -> None:
        self.video_id, self.job_id, self.duration = video_id, job_id, max(duration, 0.001)
        self.last_write = 0.0

    def line(self, line: str) -> None:
        key, _, value = line.partition("=")
        if key != "out_time_us" or not value.strip().lstrip("-").isdigit():
            return
        self.at(int(value) / 1e6)

    def at(self, seconds: float) -> None:
        """`seconds` of the media done: a heartbeat and a percent, at most once a second."""
        now = time.monotonic()
        if now - self.last_write < 1.0:
            return
        self.last_write = now
        percent = max(0, min(99, int(seconds / self.duration * 100)))
        if not job_heartbeat(self.job_id, progress=percent):
            raise JobCancelled  # ffmpeg.run kills the process group on the way out
        self.report(percent)

    def report(self, percent: int) -> None:
        """Nothing beyond the job's own progress by default."""


# --- The frame every job runs in ----------------------------------------------------------------


OnFailed = Callable[[ProcessingJob, str, str], None]


@dataclass(frozen=True)
class JobRun:
    job: ProcessingJob
    workdir: Path  # per job, removed when the job ends

    def step(self, step: str) -> None:
        set_step(self.job, step)

    def cancelled(self) -> bool:
        return job_cancelled(self.job)

    def succeed(self, **result: Any) -> bool:
        return job_finish(self.job, JobState.SUCCEEDED, **result)


@contextmanager
def job_run(
    job: ProcessingJob,
    *,
    prefix: str,
    crashed_message: str,
    on_failed: OnFailed | None = None,
    on_cancelled: Callable[[], None] | None = None,
) -> Iterator[JobRun | None]:
    """Claim -> log context (job, video, request id) -> temp dir -> the body -> finish.

    Yields None when the job is not ours to run (running elsewhere, or ended) or has crashed
    too often (then it fails with worker_crashed: `crashed_message`, formatted with `stops`).
    MediaError fails the job with its code (and calls `on_failed(job, code, message)`);
    JobCancelled calls `on_cancelled`; storage or scanner trouble requeues the job and raises
    TransientError for the actor's retry. A body that returns without finishing succeeds.
    """
    if not jobs_claim(job):
        yield None
        return
    if job.attempts > settings.PROCESSING_MAX_ATTEMPTS:
        message = crashed_message.format(stops=job.attempts - 1)
        _fail(job, ProcessingErrorCode.WORKER_CRASHED, message, "", on_failed)
        yield None
        return
    context = bind_log_context(job_id=str(job.pk), video_id=str(job.video_id))
    _record_request_id(job)
    logger.info(f"{job.kind} started", extra={"attempt": job.attempts})
    workdir = workdir_create(job_id=job.pk, prefix=prefix)
    try:
        yield JobRun(job, workdir)
        job_finish(job, JobState.SUCCEEDED)
    except MediaError as error:
        _fail(job, error.code, error.message, error.log_tail, on_failed)
    except JobCancelled:
        if on_cancelled is not None:
            on_cancelled()
    except OSError as error:
        if error.errno != errno.ENOSPC:
            job_requeue(job, error)
            raise TransientError(str(error)) from error
        # Retrying refills the same disk the other jobs share: fail now, with a code.
        _fail(job, ProcessingErrorCode.DISK_FULL, DISK_FULL_MESSAGE, str(error), on_failed)
    except (clamav.ScannerUnavailable, *STORAGE_ERRORS) as error:
        job_requeue(job, error)
        raise TransientError(str(error)) from error
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        logger.info(f"{job.kind} ended", extra={"state": _state_of(job)})
        log_context.reset(context)


def _fail(
    job: ProcessingJob, code: str, message: str, log_tail: str, on_failed: OnFailed | None
) -> None:
    job_finish(job, JobState.FAILED, code=code, message=message, log_tail=log_tail)
    if on_failed is not None:
        on_failed(job, code, message)
