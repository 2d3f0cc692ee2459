"""The job protocol every kind of job runs in: claim, error mapping, cleanup, watchdog."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from processing import clamav, ffmpeg
from processing.errors import ProcessingErrorCode
from processing.jobs import TransientError, job_run
from processing.models import JobKind, JobState, ProcessingJob
from processing.services import jobs_watchdog
from tests.factories import make_video
from tests.media import EICAR
from videos.models import ScanStatus, VideoStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(athlete):
    return ProcessingJob.objects.create(
        video=make_video(athlete, status=VideoStatus.PROCESSING), kind=JobKind.EXPORT
    )


def run_body(job, body):
    """Run `body(run)` in job_run; return the run's working directory and the hooks' calls."""
    calls: list[tuple] = []
    seen: dict[str, Path] = {}

    def on_failed(failed_job, code, message):
        calls.append(("failed", code, message))

    def on_cancelled():
        calls.append(("cancelled",))

    with job_run(
        job,
        prefix="test",
        crashed_message="stopped {stops} times",
        on_failed=on_failed,
        on_cancelled=on_cancelled,
    ) as run:
        if run is None:
            calls.append(("not ours",))
        else:
            seen["workdir"] = run.workdir
            assert run.workdir.is_dir()
            body(run)
    job.refresh_from_db()
    return seen.get("workdir"), calls


def test_a_body_that_returns_succeeds_and_its_temp_dir_goes(job):
    workdir, calls = run_body(job, lambda run: (run.workdir / "x").write_text("x"))
    assert (job.state, job.attempts, calls) == (JobState.SUCCEEDED, 1, [])
    assert workdir is not None and not workdir.exists()


def test_media_error_fails_the_job_with_its_code(job):
    def body(run):
        raise ffmpeg.MediaError(ProcessingErrorCode.CORRUPT_MEDIA, "broken", "tail of the log")

    workdir, calls = run_body(job, body)
    assert (job.state, job.error_code, job.error_message, job.log_tail) == (
        JobState.FAILED,
        "corrupt_media",
        "broken",
        "tail of the log",
    )
    assert calls == [("failed", "corrupt_media", "broken")]
    assert not workdir.exists()


def test_cancelled_calls_the_cleanup_and_records_nothing(job):
    def body(run):
        ProcessingJob.objects.filter(pk=job.pk).update(state=JobState.CANCELLED)
        run.step("anything")  # sees the cancellation

    workdir, calls = run_body(job, body)
    assert (job.state, job.error_code, calls) == (JobState.CANCELLED, "", [("cancelled",)])
    assert not workdir.exists()


@pytest.mark.parametrize("error", [OSError("disk gone"), clamav.ScannerUnavailable("no clamd")])
def test_storage_or_scanner_trouble_requeues_and_raises_transient(job, error):
    def body(run):
        raise error

    with pytest.raises(TransientError):
        run_body(job, body)
    job.refresh_from_db()
    assert (job.state, job.error_code) == (JobState.QUEUED, "transient")


def test_a_job_running_elsewhere_is_not_run(job):
    ProcessingJob.objects.filter(pk=job.pk).update(
        state=JobState.RUNNING, attempts=1, heartbeat_at=timezone.now()
    )
    workdir, calls = run_body(job, lambda run: pytest.fail("ran twice"))
    assert (workdir, calls, job.state, job.attempts) == (None, [("not ours",)], "running", 1)


def test_too_many_attempts_fail_with_worker_crashed(job, settings):
    ProcessingJob.objects.filter(pk=job.pk).update(attempts=settings.PROCESSING_MAX_ATTEMPTS)
    _workdir, calls = run_body(job, lambda run: pytest.fail("ran a crashed job"))
    stops = settings.PROCESSING_MAX_ATTEMPTS
    assert (job.state, job.error_code) == (JobState.FAILED, "worker_crashed")
    assert calls == [("failed", "worker_crashed", f"stopped {stops} times"), ("not ours",)]


# --- The one scan decision --------------------------------------------------------------------


def test_scan_file_verdicts(tmp_path, settings):
    from tests.services import free_port

    infected, clean = tmp_path / "eicar", tmp_path / "clean"
    infected.write_bytes(EICAR)
    clean.write_bytes(b"just bytes" * 100)
    assert clamav.scan_file(infected, size=len(EICAR)).status == ScanStatus.INFECTED
    assert clamav.scan_file(clean, size=1000) == clamav.ScanVerdict(ScanStatus.CLEAN, "")
    settings.CLAMAV_STREAM_MAX_BYTES = 100
    partial = clamav.scan_file(clean, size=1000)
    assert partial.status == ScanStatus.PARTIAL and "100 bytes" in partial.detail
    settings.CLAMAV_ADDRESS = f"127.0.0.1:{free_port()}"
    with pytest.raises(clamav.ScannerUnavailable):
        clamav.scan_file(clean, size=1000)
    settings.CLAMAV_ADDRESS = ""
    assert clamav.scan_file(clean, size=1000).status == ScanStatus.NOT_SCANNED


# --- Voice-over jobs and the watchdog -----------------------------------------------------------


@pytest.mark.django_db(databases="__all__")
def test_the_watchdog_requeues_and_fails_voice_over_jobs(athlete, settings):
    from annotations.models import Annotation, AnnotationType, AudioStatus

    video = make_video(athlete)
    annotation = Annotation.objects.create(
        video_id=video.pk,
        author_id=athlete.pk,
        author_username=athlete.username,
        type=AnnotationType.VOICE_OVER,
        timestamp=0,
        duration=1,
        audio_status=AudioStatus.PROCESSING,
    )
    stale = timezone.now() - timedelta(seconds=settings.PROCESSING_STALE_SECONDS + 5)
    job = ProcessingJob.objects.create(
        video=video,
        kind=JobKind.VOICE_OVER,
        options={"annotation_id": str(annotation.pk)},
        state=JobState.RUNNING,
        attempts=1,
        heartbeat_at=stale,
    )
    assert jobs_watchdog()["requeued"] == 1
    job.refresh_from_db()
    assert job.state == JobState.QUEUED
    ProcessingJob.objects.filter(pk=job.pk).update(
        state=JobState.RUNNING, attempts=settings.PROCESSING_MAX_ATTEMPTS, heartbeat_at=stale
    )
    assert jobs_watchdog()["failed"] == 1
    job.refresh_from_db()
    annotation.refresh_from_db()
    assert (job.state, job.error_code) == (JobState.FAILED, "worker_crashed")
    assert annotation.audio_status == AudioStatus.FAILED and annotation.audio_error
    video.refresh_from_db()
    assert video.status == VideoStatus.READY  # a voice-over never fails its video
