"""Export a coached video: drawings burned in at their times, voice-overs mixed over the video's
own sound (ducked while they speak), as one H.264 + AAC MP4 with faststart.

Drawings are rendered here with OpenCV into transparent PNGs at the rendition's size, by the rules
in annotations.drawing that the browser canvas follows too; ffmpeg overlays each one only while
`timestamp <= t < timestamp + duration` (frame-exact, on the frames' own timestamps). The job is a
ProcessingJob of kind `export`: claimed, heartbeated, retried and watched like the pipeline's.
"""

import logging
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from django.conf import settings
from django.core.files.storage import default_storage
from django.utils import timezone

from annotations import drawing, realtime
from annotations.models import Annotation, AnnotationType, AudioStatus
from config.logging import bind_log_context, log_context
from processing import ffmpeg, metrics
from processing.models import JobKind, JobState, ProcessingJob
from processing.pipeline import JobCancelled, ProgressWriter, TransientError, finish, set_step
from processing.services import ACTIVE, jobs_claim
from videos import storage
from videos.storage import LocalFile

logger = logging.getLogger(__name__)
DUCKED_VOLUME = 0.25  # the video's own sound while a voice-over speaks
FONT = cv2.FONT_HERSHEY_SIMPLEX


# --- Drawing ---------------------------------------------------------------------------------


def _bgra(color: str) -> tuple[int, int, int, int]:
    red, green, blue = (int(color[index : index + 2], 16) for index in (1, 3, 5))
    return blue, green, red, 255


SHIFT = 4  # OpenCV's fixed-point coordinates: 1/16 px precision
ONE = 1 << SHIFT


def _fixed(x: float, y: float) -> tuple[int, int]:
    return round(x * ONE), round(y * ONE)


def _text(
    image: np.ndarray, text: str, top_left: tuple[float, float], scale: float, color: Any
) -> None:
    """Bold sans-serif text with its top-left at `top_left`, outlined in black underneath."""
    font_px = drawing.FONT_SIZE * scale
    base_height = cv2.getTextSize("H", FONT, 1.0, 1)[0][1]
    font_scale = font_px * 0.72 / base_height  # cap height is about 0.72 of the font size
    thickness = max(1, round(font_px / 12))
    outline = thickness + max(1, round(drawing.TEXT_OUTLINE * scale))
    height = cv2.getTextSize("H", FONT, font_scale, thickness)[0][1]
    x, y = round(top_left[0]), round(top_left[1] + height)
    cv2.putText(image, text, (x, y), FONT, font_scale, (0, 0, 0, 255), outline, cv2.LINE_AA)
    cv2.putText(image, text, (x, y), FONT, font_scale, color, thickness, cv2.LINE_AA)


def render_drawing(data: dict[str, Any], width: int, height: int) -> np.ndarray:
    """One drawing on a transparent BGRA picture of width x height."""
    image = np.zeros((height, width, 4), dtype=np.uint8)
    shape = drawing.geometry(data, width, height)  # the same geometry as the browser canvas
    scale = shape["scale"]
    color = _bgra(data.get("color") or "#FF3B30")
    thickness = max(1, round(shape["stroke_width"]))
    points = shape["points"]
    tool = data["tool_type"]
    line = cv2.LINE_AA

    def segment(a: tuple[float, float], b: tuple[float, float]) -> None:
        cv2.line(image, _fixed(*a), _fixed(*b), color, thickness, line, SHIFT)

    if tool == "pen":
        path = np.array([_fixed(*point) for point in points], dtype=np.int32)
        cv2.polylines(image, [path], False, color, thickness, line, SHIFT)
    elif tool == "line":
        segment(points[0], points[1])
    elif tool == "arrow":
        segment(points[0], points[1])
        for end in shape["arrow_head"]:
            segment(points[1], end)
    elif tool == "rectangle":
        cv2.rectangle(image, _fixed(*points[0]), _fixed(*points[1]), color, thickness, line, SHIFT)
    elif tool == "ellipse":
        centre_x, centre_y = shape["ellipse"]["centre"]
        axis_x, axis_y = shape["ellipse"]["axes"]
        centre = _fixed(centre_x, centre_y)
        axes = (round(axis_x * ONE), round(axis_y * ONE))
        cv2.ellipse(image, centre, axes, 0, 0, 360, color, thickness, line, SHIFT)
    elif tool == "angle":
        for start, end in shape["paths"]:
            segment(start, end)
        degrees = drawing.angle_degrees(data["points"], width, height)
        label_top = shape["angle_label"]
        _text(image, f"{degrees:.1f}", label_top, scale, color)
        # Hershey fonts have no degree sign: a small ring after the number.
        label_width = cv2.getTextSize(f"{degrees:.1f}", FONT, 1.0, 1)[0][0]
        font_scale = drawing.FONT_SIZE * scale * 0.72 / cv2.getTextSize("H", FONT, 1.0, 1)[0][1]
        ring = (
            round(label_top[0] + label_width * font_scale + 6 * scale),
            round(label_top[1] + 5 * scale),
        )
        radius = max(2, round(4 * scale))
        cv2.circle(image, ring, radius, (0, 0, 0, 255), max(2, round(4 * scale)), line)
        cv2.circle(image, ring, radius, color, max(1, round(2 * scale)), line)
    elif tool == "text":
        _text(image, str(data.get("text", "")), shape["text_anchor"], scale, color)
    return image


# --- The ffmpeg command ----------------------------------------------------------------------


@dataclass(frozen=True)
class Overlay:
    png: Path
    start: float
    end: float


@dataclass(frozen=True)
class Voice:
    path: Path
    start: float
    duration: float


def export_argv(
    source: Path,
    target: Path,
    *,
    info: ffmpeg.MediaInfo,
    overlays: list[Overlay],
    voices: list[Voice],
) -> list[str]:
    argv = ["ffmpeg", "-nostdin", "-hide_banner", "-v", "error", "-y"]
    argv += ["-max_alloc", str(ffmpeg.MAX_ALLOC_BYTES), *ffmpeg.HARDENING, "-i", str(source)]
    for overlay in overlays:
        argv += ["-protocol_whitelist", "file", "-f", "image2", "-i", str(overlay.png)]
    for voice in voices:
        argv += [*ffmpeg.AUDIO_HARDENING, "-i", str(voice.path)]

    graph = []
    video = "[0:v:0]"
    for index, overlay in enumerate(overlays, start=1):
        enable = f"gte(t\\,{overlay.start:.6f})*lt(t\\,{overlay.end:.6f})"
        graph.append(f"{video}[{index}:v]overlay=eof_action=repeat:enable='{enable}'[v{index}]")
        video = f"[v{index}]"
    graph.append(f"{video}format=yuv420p[vout]")

    stereo = "aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo"
    mix = []
    for index, voice in enumerate(voices, start=1 + len(overlays)):
        delay = round(voice.start * 1000)
        graph.append(f"[{index}:a:0]{stereo},adelay=delays={delay}:all=1[vo{index}]")
        mix.append(f"[vo{index}]")
    duration = f"{info.duration:.6f}"
    if info.has_audio:
        windows = "+".join(
            f"between(t\\,{voice.start:.3f}\\,{voice.start + voice.duration:.3f})"
            for voice in voices
        )
        duck = f",volume={DUCKED_VOLUME}:enable='{windows}'" if voices else ""
        graph.append(f"[0:a:0]{stereo}{duck}[orig]")
        inputs = ["[orig]", *mix]
        graph.append(
            "".join(inputs)
            + f"amix=inputs={len(inputs)}:duration=first:normalize=0,atrim=0:{duration}[aout]"
        )
    elif voices:
        graph.append(
            "".join(mix) + f"amix=inputs={len(mix)}:duration=longest:normalize=0,"
            f"apad=whole_dur={duration},atrim=0:{duration}[aout]"
        )
    else:  # no sound at all: a silent track, so every player shows the same thing
        graph.append(f"anullsrc=r=48000:cl=stereo,atrim=0:{duration}[aout]")

    argv += ["-filter_complex", ";".join(graph), "-map", "[vout]", "-map", "[aout]"]
    argv += ["-c:v", "libx264", "-preset", settings.FFMPEG_PRESET, "-crf", str(settings.EXPORT_CRF)]
    argv += ["-profile:v", "high", "-c:a", "aac", "-b:a", "160k", "-ac", "2"]
    argv += ["-map_metadata", "-1", "-map_chapters", "-1", "-sn", "-dn"]
    argv += ["-movflags", "+faststart", "-f", "mp4", str(target), "-progress", "pipe:1", "-nostats"]
    return argv


# --- The job ---------------------------------------------------------------------------------


class ExportProgress(ProgressWriter):
    def report(self, percent: int) -> None:
        realtime.publish(self.video_id, "export.progress", {"id": self.job_id, "progress": percent})


def run_export(*, job_id: str) -> None:
    job = (
        ProcessingJob.objects.select_related("video").filter(pk=job_id, kind=JobKind.EXPORT).first()
    )
    if job is None or job.state not in ACTIVE or not jobs_claim(job):
        return  # deleted, done by an earlier delivery, or running elsewhere right now
    if job.attempts > settings.PROCESSING_MAX_ATTEMPTS:
        _finish(job, JobState.FAILED, "worker_crashed", "The export kept stopping; ask again.")
        return
    started = time.perf_counter()
    context = bind_log_context(job_id=str(job.pk), video_id=str(job.video_id))
    logger.info("export started", extra={"attempt": job.attempts})
    workdir = Path(tempfile.mkdtemp(prefix=f"export-{job.pk}-"))
    try:
        target = _render(job, workdir)
        set_step(job, "store")
        key = f"{storage.video_prefix(job.video_id)}exports/{job.pk}.mp4"
        default_storage.delete(key)
        with metrics.timed_step("store"):
            stored = default_storage.save(key, LocalFile(str(target)))
        size = default_storage.size(stored)
        done = ProcessingJob.objects.filter(pk=job.pk, state=JobState.RUNNING).update(
            state=JobState.SUCCEEDED,
            finished_at=timezone.now(),
            progress=100,
            output=stored,
            output_size=size,
            step="",
        )
        if not done:  # cancelled (the video was deleted) while storing
            default_storage.delete(stored)
            return
        metrics.STEP_DURATION.labels(step="export").observe(time.perf_counter() - started)
        realtime.publish(job.video_id, "export.ready", {"id": str(job.pk), "progress": 100})
    except ffmpeg.MediaError as error:
        _finish(job, JobState.FAILED, error.code, error.message, error.log_tail)
    except JobCancelled:
        pass  # the video is being deleted: its folder, exports included, goes with it
    except OSError as error:
        ProcessingJob.objects.filter(pk=job.pk).update(
            state=JobState.QUEUED, error_code="transient", error_message=str(error)[:500]
        )
        raise TransientError(str(error)) from error
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        logger.info("export ended")
        log_context.reset(context)


def _render(job: ProcessingJob, workdir: Path) -> Path:
    options = job.options
    rendition = job.video.renditions.filter(quality=options.get("quality")).first()
    if rendition is None:
        raise ffmpeg.MediaError("quality_unavailable", "The chosen rendition no longer exists.")
    set_step(job, "download")
    source = workdir / "input"
    with default_storage.open(rendition.file.name, "rb") as remote, open(source, "wb") as local:
        shutil.copyfileobj(remote, local, 1024 * 1024)
    info = ffmpeg.probe(source)

    set_step(job, "overlays")
    annotations = Annotation.objects.filter(video_id=job.video_id, hidden=False).order_by(
        "timestamp", "created_at"
    )
    overlays = []
    if options.get("include_drawings", True):
        drawings = annotations.filter(type=AnnotationType.DRAWING)
        for index, annotation in enumerate(drawings):
            if not annotation.drawing_data:
                continue
            png = workdir / f"drawing-{index:04d}.png"
            picture = render_drawing(annotation.drawing_data, rendition.width, rendition.height)
            cv2.imwrite(str(png), picture)
            end = annotation.timestamp + annotation.duration
            overlays.append(Overlay(png, annotation.timestamp, end))
    voices = []
    if options.get("include_voice_overs", True):
        spoken = annotations.filter(type=AnnotationType.VOICE_OVER, audio_status=AudioStatus.READY)
        for index, annotation in enumerate(spoken):
            path = workdir / f"voice-{index:04d}"
            with default_storage.open(annotation.audio, "rb") as remote, open(path, "wb") as local:
                shutil.copyfileobj(remote, local, 1024 * 1024)
            voices.append(Voice(path, annotation.timestamp, annotation.duration))

    set_step(job, "render")
    target = workdir / "export.mp4"
    progress = ExportProgress(
        video_id=str(job.video_id), job_id=str(job.pk), duration=info.duration
    )
    with metrics.timed_step("export_render"):
        ffmpeg.run(
            export_argv(source, target, info=info, overlays=overlays, voices=voices),
            timeout=max(300.0, info.duration * 30),
            on_stdout_line=progress.line,
        )
    return target


def _finish(
    job: ProcessingJob, state: JobState, code: str, message: str, log_tail: str = ""
) -> None:
    finish(job, str(job.video_id), state, code, message, log_tail, fail_video=False)
    if state == JobState.FAILED:
        realtime.publish(job.video_id, "export.failed", {"id": str(job.pk), "code": code})
