"""Drawing data: the tools, their point counts, and the geometry the API reports."""

import math

POINT_COUNTS: dict[str, tuple[int, int]] = {
    # tool: (fewest points, most points)
    "pen": (2, 10_000),
    "line": (2, 2),
    "arrow": (2, 2),
    "rectangle": (2, 2),
    "ellipse": (2, 2),
    "angle": (3, 3),
    "text": (1, 1),
}
MAX_POINTS = 10_000


def angle_degrees(points: list[list[float]], width: int, height: int) -> float:
    """The angle at the middle point, measured on the picture (normalised coordinates are
    scaled by the frame's width and height, so a 45-degree line looks like one)."""
    (ax, ay), (bx, by), (cx, cy) = points
    v1 = ((ax - bx) * width, (ay - by) * height)
    v2 = ((cx - bx) * width, (cy - by) * height)
    norm = math.hypot(*v1) * math.hypot(*v2)
    if norm == 0:
        return 0.0
    cosine = max(-1.0, min(1.0, (v1[0] * v2[0] + v1[1] * v2[1]) / norm))
    return round(math.degrees(math.acos(cosine)), 2)


# How drawings look, shared by the browser canvas (static/src/studio) and the MP4 export
# (processing/export.py): sizes are in pixels on a picture REFERENCE_HEIGHT high, scaled by
# picture_height / REFERENCE_HEIGHT.
REFERENCE_HEIGHT = 1080
ARROW_HEAD_MIN = 12  # the head is max(ARROW_HEAD_MIN, ARROW_HEAD_PER_WIDTH * width) long
ARROW_HEAD_PER_WIDTH = 4
ARROW_HEAD_DEGREES = 28
FONT_SIZE = 28
TEXT_OUTLINE = 4
ANGLE_LABEL_OFFSET = 14  # the angle's label sits this far right of and above the vertex
