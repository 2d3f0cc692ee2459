"""The library and the resumable upload page, in Chromium against the real app and worker."""

import hashlib
import re
import threading

import pytest
from playwright.sync_api import expect

from annotations import realtime
from tests.factories import make_user
from tests.media import EICAR, make_clip
from tests.pages.conftest import PHONE, screenshot
from tests.videos.helpers import make_video
from videos.models import TusUpload, Video, VideoShare, VideoStatus

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def throttle(page, kilobytes_per_second: int) -> None:
    """Chromium's own network throttling, so a small upload takes long enough to watch."""
    session = page.context.new_cdp_session(page)
    session.send("Network.enable")
    session.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 5,
            "downloadThroughput": -1,
            "uploadThroughput": kilobytes_per_second * 1024,
        },
    )


def watch_progress(page) -> None:
    page.evaluate(
        """() => {
          window.progressSeen = [];
          const bar = document.getElementById("progress");
          const seen = () => window.progressSeen.push(Number(bar.getAttribute("aria-valuenow")));
          new MutationObserver(seen).observe(bar, {attributes: true});
        }"""
    )


def test_upload_with_progress_then_ready_in_the_library(open_page, worker, settings, tmp_path):
    settings.TUS_CLIENT_CHUNK_BYTES = 64 * 1024
    clip = make_clip(tmp_path / "back-squat.mp4", seconds=3, size="640x360")
    page = open_page(make_user("ana", role="athlete"))
    page.goto("/upload")
    page.set_input_files("#file", str(clip))
    expect(page.get_by_label("Title")).to_have_value("back squat")
    throttle(page, 120)
    watch_progress(page)
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.get_by_text(re.compile(r"KB/s|MB/s"))).to_be_visible()
    screenshot(page, "upload")
    expect(page.get_by_test_id("processing-status")).to_have_text(
        "Ready to watch and annotate.", timeout=60_000
    )
    seen = page.evaluate("window.progressSeen")
    assert len(set(seen)) >= 3 and seen[-1] == 100, seen  # the bar moved, and ended full

    video = Video.objects.get(owner__username="ana")
    assert video.status == VideoStatus.READY and video.title == "back squat"
    assert video.sha256 == hashlib.sha256(clip.read_bytes()).hexdigest()
    page.get_by_role("link", name="Library").click()
    card = page.locator(f"[data-video-id='{video.pk}']")
    expect(card.get_by_test_id("status")).to_have_text("Ready")
    expect(card.locator("img.poster")).to_be_visible()
    screenshot(page, "library")


def test_a_reload_resumes_instead_of_restarting(open_page, worker, settings, tmp_path):
    settings.TUS_CLIENT_CHUNK_BYTES = 32 * 1024
    clip = make_clip(tmp_path / "clean.mp4", seconds=4, size="640x360")
    user = make_user("ana", role="athlete")
    page = open_page(user)
    page.goto("/upload")
    throttle(page, 60)
    page.set_input_files("#file", str(clip))
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.locator("#progress")).to_have_attribute(
        "aria-valuenow", re.compile(r"^([4-9]\d)$"), timeout=30_000
    )
    page.reload()
    upload = TusUpload.objects.get(video__owner=user)
    kept = upload.offset
    assert kept > 0

    page.set_input_files("#file", str(clip))
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.get_by_text("Resuming the earlier upload")).to_be_visible()
    expect(page.get_by_test_id("processing-status")).to_be_visible(timeout=60_000)
    video = Video.objects.get(owner=user)  # one video: the same upload, finished
    assert video.pk == upload.pk
    assert video.sha256 == hashlib.sha256(clip.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    "name,content,words",
    [
        ("notes.mp4", b"these are my training notes, not a video\n" * 50, "not a video"),
        ("eicar.mp4", EICAR, "Malware"),
    ],
)
def test_refusals_are_said_in_words(open_page, page_errors, tmp_path, name, content, words):
    page_errors.allow(r"status of 422")
    path = tmp_path / name
    path.write_bytes(content)
    page = open_page(make_user("ana", role="athlete"))
    page.goto("/upload")
    page.set_input_files("#file", str(path))
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text(words, ignore_case=True)


def test_too_large_is_refused_before_sending(open_page, settings, tmp_path):
    settings.MAX_UPLOAD_BYTES = 1000
    clip = make_clip(tmp_path / "big.mp4", seconds=1)
    page = open_page(make_user("ana", role="athlete"), viewport=PHONE)
    page.goto("/upload")
    page.set_input_files("#file", str(clip))
    expect(page.get_by_role("alert")).to_contain_text("the largest video this service accepts")
    screenshot(page, "upload-phone")
    assert not TusUpload.objects.exists()


def test_library_search_filters_sharing_and_live_progress(open_page):
    ana = make_user("ana", role="athlete")
    coach = make_user("coach", role="coach")
    stranger = make_user("stranger", role="coach")
    squat = make_video(ana, title="Front squat", duration=12)
    make_video(ana, title="Snatch", status=VideoStatus.FAILED, status_message="Not a video.")
    busy = make_video(ana, title="Clean and jerk", status=VideoStatus.PROCESSING, progress=10)
    VideoShare.objects.create(video=squat, user=coach, permission="annotate")

    page = open_page(ana)
    page.goto("/")
    expect(page.locator(".card")).to_have_count(3)
    expect(page.get_by_text("Not a video.")).to_be_visible()
    page.get_by_label("Search titles").fill("squat")
    expect(page.locator(".card")).to_have_count(1)
    page.get_by_label("Search titles").fill("")
    page.get_by_label("Status").select_option("failed")
    expect(page.locator(".card")).to_have_count(1)
    expect(page.locator(".card")).to_contain_text("Snatch")
    page.get_by_label("Status").select_option("")

    busy_card = page.locator(f"[data-video-id='{busy.pk}'] [data-testid=status]")
    expect(busy_card).to_have_text("Processing 10 %")
    page.wait_for_timeout(500)  # the card's channel is open
    # as the worker does (from a thread of its own: Playwright keeps an event loop in this one)
    publisher = threading.Thread(
        target=realtime.publish,
        args=(busy.pk, "video.progress", {"id": str(busy.pk), "progress": 64}),
    )
    publisher.start()
    publisher.join()
    expect(busy_card).to_have_text("Processing 64 %")

    coach_page = open_page(coach)
    coach_page.goto("/")
    expect(coach_page.locator(".card")).to_have_count(1)
    expect(coach_page.locator(".card")).to_contain_text("shared by ana")
    stranger_page = open_page(stranger, viewport=PHONE)
    stranger_page.goto("/")
    expect(stranger_page.get_by_text("No videos yet.")).to_be_visible()
    page.set_viewport_size(PHONE)
    screenshot(page, "library-phone")
