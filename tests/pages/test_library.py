"""The library page in a real browser: cards with poster, duration and status, sharing, search,
the status filter, pages, and live progress from the real-time channel."""

import re

import pytest
from playwright.sync_api import expect

from annotations import realtime
from tests.factories import make_user, make_video, ready_video
from tests.pages.conftest import PHONE, screenshot
from tests.services import db_thread
from videos.models import Moderation, SharePermission, Video, VideoStatus
from videos.services import video_share

LOADED = "(img) => img.complete && img.naturalWidth > 0"

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def library(clips):
    ana = make_user("ana", role="athlete")
    coach = make_user("carl", role="coach")
    sam = make_user("sam", role="athlete")
    squat = ready_video(ana, clips["landscape"], "Front squat")
    video_share(video=squat, user=coach, permission=SharePermission.ANNOTATE)
    make_video(ana, title="Snatch pull", status=VideoStatus.PROCESSING, progress=40)
    make_video(
        ana,
        title="Broken clip",
        status=VideoStatus.FAILED,
        status_code="corrupt_media",
        status_message="ffmpeg failed (exit 1)",
    )
    make_video(
        ana,
        title="Suspicious",
        status=VideoStatus.REJECTED,
        status_code="malware_detected",
        status_message="Malware found (Eicar-Signature); the file was deleted.",
    )
    make_video(
        ana,
        title="Deadlift from the side",
        moderation=Moderation.HIDDEN,
        moderation_reason="Another athlete's face is visible",
    )
    own = make_video(coach, title="Coach's own clean", status=VideoStatus.READY)
    video_share(video=own, user=ana, permission=SharePermission.VIEW)
    return {"ana": ana, "coach": coach, "sam": sam, "squat": squat}


def publish(video: Video, event: str, payload: dict) -> None:
    """From another thread: Playwright's sync API keeps an event loop in the test's thread."""
    thread = db_thread(realtime.publish, video.pk, event, payload)
    thread.start()
    thread.join()


def card(page, title: str):
    return page.get_by_test_id("video-card").filter(
        has=page.get_by_role("heading", name=title, exact=True)
    )


def test_my_videos_with_poster_duration_and_status_in_words(open_page, library):
    page = open_page(library["ana"])
    page.goto("/")
    expect(page.get_by_test_id("video-card")).to_have_count(6)
    squat = card(page, "Front squat")
    expect(squat.get_by_test_id("status")).to_have_text("Ready")
    expect(squat).to_contain_text("0:01")
    poster = squat.get_by_test_id("poster")
    expect(poster).to_be_visible()
    page.wait_for_function(LOADED, arg=poster.element_handle())
    expect(squat.get_by_role("link", name="Front squat")).to_have_attribute(
        "href", f"/videos/{library['squat'].pk}"
    )
    # a ready clip can be put beside another
    expect(squat.get_by_test_id("compare-with")).to_have_attribute(
        "href", f"/compare/new?left={library['squat'].pk}"
    )
    expect(card(page, "Snatch pull").get_by_test_id("compare-with")).to_have_count(0)  # processing
    expect(squat.get_by_test_id("shared")).to_have_count(0)  # mine

    expect(card(page, "Snatch pull").get_by_test_id("status")).to_have_text("Processing 40 %")
    expect(card(page, "Snatch pull").get_by_role("progressbar")).to_have_attribute(
        "aria-valuenow", "40"
    )
    broken = card(page, "Broken clip")
    expect(broken.get_by_test_id("status")).to_have_text("Failed")
    expect(broken.get_by_test_id("problem")).to_have_text("ffmpeg failed (exit 1)")
    expect(card(page, "Suspicious").get_by_test_id("problem")).to_contain_text("Malware found")
    expect(card(page, "Deadlift from the side").get_by_test_id("hidden")).to_have_text(
        "Hidden by staff: Another athlete's face is visible"
    )
    shared = card(page, "Coach's own clean")
    expect(shared.get_by_test_id("shared")).to_have_text("Shared with me")
    expect(shared).to_contain_text("by carl")
    expect(page.get_by_text("6 videos")).to_be_visible()
    screenshot(page, "library")

    phone = open_page(library["ana"], viewport=PHONE)
    phone.goto("/")
    expect(phone.get_by_test_id("video-card")).to_have_count(6)
    phone_poster = card(phone, "Front squat").get_by_test_id("poster")
    expect(phone_poster).to_be_visible()
    phone.wait_for_function(LOADED, arg=phone_poster.element_handle())
    width = phone.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"]  # nothing overflows sideways
    screenshot(phone, "library-phone")


def test_a_shared_video_appears_for_the_coach_and_not_for_a_stranger(open_page, library):
    page = open_page(library["coach"])
    page.goto("/")
    expect(page.get_by_test_id("video-card")).to_have_count(2)
    squat = card(page, "Front squat")
    expect(squat.get_by_test_id("shared")).to_have_text("Shared with me")
    expect(squat).to_contain_text("by ana")
    expect(card(page, "Coach's own clean").get_by_test_id("shared")).to_have_count(0)

    stranger = open_page(library["sam"])
    stranger.goto("/")
    expect(stranger.get_by_text("No videos yet")).to_be_visible()
    expect(stranger.get_by_test_id("video-card")).to_have_count(0)
    expect(stranger.get_by_role("link", name="Upload your first video")).to_have_attribute(
        "href", "/upload"
    )


def test_search_status_filter_and_pages(open_page, library):
    for number in range(25):
        make_video(library["ana"], title=f"Drill {number:02d}", status=VideoStatus.READY)
    page = open_page(library["ana"])
    page.goto("/")
    expect(page.get_by_text("31 videos")).to_be_visible()
    pages = page.get_by_role("navigation", name="Pages")
    expect(pages).to_contain_text("Page 1 of 2")
    pages.get_by_role("button", name="Next").click()
    expect(pages).to_contain_text("Page 2 of 2")
    expect(page.get_by_test_id("video-card")).to_have_count(6)
    expect(page).to_have_url(re.compile(r"\?page=2$"))

    page.keyboard.press("/")
    expect(page.get_by_label("Search by title")).to_be_focused()
    page.keyboard.type("squat")
    expect(page.get_by_test_id("video-card")).to_have_count(1)
    expect(card(page, "Front squat")).to_be_visible()
    expect(pages).to_be_hidden()

    page.get_by_label("Search by title").fill("")
    page.get_by_label("Status").select_option("failed")
    expect(page.get_by_test_id("video-card")).to_have_count(1)
    expect(card(page, "Broken clip")).to_be_visible()
    expect(page).to_have_url(re.compile(r"\?status=failed$"))

    page.reload()  # the filter is in the address, so it survives a reload
    expect(page.get_by_label("Status")).to_have_value("failed")
    expect(page.get_by_test_id("video-card")).to_have_count(1)

    page.get_by_label("Search by title").fill("nothing like this")
    expect(page.get_by_text("No videos match this search.")).to_be_visible()
    page.get_by_role("button", name="Clear the search and filter").click()
    expect(page.get_by_text("31 videos")).to_be_visible()


def test_a_processing_video_updates_live_without_reload(open_page, library):
    snatch = Video.objects.get(title="Snatch pull")
    page = open_page(library["ana"])
    page.goto("/")
    badge = card(page, "Snatch pull").get_by_test_id("status")
    expect(badge).to_have_text("Processing 40 %")

    Video.objects.filter(pk=snatch.pk).update(progress=70)
    # Publish until the page's socket is connected and shows it (well before the slow poll).
    for _ in range(20):
        publish(snatch, "video.progress", {"id": str(snatch.pk), "progress": 70})
        if badge.inner_text() == "Processing 70 %":
            break
        page.wait_for_timeout(250)
    expect(badge).to_have_text("Processing 70 %", timeout=1000)

    squat = library["squat"]  # lend its poster: processing itself is tested elsewhere
    Video.objects.filter(pk=snatch.pk).update(
        status=VideoStatus.READY, progress=100, poster=squat.poster.name, duration=squat.duration
    )
    publish(snatch, "video.ready", {"id": str(snatch.pk), "progress": 100})
    expect(badge).to_have_text("Ready", timeout=5000)
    expect(card(page, "Snatch pull").get_by_test_id("poster")).to_be_visible()
