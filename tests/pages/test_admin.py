"""Staff moderation in a real browser: the admin under the site's Content-Security-Policy."""

import pytest
from rest_framework.test import APIClient

from accounts.roles import roles_sync_permissions
from processing.models import JobState, ProcessingJob
from tests.conftest import bearer
from tests.factories import PASSWORD, make_user, make_video, stored_files
from tests.pages.conftest import screenshot
from videos.models import Moderation, Video, VideoShare, VideoStatus

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def staff_page(open_page):
    roles_sync_permissions()
    make_user("moderator", role="staff")
    page = open_page()
    page.goto("/admin/login/")
    page.get_by_label("Username").fill("moderator")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/")
    return page


def run_action(page, label: str) -> None:
    page.select_option("select[name=action]", label=label)
    page.get_by_role("button", name="Go").click()


def test_find_by_owner_hide_with_reason_and_delete(staff_page):
    page = staff_page
    owner = make_user("lena", role="athlete")
    coach = make_user("coach", role="coach")
    video = make_video(owner, title="Front squat", duration=8, width=640, height=360)
    other = make_video(make_user("bo", role="athlete"), title="Deadlift")
    VideoShare.objects.create(video=video, user=coach, permission="view")

    page.goto("/admin/videos/video/")
    page.get_by_role("textbox", name="Search").fill("lena")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/admin/videos/video/?q=lena")
    screenshot(page, "admin-search")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1 and "Front squat" in rows.first.inner_text()

    rows.first.locator("input.action-select").check()
    run_action(page, "Hide (with a reason the owner sees)")
    page.get_by_label("Reason (shown to the owner)").fill("Another athlete is in the frame")
    screenshot(page, "admin-hide-reason")
    page.get_by_role("button", name="Hide").click()
    assert "Hid 1 video" in page.locator(".messagelist").inner_text()
    video.refresh_from_db()
    assert video.moderation == Moderation.HIDDEN
    seen_by_owner = bearer(APIClient(), owner).get(f"/api/v1/videos/{video.pk}").json()
    assert seen_by_owner["moderation_reason"] == "Another athlete is in the frame"
    assert bearer(APIClient(), coach).get(f"/api/v1/videos/{video.pk}").status_code == 404

    page.goto("/admin/admin/logentry/")
    assert "Another athlete is in the frame" in page.locator("#result_list").inner_text()

    page.goto("/admin/videos/video/")
    page.locator(f"input.action-select[value='{video.pk}']").check()
    run_action(page, "Delete, with every stored file and annotation")
    assert "Deleted 1 video" in page.locator(".messagelist").inner_text()
    assert not Video.objects.filter(pk=video.pk).exists()
    assert stored_files(f"videos/{video.pk}/") == []
    assert Video.objects.filter(pk=other.pk).exists()


def test_retry_a_failed_job(staff_page):
    page = staff_page
    video = make_video(make_user("lena", role="athlete"), title="Clean", status=VideoStatus.FAILED)
    ProcessingJob.objects.create(
        video=video, state=JobState.FAILED, error_code="worker_crashed", attempts=3
    )
    page.goto("/admin/processing/processingjob/?state__exact=failed")
    assert "worker_crashed" in page.locator("#result_list").inner_text()
    page.locator("#result_list input.action-select").first.check()
    run_action(page, "Retry (reprocess the video of each failed job; export again)")
    screenshot(page, "admin-retry")
    video.refresh_from_db()
    assert video.status == VideoStatus.UPLOADED  # queued again through the same service


def test_lists_show_what_staff_look_for_and_fit_a_1440_screen(staff_page):
    from datetime import UTC, datetime

    from annotations.models import Annotation, AnnotationType

    page = staff_page
    page.set_viewport_size({"width": 1440, "height": 900})
    owner = make_user("lena", role="athlete")
    video = make_video(owner, title="Front squat, heavy triple at the end of the session")
    for index, tool in enumerate(["angle", "arrow", "text"]):
        Annotation.objects.create(
            video_id=video.pk,
            author_id=owner.pk,
            author_username="lena",
            type=AnnotationType.DRAWING,
            timestamp=index / 25,
            frame=index,
            duration=3,
            drawing_data={"tool_type": tool, "points": [[0.1, 0.1]]},
        )
    for state, code in [(JobState.FAILED, "worker_crashed"), (JobState.SUCCEEDED, "")]:
        ProcessingJob.objects.create(
            video=video,
            state=state,
            error_code=code,
            attempts=1,
            started_at=datetime.now(tz=UTC),
            finished_at=datetime.now(tz=UTC),
        )
    fits = """() => document.documentElement.scrollWidth <= window.innerWidth
        && [...document.querySelectorAll("#changelist .results")]
            .every((box) => box.scrollWidth <= box.clientWidth)"""

    page.goto("/admin/annotations/annotation/")
    table = page.locator("#result_list")
    for text in (
        "Front squat, heavy triple",
        "angle",
        "arrow",
        "text",
        "lena",
        "frame 2",
        "0.080 s",
    ):
        assert text in table.inner_text(), text
    assert page.evaluate(fits)
    screenshot(page, "admin-annotations-1440")

    page.goto("/admin/processing/processingjob/")
    assert "worker_crashed" in page.locator("#result_list").inner_text()
    assert page.get_by_role("link", name="none", exact=True).count() == 1  # no empty filter link
    assert page.evaluate(fits)
    screenshot(page, "admin-jobs-1440")
