"""Drawings that change from frame to frame in an export: tracked points (their trajectory, fading,
and the current point), tracked angles and lines (the shape on the body, the degrees updating)
and timers (the elapsed time counting).

A static drawing is one transparent PNG shown for its window (processing.export). These are a
stream instead: one transparent frame per exported frame over the drawing's window, rendered
here with the same rules as the studio (annotations.drawing, processing.export.render_drawing)
and piped straight into an ffmpeg encoder (QuickTime Animation, which keeps the alpha and packs
mostly-transparent frames small); the export overlays that clip from the window's first frame.
"""

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import ffmpeg as ffmpeg_lib
import numpy as np

from annotations import drawing
from annotations.measure import entry_points
from annotations.models import Annotation
from processing import ffmpeg
from processing.export import _bgra, _text, render_drawing

TRAIL_SECONDS: float = drawing.MEASURE["trail_seconds"]
TIMER_HOLD_SECONDS: float = drawing.MEASURE["timer_hold_seconds"]


def is_moving(annotation: Annotation) -> bool:
    """Drawn differently in each frame: tracked (with positions) or a timer."""
    data = annotation.drawing_data or {}
    if data.get("tool_type") == "timer":
        return True
    return drawing.is_tracked(data) and bool((annotation.tracking or {}).get("positions"))


@dataclass(frozen=True)
class MovingOverlay:
    path: Path  # the overlay clip, its first frame at `start`
    start: float
    end: float


def frame_window(start: float, end: float, fps: float) -> tuple[int, int]:
    """The exported frames [first, last) a drawing shows on: frame k starts at k / fps (half a
    frame of slack, as the export's static drawings)."""
    slack = 0.5 / fps
    return math.ceil((start - slack) * fps), math.ceil((end - slack) * fps)


def points_at(positions: list[list[Any]], t: float) -> list[list[float]] | None:
    """The tracked points at time t: the last tracked frame at or before t (None before the
    first, and after the last when tracking stopped short: a lost point is drawn no further)."""
    latest = None
    for entry in positions:
        if float(entry[0]) > t + 1e-6:
            break
        latest = entry
    if latest is None:
        return None
    last_t = float(positions[-1][0])
    if latest is positions[-1] and t - last_t > 1.5 * _step(positions):
        return None
    return entry_points(latest)


def _step(positions: list[list[Any]]) -> float:
    if len(positions) < 2:
        return 1.0
    return max(1e-3, float(positions[1][0]) - float(positions[0][0]))


def render_trajectory(
    data: dict[str, Any], positions: list[list[Any]], t: float, width: int, height: int
) -> np.ndarray:
    """A tracked point at time t: its path over the last TRAIL_SECONDS, fading with age, and
    the current point as a ring."""
    image = np.zeros((height, width, 4), dtype=np.uint8)
    scale = height / drawing.REFERENCE_HEIGHT
    color = _bgra(data.get("color") or "#FF3B30")
    thickness = max(1, round(float(data.get("width") or drawing.DEFAULT_WIDTH) * scale))
    trail = [
        (float(e[0]), entry_points(e)[0])
        for e in positions
        if t - TRAIL_SECONDS <= float(e[0]) <= t + 1e-6
    ]
    for (t0, a), (_, b) in itertools.pairwise(trail):
        fade = max(0.15, 1.0 - (t - t0) / TRAIL_SECONDS)
        faded = (*color[:3], round(255 * fade))
        start, end = (a[0] * width, a[1] * height), (b[0] * width, b[1] * height)
        cv2.line(image, _px(start), _px(end), faded, thickness, cv2.LINE_AA, 4)
    current = points_at(positions, t)
    if current:
        centre = _px((current[0][0] * width, current[0][1] * height))
        radius = max(3, round(8 * scale)) << 4
        cv2.circle(image, centre, radius, (0, 0, 0, 255), thickness + 2, cv2.LINE_AA, 4)
        cv2.circle(image, centre, radius, color, thickness, cv2.LINE_AA, 4)
    return image


def _px(point: tuple[float, float]) -> tuple[int, int]:
    return round(point[0] * 16), round(point[1] * 16)  # 4 bits of sub-pixel precision


def render_frame(annotation: Annotation, t: float, width: int, height: int) -> np.ndarray | None:
    """The drawing as it is at time t, or None when there is nothing to draw."""
    data = dict(annotation.drawing_data or {})
    tool = data.get("tool_type")
    if tool == "timer":
        elapsed = min(max(0.0, t - annotation.timestamp), annotation.duration)
        image = np.zeros((height, width, 4), dtype=np.uint8)
        anchor = drawing.geometry(data, width, height)["text_anchor"]
        _text(
            image,
            f"{elapsed:.2f} s",
            anchor,
            height / drawing.REFERENCE_HEIGHT,
            _bgra(data.get("color") or "#FF3B30"),
        )
        return image
    positions = (annotation.tracking or {}).get("positions") or []
    if tool == "track":
        return render_trajectory(data, positions, t, width, height)
    current = points_at(positions, t)
    if current is None:
        return None
    return render_drawing({**data, "points": current}, width, height)


def frames_of(
    annotation: Annotation, first: int, last: int, fps: float, width: int, height: int
) -> Iterator[bytes]:
    empty = np.zeros((height, width, 4), dtype=np.uint8).tobytes()
    for index in range(first, last):
        image = render_frame(annotation, index / fps, width, height)
        yield empty if image is None else image.tobytes()


def write_overlay(
    annotation: Annotation, target: Path, *, fps: float, width: int, height: int
) -> MovingOverlay | None:
    """Encode the drawing's frames over its window into `target`; None for an empty window."""
    end = annotation.timestamp + annotation.duration
    if (annotation.drawing_data or {}).get("tool_type") == "timer":
        end += TIMER_HOLD_SECONDS  # frozen at its end a while, as in the studio
    first, last = frame_window(annotation.timestamp, end, fps)
    if last <= first:
        return None
    stream = ffmpeg_lib.input(
        "pipe:0", format="rawvideo", pix_fmt="bgra", s=f"{width}x{height}", framerate=fps
    )
    encoded = stream.output(str(target), format="mov", vcodec="qtrle", pix_fmt="argb")
    ffmpeg.write_frames(
        ffmpeg.compile_hardened(encoded),
        frames_of(annotation, first, last, fps, width, height),
        timeout=max(300.0, (last - first) / 5),
    )
    return MovingOverlay(target, first / fps, last / fps)
