"""Staff moderation through the admin, driven with the test client against the real database."""

from pathlib import Path

import pytest
from django.contrib.admin.models import DELETION, LogEntry
from django.core.files.storage import default_storage
from rest_framework.test import APIClient

from accounts.roles import roles_sync_permissions
from annotations.models import Annotation
from tests.conftest import bearer
from tests.factories import make_user, make_video, stored_files
from videos.models import Moderation, Video, VideoShare, VideoStatus

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture
def moderation(client):
    # Without transactions in MongoDB, Django flushes the default database between tests too,
    # dropping what migrations granted; put the roles' permissions back.
    roles_sync_permissions()
    staff = make_user("moderator", role="staff")  # a staff role, not a superuser
    owner = make_user("owner", role="athlete")
    coach = make_user("coach", role="coach")
    video = make_video(owner, title="Snatch attempt", duration=10, fps=30, width=640, height=360)
    VideoShare.objects.create(video=video, user=coach, permission="annotate")
    client.force_login(staff)
    return client, staff, owner, coach, video


def action(client, name, videos, **extra):
    data = {"action": name, "_selected_action": [str(v.pk) for v in videos], **extra}
    return client.post("/admin/videos/video/", data)


def test_only_staff_reach_the_admin(client, db):
    coach = make_user("c", role="coach")
    client.force_login(coach)
    response = client.get("/admin/videos/video/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_find_by_owner_and_filter(moderation):
    client, *_, video = moderation
    page = client.get("/admin/videos/video/?q=owner")
    assert page.status_code == 200 and "Snatch attempt" in page.content.decode()
    assert (
        "Snatch attempt" in client.get("/admin/videos/video/?owner_role=athlete").content.decode()
    )
    assert (
        "Snatch attempt" not in client.get("/admin/videos/video/?owner_role=coach").content.decode()
    )
    detail = client.get(f"/admin/videos/video/{video.pk}/change/")
    assert detail.status_code == 200


def test_hide_with_a_reason_then_unhide(moderation):
    client, staff, owner, coach, video = moderation
    form = action(client, "hide_videos", [video])
    assert form.status_code == 200 and "Reason" in form.content.decode()
    missing = action(client, "hide_videos", [video], apply="Hide", reason="  ")
    assert "Say why" in missing.content.decode()
    assert Video.objects.get(pk=video.pk).moderation == Moderation.VISIBLE
    done = action(client, "hide_videos", [video], apply="Hide", reason="Another athlete's face")
    assert done.status_code == 302
    owner_view = bearer(APIClient(), owner).get(f"/api/v1/videos/{video.pk}").json()
    assert (owner_view["moderation"], owner_view["moderation_reason"]) == (
        "hidden",
        "Another athlete's face",
    )
    assert bearer(APIClient(), coach).get(f"/api/v1/videos/{video.pk}").status_code == 404
    entry = LogEntry.objects.get(object_id=str(video.pk))
    assert entry.user == staff and "Another athlete's face" in entry.change_message
    assert client.get("/admin/admin/logentry/").status_code == 200  # the log is viewable

    action(client, "unhide_videos", [video])
    assert bearer(APIClient(), coach).get(f"/api/v1/videos/{video.pk}").status_code == 200


def test_retry_failed_and_reprocess(moderation):
    client, *_, video = moderation
    failed = make_video(video.owner, title="broken", status=VideoStatus.FAILED)
    action(client, "retry_failed", [video, failed])
    assert Video.objects.get(pk=failed.pk).status == VideoStatus.UPLOADED
    assert Video.objects.get(pk=video.pk).status == VideoStatus.READY  # not failed: untouched
    action(client, "reprocess_videos", [video])
    assert Video.objects.get(pk=video.pk).status == VideoStatus.UPLOADED


def test_delete_removes_files_and_annotations(moderation):
    client, _staff, _owner, coach, video = moderation
    bearer(APIClient(), coach).post(
        "/api/v1/annotations/drawing",
        {
            "video_id": str(video.pk),
            "timestamp": 1,
            "drawing_data": {"tool_type": "line", "points": [[0, 0], [1, 1]]},
        },
        format="json",
    )
    assert Annotation.objects.count() == 1 and stored_files(f"videos/{video.pk}/")
    response = action(client, "delete_videos", [video])
    assert response.status_code == 302
    assert not Video.objects.filter(pk=video.pk).exists()
    assert stored_files(f"videos/{video.pk}/") == []
    assert not Annotation.objects.exists()
    assert LogEntry.objects.filter(object_id=str(video.pk), action_flag=3).exists()


def test_single_delete_view_uses_the_service(moderation):
    client, *_, video = moderation
    response = client.post(f"/admin/videos/video/{video.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert stored_files(f"videos/{video.pk}/") == []


def test_csv_export_defuses_formulas(moderation):
    client, _staff, owner, _coach, video = moderation
    evil = make_video(owner, title='=HYPERLINK("http://x")')
    response = action(client, "export_csv", [video, evil])
    text = response.content.decode()
    assert response["Content-Type"].startswith("text/csv")
    assert "Snatch attempt" in text and "'=HYPERLINK" in text


def test_annotations_hide_and_delete(moderation):
    client, _staff, owner, coach, video = moderation
    created = (
        bearer(APIClient(), coach)
        .post(
            "/api/v1/annotations/drawing",
            {
                "video_id": str(video.pk),
                "timestamp": 1,
                "drawing_data": {"tool_type": "line", "points": [[0, 0], [1, 1]]},
            },
            format="json",
        )
        .json()
    )
    listing = client.get(f"/admin/annotations/annotation/?q={video.pk}")
    assert listing.status_code == 200 and "coach" in listing.content.decode()
    client.post(
        "/admin/annotations/annotation/", {"action": "hide", "_selected_action": [created["id"]]}
    )
    assert bearer(APIClient(), owner).get(f"/api/v1/annotations/{created['id']}").status_code == 404
    detail = client.get(f"/admin/annotations/annotation/{created['id']}/change/")
    assert detail.status_code == 200 and "tool_type" in detail.content.decode()
    client.post(
        "/admin/annotations/annotation/",
        {"action": "delete_annotations", "_selected_action": [created["id"]]},
    )
    assert not Annotation.objects.exists()


def test_assign_role_and_deactivate(moderation):
    client, _staff, owner, _coach, _video = moderation
    refresh = (
        APIClient()
        .post(
            "/api/v1/auth/token",
            {"username": "owner", "password": "correct horse battery staple"},
            format="json",
        )
        .json()
    )
    client.post("/admin/accounts/user/", {"action": "make_coach", "_selected_action": [owner.pk]})
    owner.refresh_from_db()
    assert owner.role == "coach"
    client.post("/admin/accounts/user/", {"action": "deactivate", "_selected_action": [owner.pk]})
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {refresh['access']}")
    assert api.get("/api/v1/users/me").status_code == 401
    again = APIClient().post(
        "/api/v1/auth/token/refresh", {"refresh": refresh["refresh"]}, format="json"
    )
    assert again.status_code == 401


def test_comparisons_listed_opened_and_deleted_with_their_drawings(moderation):
    client, _staff, owner, coach, video = moderation
    other = make_video(owner, title="Model lift", duration=10, fps=30, width=640, height=360)
    VideoShare.objects.create(video=other, user=coach, permission="annotate")
    api = bearer(APIClient(), owner)
    created = api.post(
        "/api/v1/comparisons",
        {
            "title": "Week 1 vs model",
            "left": {"video_id": str(video.pk), "sync": 1.0},
            "right": {"video_id": str(other.pk), "sync": 2.0},
            "layout": "side_by_side",
        },
        format="json",
    ).json()
    drawn = api.post(
        "/api/v1/annotations/drawing",
        {
            "video_id": str(video.pk),
            "comparison_id": created["id"],
            "side": "left",
            "timestamp": 1.0,
            "drawing_data": {
                "tool_type": "line",
                "points": [[0.1, 0.1], [0.5, 0.5]],
                "color": "#FF0000",
                "width": 4,
            },
        },
        format="json",
    )
    assert drawn.status_code == 201, drawn.content
    listing = client.get("/admin/videos/comparison/?q=week")
    assert listing.status_code == 200 and "Week 1 vs model" in listing.content.decode()
    detail = client.get(f"/admin/videos/comparison/{created['id']}/change/").content.decode()
    assert f"/compare/{created['id']}" in detail and "Model lift" in detail
    # Nothing to add or edit: a comparison is its owner's arrangement.
    assert client.get("/admin/videos/comparison/add/").status_code == 403
    assert 'name="title"' not in detail
    # Storage refusing (a file where the comparison's folder goes): kept, said, not logged.
    blocker = Path(default_storage.path(f"comparisons/{created['id']}"))
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_bytes(b"not a folder")
    refused = client.post(
        "/admin/videos/comparison/",
        {"action": "delete_comparisons", "_selected_action": [created["id"]]},
        follow=True,
    )
    assert "Kept 1 comparison(s): Storage is unavailable" in refused.content.decode()
    single = client.post(
        f"/admin/videos/comparison/{created['id']}/delete/", {"post": "yes"}, follow=True
    )
    assert single.status_code == 200 and "Not deleted: Storage is unavailable" in (
        single.content.decode()
    )
    assert api.get(f"/api/v1/comparisons/{created['id']}").status_code == 200
    assert not LogEntry.objects.filter(action_flag=DELETION).exists()
    blocker.unlink()

    response = client.post(
        "/admin/videos/comparison/",
        {"action": "delete_comparisons", "_selected_action": [created["id"]]},
    )
    assert response.status_code == 302
    assert LogEntry.objects.get(action_flag=DELETION).object_repr.startswith("Week 1 vs model")
    assert api.get(f"/api/v1/comparisons/{created['id']}").status_code == 404
    assert not Annotation.objects.filter(pk=drawn.json()["id"]).exists()
    assert Video.objects.filter(pk=video.pk).exists()  # the videos stay


def test_comparisons_are_staff_only_in_the_admin(client, db):
    client.force_login(make_user("coach2", role="coach"))
    assert client.get("/admin/videos/comparison/").status_code in (302, 403)
