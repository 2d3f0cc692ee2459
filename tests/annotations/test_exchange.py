import pytest
from rest_framework.test import APIClient

from annotations.models import Annotation
from tests.conftest import bearer

pytestmark = pytest.mark.django_db(databases="__all__")
ANGLE = {"tool_type": "angle", "points": [[0.2, 0.5], [0.5, 0.5], [0.5, 0.1]], "color": "#FFCC00"}


def test_export_import_round_trip_and_vtt(coaching):
    users, video = coaching
    owner = bearer(APIClient(), users["owner"])
    for t in (4, 1):
        owner.post(
            "/api/v1/annotations/drawing",
            {"video_id": str(video.pk), "timestamp": t, "drawing_data": ANGLE},
            format="json",
        )
    document = owner.get(f"/api/v1/videos/{video.pk}/annotations/export").json()
    assert document["format"] == "video-coaching-annotations" and document["version"] == 1
    assert [a["timestamp"] for a in document["annotations"]] == [1, 4]
    assert document["annotations"][0]["angle_degrees"] == pytest.approx(90)

    vtt = owner.get(f"/api/v1/videos/{video.pk}/annotations/export.vtt")
    assert vtt["Content-Type"].startswith("text/vtt")
    text = vtt.content.decode()
    assert text.startswith("WEBVTT") and "00:00:01.000 --> 00:00:04.000" in text

    coach = bearer(APIClient(), users["annotating_coach"])
    imported = coach.post(f"/api/v1/videos/{video.pk}/annotations/import", document, format="json")
    assert imported.status_code == 201 and imported.json() == {"imported": 2, "comments": 0}
    assert Annotation.objects.filter(author_username="coach_a").count() == 2


def test_import_is_all_or_nothing_and_needs_annotate(coaching):
    users, video = coaching
    bad = {
        "format": "video-coaching-annotations",
        "version": 1,
        "annotations": [
            {"type": "drawing", "timestamp": 1, "drawing_data": ANGLE},
            {"type": "drawing", "timestamp": 2, "drawing_data": {**ANGLE, "points": [[5, 5]]}},
        ],
    }
    owner = bearer(APIClient(), users["owner"])
    response = owner.post(f"/api/v1/videos/{video.pk}/annotations/import", bad, format="json")
    assert response.status_code == 400 and "annotations" in response.json()["errors"]
    assert not Annotation.objects.exists()
    wrong = owner.post(
        f"/api/v1/videos/{video.pk}/annotations/import", {"format": "x"}, format="json"
    )
    assert wrong.status_code == 400
    viewer = bearer(APIClient(), users["viewing_coach"])
    denied = viewer.post(f"/api/v1/videos/{video.pk}/annotations/import", bad, format="json")
    assert denied.status_code == 403
    stranger = bearer(APIClient(), users["stranger"])
    assert stranger.get(f"/api/v1/videos/{video.pk}/annotations/export").status_code == 404


def test_import_checks_timer_splits_against_the_timer(coaching):
    users, video = coaching
    timer = {"tool_type": "timer", "points": [[0.1, 0.1]], "color": "#00FF00", "splits": [0.5, 4.0]}
    # a split after the timer has stopped (it lasts 2 s): refused as in the drawing API
    stopped: dict = {"type": "drawing", "timestamp": 1, "duration": 2.0, "drawing_data": timer}
    document = {
        "format": "video-coaching-annotations",
        "version": 1,
        "annotations": [{"type": "drawing", "timestamp": 1, "drawing_data": ANGLE}, stopped],
    }
    owner = bearer(APIClient(), users["owner"])
    response = owner.post(f"/api/v1/videos/{video.pk}/annotations/import", document, format="json")
    assert response.status_code == 400 and "splits" in response.json()["errors"]["annotations"][0]
    assert not Annotation.objects.exists()
    stopped["duration"] = 5.0
    response = owner.post(f"/api/v1/videos/{video.pk}/annotations/import", document, format="json")
    assert response.status_code == 201, response.json()
    assert Annotation.objects.count() == 2
