"""Undoing a delete: POST /api/v1/annotations/{id}/restore brings a drawing back with the same id,
for the person who deleted it only, once."""

import pytest
from rest_framework.test import APIClient

from annotations.models import Annotation
from tests.conftest import bearer

pytestmark = pytest.mark.django_db(databases="__all__")

LINE = {"tool_type": "line", "points": [[0.1, 0.2], [0.5, 0.6]], "color": "#00FF00", "width": 6}


def client_for(coaching, name) -> APIClient:
    users, _ = coaching
    return APIClient() if name == "anonymous" else bearer(APIClient(), users[name])


def drawn_and_deleted(coaching, author="annotating_coach", deleter=None):
    _, video = coaching
    body = {"video_id": str(video.pk), "timestamp": 2.51, "duration": 1.5, "drawing_data": LINE}
    created = client_for(coaching, author).post("/api/v1/annotations/drawing", body, format="json")
    assert created.status_code == 201, created.json()
    annotation_id = created.json()["id"]
    deleted = client_for(coaching, deleter or author).delete(f"/api/v1/annotations/{annotation_id}")
    assert deleted.status_code == 204
    assert not Annotation.objects.filter(pk=annotation_id).exists()
    return created.json()


def restore(coaching, name, annotation_id):
    return client_for(coaching, name).post(f"/api/v1/annotations/{annotation_id}/restore")


def test_the_author_gets_the_same_drawing_back(coaching):
    before = drawn_and_deleted(coaching)
    restored = restore(coaching, "annotating_coach", before["id"])
    assert restored.status_code == 201, restored.json()
    after = restored.json()
    for field in ("id", "author", "timestamp", "frame", "duration", "drawing_data", "video_id"):
        assert after[field] == before[field], field
    stored = Annotation.objects.get(pk=before["id"])
    assert stored.author_username == "coach_a" and stored.frame == 75
    again = restore(coaching, "annotating_coach", before["id"])  # once only
    assert again.status_code == 404
    assert Annotation.objects.filter(video_id=stored.video_id).count() == 1


def test_the_owner_who_deleted_a_coachs_drawing_may_undo_it(coaching):
    before = drawn_and_deleted(coaching, deleter="owner")
    assert restore(coaching, "annotating_coach", before["id"]).status_code == 403
    restored = restore(coaching, "owner", before["id"])
    assert restored.status_code == 201
    assert restored.json()["author"]["username"] == "coach_a"


@pytest.mark.parametrize(
    ("name", "status"),
    [("owner", 403), ("viewing_coach", 403), ("stranger", 403), ("staff", 403), ("anonymous", 401)],
)
def test_nobody_else_may_restore(coaching, name, status):
    before = drawn_and_deleted(coaching)
    response = restore(coaching, name, before["id"])
    assert response.status_code == status
    assert not Annotation.objects.filter(pk=before["id"]).exists()
    # and the author still may afterwards
    assert restore(coaching, "annotating_coach", before["id"]).status_code == 201


def test_only_what_was_deleted_can_be_restored(coaching):
    _, video = coaching
    body = {"video_id": str(video.pk), "timestamp": 1, "drawing_data": LINE}
    client = client_for(coaching, "owner")
    live = client.post("/api/v1/annotations/drawing", body, format="json").json()
    assert restore(coaching, "owner", live["id"]).status_code == 404  # never deleted
    unknown = "00000000-0000-4000-8000-000000000000"
    assert restore(coaching, "owner", unknown).status_code == 404
    assert Annotation.objects.filter(video_id=video.pk).count() == 1


def test_someone_who_lost_the_right_to_annotate_cannot_restore(coaching):
    users, video = coaching
    before = drawn_and_deleted(coaching)
    video.shares.filter(user=users["annotating_coach"]).update(permission="view")
    assert restore(coaching, "annotating_coach", before["id"]).status_code == 403
    assert not Annotation.objects.filter(pk=before["id"]).exists()
