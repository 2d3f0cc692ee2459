"""The access rules as a matrix: every endpoint for every kind of caller, both ways."""

import pytest
from rest_framework.test import APIClient

from tests.conftest import bearer
from tests.factories import make_user, make_video, stored_files
from videos.models import Moderation, Video, VideoShare

pytestmark = pytest.mark.django_db

CALLERS = ["anonymous", "owner", "other_athlete", "shared_coach", "unshared_coach", "staff"]
SEE = {"owner", "shared_coach", "staff"}
EDIT = {"owner", "staff"}


@pytest.fixture
def world(db):
    users = {
        "owner": make_user("owner", role="athlete"),
        "other_athlete": make_user("other", role="athlete"),
        "shared_coach": make_user("coach_a", role="coach"),
        "unshared_coach": make_user("coach_b", role="coach"),
        "staff": make_user("mod", role="staff"),
    }
    video = make_video(users["owner"])
    VideoShare.objects.create(video=video, user=users["shared_coach"], permission="annotate")
    return users, video


def client_for(world, caller) -> APIClient:
    users, _ = world
    client = APIClient()
    return client if caller == "anonymous" else bearer(client, users[caller])


def expected(caller, allowed_set, *, ok, denied_visible=403):
    if caller == "anonymous":
        return 401
    if caller not in SEE:
        return 404
    return ok if caller in allowed_set else denied_visible


@pytest.mark.parametrize("caller", CALLERS)
def test_detail(world, caller):
    _, video = world
    response = client_for(world, caller).get(f"/api/v1/videos/{video.pk}")
    assert response.status_code == expected(caller, SEE, ok=200)


@pytest.mark.parametrize("caller", CALLERS)
def test_list(world, caller):
    _, video = world
    response = client_for(world, caller).get("/api/v1/videos")
    if caller == "anonymous":
        assert response.status_code == 401
        return
    ids = [item["id"] for item in response.json()["results"]]
    assert ids == ([str(video.pk)] if caller in SEE else [])


@pytest.mark.parametrize("caller", CALLERS)
def test_patch(world, caller):
    _, video = world
    response = client_for(world, caller).patch(
        f"/api/v1/videos/{video.pk}", {"title": "Renamed"}, format="json"
    )
    assert response.status_code == expected(caller, EDIT, ok=200)
    video.refresh_from_db()
    assert video.title == ("Renamed" if caller in EDIT else "Front squat")


@pytest.mark.parametrize("caller", CALLERS)
def test_delete(world, caller):
    _, video = world
    response = client_for(world, caller).delete(f"/api/v1/videos/{video.pk}")
    assert response.status_code == expected(caller, EDIT, ok=204)
    if caller in EDIT:
        assert not Video.objects.filter(pk=video.pk).exists()
        assert stored_files() == []
    else:
        assert Video.objects.filter(pk=video.pk).exists()
        assert stored_files() == [f"videos/{video.pk}/original"]


@pytest.mark.parametrize("caller", CALLERS)
def test_share_create(world, caller):
    users, video = world
    response = client_for(world, caller).post(
        f"/api/v1/videos/{video.pk}/shares",
        {"username": "other", "permission": "view"},
        format="json",
    )
    assert response.status_code == expected(caller, EDIT, ok=201)
    shared = VideoShare.objects.filter(video=video, user=users["other_athlete"]).exists()
    assert shared == (caller in EDIT)


@pytest.mark.parametrize("caller", CALLERS)
def test_share_delete(world, caller):
    users, video = world
    response = client_for(world, caller).delete(f"/api/v1/videos/{video.pk}/shares/coach_a")
    assert response.status_code == expected(caller, EDIT, ok=204)
    still = VideoShare.objects.filter(video=video, user=users["shared_coach"]).exists()
    assert still == (caller not in EDIT)


@pytest.mark.parametrize("caller", CALLERS)
def test_reprocess(world, caller):
    _, video = world
    response = client_for(world, caller).post(f"/api/v1/videos/{video.pk}/reprocess")
    assert response.status_code == expected(caller, EDIT, ok=202)
    video.refresh_from_db()
    assert video.status == ("uploaded" if caller in EDIT else "ready")


def test_hidden_video_only_for_owner_and_staff(world):
    _users, video = world
    video.moderation = Moderation.HIDDEN
    video.moderation_reason = "Shows another athlete without consent"
    video.save()
    assert client_for(world, "shared_coach").get(f"/api/v1/videos/{video.pk}").status_code == 404
    owner_view = client_for(world, "owner").get(f"/api/v1/videos/{video.pk}").json()
    assert owner_view["moderation"] == "hidden"
    assert owner_view["moderation_reason"] == "Shows another athlete without consent"
    assert client_for(world, "staff").get(f"/api/v1/videos/{video.pk}").status_code == 200


def test_annotate_share_only_for_coaches_and_staff(world):
    _, video = world
    client = client_for(world, "owner")
    response = client.post(
        f"/api/v1/videos/{video.pk}/shares",
        {"username": "other", "permission": "annotate"},
        format="json",
    )
    assert response.status_code == 400
    assert "permission" in response.json()["errors"]
    ok = client.post(
        f"/api/v1/videos/{video.pk}/shares",
        {"username": "coach_b", "permission": "annotate"},
        format="json",
    )
    assert ok.status_code == 201


def test_share_with_unknown_user_is_a_field_error(world):
    _, video = world
    response = client_for(world, "owner").post(
        f"/api/v1/videos/{video.pk}/shares",
        {"username": "ghost", "permission": "view"},
        format="json",
    )
    assert response.status_code == 400
    assert "username" in response.json()["errors"]


def test_caller_permissions_in_detail(world):
    _, video = world
    body = client_for(world, "shared_coach").get(f"/api/v1/videos/{video.pk}").json()
    assert body["permissions"] == {"can_annotate": True, "can_edit": False}
    assert body["shares"] == []  # only the owner and staff see who it is shared with
    assert body["original_url"] is None
    owner = client_for(world, "owner").get(f"/api/v1/videos/{video.pk}").json()
    assert owner["shares"] == [{"username": "coach_a", "permission": "annotate"}]


def test_athlete_cannot_assign_owner_status_or_shares_by_patch(world):
    users, video = world
    response = client_for(world, "owner").patch(
        f"/api/v1/videos/{video.pk}",
        {"owner": users["staff"].pk, "status": "ready", "shares": [], "title": "T"},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"owner", "status", "shares"}
    video.refresh_from_db()
    assert (video.owner_id, video.title) == (users["owner"].pk, "Front squat")


def test_list_has_no_n_plus_one(world, django_assert_max_num_queries):
    users, _ = world
    for i in range(10):
        v = make_video(users["owner"], title=f"clip {i}")
        VideoShare.objects.create(video=v, user=users["shared_coach"], permission="view")
    client = client_for(world, "owner")
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/videos")
    assert response.json()["count"] == 11


def test_list_filters(world):
    users, video = world
    make_video(users["owner"], title="Deadlift", status="failed")
    client = client_for(world, "owner")
    assert [v["title"] for v in client.get("/api/v1/videos?q=dead").json()["results"]] == [
        "Deadlift"
    ]
    assert [v["title"] for v in client.get("/api/v1/videos?status=failed").json()["results"]] == [
        "Deadlift"
    ]
    coach = client_for(world, "shared_coach")
    assert [v["id"] for v in coach.get("/api/v1/videos?shared=1").json()["results"]] == [
        str(video.pk)
    ]
    bad = client.get("/api/v1/videos?status=bogus")
    assert bad.status_code == 400 and "status" in bad.json()["errors"]


def test_malformed_id_is_404(world):
    assert client_for(world, "owner").get("/api/v1/videos/not-a-uuid").status_code == 404
