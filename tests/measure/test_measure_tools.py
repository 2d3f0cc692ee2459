"""The measuring tools over the API: validation (shared with the studio through
drawing_rules.json), calibration maths, lengths and speeds in the answers."""

import pytest
from rest_framework.test import APIClient

from annotations import measure
from annotations.drawing import POINT_COUNTS, measure_errors
from annotations.models import Annotation
from tests.conftest import bearer

pytestmark = pytest.mark.django_db(databases="__all__")

# The coaching video is 1280 x 720: 100 px across is 100 / 1280 of the width.
ACROSS_100 = [[0.1, 0.5], [0.1 + 100 / 1280, 0.5]]
DOWN_100 = [[0.5, 0.1], [0.5, 0.1 + 100 / 720]]


def post(client, video, drawing, **extra):
    body = {"video_id": str(video.pk), "timestamp": 1.0, "drawing_data": drawing, **extra}
    return client.post("/api/v1/annotations/drawing", body, format="json")


def owner(coaching) -> APIClient:
    users, _ = coaching
    return bearer(APIClient(), users["owner"])


def test_a_100_px_segment_calibrated_as_1_m_gives_a_hundredth_of_a_metre_per_pixel(coaching):
    _, video = coaching
    client = owner(coaching)
    calibration = post(
        client, video, {"tool_type": "calibration", "points": ACROSS_100, "length_m": 1}
    )
    assert calibration.status_code == 201, calibration.json()
    body = calibration.json()
    assert body["length_px"] == pytest.approx(100, abs=1e-3)
    assert body["metres_per_pixel"] == pytest.approx(0.01)
    assert body["length_m"] == 1.0
    # Aspect-correct: 100 px down the 720 px high picture is 1 m too.
    distance = post(client, video, {"tool_type": "distance", "points": DOWN_100}).json()
    assert distance["length_px"] == pytest.approx(100, abs=1e-3)
    assert distance["length_m"] == pytest.approx(1.0, rel=1e-4)
    assert distance["metres_per_pixel"] == pytest.approx(0.01)


def test_the_latest_calibration_applies_to_every_drawing(coaching):
    _, video = coaching
    client = owner(coaching)
    line = post(client, video, {"tool_type": "line", "points": DOWN_100}).json()
    assert line["length_px"] == pytest.approx(100, abs=1e-3)
    assert line["length_m"] is None and line["metres_per_pixel"] is None  # not calibrated yet
    post(client, video, {"tool_type": "calibration", "points": ACROSS_100, "length_m": 1})
    post(client, video, {"tool_type": "calibration", "points": ACROSS_100, "length_m": 2.2})
    again = client.get(f"/api/v1/annotations/{line['id']}").json()
    assert again["metres_per_pixel"] == pytest.approx(0.022)
    assert again["length_m"] == pytest.approx(2.2, rel=1e-4)
    listed = client.get(f"/api/v1/annotations?video_id={video.pk}").json()["results"]
    assert {round(item["metres_per_pixel"], 6) for item in listed} == {0.022}


def test_a_timer_keeps_its_splits(coaching):
    _, video = coaching
    timer = {"tool_type": "timer", "points": [[0.8, 0.1]], "splits": [0.12, 0.3]}
    response = post(owner(coaching), video, timer, duration=0.5)
    assert response.status_code == 201, response.json()
    assert response.json()["drawing_data"]["splits"] == [0.12, 0.3]
    assert response.json()["duration"] == 0.5


@pytest.mark.parametrize(
    "drawing,extra,field",
    [
        ({"tool_type": "calibration", "points": ACROSS_100}, {}, "length_m"),
        ({"tool_type": "calibration", "points": ACROSS_100, "length_m": 0}, {}, "length_m"),
        ({"tool_type": "calibration", "points": ACROSS_100, "length_m": -1}, {}, "length_m"),
        ({"tool_type": "calibration", "points": ACROSS_100, "length_m": "nan"}, {}, "length_m"),
        ({"tool_type": "calibration", "points": ACROSS_100, "length_m": True}, {}, "length_m"),
        (
            {"tool_type": "calibration", "points": [[0.2, 0.2], [0.2, 0.2]], "length_m": 1},
            {},
            "points",
        ),
        ({"tool_type": "distance", "points": [[0.2, 0.2]]}, {}, "points"),
        ({"tool_type": "distance", "points": [[0.3, 0.3], [0.3, 0.3]]}, {}, "points"),
        (
            {"tool_type": "timer", "points": [[0.5, 0.5]], "splits": [0.4, 0.2]},
            {"duration": 1},
            "splits",
        ),
        (
            {"tool_type": "timer", "points": [[0.5, 0.5]], "splits": [1.5]},
            {"duration": 1},
            "splits",
        ),
        ({"tool_type": "timer", "points": [[0.5, 0.5]], "splits": ["x"]}, {}, "splits"),
        ({"tool_type": "line", "points": ACROSS_100, "splits": [0.1]}, {}, "splits"),
        ({"tool_type": "rectangle", "points": ACROSS_100, "track": True}, {}, "track"),
        ({"tool_type": "track", "points": [[0.5, 0.5], [0.6, 0.6]]}, {}, "points"),
        ({"tool_type": "track", "points": [[0.5, 0.5]]}, {"duration": 61}, "duration"),
        (
            {"tool_type": "angle", "points": [[0.1, 0.1], [0.5, 0.5], [0.9, 0.1]], "track": True},
            {"duration": 90},
            "duration",
        ),
    ],
)
def test_bad_measuring_drawings_are_400_and_stored_nowhere(coaching, drawing, extra, field):
    _, video = coaching
    response = post(owner(coaching), video, drawing, **extra)
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "invalid"
    assert field in response.json()["errors"]["drawing_data"]
    assert not Annotation.objects.exists()


def test_the_rules_file_holds_the_new_tools():
    assert POINT_COUNTS["calibration"] == POINT_COUNTS["distance"] == (2, 2)
    assert POINT_COUNTS["timer"] == POINT_COUNTS["track"] == (1, 1)
    assert measure_errors({"tool_type": "track", "points": [[0.5, 0.5]]}, 60) == {}


def test_speeds_in_pixels_and_metres_per_second():
    # 1280 x 720, a point moving 100 px/s across, sampled at 30 fps.
    positions = [[i / 30, 0.1 + (100 / 1280) * i / 30, 0.5] for i in range(31)]
    values, peak, unit = measure.speed_series(positions, 1280, 720, None)
    assert unit == "px/s" and peak == pytest.approx(100, rel=1e-4)
    assert all(v == pytest.approx(100, rel=1e-4) for _, v in values)
    values, peak, unit = measure.speed_series(positions, 1280, 720, 0.01)
    assert unit == "m/s" and peak == pytest.approx(1.0, rel=1e-4)


def test_tracked_values_of_an_angle_and_a_line():
    right = [[0.0, [[0.2, 0.5], [0.5, 0.5], [0.5, 0.1]]]]
    values, unit = measure.tracked_values("angle", right, 1280, 720, None)
    assert unit == "degrees" and values[0][1] == pytest.approx(90)
    line = [[0.5, [[0.1, 0.5], [0.1 + 100 / 1280, 0.5]]]]
    assert measure.tracked_values("line", line, 1280, 720, None)[1] == "px"
    values, unit = measure.tracked_values("line", line, 1280, 720, 0.01)
    assert unit == "m" and values == [[0.5, pytest.approx(1.0)]]
