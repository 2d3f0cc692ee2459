"""Drawings on a comparison's panes: who may draw, each side's own time and frame rate, and
where they are listed (with the comparison, never with the video)."""

import pytest
from rest_framework.test import APIClient

from annotations.models import Annotation
from tests.conftest import bearer
from videos.models import Comparison, ComparisonShare

pytestmark = pytest.mark.django_db(databases="__all__")
LINE = {"tool_type": "line", "points": [[0.1, 0.5], [0.9, 0.5]], "color": "#FF0000", "width": 6}
DRAW = "/api/v1/annotations/drawing"


def api(users, name) -> APIClient:
    return bearer(APIClient(), users[name])


@pytest.fixture
def comparison(comparing):
    """Made by the annotating coach on the athlete's videos, shared with the viewing coach."""
    users, left, right = comparing
    made = Comparison.objects.create(
        owner=users["coach_a"], title="c", left_video=left, right_video=right, left_sync=2.0
    )
    ComparisonShare.objects.create(comparison=made, user=users["coach_v"], permission="view")
    return made


def draw(client, comparison, side="right", timestamp=2.5, **extra):
    body = {
        "comparison_id": str(comparison.pk),
        "side": side,
        "timestamp": timestamp,
        "drawing_data": LINE,
        **extra,
    }
    return client.post(DRAW, body, format="json")


def test_times_and_frames_are_each_sides_own(comparison, comparing):
    users, left, right = comparing
    coach = api(users, "coach_a")
    on_right = draw(coach, comparison, "right", 2.5)
    assert on_right.status_code == 201, on_right.json()
    body = on_right.json()
    assert body["video_id"] == str(right.pk) and body["side"] == "right"
    assert body["comparison_id"] == str(comparison.pk)
    assert body["frame"] == 150  # 2.5 s at 60 fps
    on_left = draw(coach, comparison, "left", 2.51).json()
    assert on_left["video_id"] == str(left.pk) and on_left["frame"] == 75  # at 30 fps
    assert on_left["timestamp"] == pytest.approx(2.5)  # snapped to its frame's start
    # past the end of the right video (4 s), though the left one is 10 s long
    late = draw(coach, comparison, "right", 5.0)
    assert late.status_code == 400 and "timestamp" in late.json()["errors"]


@pytest.mark.parametrize(
    "body,field",
    [
        ({"side": None}, "side"),
        ({"side": "middle"}, "side"),
        ({"comparison_id": None, "video_id": None}, "video_id"),
    ],
)
def test_side_goes_with_a_comparison(comparison, comparing, body, field):
    users, _, _ = comparing
    payload = {"comparison_id": str(comparison.pk), "timestamp": 1, "drawing_data": LINE, **body}
    payload = {key: value for key, value in payload.items() if value is not None}
    response = api(users, "coach_a").post(DRAW, payload, format="json")
    assert response.status_code == 400 and field in response.json()["errors"], response.json()
    assert not Annotation.objects.exists()


def test_side_without_a_comparison_is_refused(comparing):
    users, left, _ = comparing
    body = {"video_id": str(left.pk), "side": "left", "timestamp": 1, "drawing_data": LINE}
    response = api(users, "coach_a").post(DRAW, body, format="json")
    assert response.status_code == 400 and "side" in response.json()["errors"]


def test_a_video_id_must_be_that_sides(comparison, comparing):
    users, left, _ = comparing
    response = draw(api(users, "coach_a"), comparison, "right", video_id=str(left.pk))
    assert response.status_code == 400 and "video_id" in response.json()["errors"]


def test_view_share_may_not_draw(comparison, comparing):
    users, _, _ = comparing
    response = draw(api(users, "coach_v"), comparison)
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert not Annotation.objects.exists()


def test_annotating_the_videos_is_not_annotating_the_comparison(comparison, comparing):
    """The athlete owns both videos but the comparison is not shared with them: it is not theirs
    to see, so the id in the body is no such comparison."""
    users, _, _ = comparing
    response = draw(api(users, "owner"), comparison)
    assert response.status_code == 400 and "comparison_id" in response.json()["errors"]
    ComparisonShare.objects.create(comparison=comparison, user=users["owner"], permission="view")
    assert draw(api(users, "owner"), comparison).status_code == 403
    ComparisonShare.objects.filter(user=users["owner"]).update(permission="annotate")
    assert draw(api(users, "owner"), comparison).status_code == 201


def test_staff_may_draw(comparison, comparing):
    users, _, _ = comparing
    assert draw(api(users, "staff"), comparison).status_code == 201


def test_pane_drawings_are_listed_with_the_comparison_only(comparison, comparing):
    users, _left, right = comparing
    coach = api(users, "coach_a")
    pane = draw(coach, comparison, "right", 1.0).json()
    draw(coach, comparison, "left", 1.0)
    own = coach.post(
        DRAW,
        {"video_id": str(right.pk), "timestamp": 1.0, "drawing_data": LINE},
        format="json",
    ).json()

    listed = coach.get("/api/v1/annotations", {"comparison_id": str(comparison.pk)}).json()
    assert listed["count"] == 2
    right_only = coach.get(
        "/api/v1/annotations", {"comparison_id": str(comparison.pk), "side": "right"}
    ).json()
    assert [item["id"] for item in right_only["results"]] == [pane["id"]]
    of_video = coach.get("/api/v1/annotations", {"video_id": str(right.pk)}).json()
    assert [item["id"] for item in of_video["results"]] == [own["id"]]
    exported = coach.get(f"/api/v1/videos/{right.pk}/annotations/export").json()
    assert [item["timestamp"] for item in exported["annotations"]] == [1.0]
    assert len(exported["annotations"]) == 1

    # a viewer of the comparison lists them; someone who sees only the videos does not
    assert (
        api(users, "coach_v")
        .get("/api/v1/annotations", {"comparison_id": str(comparison.pk)})
        .json()["count"]
        == 2
    )
    refused = api(users, "half").get("/api/v1/annotations", {"comparison_id": str(comparison.pk)})
    assert refused.status_code == 400
    both = coach.get(
        "/api/v1/annotations", {"comparison_id": str(comparison.pk), "video_id": str(right.pk)}
    )
    assert both.status_code == 400


def test_one_pane_drawing_follows_the_comparisons_rules(comparison, comparing):
    users, _, _right = comparing
    pane = draw(api(users, "coach_a"), comparison).json()
    url = f"/api/v1/annotations/{pane['id']}"
    assert api(users, "coach_v").get(url).status_code == 200
    # the athlete owns the video but not the comparison: cannot see or delete its drawings
    assert api(users, "owner").get(url).status_code == 404
    assert api(users, "owner").delete(url).status_code == 404
    assert api(users, "coach_v").delete(url).status_code == 403
    assert Annotation.objects.filter(pk=pane["id"]).exists()
    # the comparison's owner deletes a collaborator's drawing, and may undo it
    ComparisonShare.objects.create(comparison=comparison, user=users["staff"], permission="view")
    staff_pane = draw(api(users, "staff"), comparison).json()
    assert (
        api(users, "coach_a").delete(f"/api/v1/annotations/{staff_pane['id']}").status_code == 204
    )
    restored = api(users, "coach_a").post(f"/api/v1/annotations/{staff_pane['id']}/restore")
    assert restored.status_code == 201, restored.json()
    assert restored.json()["comparison_id"] == str(comparison.pk)
    assert restored.json()["side"] == "right"
    assert restored.json()["frame"] == 150


def test_deleting_the_comparison_deletes_its_drawings_not_the_videos(comparison, comparing):
    users, _, right = comparing
    coach = api(users, "coach_a")
    draw(coach, comparison)
    own = coach.post(
        DRAW, {"video_id": str(right.pk), "timestamp": 1.0, "drawing_data": LINE}, format="json"
    ).json()
    assert coach.delete(f"/api/v1/comparisons/{comparison.pk}").status_code == 204
    assert [str(pk) for pk in Annotation.objects.values_list("pk", flat=True)] == [own["id"]]
