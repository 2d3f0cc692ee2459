"""The processing pipeline for one video: scan (if the upload did not), probe, transcode, poster,
storyboard, analysis, store. Each step is a function; `process_video` runs them in a job.

Runs inside a Dramatiq actor. Input goes into the job's temporary directory under a name without
extension; outputs go to deterministic keys, so a rerun replaces them. Video rows change only
through videos.services; the job through processing.jobs.
"""

import contextlib
import logging
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage

from annotations import realtime
from processing import clamav, ffmpeg, ladder, live, metrics
from processing.analysis import GrayFrames, choose_poster, poster_output
from processing.errors import ProcessingErrorCode
from processing.jobs import JobCancelled, JobRun, ProgressWriter, job_live_or_create, job_run
from processing.models import JobKind, ProcessingJob
from processing.storyboard import sheets_output, storyboard_track
from videos import storage
from videos.models import IN_FLIGHT_STATUSES, ScanStatus, Video
from videos.services import (
    RenditionRecord,
    video_mark_failed,
    video_mark_processing,
    video_mark_ready,
    video_mark_scanning,
    video_record_analysis,
    video_record_outputs,
    video_record_poster,
    video_record_probe,
    video_record_scan,
    video_record_storyboard,
    video_recorded_probe,
    video_reject_infected,
    video_set_progress,
)
from videos.storage import LocalFile

logger = logging.getLogger(__name__)

LIMITS = {"max_fps": 240}


def process_video(*, video_id: str) -> None:
    video = Video.objects.filter(pk=video_id).first()
    if video is None:  # deleted meanwhile, or a message of another instance sharing the broker
        logger.warning(
            "processing for an unknown video; acknowledged, nothing done",
            extra={"video_id": str(video_id)},
        )
        return
    if video.status not in IN_FLIGHT_STATUSES:
        return  # another delivery already finished it
    job = job_live_or_create(video_id=video.pk, kind=JobKind.TRANSCODE)
    with job_run(
        job,
        prefix="job",
        crashed_message="Processing stopped {stops} times without finishing.",
        on_failed=_video_failed,
        on_cancelled=partial(_discard_outputs, video_id=str(video.pk)),
    ) as run:
        if run is not None:
            run_steps(video, run)


def _video_failed(job: ProcessingJob, code: str, message: str) -> None:
    video_id = str(job.video_id)
    if video_mark_failed(video_id=video_id, code=code, message=message):
        realtime.publish(video_id, "video.failed", {"id": video_id, "code": code})


def _discard_outputs(*, video_id: str) -> None:
    if Video.objects.filter(pk=video_id).exists():
        storage.delete_prefix(f"{storage.video_prefix(video_id)}renditions/")
        storage.delete_prefix(f"{storage.video_prefix(video_id)}hls/")
    else:  # deleted while we worked: leave nothing of it behind
        storage.delete_prefix(storage.video_prefix(video_id))


@dataclass(frozen=True)
class Transcoded:
    info: ffmpeg.MediaInfo
    outputs: list[ladder.Output]
    out_dir: Path
    analysis: dict[str, Any]  # motion per 0.5 s and scene cuts, from the same decode
    codecs: dict[str, str]  # per quality, read from the live init section (the same encode)

    @property
    def smallest(self) -> ladder.Output:
        return self.outputs[-1]


def run_steps(video: Video, run: JobRun) -> None:
    with metrics.timed_step("download"):
        source = download(video, run)
    if video.scan_status == ScanStatus.PENDING:
        with metrics.timed_step("scan"):
            if not scan(video, run, source):
                return  # rejected: the job itself is done
    video_mark_processing(video_id=video.pk)
    with metrics.timed_step("probe"):
        info = probe(video, run, source)
    done = transcode(video, run, source, info)
    poster = make_poster(run, done)
    with metrics.timed_step("storyboard"):
        sheets, vtt = storyboard(run, done)
    with metrics.timed_step("store"):
        store_outputs(video, done)
        store_storyboard(video, sheets, vtt)
        video_record_analysis(video_id=video.pk, analysis=done.analysis)
        if poster:
            store_poster(video, poster)
    with metrics.timed_step("finish"):
        if run.cancelled():
            raise JobCancelled
        run.succeed()
        if video_mark_ready(video_id=video.pk):
            realtime.publish(video.pk, "video.ready", {"id": str(video.pk), "progress": 100})


def download(video: Video, run: JobRun) -> Path:
    source = run.workdir / "input"  # no extension: the demuxer allowlist decides, not the name
    if isinstance(default_storage, FileSystemStorage):
        # Local disk: a hard link, not a copy, so the encode (and the first playable segment)
        # starts at once whatever the length. Another filesystem: copied below.
        with contextlib.suppress(OSError):
            os.link(default_storage.path(video.original.name), source)
            return source
    beat = time.monotonic()
    with default_storage.open(video.original.name, "rb") as remote, open(source, "wb") as local:
        while chunk := remote.read(1024 * 1024):
            local.write(chunk)
            if time.monotonic() - beat > 5:  # a large download must not look like a dead worker
                run.step("download")
                beat = time.monotonic()
    return source


def scan(video: Video, run: JobRun, source: Path) -> bool:
    """Scan with clamd; False when the video was rejected. ScannerUnavailable propagates (retry)."""
    run.step("scan")
    video_mark_scanning(video_id=video.pk)
    verdict = clamav.scan_file(source, size=video.size)
    if verdict.status == ScanStatus.INFECTED:
        video_reject_infected(video=video, signature=verdict.detail)
        return False
    video_record_scan(video_id=video.pk, status=verdict.status, detail=verdict.detail)
    return True


def probe(video: Video, run: JobRun, source: Path) -> ffmpeg.MediaInfo:
    """What the original is: as its ingest (or an earlier run) recorded it, else ffprobe's."""
    run.step("probe")
    recorded = video_recorded_probe(video)
    info = recorded or ffmpeg.probe(source)
    check_limits(info)
    if recorded is None:
        video_record_probe(video_id=video.pk, info=info)
    return info


def check_limits(info: ffmpeg.MediaInfo) -> None:
    if info.width * info.height > ffmpeg.MAX_PIXELS:
        raise ffmpeg.MediaError(
            ProcessingErrorCode.RESOLUTION_LIMIT,
            f"{info.width}x{info.height} is larger than 4K (3840x2160).",
        )
    if info.fps > LIMITS["max_fps"]:
        raise ffmpeg.MediaError(
            ProcessingErrorCode.RESOLUTION_LIMIT, f"{info.fps:g} fps is more than 240 fps."
        )
    if info.duration > settings.MAX_VIDEO_SECONDS:
        raise ffmpeg.MediaError(
            ProcessingErrorCode.TOO_LONG,
            f"The video is longer than {settings.MAX_VIDEO_SECONDS} seconds.",
        )
    if info.duration <= 0:
        raise ffmpeg.MediaError(ProcessingErrorCode.CORRUPT_MEDIA, "The video has no duration.")


class VideoProgress(ProgressWriter):
    """The percent is the video's processing progress, seen live by its viewers: the part
    encoded and published (live HLS), so progress x duration is what can be played and drawn on."""

    publisher: live.LivePublisher | None = None

    def report(self, percent: int) -> None:
        if self.publisher is not None:
            percent = min(percent, live.published_percent(self.publisher.seconds, self.duration))
        video_set_progress(video_id=self.video_id, percent=percent)
        realtime.publish(
            self.video_id, "video.progress", {"id": self.video_id, "progress": percent}
        )


def transcode(video: Video, run: JobRun, source: Path, info: ffmpeg.MediaInfo) -> Transcoded:
    """One ffmpeg decodes once and writes every rendition, the storyboard sheets and the poster
    candidates, while a thread turns its tiny gray frames into the motion timeline."""
    run.step("transcode")
    outputs = ladder.plan_outputs(info)
    out_dir = run.workdir / "out"
    (out_dir / "storyboard").mkdir(parents=True)
    (out_dir / "posters").mkdir()
    size = {"width": outputs[-1].width, "height": outputs[-1].height}
    # the extras are branches of the smallest rendition's picture, at its frame rate
    motion = GrayFrames(out_dir, **size, fps=info.fps and outputs[-1].fps, duration=info.duration)
    extras: list[Callable[[Any], Any]] = [
        partial(sheets_output, folder=out_dir / "storyboard", **size, duration=info.duration),
        partial(poster_output, folder=out_dir / "posters", **size, duration=info.duration),
        motion.output,
    ]
    progress = VideoProgress(video_id=str(video.pk), job_id=str(run.job.pk), duration=info.duration)
    publisher = live_publisher(video, out_dir, outputs, info)
    progress.publisher = publisher

    def tick() -> None:  # four times a second, whether or not ffmpeg reports progress
        publisher.poll()
        progress.at(publisher.seconds)

    started = time.perf_counter()
    with metrics.timed_step("transcode"), motion:
        ffmpeg.run(
            ladder.transcode_argv(source, out_dir, info, outputs, extras=extras),
            timeout=max(300.0, info.duration * 20),
            on_stdout_line=progress.line,
            on_tick=tick,
        )
    publisher.poll()  # the last segments, and every live playlist ends (VOD)
    metrics.REALTIME_FACTOR.observe(info.duration / max(time.perf_counter() - started, 1e-3))
    for output in outputs:
        metrics.RENDITION_SECONDS.labels(quality=output.rung.quality).observe(info.duration)
    codecs = {r.output.rung.quality: r.codecs for r in publisher.renditions if r.codecs}
    return Transcoded(info, outputs, out_dir, motion.result(), codecs)


def live_publisher(
    video: Video, out_dir: Path, outputs: list[ladder.Output], info: ffmpeg.MediaInfo
) -> live.LivePublisher:
    """Not playable until this run's first segments are out: an earlier run's outputs stop
    being the video's (their files are replaced at the end), an earlier attempt's live files go."""
    video_record_outputs(video=video, renditions=[], hls_master_key="")
    live.delete_hls_files(video.pk, live=True)

    def on_playable(master_key: str) -> None:
        video_record_outputs(video=video, renditions=[], hls_master_key=master_key)
        realtime.publish(video.pk, "video.playable", {"id": str(video.pk)})
        logger.info("video playable", extra={"video_id": str(video.pk)})

    return live.LivePublisher(
        video_id=video.pk,
        out_dir=out_dir,
        outputs=outputs,
        has_audio=info.has_audio,
        on_playable=on_playable,
    )


def make_poster(run: JobRun, done: Transcoded) -> bytes | None:
    run.step("poster")
    with metrics.timed_step("poster"):
        return choose_poster(done.out_dir / "posters")


def storyboard(run: JobRun, done: Transcoded) -> tuple[list[Path], str]:
    run.step("storyboard")
    return storyboard_track(
        done.out_dir / "storyboard",
        width=done.smallest.width,
        height=done.smallest.height,
        duration=done.info.duration,
    )


def store_poster(video: Video, poster: bytes) -> None:
    key = f"{storage.video_prefix(video.pk)}poster.jpg"
    default_storage.delete(key)
    video_record_poster(video_id=video.pk, key=default_storage.save(key, ContentFile(poster)))


def store_storyboard(video: Video, sheets: list[Path], vtt: str) -> None:
    prefix = f"{storage.video_prefix(video.pk)}storyboard/"
    storage.delete_prefix(prefix)
    for sheet in sheets:
        default_storage.save(f"{prefix}{sheet.name}", LocalFile(str(sheet)))
    key = default_storage.save(f"{prefix}storyboard.vtt", ContentFile(vtt.encode()))
    video_record_storyboard(video_id=video.pk, key=key)


def store_outputs(video: Video, done: Transcoded) -> None:
    """Replace the video's renditions and HLS files with this run's, under deterministic keys;
    the live HLS stays playable until the final master takes its place, then goes."""
    prefix = storage.video_prefix(video.pk)
    storage.delete_prefix(f"{prefix}renditions/")
    live.delete_hls_files(video.pk, live=False)
    renditions = _store_renditions(prefix, done)
    variants = [
        (output, ladder.peak_bandwidth(output), rendition.codecs)
        for output, rendition in zip(done.outputs, renditions, strict=True)
    ]
    master = default_storage.save(
        f"{prefix}hls/master.m3u8", ContentFile(ladder.master_playlist(variants).encode())
    )
    video_record_outputs(video=video, renditions=renditions, hls_master_key=master)
    live.delete_hls_files(video.pk, live=True)


# S3 uploads of the renditions go side by side (a rendition each); its threads live as long as
# the worker process, so each keeps its own S3 connection (django-storages' are per thread).
_UPLOADS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="store-rendition")


def _store_renditions(prefix: str, done: Transcoded) -> list[RenditionRecord]:
    """Every rendition stored, in the ladder's order. Local disk: one after another (each file a
    rename). S3: all at once, and all of them finished (or failed) before this returns, the
    first failure raised: nothing is recorded, and nothing uploads on behind the job's back."""
    if isinstance(default_storage, FileSystemStorage):
        return [store_rendition(prefix, output, done) for output in done.outputs]
    futures = [_UPLOADS.submit(store_rendition, prefix, output, done) for output in done.outputs]
    wait(futures)
    return [future.result() for future in futures]


def store_rendition(prefix: str, output: ladder.Output, done: Transcoded) -> RenditionRecord:
    """One rendition's MP4 and HLS files into storage, with what its encode really became: the
    CODECS the live HLS read from the encode's own init section (an ffprobe of the MP4 only
    when it has none), the bit rate from the file's size."""
    mp4 = done.out_dir / output.mp4
    size = mp4.stat().st_size
    codecs = done.codecs.get(output.rung.quality) or _probed_codecs(mp4, done.info.has_audio)
    file_key = default_storage.save(f"{prefix}renditions/{output.mp4}", LocalFile(str(mp4)))
    playlist_key = default_storage.save(
        f"{prefix}hls/{output.playlist}", LocalFile(str(done.out_dir / output.playlist))
    )
    default_storage.save(
        f"{prefix}hls/{output.segments}", LocalFile(str(done.out_dir / output.segments))
    )
    return RenditionRecord(
        quality=output.rung.quality,
        width=output.width,
        height=output.height,
        fps=output.fps,
        bitrate=round(size * 8 / max(done.info.duration, 0.001)),
        size=size,
        codecs=codecs,
        file=file_key,
        playlist=playlist_key,
    )


def _probed_codecs(mp4: Path, has_audio: bool) -> str:
    facts = ffmpeg.probe_json(mp4, select_streams="v:0", entries="stream=profile,level", timeout=60)
    stream = facts["streams"][0]
    return ladder.codecs_string(
        stream.get("profile", "High"), int(stream.get("level", 40)), has_audio
    )
