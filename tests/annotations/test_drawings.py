import json

import pytest
from rest_framework.test import APIClient

from annotations.models import Annotation
from tests.conftest import bearer
from videos.models import VideoStatus
from videos.services import video_delete

pytestmark = pytest.mark.django_db(databases="__all__")

ARROW = {"tool_type": "arrow", "points": [[0.1, 0.2], [0.5, 0.6]], "color": "#00FF00", "width": 4}


def post(client, video, drawing=ARROW, **extra):
    body = {"video_id": str(video.pk), "timestamp": 2.5, "drawing_data": drawing, **extra}
    return client.post("/api/v1/annotations/drawing", body, format="json")


def as_user(coaching, name) -> APIClient:
    users, _ = coaching
    return APIClient() if name == "anonymous" else bearer(APIClient(), users[name])


def test_create_returns_frame_and_defaults(coaching):
    _, video = coaching
    response = post(as_user(coaching, "annotating_coach"), video)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["type"] == "drawing" and body["duration"] == 3.0
    assert body["frame"] == 75  # 2.5 s at 30 fps
    assert body["author"]["username"] == "coach_a"
    assert body["drawing_data"]["tool_type"] == "arrow"


def test_angle_in_degrees_on_the_picture(coaching):
    _, video = coaching
    # a right angle on a 16:9 frame: horizontal then vertical arms from the vertex
    angle = {"tool_type": "angle", "points": [[0.2, 0.5], [0.5, 0.5], [0.5, 0.1]]}
    body = post(as_user(coaching, "owner"), video, angle).json()
    assert body["angle_degrees"] == pytest.approx(90.0)


def test_text_is_stored_as_text(coaching):
    _, video = coaching
    text = {
        "tool_type": "text",
        "points": [[0.5, 0.5]],
        "text": "<script>alert(1)</script> knees out",
    }
    body = post(as_user(coaching, "owner"), video, text).json()
    assert body["drawing_data"]["text"] == "<script>alert(1)</script> knees out"


@pytest.mark.parametrize(
    "drawing,field",
    [
        ({**ARROW, "tool_type": "spray"}, "tool_type"),
        ({**ARROW, "points": [[0.1, 0.2]]}, "points"),
        ({"tool_type": "angle", "points": [[0.1, 0.1], [0.2, 0.2]]}, "points"),
        ({**ARROW, "points": [[0.1, 0.2], [1.5, 0.5]]}, "points"),
        ({**ARROW, "points": [[-0.1, 0.2], [0.5, 0.5]]}, "points"),
        ({**ARROW, "color": "red"}, "color"),
        ({"tool_type": "text", "points": [[0.5, 0.5]]}, "text"),
        ({"tool_type": "pen", "points": [[0.5, 0.5]] * 10_001}, "points"),
        # "$" would take a trailing newline; booleans are not numbers; nor is "NaN" as text
        ({**ARROW, "color": "#FF0000\n"}, "color"),
        ({**ARROW, "points": [[True, False], [0.5, 0.5]]}, "points"),
        ({**ARROW, "width": True}, "width"),
        ({**ARROW, "width": "nan"}, "width"),
        ({**ARROW, "points": [["0.1", "\u0660"], [0.5, 0.5]]}, "points"),
    ],
)
def test_bad_drawings_are_field_errors(coaching, drawing, field):
    _, video = coaching
    response = post(as_user(coaching, "owner"), video, drawing)
    assert response.status_code == 400
    assert field in response.json()["errors"]["drawing_data"] or field in response.json()["errors"]
    assert not Annotation.objects.exists()


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_refused(coaching, value):
    _, video = coaching
    raw = json.dumps({"video_id": str(video.pk), "timestamp": 1, "drawing_data": ARROW})
    raw = raw.replace('"timestamp": 1', f'"timestamp": {value}')
    response = as_user(coaching, "owner").post(
        "/api/v1/annotations/drawing", raw, content_type="application/json"
    )
    assert response.status_code == 400
    nan_point = json.dumps({"video_id": str(video.pk), "timestamp": 1, "drawing_data": ARROW})
    nan_point = nan_point.replace("0.1, 0.2", f"{value}, 0.2")
    response = as_user(coaching, "owner").post(
        "/api/v1/annotations/drawing", nan_point, content_type="application/json"
    )
    assert response.status_code == 400
    assert not Annotation.objects.exists()


@pytest.mark.parametrize(
    "extra,field",
    [
        ({"timestamp": True}, "timestamp"),
        ({"duration": True}, "duration"),
        ({"timestamp": "1e400"}, "timestamp"),
        ({"video_id": 1}, "video_id"),
        ({"video_id": True}, "video_id"),
    ],
)
def test_booleans_and_integers_are_not_numbers_or_ids(coaching, extra, field):
    _, video = coaching
    response = post(as_user(coaching, "owner"), video, **extra)
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Annotation.objects.exists()


def test_import_version_true_is_not_version_1(coaching):
    _, video = coaching
    document = {"format": "video-coaching-annotations", "version": True, "annotations": []}
    response = as_user(coaching, "owner").post(
        f"/api/v1/videos/{video.pk}/annotations/import", document, format="json"
    )
    assert response.status_code == 400
    assert "version" in response.json()["errors"]


def test_body_over_256_kib_is_refused(coaching):
    _, video = coaching
    pen = {"tool_type": "pen", "points": [[0.123456789012, 0.987654321098]] * 9999}  # ~330 KB
    response = post(as_user(coaching, "owner"), video, pen)
    assert response.status_code == 400
    assert "drawing_data" in response.json()["errors"]


def test_timestamp_beyond_the_video_and_video_not_ready(coaching):
    _, video = coaching
    client = as_user(coaching, "owner")
    late = post(client, video, timestamp=10.5)
    assert late.status_code == 400 and "timestamp" in late.json()["errors"]
    video.status = VideoStatus.PROCESSING
    video.save(update_fields=["status"])
    busy = post(client, video)
    assert busy.status_code == 400 and "video_id" in busy.json()["errors"]


CREATE = {
    "owner": 201,
    "annotating_coach": 201,
    "staff": 201,
    "viewing_coach": 403,
    "stranger": 400,
    "anonymous": 401,
}


@pytest.mark.parametrize("caller,expected", CREATE.items())
def test_who_may_create(coaching, caller, expected):
    _, video = coaching
    response = post(as_user(coaching, caller), video)
    assert response.status_code == expected
    assert Annotation.objects.count() == (1 if expected == 201 else 0)


def make_annotation(coaching, author="annotating_coach"):
    _, video = coaching
    return post(as_user(coaching, author), video).json()["id"]


READ = {
    "owner": 200,
    "annotating_coach": 200,
    "viewing_coach": 200,
    "staff": 200,
    "stranger": 404,
    "anonymous": 401,
}


@pytest.mark.parametrize("caller,expected", READ.items())
def test_who_may_read(coaching, caller, expected):
    annotation_id = make_annotation(coaching)
    assert (
        as_user(coaching, caller).get(f"/api/v1/annotations/{annotation_id}").status_code
        == expected
    )


EDIT = {
    "annotating_coach": 200,
    "staff": 200,
    "owner": 403,
    "viewing_coach": 403,
    "stranger": 404,
    "anonymous": 401,
}


@pytest.mark.parametrize("caller,expected", EDIT.items())
def test_who_may_edit(coaching, caller, expected):
    annotation_id = make_annotation(coaching)
    response = as_user(coaching, caller).patch(
        f"/api/v1/annotations/{annotation_id}", {"duration": 5}, format="json"
    )
    assert response.status_code == expected
    assert Annotation.objects.get(pk=annotation_id).duration == (5 if expected == 200 else 3)


DELETE = {
    "annotating_coach": 204,
    "staff": 204,
    "owner": 204,
    "viewing_coach": 403,
    "stranger": 404,
    "anonymous": 401,
}


@pytest.mark.parametrize("caller,expected", DELETE.items())
def test_who_may_delete(coaching, caller, expected):
    annotation_id = make_annotation(coaching)
    response = as_user(coaching, caller).delete(f"/api/v1/annotations/{annotation_id}")
    assert response.status_code == expected
    assert Annotation.objects.filter(pk=annotation_id).exists() == (expected != 204)


def test_list_in_time_order_with_filters(coaching, django_assert_max_num_queries):
    _, video = coaching
    coach, owner = as_user(coaching, "annotating_coach"), as_user(coaching, "owner")
    for t in (5, 1, 3):
        post(coach, video, timestamp=t)
    post(owner, video, timestamp=2)
    # 9: the video's latest calibration is read once per list (metres_per_pixel, issue 19).
    with django_assert_max_num_queries(9):
        body = (
            as_user(coaching, "viewing_coach")
            .get(f"/api/v1/annotations?video_id={video.pk}")
            .json()
        )
    assert [a["timestamp"] for a in body["results"]] == [1, 2, 3, 5]
    mine = owner.get(f"/api/v1/annotations?video_id={video.pk}&author=owner").json()
    assert [a["timestamp"] for a in mine["results"]] == [2]
    missing = owner.get("/api/v1/annotations")
    assert missing.status_code == 400 and "video_id" in missing.json()["errors"]


def test_deleting_the_video_deletes_its_annotations(coaching):
    _, video = coaching
    make_annotation(coaching)
    video_delete(video=video)
    assert not Annotation.objects.exists()
