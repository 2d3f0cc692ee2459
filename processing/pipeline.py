"""The processing pipeline for one video: scan (if the upload did not), probe, transcode, poster.

Runs inside a Dramatiq actor. Input goes into a per-job temporary directory under a name without
extension; outputs go to deterministic keys, so a rerun replaces them.
"""

import json
import logging
import shutil
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from annotations import realtime
from config.logging import bind_log_context, log_context
from processing import clamav, ffmpeg, ladder, metrics
from processing.analysis import choose_poster, motion_analysis
from processing.models import JobKind, JobState, ProcessingJob
from processing.services import jobs_claim
from processing.storyboard import make_storyboard
from videos import storage
from videos.models import Rendition, ScanStatus, Video, VideoStatus
from videos.services import video_transition
from videos.storage import LocalFile

logger = logging.getLogger(__name__)

LIVE = [VideoStatus.UPLOADED, VideoStatus.SCANNING, VideoStatus.PROCESSING]
LIMITS = {"max_fps": 240}


class JobCancelled(Exception):
    pass


class TransientError(Exception):
    """Storage or scanner trouble: the actor retries with backoff."""


def process_video(*, video_id: str) -> None:
    video = Video.objects.filter(pk=video_id).first()
    if video is None or video.status not in LIVE:
        return  # deleted meanwhile, or another delivery already finished it
    job = claim_job(video)
    if job is None:
        return
    # Every log line of this job says which job and video it is about (and which request).
    context = bind_log_context(job_id=str(job.pk), video_id=str(video.pk))
    request_id = (log_context.get() or {}).get("request_id", "")
    if request_id and not job.request_id:
        ProcessingJob.objects.filter(pk=job.pk).update(request_id=str(request_id)[:128])
    logger.info("processing started", extra={"attempt": job.attempts})
    workdir = Path(tempfile.mkdtemp(prefix=f"job-{job.pk}-"))
    try:
        run_steps(video, job, workdir)
    except ffmpeg.MediaError as error:
        finish(job, video_id, JobState.FAILED, error.code, error.message, error.log_tail)
    except JobCancelled:
        if Video.objects.filter(pk=video_id).exists():
            storage.delete_prefix(f"{storage.video_prefix(video_id)}renditions/")
            storage.delete_prefix(f"{storage.video_prefix(video_id)}hls/")
        else:  # deleted while we worked: leave nothing of it behind
            storage.delete_prefix(storage.video_prefix(video_id))
    except (clamav.ScannerUnavailable, OSError) as error:
        ProcessingJob.objects.filter(pk=job.pk).update(
            state=JobState.QUEUED, error_code="transient", error_message=str(error)[:500]
        )
        raise TransientError(str(error)) from error
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        logger.info("processing ended", extra={"state": _state_of(job)})
        log_context.reset(context)


def _state_of(job: ProcessingJob) -> str:
    return str(ProcessingJob.objects.filter(pk=job.pk).values_list("state", flat=True).first())


def claim_job(video: Video) -> ProcessingJob | None:
    """The live job of this video (a redelivery after a crash finds it) or a new one.

    Attempts are counted here, in the database: Dramatiq does not count redeliveries of a
    message whose worker died, so this count is what stops a poison loop.
    """
    job = (
        ProcessingJob.objects.filter(
            video=video, kind=JobKind.TRANSCODE, state__in=[JobState.QUEUED, JobState.RUNNING]
        )
        .order_by("-created_at")
        .first()
    ) or ProcessingJob.objects.create(video=video)
    if not jobs_claim(job):
        return None
    if job.attempts > settings.PROCESSING_MAX_ATTEMPTS:
        finish(
            job,
            str(video.pk),
            JobState.FAILED,
            "worker_crashed",
            f"Processing stopped {job.attempts - 1} times without finishing.",
        )
        return None
    return job


def finish(
    job: ProcessingJob,
    video_id: str,
    state: JobState,
    code: str = "",
    message: str = "",
    log_tail: str = "",
    *,
    fail_video: bool = True,
) -> None:
    """End a job. A failed processing job fails its video; a failed export (fail_video=False)
    leaves the video as it was."""
    ProcessingJob.objects.filter(pk=job.pk).update(
        state=state,
        finished_at=timezone.now(),
        error_code=code,
        error_message=message[:500],
        log_tail=log_tail[-8000:],
    )
    if state == JobState.FAILED:
        metrics.FAILURES.labels(code=code or "unknown").inc()
        if fail_video and video_transition(
            video_id=video_id,
            from_statuses=LIVE,
            to=VideoStatus.FAILED,
            status_code=code,
            status_message=message[:500],
        ):
            realtime.publish(video_id, "video.failed", {"id": video_id, "code": code})


def run_steps(video: Video, job: ProcessingJob, workdir: Path) -> None:
    source = workdir / "input"  # no extension: the demuxer allowlist decides, not the name
    beat = time.monotonic()
    with default_storage.open(video.original.name, "rb") as remote, open(source, "wb") as local:
        while chunk := remote.read(1024 * 1024):
            local.write(chunk)
            if time.monotonic() - beat > 5:  # a large download must not look like a dead worker
                set_step(job, "download")
                beat = time.monotonic()

    if video.scan_status == ScanStatus.PENDING:
        set_step(job, "scan")
        if not scan(video, source):
            finish(job, str(video.pk), JobState.SUCCEEDED)  # rejected: the job itself is done
            return
    video_transition(video_id=video.pk, from_statuses=LIVE, to=VideoStatus.PROCESSING, progress=0)

    set_step(job, "probe")
    info = ffmpeg.probe(source)
    check_limits(info)
    Video.objects.filter(pk=video.pk).update(
        duration=info.duration,
        width=info.display_width,
        height=info.display_height,
        fps=info.fps,
        video_codec=info.video_codec,
        audio_codec=info.audio_codec,
        rotation=info.rotation,
    )

    set_step(job, "transcode")
    outputs = ladder.plan_outputs(info)
    out_dir = workdir / "out"
    out_dir.mkdir()
    progress = ProgressWriter(video_id=str(video.pk), job_id=str(job.pk), duration=info.duration)
    started = time.perf_counter()
    with metrics.timed_step("transcode"):
        ffmpeg.run(
            ladder.transcode_argv(source, out_dir, info, outputs),
            timeout=max(300.0, info.duration * 20),
            on_stdout_line=progress.line,
        )
    metrics.REALTIME_FACTOR.observe(info.duration / max(time.perf_counter() - started, 1e-3))
    for output in outputs:
        metrics.RENDITION_SECONDS.labels(quality=output.rung.quality).observe(info.duration)

    set_step(job, "poster")
    smallest = outputs[-1]
    with metrics.timed_step("poster"):
        poster = choose_poster(out_dir / smallest.mp4, info.duration)
    set_step(job, "storyboard")
    board_dir = out_dir / "storyboard"
    board_dir.mkdir()
    with metrics.timed_step("storyboard"):
        sheets, vtt = make_storyboard(
            out_dir / smallest.mp4,
            board_dir,
            width=smallest.width,
            height=smallest.height,
            duration=info.duration,
        )
    set_step(job, "analysis")
    with metrics.timed_step("analysis"):
        analysis = motion_analysis(out_dir / smallest.mp4, smallest.fps, info.duration)
    with metrics.timed_step("store"):
        store_outputs(video, info, outputs, out_dir)
        store_storyboard(video, sheets, vtt)
    Video.objects.filter(pk=video.pk).update(analysis=analysis)
    if poster:
        key = f"{storage.video_prefix(video.pk)}poster.jpg"
        default_storage.delete(key)
        Video.objects.filter(pk=video.pk).update(
            poster=default_storage.save(key, ContentFile(poster))
        )

    if job_cancelled(job):
        raise JobCancelled
    finish(job, str(video.pk), JobState.SUCCEEDED)
    if video_transition(
        video_id=video.pk,
        from_statuses=[VideoStatus.PROCESSING],
        to=VideoStatus.READY,
        progress=100,
    ):
        realtime.publish(video.pk, "video.ready", {"id": str(video.pk), "progress": 100})


def set_step(job: ProcessingJob, step: str) -> None:
    """Record the step (and a heartbeat); stop here if the job was cancelled."""
    if job_cancelled(job):
        raise JobCancelled
    ProcessingJob.objects.filter(pk=job.pk).update(step=step, heartbeat_at=timezone.now())
    logger.info("processing step", extra={"step": step, "job_id": str(job.pk)})


def job_cancelled(job: ProcessingJob) -> bool:
    state = ProcessingJob.objects.filter(pk=job.pk).values_list("state", flat=True).first()
    return state in (None, JobState.CANCELLED)


def check_limits(info: ffmpeg.MediaInfo) -> None:
    if info.width * info.height > ffmpeg.MAX_PIXELS:
        raise ffmpeg.MediaError(
            "resolution_limit", f"{info.width}x{info.height} is larger than 4K (3840x2160)."
        )
    if info.fps > LIMITS["max_fps"]:
        raise ffmpeg.MediaError("resolution_limit", f"{info.fps:g} fps is more than 240 fps.")
    if info.duration > settings.MAX_VIDEO_SECONDS:
        raise ffmpeg.MediaError(
            "too_long", f"The video is longer than {settings.MAX_VIDEO_SECONDS} seconds."
        )
    if info.duration <= 0:
        raise ffmpeg.MediaError("corrupt_media", "The video has no duration.")


def scan(video: Video, source: Path) -> bool:
    """Scan with clamd; False when the video was rejected. ScannerUnavailable propagates (retry)."""
    video_transition(
        video_id=video.pk, from_statuses=[VideoStatus.UPLOADED], to=VideoStatus.SCANNING
    )
    if not settings.CLAMAV_ADDRESS:
        Video.objects.filter(pk=video.pk).update(
            scan_status=ScanStatus.NOT_SCANNED, scan_detail="No virus scanner is configured."
        )
        return True
    with open(source, "rb") as stream:
        result = clamav.scan_stream(stream, size=video.size)
    if not result.clean:
        default_storage.delete(video.original.name)
        Video.objects.filter(pk=video.pk).update(
            status=VideoStatus.REJECTED,
            status_code="malware_detected",
            status_message=f"Malware found ({result.signature}); the file was deleted.",
            scan_status=ScanStatus.INFECTED,
            scan_detail=result.signature,
            original="",
            size=0,
        )
        return False
    Video.objects.filter(pk=video.pk).update(
        scan_status=ScanStatus.PARTIAL if result.partial else ScanStatus.CLEAN
    )
    return True


class ProgressWriter:
    """ffmpeg -progress lines -> a percent (at most once a second) and the job heartbeat.

    `report` says what the percent means: the video's processing progress here, an export's
    progress in processing.export."""

    def __init__(self, *, video_id: str, job_id: str, duration: float) -> None:
        self.video_id, self.job_id, self.duration = video_id, job_id, max(duration, 0.001)
        self.last_write = 0.0

    def line(self, line: str) -> None:
        key, _, value = line.partition("=")
        if key != "out_time_us" or not value.strip().lstrip("-").isdigit():
            return
        now = time.monotonic()
        if now - self.last_write < 1.0:
            return
        self.last_write = now
        percent = max(0, min(99, int(int(value) / 1e6 / self.duration * 100)))
        alive = ProcessingJob.objects.filter(pk=self.job_id, state=JobState.RUNNING).update(
            heartbeat_at=timezone.now(), progress=percent
        )
        if not alive:
            raise JobCancelled  # ffmpeg.run kills the process group on the way out
        self.report(percent)

    def report(self, percent: int) -> None:
        Video.objects.filter(pk=self.video_id, status=VideoStatus.PROCESSING).update(
            progress=percent
        )
        realtime.publish(
            self.video_id, "video.progress", {"id": self.video_id, "progress": percent}
        )


def store_storyboard(video: Video, sheets: list[Path], vtt: str) -> None:
    prefix = f"{storage.video_prefix(video.pk)}storyboard/"
    storage.delete_prefix(prefix)
    for sheet in sheets:
        default_storage.save(f"{prefix}{sheet.name}", LocalFile(str(sheet)))
    key = default_storage.save(f"{prefix}storyboard.vtt", ContentFile(vtt.encode()))
    Video.objects.filter(pk=video.pk).update(storyboard=key)


def store_outputs(video: Video, info: ffmpeg.MediaInfo, outputs: list, out_dir: Path) -> None:
    """Replace the video's renditions and HLS files with this run's, under deterministic keys."""
    prefix = storage.video_prefix(video.pk)
    storage.delete_prefix(f"{prefix}renditions/")
    storage.delete_prefix(f"{prefix}hls/")
    variants = []
    for output in outputs:
        mp4 = out_dir / output.mp4
        facts = json.loads(
            ffmpeg.run(
                [
                    "ffprobe",
                    "-v",
                    "error",
                    *ffmpeg.HARDENING,
                    "-select_streams",
                    "v:0",
                    "-show_entries",
                    "stream=profile,level:format=bit_rate",
                    "-print_format",
                    "json",
                    str(mp4),
                ],
                timeout=60,
            )
        )
        stream = facts["streams"][0]
        bitrate = int(facts["format"].get("bit_rate") or 0)
        codecs = ladder.codecs_string(
            stream.get("profile", "High"), int(stream.get("level", 40)), info.has_audio
        )
        file_key = default_storage.save(f"{prefix}renditions/{output.mp4}", LocalFile(str(mp4)))
        playlist_key = default_storage.save(
            f"{prefix}hls/{output.playlist}", LocalFile(str(out_dir / output.playlist))
        )
        default_storage.save(
            f"{prefix}hls/{output.segments}", LocalFile(str(out_dir / output.segments))
        )
        Rendition.objects.update_or_create(
            video=video,
            quality=output.rung.quality,
            defaults={
                "width": output.width,
                "height": output.height,
                "fps": output.fps,
                "bitrate": bitrate,
                "size": default_storage.size(file_key),
                "codecs": codecs,
                "file": file_key,
                "playlist": playlist_key,
            },
        )
        variants.append((output, int(output.rung.maxrate_kbps * 1000 * 1.1) + 128_000, codecs))
    Rendition.objects.filter(video=video).exclude(
        quality__in=[output.rung.quality for output in outputs]
    ).delete()
    master = default_storage.save(
        f"{prefix}hls/master.m3u8", ContentFile(ladder.master_playlist(variants).encode())
    )
    Video.objects.filter(pk=video.pk).update(hls_master=master)
