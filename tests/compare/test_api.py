"""The comparison API: who sees and changes a comparison, both ways, and what it refuses."""

import pytest
from rest_framework.test import APIClient

from annotations.models import Annotation
from tests.conftest import bearer
from tests.factories import make_video
from videos.models import Comparison, ComparisonShare, VideoShare, VideoStatus
from videos.services import video_delete, video_hide

pytestmark = pytest.mark.django_db(databases="__all__")
URL = "/api/v1/comparisons"
LINE = {"tool_type": "line", "points": [[0.1, 0.5], [0.9, 0.5]], "color": "#FF0000", "width": 6}


def api(users, name) -> APIClient:
    return APIClient() if name == "anonymous" else bearer(APIClient(), users[name])


def create(client, left_video, right_video, **extra):
    body = {
        "title": "Squat then and now",
        "left": {"video_id": str(left_video.pk), "sync": 2.0},
        "right": {"video_id": str(right_video.pk), "sync": 0.5},
        **extra,
    }
    return client.post(URL, body, format="json")


@pytest.fixture
def comparison(comparing):
    users, left, right = comparing
    response = create(api(users, "owner"), left, right)
    assert response.status_code == 201, response.json()
    return Comparison.objects.get(pk=response.json()["id"])


def test_create_answers_both_panes_with_their_videos(comparing):
    users, left, right = comparing
    response = create(api(users, "owner"), left, right, layout="overlay", overlay_opacity=0.3)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert response["Location"] == f"/api/v1/comparisons/{body['id']}"
    assert body["layout"] == "overlay" and body["overlay_opacity"] == 0.3
    assert body["left"]["video_id"] == str(left.pk) and body["left"]["sync"] == 2.0
    assert body["right"]["video"]["fps"] == 60.0 and body["right"]["sync"] == 0.5
    assert body["permissions"] == {"can_annotate": True, "can_edit": True}


def test_the_same_video_on_both_sides_is_allowed(comparing):
    users, left, _ = comparing
    response = create(api(users, "owner"), left, left)
    assert response.status_code == 201, response.json()


@pytest.mark.parametrize("name", ["coach_a", "coach_v", "staff"])
def test_anyone_who_may_view_both_videos_may_create(comparing, name):
    users, left, right = comparing
    assert create(api(users, name), left, right).status_code == 201


@pytest.mark.parametrize("name", ["half", "stranger"])
def test_a_video_you_may_not_view_is_404_and_nothing_is_made(comparing, name):
    users, left, right = comparing
    response = create(api(users, name), left, right)
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert not Comparison.objects.exists()


def test_anonymous_is_401(comparing):
    users, left, right = comparing
    assert create(api(users, "anonymous"), left, right).status_code == 401


def test_a_video_not_ready_is_404(comparing):
    users, left, _ = comparing
    processing = make_video(users["owner"], status=VideoStatus.PROCESSING, duration=3.0)
    response = create(api(users, "owner"), left, processing)
    assert response.status_code == 404
    assert not Comparison.objects.exists()


@pytest.mark.parametrize(
    "change,field",
    [
        ({"left": {"video_id": "x", "sync": 0}}, "left"),
        ({"right": {"video_id": None, "sync": 0}}, "right"),
        ({"layout": "diagonal"}, "layout"),
        ({"overlay_opacity": 1.5}, "overlay_opacity"),
        ({"overlay_opacity": True}, "overlay_opacity"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_input_is_400_with_the_field(comparing, change, field):
    users, left, right = comparing
    response = create(api(users, "owner"), left, right, **change)
    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"]
    assert not Comparison.objects.exists()


def test_a_sync_past_the_end_is_400(comparing):
    users, left, right = comparing
    body = {
        "left": {"video_id": str(left.pk), "sync": 1.0},
        "right": {"video_id": str(right.pk), "sync": 4.5},  # the right video is 4 s long
    }
    response = api(users, "owner").post(URL, body, format="json")
    assert response.status_code == 400 and "right" in response.json()["errors"]


def test_list_shows_yours_and_shared_only(comparison, comparing):
    users, _, _ = comparing
    assert api(users, "owner").get(URL).json()["count"] == 1
    assert api(users, "coach_a").get(URL).json()["count"] == 0
    ComparisonShare.objects.create(comparison=comparison, user=users["coach_a"], permission="view")
    assert api(users, "coach_a").get(URL).json()["count"] == 1
    assert api(users, "staff").get(URL).json()["count"] == 1
    assert api(users, "stranger").get(URL).json()["count"] == 0


def test_sharing_a_comparison_does_not_share_its_videos(comparison, comparing):
    users, _left, _ = comparing
    owner = api(users, "owner")
    # "half" may view the left video only
    response = owner.post(
        f"{URL}/{comparison.pk}/shares", {"username": "half", "permission": "view"}, format="json"
    )
    assert response.status_code == 201
    half = api(users, "half")
    assert half.get(f"{URL}/{comparison.pk}").status_code == 404
    assert half.get(URL).json()["count"] == 0
    assert half.get(f"/api/v1/videos/{comparison.right_video_id}").status_code == 404
    # once they may view the right video too, they see the comparison
    VideoShare.objects.create(video=comparison.right_video, user=users["half"], permission="view")
    assert half.get(f"{URL}/{comparison.pk}").status_code == 200
    assert half.get(URL).json()["count"] == 1


def test_losing_access_to_either_video_hides_it(comparison, comparing):
    users, left, right = comparing
    ComparisonShare.objects.create(comparison=comparison, user=users["coach_v"], permission="view")
    viewer = api(users, "coach_v")
    assert viewer.get(f"{URL}/{comparison.pk}").status_code == 200
    api(users, "owner").delete(f"/api/v1/videos/{right.pk}/shares/coach_v")
    assert viewer.get(f"{URL}/{comparison.pk}").status_code == 404
    assert viewer.get(URL).json()["count"] == 0
    # hidden by a moderator: only staff and the owner see the video, so only they the comparison
    VideoShare.objects.create(video=right, user=users["coach_v"], permission="view")
    assert viewer.get(f"{URL}/{comparison.pk}").status_code == 200
    video_hide(video=left, reason="not a training video")
    assert viewer.get(f"{URL}/{comparison.pk}").status_code == 404
    assert api(users, "owner").get(f"{URL}/{comparison.pk}").status_code == 200


def test_deleting_either_video_deletes_it_with_its_drawings(comparison, comparing):
    users, _left, right = comparing
    response = api(users, "owner").post(
        "/api/v1/annotations/drawing",
        {
            "comparison_id": str(comparison.pk),
            "side": "right",
            "timestamp": 1.0,
            "drawing_data": LINE,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    video_delete(video=right)
    assert not Comparison.objects.filter(pk=comparison.pk).exists()
    assert not Annotation.objects.filter(comparison_id=comparison.pk).exists()
    assert api(users, "owner").get(f"{URL}/{comparison.pk}").status_code == 404


def test_patch_sync_and_layout_by_annotators_only(comparison, comparing):
    users, _, _ = comparing
    ComparisonShare.objects.create(
        comparison=comparison, user=users["coach_a"], permission="annotate"
    )
    ComparisonShare.objects.create(comparison=comparison, user=users["coach_v"], permission="view")
    change = {"left": {"sync": 2.5}, "layout": "stacked", "right": {"mirror": True}}

    refused = api(users, "coach_v").patch(f"{URL}/{comparison.pk}", change, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    comparison.refresh_from_db()
    assert comparison.left_sync == 2.0 and comparison.layout == "side_by_side"

    response = api(users, "coach_a").patch(f"{URL}/{comparison.pk}", change, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["left"]["sync"] == 2.5 and body["layout"] == "stacked"
    assert body["right"]["mirror"] is True and body["right"]["sync"] == 0.5
    # a collaborator moves the sync; only the owner renames
    renamed = api(users, "coach_a").patch(f"{URL}/{comparison.pk}", {"title": "x"}, format="json")
    assert renamed.status_code == 403
    assert (
        api(users, "stranger").patch(f"{URL}/{comparison.pk}", change, format="json").status_code
        == 404
    )


def test_video_ids_cannot_change(comparison, comparing):
    users, left, _ = comparing
    response = api(users, "owner").patch(
        f"{URL}/{comparison.pk}", {"left": {"video_id": str(left.pk)}}, format="json"
    )
    assert response.status_code == 400


def test_delete_and_share_are_the_owners(comparison, comparing):
    users, _, _ = comparing
    ComparisonShare.objects.create(
        comparison=comparison, user=users["coach_a"], permission="annotate"
    )
    coach = api(users, "coach_a")
    shared = coach.post(
        f"{URL}/{comparison.pk}/shares",
        {"username": "coach_v", "permission": "view"},
        format="json",
    )
    assert shared.status_code == 403
    assert coach.delete(f"{URL}/{comparison.pk}").status_code == 403
    assert Comparison.objects.filter(pk=comparison.pk).exists()
    assert api(users, "owner").delete(f"{URL}/{comparison.pk}").status_code == 204
    assert not Comparison.objects.filter(pk=comparison.pk).exists()


def test_annotate_share_only_for_coaches_and_unshare(comparison, comparing):
    users, _, _ = comparing
    owner = api(users, "owner")
    athlete_share = owner.post(
        f"{URL}/{comparison.pk}/shares", {"username": "owner", "permission": "view"}, format="json"
    )
    assert athlete_share.status_code == 400
    assert (
        owner.post(
            f"{URL}/{comparison.pk}/shares",
            {"username": "coach_a", "permission": "annotate"},
            format="json",
        ).status_code
        == 201
    )
    assert api(users, "coach_a").get(f"{URL}/{comparison.pk}").json()["permissions"] == {
        "can_annotate": True,
        "can_edit": False,
    }
    assert owner.delete(f"{URL}/{comparison.pk}/shares/coach_a").status_code == 204
    assert api(users, "coach_a").get(f"{URL}/{comparison.pk}").status_code == 404
    assert owner.delete(f"{URL}/{comparison.pk}/shares/coach_a").status_code == 404


def test_not_a_uuid_is_404(comparing):
    users, _, _ = comparing
    assert api(users, "owner").get(f"{URL}/123").status_code == 404


def test_sharing_a_comparison_tells_the_person_only_when_they_may_see_it(comparison, comparing):
    users, _left, right = comparing
    owner = api(users, "owner")
    shared = owner.post(
        f"{URL}/{comparison.pk}/shares",
        {"username": "coach_v", "permission": "view"},
        format="json",
    )
    assert shared.status_code == 201
    [item] = api(users, "coach_v").get("/api/v1/notifications").json()["results"]
    assert item["kind"] == "share"
    assert item["actor"]["username"] == "owner"
    assert item["comparison"] == {"id": str(comparison.pk), "title": comparison.title}
    assert item["link"] == f"/compare/{comparison.pk}"
    assert item["sentence"] == f"owner shared the comparison “{comparison.title}” with you"
    # Shared again: not news. Shared with someone who sees only one video: nobody to tell yet.
    owner.post(
        f"{URL}/{comparison.pk}/shares",
        {"username": "coach_v", "permission": "view"},
        format="json",
    )
    assert api(users, "coach_v").get("/api/v1/notifications").json()["count"] == 1
    owner.post(
        f"{URL}/{comparison.pk}/shares", {"username": "half", "permission": "view"}, format="json"
    )
    assert api(users, "half").get("/api/v1/notifications").json()["count"] == 0
    # Losing one of the videos takes the notification out of the inbox with the comparison.
    owner.delete(f"/api/v1/videos/{right.pk}/shares/coach_v")
    assert api(users, "coach_v").get("/api/v1/notifications").json()["count"] == 0
