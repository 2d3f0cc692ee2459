"""Drawing data: the tools, their point counts, and the geometry the API reports.

How drawings look is written once, in static/src/studio/drawing_rules.json: the browser bundle
imports it (the Dockerfile's asset stage sees only static/, hence the place), and this module loads
it at import into the names below, which the serializers and the MP4 export (processing/export.py)
use. `geometry` is the same function as `geometry` in static/src/studio/geometry.js:
tests/annotations/test_drawing_rules.py runs both on the same drawings and checks that they agree.
"""

import itertools
import json
import math
from typing import Any

from django.conf import settings

RULES_PATH = settings.BASE_DIR / "static" / "src" / "studio" / "drawing_rules.json"
RULES: dict[str, Any] = json.loads(RULES_PATH.read_text(encoding="utf-8"))

# tool: (fewest points, most points)
POINT_COUNTS: dict[str, tuple[int, int]] = {
    tool: (fewest, most) for tool, (fewest, most) in RULES["point_counts"].items()
}
MAX_POINTS: int = RULES["max_points"]

# Sizes are pixels on a picture REFERENCE_HEIGHT high, scaled by picture_height / REFERENCE_HEIGHT.
REFERENCE_HEIGHT: int = RULES["reference_height"]
ARROW_HEAD_MIN: int = RULES["arrow_head_min"]  # the head is max(MIN, PER_WIDTH * width) long
ARROW_HEAD_PER_WIDTH: int = RULES["arrow_head_per_width"]
ARROW_HEAD_DEGREES: int = RULES["arrow_head_degrees"]
FONT_SIZE: int = RULES["font_size"]
TEXT_OUTLINE: int = RULES["text_outline"]
# the angle's label sits this far right of and above the vertex
ANGLE_LABEL_OFFSET: int = RULES["angle_label_offset"]
DEFAULT_WIDTH: int = RULES["default_width"]

# Measuring and tracking (issue 19): which tools follow the picture, and their bounds.
MEASURE: dict[str, Any] = RULES["measure"]
TRACKABLE: frozenset[str] = frozenset(MEASURE["trackable"])
MAX_LENGTH_M: float = MEASURE["max_length_m"]
MAX_SPLITS: int = MEASURE["max_splits"]
MAX_TRACK_SECONDS: float = MEASURE["max_track_seconds"]
LENGTH_TOOLS = frozenset({"calibration", "distance", "line", "arrow"})

Point = tuple[float, float]


def _angle(points: list[list[float]], width: float, height: float) -> float:
    (ax, ay), (bx, by), (cx, cy) = points
    v1 = ((ax - bx) * width, (ay - by) * height)
    v2 = ((cx - bx) * width, (cy - by) * height)
    norm = math.hypot(*v1) * math.hypot(*v2)
    if norm == 0:
        return 0.0
    cosine = max(-1.0, min(1.0, (v1[0] * v2[0] + v1[1] * v2[1]) / norm))
    return math.degrees(math.acos(cosine))


def angle_degrees(points: list[list[float]], width: int, height: int) -> float:
    """The angle at the middle point, measured on the picture (normalised coordinates are
    scaled by the frame's width and height, so a 45-degree line looks like one)."""
    return round(_angle(points, width, height), 2)


def _arrow_head(start: Point, tip: Point, stroke_setting: float, scale: float) -> list[Point]:
    length = max(ARROW_HEAD_MIN, ARROW_HEAD_PER_WIDTH * stroke_setting) * scale
    shaft = math.atan2(tip[1] - start[1], tip[0] - start[0])
    ends = []
    for side in (-1, 1):
        angle = shaft + math.pi + side * ARROW_HEAD_DEGREES * math.pi / 180
        ends.append((tip[0] + length * math.cos(angle), tip[1] + length * math.sin(angle)))
    return ends


def geometry(data: dict[str, Any], width: int, height: int) -> dict[str, Any]:
    """Everything needed to draw `data` on a picture width x height: sizes in pixels, the open
    paths to stroke, the shapes and the label anchors (None where the tool has none)."""
    scale = height / REFERENCE_HEIGHT
    stroke_setting = float(data.get("width") or DEFAULT_WIDTH)
    points: list[Point] = [(x * width, y * height) for x, y in data["points"]]
    result: dict[str, Any] = {
        "scale": scale,
        "stroke_width": max(1.0, stroke_setting * scale),
        "font_size": FONT_SIZE * scale,
        "text_outline": TEXT_OUTLINE * scale,
        "points": points,
        "paths": [],
        "arrow_head": None,
        "rectangle": None,
        "ellipse": None,
        "angle_degrees": None,
        "angle_label": None,
        "text_anchor": None,
        "length_px": None,
    }
    tool = data["tool_type"]
    if tool in LENGTH_TOOLS and len(points) == 2:
        result["length_px"] = segment_length(data["points"], width, height)
    if tool == "pen":
        result["paths"] = [points]
    elif tool == "line":
        result["paths"] = [[points[0], points[1]]]
    elif tool == "arrow":
        head = _arrow_head(points[0], points[1], stroke_setting, scale)
        result["arrow_head"] = head
        result["paths"] = [[points[0], points[1]]] + [[points[1], end] for end in head]
    elif tool == "rectangle":
        (x0, y0), (x1, y1) = points
        result["rectangle"] = (min(x0, x1), min(y0, y1), abs(x1 - x0), abs(y1 - y0))
    elif tool == "ellipse":
        (x0, y0), (x1, y1) = points
        result["ellipse"] = {
            "centre": ((x0 + x1) / 2, (y0 + y1) / 2),
            "axes": (abs(x1 - x0) / 2, abs(y1 - y0) / 2),
        }
    elif tool == "angle":
        arm_a, vertex, arm_b = points
        result["paths"] = [[vertex, arm_a], [vertex, arm_b]]
        result["angle_degrees"] = _angle(data["points"], width, height)
        offset = ANGLE_LABEL_OFFSET * scale
        result["angle_label"] = (vertex[0] + offset, vertex[1] - offset - result["font_size"])
    elif tool in ("calibration", "distance"):
        result["paths"] = [[points[0], points[1]]]
        offset = ANGLE_LABEL_OFFSET * scale
        middle = ((points[0][0] + points[1][0]) / 2, (points[0][1] + points[1][1]) / 2)
        result["text_anchor"] = (middle[0] + offset, middle[1] - offset - result["font_size"])
    elif tool in ("text", "timer"):
        result["text_anchor"] = points[0]
    return result


def segment_length(points: list[list[float]], width: float, height: float) -> float:
    """The length in pixels of a picture width x height of the segment between two normalised
    points (aspect-correct: x scales by the width, y by the height)."""
    (ax, ay), (bx, by) = points[:2]
    return math.hypot((bx - ax) * width, (by - ay) * height)


def measure_errors(data: dict[str, Any], duration: float | None) -> dict[str, list[str]]:
    """What is wrong with a measuring or tracked drawing (field -> messages), given how long it
    stays (`duration`, seconds; None when unknown). The serializers and the update service call
    it; the studio's tools follow the same rules file."""
    tool = data["tool_type"]
    errors: dict[str, list[str]] = {}
    if tool == "calibration":
        length = data.get("length_m")
        if length is None:
            errors["length_m"] = ["A calibration needs the real length of its segment, in metres."]
        elif not 0 < length <= MAX_LENGTH_M:
            errors["length_m"] = [f"The length must be more than 0 and at most {MAX_LENGTH_M} m."]
    two = data["points"][:2]
    if tool in ("calibration", "distance") and len(two) == 2 and two[0] == two[1]:
        errors["points"] = ["The two points must be different."]
    splits = data.get("splits")
    if splits is not None:
        if tool != "timer":
            errors["splits"] = ["Only a timer has splits."]
        elif len(splits) > MAX_SPLITS:
            errors["splits"] = [f"At most {MAX_SPLITS} splits."]
        elif any(b <= a for a, b in itertools.pairwise(splits)):
            errors["splits"] = ["Splits are seconds from the start, in increasing order."]
        elif duration is not None and any(not 0 < split < duration for split in splits):
            errors["splits"] = ["Each split must fall inside the timer (0 < split < duration)."]
    if data.get("track") and tool not in TRACKABLE:
        errors["track"] = [f"Only {', '.join(sorted(TRACKABLE - {'track'}))} can be tracked."]
    tracked = tool == "track" or bool(data.get("track"))
    if tracked and duration is not None and duration > MAX_TRACK_SECONDS:
        errors["duration"] = [f"A point is tracked for at most {MAX_TRACK_SECONDS:g} s."]
    return errors


def is_tracked(data: dict[str, Any] | None) -> bool:
    if not data:
        return False
    return data["tool_type"] == "track" or bool(data.get("track"))
