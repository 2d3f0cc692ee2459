"""The drawing rules are written once (static/src/studio/drawing_rules.json) and the browser and the
MP4 export compute the same geometry from them: the JS `geometry` runs under Node on the same
drawings as the Python one, at two picture sizes. Text glyphs differ between OpenCV and the
browser; only geometry (sizes, arrow heads, label anchors, shapes) is compared."""

import json
import math
import shutil
import subprocess
from typing import Any

import pytest
from django.conf import settings

from annotations import drawing

CLI = settings.BASE_DIR / "static" / "tests" / "geometry-cli.mjs"
SIZES = [(1920, 1080), (640, 360)]
DRAWINGS: list[dict[str, Any]] = [
    {"tool_type": "pen", "points": [[0.1, 0.1], [0.2, 0.15], [0.3, 0.3], [0.35, 0.6]], "width": 3},
    {"tool_type": "line", "points": [[0.05, 0.9], [0.95, 0.1]], "color": "#00FF00", "width": 8},
    {"tool_type": "arrow", "points": [[0.2, 0.8], [0.45, 0.45]], "width": 3},
    {"tool_type": "arrow", "points": [[0.9, 0.2], [0.1, 0.2]], "width": 10},
    {"tool_type": "arrow", "points": [[0.5, 0.5], [0.5, 0.5]]},
    {"tool_type": "rectangle", "points": [[0.6, 0.7], [0.3, 0.2]], "width": 4},
    {"tool_type": "ellipse", "points": [[0.25, 0.25], [0.75, 0.5]], "width": 2},
    {"tool_type": "angle", "points": [[0.6, 0.2], [0.6, 0.6], [0.85, 0.6]], "width": 3},
    {"tool_type": "angle", "points": [[0.1, 0.9], [0.4, 0.5], [0.9, 0.75]], "width": 5},
    {"tool_type": "angle", "points": [[0.5, 0.5], [0.5, 0.5], [0.7, 0.5]]},
    {"tool_type": "text", "points": [[0.1, 0.2]], "text": "Hips through", "width": 3},
    {"tool_type": "text", "points": [[0.7, 0.85]], "text": "Knee", "width": 1},
    {"tool_type": "calibration", "points": [[0.1, 0.9], [0.5, 0.9]], "length_m": 2.2},
    {"tool_type": "distance", "points": [[0.3, 0.2], [0.35, 0.7]], "width": 2},
    {"tool_type": "timer", "points": [[0.8, 0.1]], "splits": [0.1]},
    {"tool_type": "track", "points": [[0.4, 0.45]], "width": 5},
]


def browser_geometry(cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    node = shutil.which("node")
    assert node, "Node.js is needed to run the browser's geometry (make assets installs it)"
    result = subprocess.run(
        [node, str(CLI)],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        cwd=settings.BASE_DIR,
    )
    return json.loads(result.stdout)


def assert_same(python: Any, browser: Any, where: str) -> None:
    """Equal structure, numbers within 1e-6 (tuples and lists alike)."""
    if isinstance(python, dict):
        assert isinstance(browser, dict) and python.keys() == browser.keys(), where
        for key in python:
            assert_same(python[key], browser[key], f"{where}.{key}")
    elif isinstance(python, list | tuple):
        assert isinstance(browser, list) and len(python) == len(browser), where
        for index, (a, b) in enumerate(zip(python, browser, strict=True)):
            assert_same(a, b, f"{where}[{index}]")
    elif python is None:
        assert browser is None, where
    else:
        assert math.isclose(python, browser, rel_tol=0, abs_tol=1e-6), (
            f"{where}: {python} != {browser}"
        )


def test_both_sides_compute_the_same_geometry() -> None:
    cases: list[dict[str, Any]] = [
        {"data": data, "width": w, "height": h} for data in DRAWINGS for w, h in SIZES
    ]
    browser = browser_geometry(cases)
    assert len(browser) == len(cases) == 32
    for case, theirs in zip(cases, browser, strict=True):
        ours = drawing.geometry(case["data"], case["width"], case["height"])
        where = f"{case['data']['tool_type']} at {case['width']}x{case['height']}"
        assert_same(ours, theirs, where)
    tools = {case["data"]["tool_type"] for case in cases}
    assert tools == set(drawing.POINT_COUNTS)


def test_the_geometry_is_what_the_rules_say() -> None:
    """Exact values, so that a change of the rules or of both functions shows up here."""
    arrow = drawing.geometry(DRAWINGS[3], 1920, 1080)  # right to left, width 10: a 40 px head
    back, side = 40 * math.cos(math.radians(28)), 40 * math.sin(math.radians(28))
    assert arrow["stroke_width"] == 10
    # pointing left, the head opens to the right: first the side above (-28 degrees), then below
    assert arrow["arrow_head"][0] == pytest.approx((192 + back, 216 - side), abs=1e-9)
    assert arrow["arrow_head"][1] == pytest.approx((192 + back, 216 + side), abs=1e-9)
    angle = drawing.geometry(DRAWINGS[7], 640, 360)  # a right angle, label 14 * 1/3 px off
    assert angle["angle_degrees"] == pytest.approx(90)
    assert angle["angle_label"] == pytest.approx((384 + 14 / 3, 216 - 14 / 3 - 28 / 3))
    assert drawing.geometry(DRAWINGS[6], 640, 360)["ellipse"] == {
        "centre": (320, 135),
        "axes": (160, 45),
    }
    assert drawing.geometry(DRAWINGS[11], 640, 360)["stroke_width"] == 1


def test_the_rules_file_feeds_the_python_names() -> None:
    rules = json.loads((settings.BASE_DIR / "static/src/studio/drawing_rules.json").read_text())
    assert drawing.REFERENCE_HEIGHT == rules["reference_height"] == 1080
    assert rules["arrow_head_degrees"] == drawing.ARROW_HEAD_DEGREES == 28
    assert drawing.POINT_COUNTS["angle"] == (3, 3)
    assert drawing.POINT_COUNTS["pen"] == (2, drawing.MAX_POINTS)
    assert rules["measure"]["trail_seconds"] == drawing.MEASURE["trail_seconds"]


def test_lengths_are_in_pixels_of_the_picture_on_both_sides() -> None:
    distance = DRAWINGS[13]  # 0.05 of 1920 across, 0.5 of 1080 down
    expected = math.hypot(0.05 * 1920, 0.5 * 1080)
    assert drawing.geometry(distance, 1920, 1080)["length_px"] == pytest.approx(expected)
    assert browser_geometry([{"data": distance, "width": 1920, "height": 1080}])[0][
        "length_px"
    ] == pytest.approx(expected)
