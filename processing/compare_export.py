"""Export a comparison: both videos in one picture, lined up at the sync points, each with its
pane drawings burned in on its own frames, as one H.264 + AAC MP4 with faststart.

One ffmpeg graph. A black canvas (lavfi `color`) at the shared frame rate (the higher of the two
renditions' rates, capped at 60) runs for the whole shared timeline (videos.sync: from the
earlier start to the later end). Each side is its rendition with its drawings overlaid on its
own timestamps (the rules of processing.export), mirrored if asked, then shifted by its offset
and overlaid on the canvas in its place: side by side (one height, the shorter padded with
black), stacked, or overlay (the top picture at the comparison's opacity, scaled to the one
under it). The canvas's overlay shows, at each of its frames, the side's latest frame that has
started (the studio's frame rule), and black before a side starts and after it ends
(`eof_action=pass`). The sound is the left side's, the right side's, or both mixed, each shifted
by its offset (with its video's voice-overs when asked).
"""

import logging
import math
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import ffmpeg as ffmpeg_lib
from django.conf import settings
from django.core.files.storage import default_storage

from annotations import realtime
from annotations.models import Annotation, AnnotationType, AudioStatus
from processing import ffmpeg, metrics
from processing.errors import ProcessingErrorCode
from processing.export import Overlay, Voice, export_sound, render_drawing
from processing.jobs import ACTIVE, JobCancelled, JobRun, ProgressWriter, job_run
from processing.models import JobKind, ProcessingJob
from videos import sync
from videos.models import Comparison, ComparisonLayout, Rendition, Video
from videos.services import comparison_prefix
from videos.storage import LocalFile

logger = logging.getLogger(__name__)
SIDES = ("left", "right")
QUALITY_ORDER = ["hd", "sd", "mobile"]


@dataclass(frozen=True)
class SideMedia:
    """One side as the graph needs it: its rendition on disk, what it is, when it starts."""

    path: Path
    info: ffmpeg.MediaInfo
    offset: float
    mirror: bool
    overlays: list[Overlay]
    voices: list[Voice]


@dataclass(frozen=True)
class Placement:
    x: int
    y: int
    width: int
    height: int


def canvas_layout(
    layout: str, left: tuple[int, int], right: tuple[int, int], *, swapped: bool = False
) -> tuple[int, int, dict[str, Placement]]:
    """The canvas size and where each side goes. Sizes are (width, height) of the renditions,
    which are even, so every placement and the canvas stay even (yuv420p)."""
    (left_w, left_h), (right_w, right_h) = left, right
    if layout == ComparisonLayout.STACKED:
        width, height = max(left_w, right_w), left_h + right_h
        return (
            width,
            height,
            {
                "left": Placement(_even((width - left_w) / 2), 0, left_w, left_h),
                "right": Placement(_even((width - right_w) / 2), left_h, right_w, right_h),
            },
        )
    if layout == ComparisonLayout.OVERLAY:
        # The bottom picture sets the size; the top one is scaled onto it.
        bottom = "right" if swapped else "left"
        width, height = left if bottom == "left" else right
        whole = Placement(0, 0, width, height)
        return width, height, {"left": whole, "right": whole}
    width, height = left_w + right_w, max(left_h, right_h)
    return (
        width,
        height,
        {
            "left": Placement(0, _even((height - left_h) / 2), left_w, left_h),
            "right": Placement(left_w, _even((height - right_h) / 2), right_w, right_h),
        },
    )


def _even(value: float) -> int:
    return int(value) // 2 * 2


def _side_picture(side: SideMedia, place: Placement, *, opacity: float | None, fps: float) -> Any:
    source = ffmpeg.hardened_input(side.path)
    picture = source["v:0"].filter("setpts", "PTS-STARTPTS")
    slack = 0.5 / (side.info.fps or sync.DEFAULT_FPS)  # as processing.export: frame-exact
    for overlay in side.overlays:
        drawn = ffmpeg_lib.input(str(overlay.png), f="image2", protocol_whitelist="file")
        enable = f"gte(t,{overlay.start - slack:.6f})*lt(t,{overlay.end - slack:.6f})"
        picture = picture.overlay(drawn.video, eof_action="repeat", enable=enable)
    if side.mirror:
        picture = picture.filter("hflip")  # drawings are on the picture: mirrored with it
    if (side.info.display_width, side.info.display_height) != (place.width, place.height):
        picture = picture.filter("scale", place.width, place.height)
    if opacity is not None:
        picture = picture.filter("format", "yuva420p").filter(
            "colorchannelmixer", aa=f"{opacity:.4f}"
        )
    # On the shared timeline: the side's first frame at its offset, then re-timed onto the
    # canvas's frames with the frame rule: each canvas frame gets the side's latest frame that
    # has started (`round=up` puts a frame on the first canvas frame at or after its start).
    # Then the canvas's overlay only ever meets equal timestamps (its own frame matching, which
    # in ffmpeg 5.1 takes the nearest frame, not the latest started one, never decides).
    shifted = picture.filter("setpts", f"PTS+{side.offset:.6f}/TB")
    return source, shifted.filter("fps", fps=f"{fps:g}", round="up")


def compare_export_argv(
    left: SideMedia,
    right: SideMedia,
    target: Path,
    *,
    layout: str,
    overlay_opacity: float,
    overlay_swapped: bool,
    timeline: sync.Timeline,
    audio: str,
) -> list[str]:
    sizes = {
        name: (side.info.display_width, side.info.display_height)
        for name, side in (("left", left), ("right", right))
    }
    width, height, places = canvas_layout(
        layout, sizes["left"], sizes["right"], swapped=overlay_swapped
    )
    duration = f"{timeline.duration:.6f}"
    # Exactly the frames that start within the timeline (`color` would add one at its end).
    frame_count = max(1, math.ceil(timeline.duration * timeline.fps - sync.FRAME_EPSILON))
    canvas = ffmpeg_lib.input(
        f"color=c=black:s={width}x{height}:r={timeline.fps:g}:d={duration}", f="lavfi"
    ).video.filter("trim", end_frame=frame_count)
    top = "left" if overlay_swapped else "right"
    order = ["right", "left"] if overlay_swapped else ["left", "right"]
    sources = {}
    for name in order:
        side = left if name == "left" else right
        opacity = overlay_opacity if layout == ComparisonLayout.OVERLAY and name == top else None
        sources[name], picture = _side_picture(
            side, places[name], opacity=opacity, fps=timeline.fps
        )
        place = places[name]
        canvas = canvas.overlay(picture, x=place.x, y=place.y, eof_action="pass")
    picture = canvas.filter("format", "yuv420p")
    sound = _sound(sources, {"left": left, "right": right}, audio=audio, duration=duration)
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


def _sound(
    sources: dict[str, Any], sides: dict[str, SideMedia], *, audio: str, duration: str
) -> Any:
    """Each chosen side's sound (its voice-overs mixed in, as an export of that video) delayed to
    its offset; both mixed for `mix`; padded with silence to the shared length."""
    chosen = list(SIDES) if audio == "mix" else [audio]
    tracks = []
    for name in chosen:
        side = sides[name]
        own = export_sound(sources[name], info=side.info, voices=side.voices)
        tracks.append(own.filter("adelay", delays=round(side.offset * 1000), all=1))
    if len(tracks) > 1:
        mixed = ffmpeg_lib.filter(tracks, "amix", inputs=len(tracks), duration="longest")
    else:
        mixed = tracks[0]
    return mixed.filter("apad", whole_dur=duration).filter("atrim", 0, duration)


# --- The job ---------------------------------------------------------------------------------


class CompareExportProgress(ProgressWriter):
    def __init__(self, *, comparison_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.comparison_id = comparison_id

    def report(self, percent: int) -> None:
        realtime.publish_comparison(
            self.comparison_id, "export.progress", {"id": self.job_id, "progress": percent}
        )


def run_compare_export(*, job_id: str) -> None:
    job = (
        ProcessingJob.objects.select_related("video")
        .filter(pk=job_id, kind=JobKind.COMPARE_EXPORT)
        .first()
    )
    if job is None:
        logger.warning(
            "comparison export for an unknown job; acknowledged, nothing done",
            extra={"job_id": str(job_id)},
        )
        return
    if job.state not in ACTIVE:
        return  # done by an earlier delivery
    # Cancelled means the comparison (or a video of it) is being deleted.
    with job_run(
        job,
        prefix="compare-export",
        crashed_message="The export kept stopping; ask again.",
        on_failed=_failed,
    ) as run:
        if run is not None:
            started = time.perf_counter()
            comparison = Comparison.objects.filter(pk=job.options.get("comparison_id")).first()
            if comparison is None:
                raise JobCancelled
            target = _render(run, comparison)
            _store(run, target)
            metrics.STEP_DURATION.labels(step="compare_export").observe(
                time.perf_counter() - started
            )


def _failed(job: ProcessingJob, code: str, message: str) -> None:
    realtime.publish_comparison(
        job.options.get("comparison_id", ""), "export.failed", {"id": str(job.pk), "code": code}
    )


def _store(run: JobRun, target: Path) -> None:
    job = run.job
    run.step("store")
    comparison_id = job.options["comparison_id"]
    key = f"{comparison_prefix(comparison_id)}exports/{job.pk}.mp4"
    default_storage.delete(key)
    with metrics.timed_step("store"):
        stored = default_storage.save(key, LocalFile(str(target)))
    size = default_storage.size(stored)
    if not run.succeed(progress=100, output=stored, output_size=size, step=""):
        default_storage.delete(stored)  # cancelled (the comparison was deleted) while storing
        raise JobCancelled
    realtime.publish_comparison(comparison_id, "export.ready", {"id": str(job.pk), "progress": 100})


def pick_rendition(video: Video, quality: str) -> Rendition | None:
    """The rendition of that quality, else the nearest smaller one, else the smallest larger."""
    renditions = {rendition.quality: rendition for rendition in video.renditions.all()}
    if quality in renditions:
        return renditions[quality]
    start = QUALITY_ORDER.index(quality) if quality in QUALITY_ORDER else 0
    for candidate in [*QUALITY_ORDER[start + 1 :], *reversed(QUALITY_ORDER[:start])]:
        if candidate in renditions:
            return renditions[candidate]
    return None


def _render(run: JobRun, comparison: Comparison) -> Path:
    job, workdir = run.job, run.workdir
    options = job.options
    run.step("download")
    media: dict[str, tuple[Path, ffmpeg.MediaInfo, Video]] = {}
    for name in SIDES:
        video = comparison.video(name)
        rendition = pick_rendition(video, options.get("quality", "sd"))
        if rendition is None:
            raise ffmpeg.MediaError(
                ProcessingErrorCode.QUALITY_UNAVAILABLE, f"The {name} video has no rendition."
            )
        path = workdir / f"{name}-input"
        with default_storage.open(rendition.file.name, "rb") as remote, open(path, "wb") as local:
            shutil.copyfileobj(remote, local, 1024 * 1024)
        media[name] = (path, ffmpeg.probe(path), video)

    timeline = sync.timeline(
        *(
            sync.Pane(comparison.sync(name), _picture_duration(media[name]), media[name][1].fps)
            for name in SIDES
        )
    )
    run.step("overlays")
    sides = {}
    for name in SIDES:
        path, info, video = media[name]
        sides[name] = SideMedia(
            path=path,
            info=info,
            offset=timeline.offset(name),
            mirror=getattr(comparison, f"{name}_mirror"),
            overlays=_overlays(comparison, name, video, info, workdir, options),
            voices=_voices(video, workdir, name) if options.get("include_voice_overs") else [],
        )

    run.step("render")
    target = workdir / "compare.mp4"
    progress = CompareExportProgress(
        comparison_id=str(comparison.pk),
        video_id=str(job.video_id),
        job_id=str(job.pk),
        duration=timeline.duration,
    )
    argv = compare_export_argv(
        sides["left"],
        sides["right"],
        target,
        layout=comparison.layout,
        overlay_opacity=comparison.overlay_opacity,
        overlay_swapped=comparison.overlay_swapped,
        timeline=timeline,
        audio=options.get("audio", "mix"),
    )
    with metrics.timed_step("compare_export_render"):
        ffmpeg.run(argv, timeout=max(300.0, timeline.duration * 60), on_stdout_line=progress.line)
    return target


def _picture_duration(side: tuple[Path, ffmpeg.MediaInfo, Video]) -> float:
    """How long the side's picture lasts (its last frame's end), not the file's length, which
    counts the sound's encoder delay too: a side ends when its last frame does."""
    path, info, _ = side
    data = ffmpeg.probe_json(path, entries="stream=duration", select_streams="v:0")
    streams = data.get("streams") or [{}]
    try:
        return float(streams[0].get("duration") or info.duration)
    except (TypeError, ValueError):
        return info.duration


def _overlays(
    comparison: Comparison,
    side: str,
    video: Video,
    info: ffmpeg.MediaInfo,
    workdir: Path,
    options: dict[str, Any],
) -> list[Overlay]:
    """The side's pane drawings (and, when asked, its video's own) as PNGs at its size."""
    if not options.get("include_drawings", True):
        return []
    drawings = Annotation.objects.filter(
        comparison_id=comparison.pk, side=side, type=AnnotationType.DRAWING, hidden=False
    )
    chosen = list(drawings.order_by("timestamp", "created_at"))
    if options.get("include_video_drawings"):
        own = Annotation.objects.filter(
            video_id=video.pk,
            comparison_id__isnull=True,
            type=AnnotationType.DRAWING,
            hidden=False,
        )
        chosen += list(own.order_by("timestamp", "created_at"))
    overlays = []
    for index, annotation in enumerate(chosen):
        if not annotation.drawing_data:
            continue
        png = workdir / f"{side}-drawing-{index:04d}.png"
        picture = render_drawing(annotation.drawing_data, info.display_width, info.display_height)
        cv2.imwrite(str(png), picture)
        overlays.append(
            Overlay(png, annotation.timestamp, annotation.timestamp + annotation.duration)
        )
    return overlays


def _voices(video: Video, workdir: Path, side: str) -> list[Voice]:
    spoken = Annotation.objects.filter(
        video_id=video.pk,
        comparison_id__isnull=True,
        type=AnnotationType.VOICE_OVER,
        audio_status=AudioStatus.READY,
        hidden=False,
    ).order_by("timestamp", "created_at")
    voices = []
    for index, annotation in enumerate(spoken):
        path = workdir / f"{side}-voice-{index:04d}"
        with default_storage.open(annotation.audio, "rb") as remote, open(path, "wb") as local:
            shutil.copyfileobj(remote, local, 1024 * 1024)
        voices.append(Voice(path, annotation.timestamp, annotation.duration))
    return voices
