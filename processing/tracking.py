"""Points that follow the athlete: a tracked drawing's points followed through the frames.

Pyramidal Lucas-Kanade optical flow (cv2.calcOpticalFlowPyrLK, checked forwards and backwards)
carries each point from frame to frame; template matching (cv2.matchTemplate against the patch
the point was placed on, which never changes, or failing that the last well-matched patch)
re-anchors it, so small flow errors do not add up into drift (a template refreshed every frame
drifts too: 2 px over 10 s on the benchmark, against 0.14 px anchored). A point is lost when it
leaves the picture or when neither the flow nor the template can vouch for it (the match score
falls below `min_score`); tracking stops there and records `lost_at`.

The frames come from the largest rendition at or below 720p (the source's size when smaller),
decoded by ffmpeg straight into a pipe as gray pictures, at most TRACK_MAX_SIDE on the long side,
from the tracked drawing's start for its duration, at the rendition's frame rate. A
ProcessingJob of kind `track` (options: annotation_id, revision) runs it in jobs.job_run: claimed,
heartbeated, watched; the annotation changes through annotations.services.tracking_record.
"""

import logging
import math
import shutil
import time
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, cast

import cv2
import numpy as np
from django.core.files.storage import default_storage

from annotations.models import Annotation
from annotations.services import tracking_record, tracking_record_failed
from processing import ffmpeg, metrics
from processing.jobs import (
    ACTIVE,
    JobCancelled,
    JobRun,
    job_finish,
    job_heartbeat,
    job_live_or_create,
    job_run,
)
from processing.models import JobKind, JobState, ProcessingJob
from videos.models import Video

logger = logging.getLogger(__name__)

TRACK_MAX_HEIGHT = 720  # the rendition tracked: the largest at or below this
TRACK_MAX_SIDE = 1280  # frames are tracked at most this large on their long side
PUBLISH_SECONDS = 0.5  # how often progress is stored and announced while tracking


@dataclass(frozen=True)
class TrackerSettings:
    window: int = 21  # Lucas-Kanade window, pixels of the tracked picture
    levels: int = 3  # pyramid levels
    template: int = 21  # side of the patch a point is matched by (odd)
    search: int = 12  # how far around the flow's estimate the template is searched
    min_score: float = 0.55  # a match below this (and no trustworthy flow) loses the point
    anchor_score: float = 0.75  # a match at least this good re-anchors the point
    max_flow_error: float = 1.0  # forward-backward disagreement beyond which the flow is doubted


@dataclass
class TrackStep:
    points: np.ndarray  # (n, 2) float32, pixels of the tracked picture
    lost: bool
    scores: list[float] = field(default_factory=list)


class PointTracker:
    """Follows n points through consecutive gray frames (uint8 arrays of one size)."""

    def __init__(
        self, first: np.ndarray, points: Iterable[Iterable[float]], settings: TrackerSettings
    ) -> None:
        self.settings = settings
        self.height, self.width = first.shape[:2]
        self.points = np.array([list(p) for p in points], dtype=np.float32).reshape(-1, 2)
        self.velocity = np.zeros_like(self.points)
        self.lk = {
            "winSize": (settings.window, settings.window),
            "maxLevel": settings.levels,
            "criteria": (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 20, 0.01),
        }
        self.previous = first
        half = settings.template // 2
        # Two templates per point: the patch it was placed on, which never changes (matching it
        # cannot drift), and the last well-matched patch, for when the athlete turns and the
        # first no longer matches well.
        self.references = [self._patch(first, point, half) for point in self.points]
        self.recent = list(self.references)

    def _inside(self, point: np.ndarray, margin: float = 0.0) -> bool:
        x, y = float(point[0]), float(point[1])
        return margin <= x <= self.width - 1 - margin and margin <= y <= self.height - 1 - margin

    @staticmethod
    def _patch(frame: np.ndarray, point: np.ndarray, half: int) -> np.ndarray | None:
        """The template around `point` (sub-pixel, float32), None when it does not fit."""
        height, width = frame.shape[:2]
        x, y = float(point[0]), float(point[1])
        if not (half <= x < width - half - 1 and half <= y < height - half - 1):
            return None
        side = 2 * half + 1
        return cv2.getRectSubPix(frame, (side, side), (x, y), patchType=cv2.CV_32F)

    def _match(
        self, frame: np.ndarray, template: np.ndarray, around: np.ndarray
    ) -> tuple[np.ndarray, float] | None:
        """Best match of `template` within `search` pixels of `around`: position (sub-pixel,
        by a parabola through the score's peak and its neighbours) and score."""
        half = self.settings.template // 2
        reach = self.settings.search + half
        cx, cy = round(float(around[0])), round(float(around[1]))
        x0, y0 = max(0, cx - reach), max(0, cy - reach)
        x1, y1 = min(self.width, cx + reach + 1), min(self.height, cy + reach + 1)
        region = frame[y0:y1, x0:x1]
        if region.shape[0] <= template.shape[0] or region.shape[1] <= template.shape[1]:
            return None
        scores = cv2.matchTemplate(region.astype(np.float32), template, cv2.TM_CCOEFF_NORMED)
        _, best, _, (bx, by) = cv2.minMaxLoc(scores)
        dx = _parabola_peak(scores, bx, by, axis=1)
        dy = _parabola_peak(scores, bx, by, axis=0)
        return np.array([x0 + bx + half + dx, y0 + by + half + dy], dtype=np.float32), float(best)

    def _best_match(
        self, frame: np.ndarray, index: int, around: np.ndarray
    ) -> tuple[np.ndarray, float] | None:
        """The reference template's match when good enough, else the better of both."""
        reference, recent = self.references[index], self.recent[index]
        first = self._match(frame, reference, around) if reference is not None else None
        if (first and first[1] >= self.settings.anchor_score) or recent is None:
            return first
        second = self._match(frame, recent, around)
        if first is None or (second and second[1] > first[1]):
            return second
        return first

    def step(self, frame: np.ndarray) -> TrackStep:
        settings = self.settings
        # The flow runs on the region around the points only (its pyramid's reach and the
        # fastest motion we follow): most of a frame is never looked at.
        reach = settings.window * (2**settings.levels) + settings.search * 4
        x0 = max(0, int(self.points[:, 0].min()) - reach)
        y0 = max(0, int(self.points[:, 1].min()) - reach)
        x1 = min(self.width, int(self.points[:, 0].max()) + reach + 1)
        y1 = min(self.height, int(self.points[:, 1].max()) + reach + 1)
        origin = np.array([x0, y0], dtype=np.float32)
        before, after = self.previous[y0:y1, x0:x1], frame[y0:y1, x0:x1]
        previous = (self.points - origin).reshape(-1, 1, 2)
        flow = cast(Any, cv2.calcOpticalFlowPyrLK)  # its stubs do not take nextPts=None
        forward, status, _ = flow(before, after, previous, None, **self.lk)
        backward, back_status, _ = flow(after, before, forward, None, **self.lk)
        flow_error = np.linalg.norm((backward - previous).reshape(-1, 2), axis=1)
        found = (status.ravel() == 1) & (back_status.ravel() == 1)
        flowed = forward.reshape(-1, 2) + origin
        half = settings.template // 2
        moved, scores = self.points.copy(), []
        lost = False
        for index, point in enumerate(self.points):
            flow_ok = bool(found[index]) and flow_error[index] <= settings.max_flow_error
            estimate = flowed[index] if flow_ok else point + self.velocity[index]
            match = self._best_match(frame, index, estimate)
            score = match[1] if match else -1.0
            scores.append(score)
            if match and score >= settings.anchor_score:
                # Both agree: their mean (flow is sub-pixel smooth, the match does not drift).
                close = flow_ok and np.linalg.norm(match[0] - estimate) < 1.5
                new = (match[0] + estimate) / 2 if close else match[0]
            elif flow_ok and (match is None or score >= settings.min_score):
                new = estimate
            else:
                lost = True
                break
            if not self._inside(new):
                lost = True
                break
            self.velocity[index] = new - point
            moved[index] = new
            if self.references[index] is None:  # placed too near the edge: take it when it fits
                self.references[index] = self._patch(frame, new, half)
            patch = self._patch(frame, new, half)
            if patch is not None and (match is None or score >= settings.anchor_score):
                self.recent[index] = patch
        if not lost:
            self.points = moved
            self.previous = frame
        return TrackStep(points=self.points.copy(), lost=lost, scores=scores)


def _parabola_peak(scores: np.ndarray, x: int, y: int, *, axis: int) -> float:
    """Sub-pixel offset of a peak along one axis from its two neighbours (0 at an edge)."""
    size = scores.shape[axis]
    at = x if axis == 1 else y
    if at <= 0 or at >= size - 1:
        return 0.0
    if axis == 1:
        left, centre, right = scores[y, x - 1], scores[y, x], scores[y, x + 1]
    else:
        left, centre, right = scores[y - 1, x], scores[y, x], scores[y + 1, x]
    curvature = left - 2 * centre + right
    if curvature >= 0:
        return 0.0
    return float(max(-0.5, min(0.5, 0.5 * (left - right) / curvature)))


# --- Frames --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FrameSource:
    path: Path
    width: int  # of the picture in the file, as displayed
    height: int
    fps: float


def tracked_size(width: int, height: int, max_side: int = TRACK_MAX_SIDE) -> tuple[int, int]:
    """The tracked picture's size: the file's, or smaller to fit `max_side` (aspect kept)."""
    scale = max_side / max(width, height, 1)
    if scale >= 1:
        return width, height
    return max(2, round(width * scale)), max(2, round(height * scale))


def decode_gray(
    source: FrameSource, *, start: float, frames: int, max_side: int = TRACK_MAX_SIDE
) -> Generator[np.ndarray, None, None]:
    """`frames` gray frames from `start` (the frame shown at `start`), streamed from ffmpeg
    through a pipe, at most `max_side` on their long side.

    ffmpeg hands over its decoded YUV 4:2:0 pictures as they are and the luma plane is the gray
    picture: converting to gray or scaling in ffmpeg costs more than decoding (swscale), while
    slicing a plane costs nothing and OpenCV's area resize a millisecond. One decoding thread:
    tracking runs beside other jobs, and is measured on one core (tests/bench/bench_tracking.py).
    """
    # Input seeking is frame-accurate when decoding; half a frame early lands on the frame that
    # starts at `start` despite rounding in the container's timestamps.
    seek = max(0.0, start - 0.5 / source.fps)
    stream = ffmpeg.hardened_input(source.path, ss=f"{seek:.6f}", threads=1)
    output = (
        stream["v:0"]
        .filter("format", "yuv420p")  # a no-op for our renditions (already 4:2:0)
        .output("pipe:1", format="rawvideo", fps_mode="passthrough", **{"frames:v": frames})
    )
    width, height = source.width, source.height
    luma = width * height
    chroma = 2 * ((width + 1) // 2) * ((height + 1) // 2)
    target = tracked_size(width, height, max_side)
    timeout = max(120.0, frames / 10)
    argv = ffmpeg.compile_hardened(output)
    for raw in ffmpeg.read_frames(argv, frame_bytes=luma + chroma, timeout=timeout):
        gray = np.frombuffer(raw, dtype=np.uint8, count=luma).reshape(height, width)
        yield gray if target == (width, height) else _resize(gray, target)


def _resize(gray: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    return np.asarray(cv2.resize(gray, size, interpolation=cv2.INTER_AREA))


def track_points(
    frames: Iterable[np.ndarray],
    points: list[list[float]],
    *,
    settings: TrackerSettings | None = None,
) -> Iterator[tuple[int, np.ndarray | None]]:
    """Follow normalised `points` from the first frame on: (frame index, normalised points)
    for each frame, then (index, None) once when a point is lost (and nothing after)."""
    tracker: PointTracker | None = None
    for index, frame in enumerate(frames):
        height, width = frame.shape[:2]
        if tracker is None:
            pixels = [[x * width, y * height] for x, y in points]
            tracker = PointTracker(frame, pixels, settings or TrackerSettings())
            yield index, tracker.points / np.array([width, height], dtype=np.float32)
            continue
        step = tracker.step(frame)
        if step.lost:
            yield index, None
            return
        yield index, step.points / np.array([width, height], dtype=np.float32)


# --- The job -------------------------------------------------------------------------------------


def track_job(annotation: Annotation) -> ProcessingJob:
    revision = int((annotation.tracking or {}).get("revision", 0))
    return job_live_or_create(
        video_id=annotation.video_id,
        kind=JobKind.TRACK,
        options={"annotation_id": str(annotation.pk), "revision": revision},
    )


def run_tracking(*, annotation_id: str) -> None:
    annotation = Annotation.objects.filter(pk=annotation_id).first()
    if annotation is None or annotation.tracking is None:
        logger.warning(
            "tracking for an unknown or untracked annotation; acknowledged, nothing done",
            extra={"annotation_id": str(annotation_id)},
        )
        return
    revision = int(annotation.tracking["revision"])
    if annotation.tracking.get("state") not in ("queued", "running"):
        # Done by an earlier delivery, which may have stopped between recording the result and
        # ending its job: end it now, or the watchdog would retry it into `worker_crashed`.
        live = ProcessingJob.objects.filter(
            kind=JobKind.TRACK, state__in=ACTIVE, options__annotation_id=str(annotation_id)
        ).filter(options__revision=revision)
        for job in live:
            job_finish(job, JobState.SUCCEEDED)
        return
    with job_run(
        track_job(annotation),
        prefix="track",
        crashed_message="Tracking stopped {stops} times without finishing.",
        on_failed=partial(_failed, annotation_id=str(annotation_id), revision=revision),
    ) as run:
        if run is not None:
            follow(annotation, run, revision=revision)


def _rendition_file(video: Video) -> tuple[str, int, int, float]:
    """Storage key, size and rate of the largest rendition at or below 720p (else the smallest;
    the original when there are none)."""
    renditions = list(video.renditions.all())
    low = [r for r in renditions if min(r.width, r.height) <= TRACK_MAX_HEIGHT]
    pick = max(low, key=lambda r: r.height) if low else None
    pick = pick or min(renditions, key=lambda r: r.height, default=None)
    if pick is not None:
        return pick.file.name, pick.width, pick.height, pick.fps or video.fps or 30.0
    return video.original.name, video.width or 0, video.height or 0, video.fps or 30.0


def follow(annotation: Annotation, run: JobRun, *, revision: int) -> None:
    started = time.perf_counter()
    video = Video.objects.get(pk=annotation.video_id)
    tracking = annotation.tracking or {}
    kept: list[list[Any]] = list(tracking.get("positions") or [])
    begin = tracking["start"]
    at, points = float(begin["t"]), [list(p) for p in begin["points"]]
    end = annotation.timestamp + annotation.duration
    run.step("download")
    key, width, height, fps = _rendition_file(video)
    source_path = run.workdir / "input"
    with default_storage.open(key, "rb") as remote, open(source_path, "wb") as local:
        shutil.copyfileobj(remote, local, 1024 * 1024)
    if not width or not height:
        info = ffmpeg.probe(source_path)
        width, height, fps = info.display_width, info.display_height, info.fps or fps
    source = FrameSource(source_path, width, height, fps)
    count = max(1, math.floor((end - at) * fps + 1e-6) + 1)

    run.step("track")
    single = (annotation.drawing_data or {}).get("tool_type") == "track"
    positions = list(kept)
    lost_at: float | None = None
    last_publish = time.monotonic()
    record = partial(tracking_record, annotation_id=annotation.pk, revision=revision)
    frames = decode_gray(source, start=at, frames=count)
    try:
        for index, found in track_points(frames, points):
            t = round(at + index / fps, 6)
            if found is None:
                lost_at = t
                break
            rounded = [[round(float(x), 5), round(float(y), 5)] for x, y in found]
            positions.append([t, *rounded[0]] if single else [t, rounded])
            if time.monotonic() - last_publish >= PUBLISH_SECONDS:
                last_publish = time.monotonic()
                progress = min(99, round(100 * (index + 1) / count))
                if not job_heartbeat(run.job.pk, progress=progress):
                    raise JobCancelled
                if record(positions=positions, state="running", progress=progress) is None:
                    raise JobCancelled  # corrected or deleted meanwhile: a newer run takes over
    finally:
        frames.close()
    metrics.STEP_DURATION.labels(step="track").observe(time.perf_counter() - started)
    # The result first, then the job: a worker dying in between leaves a job that the next
    # delivery ends at once (run_tracking), never a finished job with a track still "running".
    if record(positions=positions, state="succeeded", progress=100, lost_at=lost_at) is None:
        raise JobCancelled  # corrected or deleted meanwhile
    run.succeed(progress=100)


def _failed(
    job: ProcessingJob, code: str, message: str, *, annotation_id: str, revision: int
) -> None:
    tracking_record_failed(annotation_id=annotation_id, revision=revision, message=message)
