"""Notifications: who hears of what, grouping of drawings, the inbox API and reading."""

from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from accounts.models import Notification
from processing.models import JobKind, ProcessingJob
from tests.conftest import bearer
from tests.factories import make_user, make_video
from videos.models import VideoStatus
from videos.services import video_mark_failed, video_mark_ready, video_unshare

pytestmark = pytest.mark.django_db(databases="__all__")
LINE = {"tool_type": "line", "points": [[0.1, 0.1], [0.9, 0.9]]}


def draw(user, video, timestamp: float = 1.0) -> None:
    response = bearer(APIClient(), user).post(
        "/api/v1/annotations/drawing",
        {"video_id": str(video.pk), "timestamp": timestamp, "drawing_data": LINE},
        format="json",
    )
    assert response.status_code == 201


def inbox(user) -> dict:
    response = bearer(APIClient(), user).get("/api/v1/notifications")
    assert response.status_code == 200
    return response.json()


def test_drawings_are_grouped_per_person_and_video_per_ten_minutes(coaching):
    users, video = coaching
    for second in (1, 2, 3):
        draw(users["coach"], video, second)
    draw(users["owner"], video)  # the owner's own drawing tells nobody
    body = inbox(users["owner"])
    assert body["count"] == 1 and body["unread"] == 1
    assert body["results"][0]["kind"] == "annotation"
    assert body["results"][0]["count"] == 3
    # Someone else's drawings are their own group.
    draw(users["staff"], video)
    assert inbox(users["owner"])["count"] == 2
    # Ten minutes on, a new notification starts.
    grouped = Notification.objects.get(count=3)
    Notification.objects.filter(pk=grouped.pk).update(
        created_at=grouped.created_at - timedelta(minutes=11)
    )
    draw(users["coach"], video)
    counts = sorted(n["count"] for n in inbox(users["owner"])["results"])
    assert counts == [1, 1, 3]


def test_a_share_notifies_the_person_it_is_shared_with(coach, athlete):
    video = make_video(coach)
    response = bearer(APIClient(), coach).post(
        f"/api/v1/videos/{video.pk}/shares", {"username": "athlete1", "permission": "view"}
    )
    assert response.status_code == 201
    [item] = inbox(athlete)["results"]
    assert item["kind"] == "share"
    assert item["actor"]["username"] == "coach1"
    assert item["video"] == {"id": str(video.pk), "title": video.title}
    # Sharing again (changing nothing new) is not news.
    bearer(APIClient(), coach).post(
        f"/api/v1/videos/{video.pk}/shares", {"username": "athlete1", "permission": "view"}
    )
    assert inbox(athlete)["count"] == 1
    assert inbox(coach)["count"] == 0


def test_video_ready_failed_and_export_ready_tell_their_owner(coach):
    ready = make_video(coach, status=VideoStatus.PROCESSING)
    failed = make_video(coach, status=VideoStatus.PROCESSING)
    assert video_mark_ready(video_id=ready.pk)
    assert video_mark_failed(video_id=failed.pk, code="corrupt_media", message="Unreadable.")
    assert not video_mark_ready(video_id=ready.pk)  # a late delivery tells nobody twice
    kinds = {(n["kind"], n["video"]["id"]) for n in inbox(coach)["results"]}
    assert kinds == {("video_ready", str(ready.pk)), ("video_failed", str(failed.pk))}

    from processing.export import _notify_requester

    job = ProcessingJob.objects.create(video=ready, kind=JobKind.EXPORT, requested_by=coach)
    _notify_requester(job)
    assert inbox(coach)["results"][0]["kind"] == "export_ready"


def test_the_inbox_is_newest_first_and_marking_read_touches_only_your_own(coaching):
    users, video = coaching
    client = bearer(APIClient(), users["owner"])
    for text in ("one", "two", "three"):
        bearer(APIClient(), users["coach"]).post(
            f"/api/v1/videos/{video.pk}/comments", {"text": text}, format="json"
        )
    body = inbox(users["owner"])
    assert [n["text"] for n in body["results"]] == ["three", "two", "one"]
    assert body["unread"] == 3
    first = body["results"][2]["id"]
    others = make_user("other", role="coach")
    theirs = Notification.objects.create(recipient=others, kind="share")
    answer = client.post("/api/v1/notifications/read", {"ids": [first, theirs.pk]}, format="json")
    assert answer.json() == {"marked": 1, "unread": 2}
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert [n["read"] for n in inbox(users["owner"])["results"]] == [False, False, True]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"ids": []},
        {"ids": ["x"]},
        {"ids": [True]},
        {"all": "maybe"},
        {"ids": 5},
        {"ids": [2**64]},
    ],
)
def test_marking_read_needs_ids_or_all(coach, body):
    response = bearer(APIClient(), coach).post("/api/v1/notifications/read", body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_losing_access_takes_a_videos_notifications_out_of_the_inbox(coaching):
    users, video = coaching
    bearer(APIClient(), users["coach"]).post(
        f"/api/v1/videos/{video.pk}/comments", {"text": "@ath secret plan"}, format="json"
    )
    assert inbox(users["athlete"])["count"] == 1
    video_unshare(video=video, user=users["athlete"])
    body = inbox(users["athlete"])
    assert body["count"] == 0 and body["unread"] == 0


def test_the_inbox_needs_a_signed_in_user(api_client):
    assert api_client.get("/api/v1/notifications").status_code == 401
    assert api_client.post("/api/v1/notifications/read", {"all": True}).status_code == 401
