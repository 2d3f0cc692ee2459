"""Measurements on the picture, with no database: calibration, lengths, speeds, tracked values.

Lengths are in pixels of the source picture as displayed (the video's `width` x `height`, rotation
applied), whichever rendition was shown or tracked, so every quality gives the same numbers.
A calibration says how many metres one such pixel is; perspective is not corrected (a length is
right only in the plane of the calibrated segment, roughly parallel to the picture).
"""

import math
from typing import Any

from annotations.drawing import angle_degrees, segment_length

Point = list[float]
# Speeds are central differences over this many frames either side: a tracked point jitters by a
# fraction of a pixel from frame to frame, which a one-frame difference turns into a noisy speed.
SPEED_HALF_WINDOW = 2


def metres_per_pixel(calibration: dict[str, Any] | None, width: int, height: int) -> float | None:
    """Metres per source pixel from a calibration drawing (its two points and `length_m`)."""
    if not calibration or not width or not height:
        return None
    pixels = segment_length(calibration["points"], width, height)
    if pixels <= 0:
        return None
    return float(calibration["length_m"]) / pixels


def length_in_metres(length_px: float | None, scale: float | None) -> float | None:
    if length_px is None or scale is None:
        return None
    return length_px * scale


def entry_points(entry: list[Any]) -> list[Point]:
    """The points of one tracked frame: [t, x, y] (one point) or [t, [[x, y], ...]]."""
    if len(entry) == 3 and not isinstance(entry[1], list):
        return [[entry[1], entry[2]]]
    return [list(point) for point in entry[1]]


def speed_series(
    positions: list[list[Any]], width: int, height: int, scale: float | None, *, point: int = 0
) -> tuple[list[list[float]], float | None, str]:
    """The speed of one tracked point per frame, in source pixels/s or m/s when calibrated:
    ([[t, value], ...], peak, unit)."""
    unit = "m/s" if scale else "px/s"
    times = [float(entry[0]) for entry in positions]
    xy = [entry_points(entry)[point] for entry in positions]
    values: list[list[float]] = []
    for index, at in enumerate(times):
        before = max(0, index - SPEED_HALF_WINDOW)
        after = min(len(times) - 1, index + SPEED_HALF_WINDOW)
        elapsed = times[after] - times[before]
        if after == before or elapsed <= 0:
            continue
        pixels = segment_length([xy[before], xy[after]], width, height)
        speed = pixels / elapsed * (scale or 1.0)
        values.append([round(at, 6), round(speed, 6)])
    peak = max((value for _, value in values), default=None)
    return values, peak, unit


def tracked_values(
    tool: str, positions: list[list[Any]], width: int, height: int, scale: float | None
) -> tuple[list[list[float]], str | None]:
    """What a tracked shape measures in each frame: an angle's degrees, a line's length (source
    pixels, or metres when calibrated). ([], None) for other tools."""
    values: list[list[float]] = []
    if tool == "angle":
        for entry in positions:
            points = entry_points(entry)
            values.append([float(entry[0]), angle_degrees(points, width, height)])
        return values, "degrees"
    if tool in ("line", "arrow"):
        for entry in positions:
            pixels = segment_length(entry_points(entry), width, height)
            value = pixels * scale if scale else pixels
            values.append([float(entry[0]), round(value, 6)])
        return values, "m" if scale else "px"
    return [], None


def frame_of(at: float, fps: float | None) -> int:
    rate = fps if fps and fps > 0 else 30.0
    return max(0, math.floor(at * rate + 1e-6))


SERIES_COLUMNS = ["time", "frame", "x", "y", "value", "unit"]


def series_rows(
    data: dict[str, Any],
    tracking: dict[str, Any] | None,
    *,
    timestamp: float,
    duration: float,
    width: int,
    height: int,
    fps: float | None,
    scale: float | None,
) -> list[list[Any]]:
    """A drawing's measurement over time, one row per frame: time, frame, x, y (the point
    followed, normalised; an angle's vertex), value and unit. A tracked point's value is its
    speed, a tracked angle's or line's what it measures; a length (distance, calibration) is one
    row at its time; a timer gives its start, each split and its end in seconds elapsed."""
    tool = data["tool_type"]
    anchor = 1 if tool == "angle" else 0
    rows: list[list[Any]] = []
    positions = (tracking or {}).get("positions") or []
    if positions:
        if tool == "track":
            values, _, unit = speed_series(positions, width, height, scale)
            by_time: dict[float, float] = {t: v for t, v in values}
        else:
            series, maybe_unit = tracked_values(tool, positions, width, height, scale)
            by_time, unit = {t: v for t, v in series}, maybe_unit or ""
        for entry in positions:
            at = float(entry[0])
            x, y = entry_points(entry)[anchor]
            rows.append([at, frame_of(at, fps), x, y, by_time.get(at, ""), unit])
        return rows
    points = data["points"]
    x, y = points[min(anchor, len(points) - 1)]
    if tool == "timer":
        marks = [0.0, *(data.get("splits") or []), duration]
        return [[timestamp + m, frame_of(timestamp + m, fps), x, y, m, "s"] for m in marks]
    if tool in ("calibration", "distance", "line", "arrow"):
        pixels = segment_length(points, width, height)
        if tool == "calibration":
            value, unit = float(data["length_m"]), "m"
        elif scale:
            value, unit = pixels * scale, "m"
        else:
            value, unit = pixels, "px"
        return [[timestamp, frame_of(timestamp, fps), x, y, round(value, 6), unit]]
    if tool == "angle":
        value = angle_degrees(points, width, height)
        return [[timestamp, frame_of(timestamp, fps), x, y, value, "degrees"]]
    return [[timestamp, frame_of(timestamp, fps), x, y, "", ""]]


def spreadsheet_safe(value: Any) -> Any:
    """A text cell starting with = + - @ (or a tab or return) would run as a formula in a
    spreadsheet: defused with a leading quote, as the admin's CSV export does."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return f"'{value}"
    return value
