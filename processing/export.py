"""Export a coached video: drawings burned in at their times, voice-overs mixed over the video's
own sound (ducked while they speak), as one H.264 + AAC MP4 with faststart.

Drawings are rendered here with OpenCV into transparent PNGs at the rendition's size, by the rules
in annotations.drawing that the browser canvas follows too; ffmpeg overlays each one only while
`timestamp <= t < timestamp + duration` (frame-exact, on the frames' own timestamps). The job is a
ProcessingJob of kind `export`: claimed, heartbeated, retried and watched like the pipeline's.
"""

import logging
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import ffmpeg as ffmpeg_lib
import numpy as np
from django.conf import settings
from django.core.files.storage import default_storage
from django.db.models import QuerySet

from annotations import drawing, realtime
from annotations.models import Annotation, AnnotationType, AudioStatus
from annotations.selectors import MeasureBasis, measure_basis
from processing import ffmpeg, metrics
from processing.errors import ProcessingErrorCode
from processing.jobs import ACTIVE, JobCancelled, JobRun, ProgressWriter, job_run
from processing.models import JobKind, ProcessingJob
from videos import storage
from videos.models import Rendition, Video
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
    elif tool in ("calibration", "distance"):
        segment(points[0], points[1])
        if data.get("label"):  # the length in words, worked out by the caller (calibration)
            _text(image, str(data["label"]), shape["text_anchor"], scale, color)
    elif tool == "track":  # not tracked (yet): the point where it starts
        centre = _fixed(*points[0])
        cv2.circle(image, centre, max(3, round(8 * scale)) * ONE, color, thickness, line, SHIFT)
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
    moving: list[Any] | None = None,
) -> list[str]:
    video = ffmpeg.hardened_input(source)
    picture = video["v:0"]
    # Frame-exact: a drawing's start is its frame's own time (frame / video.fps); half a frame of
    # slack keeps printing and rate rounding (29.97 vs 30000/1001) from moving it to the next.
    slack = 0.5 / (info.fps or 30)
    for overlay in overlays:
        # A PNG we rendered ourselves: the image2 demuxer, local files only.
        drawn = ffmpeg_lib.input(str(overlay.png), f="image2", protocol_whitelist="file")
        enable = f"gte(t,{overlay.start - slack:.6f})*lt(t,{overlay.end - slack:.6f})"
        picture = picture.overlay(drawn.video, eof_action="repeat", enable=enable)
    for clip in moving or []:  # processing.overlays: a frame per exported frame, from `start`
        stream = ffmpeg.hardened_input(clip.path, itsoffset=f"{clip.start:.6f}")
        enable = f"gte(t,{clip.start - slack:.6f})*lt(t,{clip.end - slack:.6f})"
        picture = picture.overlay(stream.video, eof_action="pass", enable=enable)
    picture = picture.filter("format", "yuv420p")
    sound = export_sound(video, info=info, voices=voices)
    encoded = ffmpeg_lib.output(
        picture,
        sound,
        str(target),
        format="mp4",
        crf=settings.EXPORT_CRF,
        preset=settings.FFMPEG_PRESET,
        ac=2,
        map_metadata=-1,
        map_chapters=-1,
        sn=None,
        dn=None,
        movflags="+faststart",
        **{"c:v": "libx264", "profile:v": "high", "c:a": "aac", "b:a": "160k"},
    )
    return ffmpeg.compile_hardened(encoded, progress=True)


def export_sound(video: Any, *, info: ffmpeg.MediaInfo, voices: list[Voice]) -> Any:
    """The video's own sound (ducked while a voice-over speaks) mixed with the voice-overs, each
    delayed to its time, trimmed to the video's duration; silence when there is no sound."""
    duration = f"{info.duration:.6f}"
    mix = []
    for voice in voices:
        recording = ffmpeg.hardened_input(voice.path, demuxers=ffmpeg.AUDIO_DEMUXERS)["a:0"]
        mix.append(_stereo(recording).filter("adelay", delays=round(voice.start * 1000), all=1))
    if info.has_audio:
        own = _stereo(video["a:0"])
        if voices:
            windows = "+".join(
                f"between(t,{voice.start:.3f},{voice.start + voice.duration:.3f})"
                for voice in voices
            )
            own = own.filter("volume", DUCKED_VOLUME, enable=windows)
        inputs = [own, *mix]
        mixed = ffmpeg_lib.filter(inputs, "amix", inputs=len(inputs), duration="first", normalize=0)
        return mixed.filter("atrim", 0, duration)
    if voices:
        mixed = ffmpeg_lib.filter(mix, "amix", inputs=len(mix), duration="longest", normalize=0)
        return mixed.filter("apad", whole_dur=duration).filter("atrim", 0, duration)
    # No sound at all: a silent track, so every player shows the same thing. ffmpeg-python has no
    # source filters (a FilterNode needs an input stream), so anullsrc comes in as a lavfi input;
    # its description is ours, not the user's, so it needs no demuxer allowlist.
    silence = ffmpeg_lib.input("anullsrc=r=48000:cl=stereo", f="lavfi")
    return silence.filter("atrim", 0, duration)


def _stereo(stream: Any) -> Any:
    return stream.filter("aresample", 48000).filter(
        "aformat", sample_fmts="fltp", channel_layouts="stereo"
    )


# --- The job ---------------------------------------------------------------------------------


class ExportProgress(ProgressWriter):
    def report(self, percent: int) -> None:
        realtime.publish(self.video_id, "export.progress", {"id": self.job_id, "progress": percent})


def run_export(*, job_id: str) -> None:
    job = (
        ProcessingJob.objects.select_related("video").filter(pk=job_id, kind=JobKind.EXPORT).first()
    )
    if job is None:  # deleted meanwhile, or a message of another instance sharing the broker
        logger.warning(
            "export for an unknown export job; acknowledged, nothing done",
            extra={"job_id": str(job_id)},
        )
        return
    if job.state not in ACTIVE:
        return  # done by an earlier delivery
    # Cancelled means the video is being deleted: its folder, exports included, goes with it.
    with job_run(
        job,
        prefix="export",
        crashed_message="The export kept stopping; ask again.",
        on_failed=_export_failed,
    ) as run:
        if run is not None:
            started = time.perf_counter()
            target = _render(run)
            _store(run, target)
            metrics.STEP_DURATION.labels(step="export").observe(time.perf_counter() - started)


def _store(run: JobRun, target: Path) -> None:
    job = run.job
    run.step("store")
    key = f"{storage.video_prefix(job.video_id)}exports/{job.pk}.mp4"
    default_storage.delete(key)
    with metrics.timed_step("store"):
        stored = default_storage.save(key, LocalFile(str(target)))
    size = default_storage.size(stored)
    if not run.succeed(progress=100, output=stored, output_size=size, step=""):
        default_storage.delete(stored)  # cancelled (the video was deleted) while storing
        raise JobCancelled
    realtime.publish(job.video_id, "export.ready", {"id": str(job.pk), "progress": 100})
    _notify_requester(job)


def _notify_requester(job: ProcessingJob) -> None:
    from accounts.notifications import NotificationKind, notify

    video = Video.objects.select_related("owner").filter(pk=job.video_id).first()
    if video is not None and job.requested_by is not None:
        notify(recipient=job.requested_by, kind=NotificationKind.EXPORT_READY, video=video)


def _export_failed(job: ProcessingJob, code: str, message: str) -> None:
    # A failed export leaves its video as it was.
    realtime.publish(job.video_id, "export.failed", {"id": str(job.pk), "code": code})


def _render(run: JobRun) -> Path:
    job, workdir = run.job, run.workdir
    options = job.options
    rendition = job.video.renditions.filter(quality=options.get("quality")).first()
    if rendition is None:
        raise ffmpeg.MediaError(
            ProcessingErrorCode.QUALITY_UNAVAILABLE, "The chosen rendition no longer exists."
        )
    run.step("download")
    source = workdir / "input"
    with default_storage.open(rendition.file.name, "rb") as remote, open(source, "wb") as local:
        shutil.copyfileobj(remote, local, 1024 * 1024)
    info = ffmpeg.probe(source)

    run.step("overlays")
    annotations = Annotation.objects.filter(
        video_id=job.video_id, comparison_id__isnull=True, hidden=False
    ).order_by("timestamp", "created_at")
    drawings = options.get("include_drawings", True)
    overlays = _overlays(annotations, workdir, rendition) if drawings else []
    moving = _moving_overlays(annotations, workdir, rendition, info) if drawings else []
    voices = _voices(annotations, workdir) if options.get("include_voice_overs", True) else []

    run.step("render")
    target = workdir / "export.mp4"
    progress = ExportProgress(
        video_id=str(job.video_id), job_id=str(job.pk), duration=info.duration
    )
    with metrics.timed_step("export_render"):
        ffmpeg.run(
            export_argv(source, target, info=info, overlays=overlays, voices=voices, moving=moving),
            timeout=max(300.0, info.duration * 30),
            on_stdout_line=progress.line,
        )
    return target


def _overlays(
    annotations: QuerySet[Annotation], workdir: Path, rendition: Rendition
) -> list[Overlay]:
    """Each visible drawing that stays the same from frame to frame as a transparent PNG at the
    rendition's size, with its time window (the others: _moving_overlays)."""
    from processing.overlays import is_moving  # it draws with this module's functions

    overlays = []
    basis = measure_basis(rendition.video_id)
    for index, annotation in enumerate(annotations.filter(type=AnnotationType.DRAWING)):
        if not annotation.drawing_data or is_moving(annotation):
            continue
        data = _labelled(annotation.drawing_data, basis)
        png = workdir / f"drawing-{index:04d}.png"
        cv2.imwrite(str(png), render_drawing(data, rendition.width, rendition.height))
        overlays.append(
            Overlay(png, annotation.timestamp, annotation.timestamp + annotation.duration)
        )
    return overlays


def _labelled(data: dict[str, Any], basis: MeasureBasis) -> dict[str, Any]:
    """A calibration or distance with its length in words, as the studio labels it."""
    tool = data["tool_type"]
    if tool not in ("calibration", "distance"):
        return data
    if tool == "calibration":
        return {**data, "label": format_length(float(data["length_m"]))}
    pixels = drawing.segment_length(data["points"], basis.width, basis.height)
    if not basis.metres_per_pixel:
        return {**data, "label": f"{pixels:.0f} px"}
    return {**data, "label": format_length(pixels * basis.metres_per_pixel)}


def format_length(metres: float) -> str:
    """Metres, or centimetres below a metre (as static/src/studio/measure.js)."""
    if metres < drawing.MEASURE["centimetres_below_m"]:
        return f"{metres * 100:.1f} cm"
    return f"{metres:.2f} m"


def _moving_overlays(
    annotations: QuerySet[Annotation], workdir: Path, rendition: Rendition, info: ffmpeg.MediaInfo
) -> list[Any]:
    """Tracked drawings and timers: a clip of per-frame overlays each (processing.overlays)."""
    from processing.overlays import is_moving, write_overlay

    moving = []
    fps = info.fps or rendition.fps or 30.0
    for index, annotation in enumerate(annotations.filter(type=AnnotationType.DRAWING)):
        if not annotation.drawing_data or not is_moving(annotation):
            continue
        clip = write_overlay(
            annotation,
            workdir / f"moving-{index:04d}.mov",
            fps=fps,
            width=rendition.width,
            height=rendition.height,
        )
        if clip is not None:
            moving.append(clip)
    return moving


def _voices(annotations: QuerySet[Annotation], workdir: Path) -> list[Voice]:
    """Each visible, normalised voice-over downloaded next to the source."""
    voices = []
    spoken = annotations.filter(type=AnnotationType.VOICE_OVER, audio_status=AudioStatus.READY)
    for index, annotation in enumerate(spoken):
        path = workdir / f"voice-{index:04d}"
        with default_storage.open(annotation.audio, "rb") as remote, open(path, "wb") as local:
            shutil.copyfileobj(remote, local, 1024 * 1024)
        voices.append(Voice(path, annotation.timestamp, annotation.duration))
    return voices
