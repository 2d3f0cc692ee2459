"""Tracking on generated clips with known motion, through the API and the real job: positions
within tolerance, a point that leaves the picture reported lost, tracked angles, corrections,
permissions both ways, live `annotation.updated` events and the series CSV."""

import asyncio
import csv
import io
import math
from datetime import timedelta

import pytest
from channels.layers import get_channel_layer
from django.core.files.storage import default_storage
from django.utils import timezone
from rest_framework.test import APIClient

from annotations import services
from annotations.models import Annotation
from annotations.realtime import video_group
from processing import tracking
from processing.models import JobKind, JobState, ProcessingJob
from processing.services import jobs_watchdog
from tests.conftest import bearer
from tests.factories import make_user, ready_video
from tests.measure.motion import true_angle
from videos.models import VideoShare

W, H, FPS, SECONDS = 320, 240, 30, 2.0


def setup_video(clip, *, share_with=None):
    owner = make_user("athlete", role="athlete")
    video = ready_video(owner, clip)
    if share_with is not None:
        for user, permission in share_with:
            VideoShare.objects.create(video=video, user=user, permission=permission)
    return owner, video


def create_track(client, video, points, *, tool="track", duration=SECONDS - 0.1, **extra):
    drawing = {"tool_type": tool, "points": points, **extra}
    body = {
        "video_id": str(video.pk),
        "timestamp": 0,
        "duration": duration,
        "drawing_data": drawing,
    }
    return client.post("/api/v1/annotations/drawing", body, format="json")


def normalised(point):
    return [round(point[0] / W, 5), round(point[1] / H, 5)]


@pytest.mark.django_db(databases="__all__")
def test_a_thrown_disc_is_followed_within_a_pixel(motion_clips, django_capture_on_commit_callbacks):
    clip, motion = motion_clips["thrown"]
    owner, video = setup_video(clip)
    client = bearer(APIClient(), owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = create_track(client, video, [normalised(motion.truth(0)[0])])
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["tracking"]["state"] == "queued" and body["tracking"]["positions"] == []
    job = ProcessingJob.objects.get(kind=JobKind.TRACK)
    assert job.state == JobState.QUEUED and job.options["annotation_id"] == body["id"]

    tracking.run_tracking(annotation_id=body["id"])

    job.refresh_from_db()
    assert (job.state, job.attempts, job.progress) == (JobState.SUCCEEDED, 1, 100)
    answer = client.get(f"/api/v1/annotations/{body['id']}").json()
    result = answer["tracking"]
    assert result["state"] == "succeeded" and result["lost_at"] is None
    positions = result["positions"]
    assert len(positions) == round((SECONDS - 0.1) * FPS) + 1
    errors = []
    for t, x, y in positions:
        truth = motion.truth(round(t * FPS))[0]
        errors.append(math.hypot(x * W - truth[0], y * H - truth[1]))
    assert sum(errors) / len(errors) < 1.0, errors
    assert max(errors) < 2.5, errors
    # Speeds: the parabola's own, in source pixels per second.
    assert answer["speed_unit"] == "px/s"
    speeds = dict((round(t, 4), v) for t, v in answer["speed"])
    t, true_speed = 1.0, math.hypot(0.7 * W / SECONDS, H * (-2.0 + 4.0 * 0.5) / SECONDS)
    assert speeds[round(t, 4)] == pytest.approx(true_speed, abs=6)
    assert answer["speed_peak"] == max(v for _, v in answer["speed"])
    # A second delivery finds it done.
    tracking.run_tracking(annotation_id=body["id"])
    assert ProcessingJob.objects.filter(kind=JobKind.TRACK).count() == 1


@pytest.mark.django_db(databases="__all__")
def test_a_point_that_leaves_the_picture_is_reported_lost(motion_clips):
    clip, motion = motion_clips["leaving"]
    owner, video = setup_video(clip)
    client = bearer(APIClient(), owner)
    body = create_track(client, video, [normalised(motion.truth(0)[0])]).json()
    tracking.run_tracking(annotation_id=body["id"])
    result = client.get(f"/api/v1/annotations/{body['id']}").json()["tracking"]
    assert result["state"] == "succeeded"
    # The centre crosses the right edge at t = (1 - 0.55) / 0.8 * 2 s = 1.125 s.
    assert result["lost_at"] is not None and 0.8 <= result["lost_at"] <= 1.2, result["lost_at"]
    last_t, last_x, _ = result["positions"][-1]
    assert last_t < result["lost_at"] and last_x <= 1.0
    for t, x, y in result["positions"][:20]:  # followed well until then
        truth = motion.truth(round(t * FPS))[0]
        assert math.hypot(x * W - truth[0], y * H - truth[1]) < 2


@pytest.mark.django_db(databases="__all__")
def test_a_tracked_angle_follows_the_knee_and_its_degrees(motion_clips):
    clip, motion = motion_clips["knee"]
    owner, video = setup_video(clip)
    client = bearer(APIClient(), owner)
    points = [normalised(p) for p in motion.truth(0)]
    body = create_track(client, video, points, tool="angle", track=True).json()
    assert body["drawing_data"]["track"] is True
    tracking.run_tracking(annotation_id=body["id"])
    answer = client.get(f"/api/v1/annotations/{body['id']}").json()["tracking"]
    assert answer["state"] == "succeeded" and answer["unit"] == "degrees"
    assert len(answer["values"]) == len(answer["positions"]) > 50
    errors = [abs(v - true_angle(motion.truth(round(t * FPS)))) for t, v in answer["values"]]
    assert sum(errors) / len(errors) < 2.0, errors
    assert len(answer["positions"][10][1]) == 3  # every point, every frame


@pytest.mark.django_db(databases="__all__")
def test_a_correction_resumes_tracking_from_its_frame(
    motion_clips, django_capture_on_commit_callbacks
):
    clip, motion = motion_clips["thrown"]
    owner, video = setup_video(clip)
    client = bearer(APIClient(), owner)
    body = create_track(client, video, [normalised(motion.truth(0)[0])]).json()
    tracking.run_tracking(annotation_id=body["id"])
    at = 30 / FPS
    truth = normalised(motion.truth(30)[0])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.patch(
            f"/api/v1/annotations/{body['id']}",
            {"tracking_correction": {"t": at, "point": 0, "x": truth[0], "y": truth[1]}},
            format="json",
        )
    assert response.status_code == 200, response.json()
    queued = response.json()["tracking"]
    assert queued["state"] == "queued" and len(queued["positions"]) == 30
    jobs = ProcessingJob.objects.filter(kind=JobKind.TRACK).order_by("created_at")
    assert [job.options["revision"] for job in jobs] == [1, 2]
    assert jobs[1].state == JobState.QUEUED
    tracking.run_tracking(annotation_id=body["id"])
    result = Annotation.objects.get(pk=body["id"]).tracking or {}
    assert result["state"] == "succeeded" and result["revision"] == 2
    assert result["positions"][30] == [pytest.approx(at), *truth]
    assert len(result["positions"]) == round((SECONDS - 0.1) * FPS) + 1


@pytest.mark.django_db(databases="__all__")
def test_bad_corrections_are_400(motion_clips):
    clip, _ = motion_clips["thrown"]
    owner, video = setup_video(clip)
    client = bearer(APIClient(), owner)
    tracked = create_track(client, video, [[0.5, 0.5]]).json()
    line = client.post(
        "/api/v1/annotations/drawing",
        {
            "video_id": str(video.pk),
            "timestamp": 0,
            "drawing_data": {"tool_type": "line", "points": [[0.1, 0.1], [0.2, 0.2]]},
        },
        format="json",
    ).json()
    for target, correction in [
        (line, {"t": 0.5, "x": 0.5, "y": 0.5}),  # not tracked
        (tracked, {"t": 5.0, "x": 0.5, "y": 0.5}),  # after it ends
        (tracked, {"t": 0.5, "point": 1, "x": 0.5, "y": 0.5}),  # a track has one point
        (tracked, {"t": 0.5, "x": 1.5, "y": 0.5}),  # off the picture
    ]:
        response = client.patch(
            f"/api/v1/annotations/{target['id']}",
            {"tracking_correction": correction},
            format="json",
        )
        assert response.status_code == 400, (correction, response.json())
    assert (Annotation.objects.get(pk=tracked["id"]).tracking or {})["revision"] == 1


@pytest.mark.django_db(databases="__all__")
def test_permissions_both_ways(motion_clips):
    clip, motion = motion_clips["thrown"]
    coach, viewer, stranger = (make_user(n, role="coach") for n in ("coach", "viewer", "stranger"))
    owner, video = setup_video(clip, share_with=[(coach, "annotate"), (viewer, "view")])
    start = [normalised(motion.truth(0)[0])]
    refused = create_track(bearer(APIClient(), viewer), video, start)
    assert refused.status_code == 403
    assert (
        not Annotation.objects.exists()
        and not ProcessingJob.objects.filter(kind=JobKind.TRACK).exists()
    )
    body = create_track(bearer(APIClient(), coach), video, start).json()
    tracking.run_tracking(annotation_id=body["id"])
    correction = {"tracking_correction": {"t": 0.5, "x": 0.5, "y": 0.5}}
    url = f"/api/v1/annotations/{body['id']}"
    for user, status in [(viewer, 403), (owner, 403), (stranger, 404)]:
        assert bearer(APIClient(), user).patch(url, correction, format="json").status_code == status
    assert (Annotation.objects.get(pk=body["id"]).tracking or {})["revision"] == 1
    for user, status in [(viewer, 200), (owner, 200), (coach, 200), (stranger, 404)]:
        assert bearer(APIClient(), user).get(f"{url}/series.csv").status_code == status
    assert APIClient().get(f"{url}/series.csv").status_code == 401
    assert bearer(APIClient(), coach).patch(url, correction, format="json").status_code == 200


@pytest.mark.django_db(databases="__all__")
def test_the_series_csv_has_a_row_per_tracked_frame(motion_clips):
    clip, motion = motion_clips["thrown"]
    owner, video = setup_video(clip)
    client = bearer(APIClient(), owner)
    body = create_track(client, video, [normalised(motion.truth(0)[0])]).json()
    tracking.run_tracking(annotation_id=body["id"])
    response = client.get(f"/api/v1/annotations/{body['id']}/series.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["time", "frame", "x", "y", "value", "unit"]
    positions = client.get(f"/api/v1/annotations/{body['id']}").json()["tracking"]["positions"]
    assert len(rows) == len(positions) + 1
    t, frame, x, y, value, unit = rows[31]
    assert (float(t), int(frame)) == (pytest.approx(1.0), 30)
    assert [float(x), float(y)] == positions[30][1:]
    assert unit == "px/s" and float(value) > 0


@pytest.mark.django_db(databases="__all__")
def test_a_timer_series_gives_start_splits_and_end(coaching):
    users, video = coaching
    client = bearer(APIClient(), users["owner"])
    timer = {"tool_type": "timer", "points": [[0.5, 0.5]], "splits": [0.2]}
    body = client.post(
        "/api/v1/annotations/drawing",
        {"video_id": str(video.pk), "timestamp": 1.0, "duration": 0.5, "drawing_data": timer},
        format="json",
    ).json()
    rows = list(
        csv.reader(
            io.StringIO(client.get(f"/api/v1/annotations/{body['id']}/series.csv").content.decode())
        )
    )
    assert [(float(r[0]), int(r[1]), float(r[4]), r[5]) for r in rows[1:]] == [
        (1.0, 30, 0.0, "s"),
        (pytest.approx(1.2), 36, 0.2, "s"),
        (1.5, 45, 0.5, "s"),
    ]


def test_spreadsheet_formulas_are_defused():
    from annotations.measure import spreadsheet_safe

    assert spreadsheet_safe("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert spreadsheet_safe("@SUM") == "'@SUM" and spreadsheet_safe("m/s") == "m/s"
    assert spreadsheet_safe(-1.5) == -1.5  # numbers stay numbers


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_progress_is_published_live_as_annotation_updated(
    motion_clips, monkeypatch, buffered_channel_layer
):
    clip, motion = motion_clips["thrown"]
    owner, video = setup_video(clip)
    client = bearer(APIClient(), owner)
    monkeypatch.setattr(tracking, "PUBLISH_SECONDS", 0.0)  # every frame, so a tiny clip shows it
    layer = get_channel_layer()

    async def listen() -> str:
        channel = await layer.new_channel()
        await layer.group_add(video_group(video.pk), channel)
        return channel

    channel = asyncio.run(listen())
    body = create_track(client, video, [normalised(motion.truth(0)[0])]).json()
    tracking.run_tracking(annotation_id=body["id"])

    async def drain() -> list[dict]:
        events: list[dict] = []
        while True:
            try:
                message = await asyncio.wait_for(layer.receive(channel), 2)
            except TimeoutError:
                return events
            if message.get("event") == "annotation.updated":
                events.append(message["payload"])

    updates = asyncio.run(drain())
    progress = [event["tracking"]["progress"] for event in updates]
    assert len(updates) >= 5 and progress == sorted(progress)
    assert updates[-1]["tracking"]["state"] == "succeeded" and progress[-1] == 100
    assert any(event["tracking"]["state"] == "running" for event in updates)
    running = [event for event in updates if event["tracking"]["state"] == "running"]
    assert len(running[-1]["tracking"]["positions"]) > len(running[0]["tracking"]["positions"])


@pytest.mark.django_db(databases="__all__")
def test_an_overtaken_run_cannot_write(motion_clips):
    clip, motion = motion_clips["thrown"]
    owner, video = setup_video(clip)
    client = bearer(APIClient(), owner)
    body = create_track(client, video, [normalised(motion.truth(0)[0])]).json()
    url = f"/api/v1/annotations/{body['id']}"
    client.patch(url, {"tracking_correction": {"t": 0.5, "x": 0.5, "y": 0.5}}, format="json")
    stale = services.tracking_record(
        annotation_id=body["id"],
        revision=1,
        positions=[[0, 0.1, 0.1]],
        state="succeeded",
        progress=100,
    )
    assert stale is None
    tracking_now = Annotation.objects.get(pk=body["id"]).tracking or {}
    assert (tracking_now["revision"], tracking_now["state"]) == (2, "queued")


@pytest.mark.django_db(databases="__all__")
def test_unreadable_media_fails_the_track_and_its_job(motion_clips):
    clip, motion = motion_clips["thrown"]
    owner, video = setup_video(clip)
    client = bearer(APIClient(), owner)
    body = create_track(client, video, [normalised(motion.truth(0)[0])]).json()
    for rendition in video.renditions.all():
        with default_storage.open(rendition.file.name, "wb") as broken:
            broken.write(b"no longer a video")
    tracking.run_tracking(annotation_id=body["id"])
    job = ProcessingJob.objects.get(kind=JobKind.TRACK)
    result = client.get(f"/api/v1/annotations/{body['id']}").json()["tracking"]
    assert job.state == JobState.FAILED and job.error_code == "corrupt_media"
    assert result["state"] == "failed" and result["error"]


@pytest.mark.django_db(databases="__all__")
def test_a_track_whose_worker_keeps_dying_ends_failed(motion_clips, settings):
    clip, motion = motion_clips["thrown"]
    owner, video = setup_video(clip)
    client = bearer(APIClient(), owner)
    body = create_track(client, video, [normalised(motion.truth(0)[0])]).json()
    job = tracking.track_job(Annotation.objects.get(pk=body["id"]))
    long_ago = timezone.now() - timedelta(hours=1)
    ProcessingJob.objects.filter(pk=job.pk).update(
        state=JobState.RUNNING, heartbeat_at=long_ago, attempts=settings.PROCESSING_MAX_ATTEMPTS
    )
    assert jobs_watchdog()["failed"] == 1
    job.refresh_from_db()
    assert (job.state, job.error_code) == (JobState.FAILED, "worker_crashed")
    result = Annotation.objects.get(pk=body["id"]).tracking or {}
    assert result["state"] == "failed" and "kept stopping" in result["error"]


@pytest.mark.django_db(databases="__all__")
def test_an_undone_delete_keeps_a_finished_track_and_redoes_an_unfinished_one(motion_clips):
    clip, motion = motion_clips["thrown"]
    owner, video = setup_video(clip)
    client = bearer(APIClient(), owner)
    done = create_track(client, video, [normalised(motion.truth(0)[0])]).json()
    tracking.run_tracking(annotation_id=done["id"])
    found = client.get(f"/api/v1/annotations/{done['id']}").json()["tracking"]
    assert found["state"] == "succeeded" and len(found["positions"]) > 30
    assert client.delete(f"/api/v1/annotations/{done['id']}").status_code == 204
    assert client.post(f"/api/v1/annotations/{done['id']}/restore").status_code == 201
    back = client.get(f"/api/v1/annotations/{done['id']}").json()["tracking"]
    assert back["state"] == "succeeded" and back["positions"] == found["positions"]
    assert not ProcessingJob.objects.filter(kind=JobKind.TRACK, state=JobState.QUEUED).exists()

    # Deleted while still queued: followed again, under a new revision (the old job's is stale).
    waiting = create_track(client, video, [normalised(motion.truth(0)[0])]).json()
    client.delete(f"/api/v1/annotations/{waiting['id']}")
    client.post(f"/api/v1/annotations/{waiting['id']}/restore")
    again = Annotation.objects.get(pk=waiting["id"]).tracking or {}
    assert (again["state"], again["revision"]) == ("queued", 2)
    tracking.run_tracking(annotation_id=waiting["id"])
    assert (Annotation.objects.get(pk=waiting["id"]).tracking or {})["state"] == "succeeded"
