"""The upload page in a real browser: tus upload with progress, resume after a reload, refusals
in words (not a video, malware, too large), and the new video's processing to ready."""

import hashlib
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.factories import make_user
from tests.media import EICAR, make_clip
from tests.pages.conftest import PHONE, screenshot
from videos.models import TusUpload, Video, VideoStatus

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SMALL_CHUNKS = 32 * 1024  # a 3 s clip becomes about ten PATCH requests

# Records every aria-valuenow the bar takes (Playwright's evaluate is not subject to the CSP).
RECORD_PROGRESS = """() => {
  window.progressSeen = [];
  const bar = document.getElementById("upload-bar");
  new MutationObserver(() => window.progressSeen.push(Number(bar.getAttribute("aria-valuenow"))))
    .observe(bar, {attributes: true, attributeFilter: ["aria-valuenow"]});
}"""


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    return make_clip(tmp_path_factory.mktemp("upload") / "front_squat-take_2.mp4", seconds=3)


def wait_for_progress(page, percent: int) -> None:
    page.wait_for_function(
        "(percent) => (window.progressSeen || []).some((value) => value >= percent)", arg=percent
    )


def slow_network(page, latency_ms: int = 150, *, offline: bool = False):
    """Chromium's own throttling (DevTools protocol), so progress is slow enough to watch."""
    session = page.context.new_cdp_session(page)
    session.send("Network.enable")
    set_network(session, latency_ms, offline=offline)
    return session


def set_network(session, latency_ms: int, *, offline: bool = False) -> None:
    session.send(
        "Network.emulateNetworkConditions",
        {
            "offline": offline,
            "latency": latency_ms,
            "downloadThroughput": -1,
            "uploadThroughput": 1024 * 1024,
        },
    )


def test_upload_shows_progress_then_the_video_turns_ready(open_page, live, worker, clip, settings):
    settings.TUS_CLIENT_CHUNK_BYTES = SMALL_CHUNKS
    make_user("carla", role="coach")
    coach = make_user("carl", role="coach")
    page = open_page(coach)
    page.goto("/upload")
    slow_network(page)
    page.evaluate(RECORD_PROGRESS)

    page.get_by_label("Video file").set_input_files(clip)
    expect(page.get_by_label("Title")).to_have_value("front squat-take 2")
    page.get_by_label("Title").fill("Front squat, take 2")
    page.get_by_label("Description").fill("Knees track the toes?")
    page.get_by_role("button", name="Upload", exact=True).click()

    wait_for_progress(page, 20)
    expect(page.get_by_test_id("upload-stats")).to_contain_text("MB")
    screenshot(page, "upload")

    done = page.get_by_test_id("upload-done")
    expect(done).to_contain_text("Front squat, take 2", timeout=30_000)
    assert "null" not in done.inner_text()  # no poster yet: nothing, not the word "null"
    seen = page.evaluate("window.progressSeen")
    assert seen == sorted(seen), seen  # never goes backwards
    assert len(set(seen)) >= 4 and seen[-1] == 100, seen

    expect(done.get_by_test_id("status")).to_have_text("Ready", timeout=90_000)
    expect(done.get_by_test_id("poster")).to_be_visible()
    screenshot(page, "upload-done")
    video = Video.objects.get()
    assert (video.title, video.description, video.owner) == (
        "Front squat, take 2",
        "Knees track the toes?",
        coach,
    )
    assert video.sha256 == hashlib.sha256(clip.read_bytes()).hexdigest()
    expect(page.get_by_role("link", name="Open the video")).to_have_attribute(
        "href", f"/videos/{video.pk}"
    )

    page.get_by_role("link", name="Go to the library").click()
    card = page.get_by_test_id("video-card").filter(has_text="Front squat, take 2")
    expect(card.get_by_test_id("status")).to_have_text("Ready")
    poster = card.get_by_test_id("poster")
    expect(poster).to_be_visible()
    page.wait_for_function(
        "(img) => img.complete && img.naturalWidth > 0", arg=poster.element_handle()
    )
    expect(card).to_contain_text("0:03")


def test_a_reload_mid_upload_resumes_instead_of_restarting(
    open_page, live, page_errors, clip, settings
):
    settings.TUS_CLIENT_CHUNK_BYTES = SMALL_CHUNKS
    # A PATCH cut by the reload may still hold its lock for a moment: the client retries (409).
    page_errors.allow(r"status of 409")
    athlete = make_user("ana", role="athlete")
    page = open_page(athlete)
    page.goto("/upload")
    slow_network(page, latency_ms=300)
    page.evaluate(RECORD_PROGRESS)
    page.get_by_label("Video file").set_input_files(clip)
    page.get_by_role("button", name="Upload", exact=True).click()
    wait_for_progress(page, 30)

    page.reload()
    upload = TusUpload.objects.get()
    assert 0 < upload.offset < upload.length
    requests = []
    page.on("request", lambda request: requests.append(request))

    page.get_by_label("Video file").set_input_files(clip)
    expect(page.locator("#upload-note")).to_contain_text("already")
    page.get_by_role("button", name="Resume upload").click()
    expect(page.locator("#upload-note")).to_contain_text(re.compile(r"Resuming at [1-9]\d? %"))
    screenshot(page, "upload-resumed")
    expect(page.get_by_test_id("upload-done")).to_contain_text("front squat-take 2")

    uploads = [r for r in requests if "/api/v1/uploads" in r.url]
    assert not [r for r in uploads if r.method == "POST"]  # no new upload was created
    patches = [r for r in uploads if r.method == "PATCH"]
    assert int(patches[0].headers["upload-offset"]) >= upload.offset > 0
    video = Video.objects.get()
    assert video.status in (VideoStatus.UPLOADED, VideoStatus.SCANNING, VideoStatus.PROCESSING)
    assert video.sha256 == hashlib.sha256(clip.read_bytes()).hexdigest()
    assert video.size == clip.stat().st_size


def test_a_network_drop_is_retried_and_the_upload_completes(
    open_page, live, page_errors, clip, settings
):
    settings.TUS_CLIENT_CHUNK_BYTES = SMALL_CHUNKS
    page_errors.allow(r"ERR_INTERNET_DISCONNECTED|status of 409")
    athlete = make_user("ana", role="athlete")
    page = open_page(athlete)
    page.goto("/upload")
    network = slow_network(page, latency_ms=200)
    page.evaluate(RECORD_PROGRESS)
    page.get_by_label("Video file").set_input_files(clip)
    page.get_by_role("button", name="Upload", exact=True).click()
    wait_for_progress(page, 20)

    set_network(network, 200, offline=True)
    expect(page.locator("#upload-note")).to_contain_text("trying again")
    page.wait_for_timeout(1500)
    set_network(network, 200)
    expect(page.get_by_test_id("upload-done")).to_contain_text("front squat-take 2", timeout=30_000)
    assert Video.objects.get().sha256 == hashlib.sha256(clip.read_bytes()).hexdigest()


def test_a_text_file_named_like_a_video_is_refused_in_words(open_page, live, page_errors, tmp_path):
    page_errors.allow(r"status of 422")
    athlete = make_user("ana", role="athlete")
    fake = tmp_path / "holiday.mp4"
    fake.write_text("These are my notes, not a video.\n" * 50)
    page = open_page(athlete)
    page.goto("/upload")
    page.get_by_label("Video file").set_input_files(fake)
    page.get_by_role("button", name="Upload", exact=True).click()
    message = page.get_by_test_id("upload-message")
    expect(message).to_contain_text("not a video")
    screenshot(page, "upload-not-a-video")
    expect(page.get_by_role("button", name="Upload", exact=True)).to_be_disabled()
    assert not Video.objects.exists()
    # The refused upload is forgotten: choosing the file again starts afresh (no stale resume).
    page.get_by_label("Video file").set_input_files(fake)
    expect(page.get_by_role("button", name="Upload", exact=True)).to_be_enabled()
    expect(page.locator("#upload-note")).to_be_hidden()
    assert (
        page.evaluate("() => Object.keys(localStorage).filter((k) => k.startsWith('tus::'))") == []
    )


def test_malware_is_refused_in_words(open_page, live, page_errors, tmp_path):
    page_errors.allow(r"status of 422")
    athlete = make_user("ana", role="athlete")
    infected = tmp_path / "training.mp4"
    infected.write_bytes(EICAR)
    page = open_page(athlete)
    page.goto("/upload")
    page.get_by_label("Video file").set_input_files(infected)
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.get_by_test_id("upload-message")).to_contain_text(
        "The file was refused: Malware found"
    )
    screenshot(page, "upload-malware")
    video = Video.objects.get()  # kept, without its file, so the owner sees why
    assert (video.status, video.status_code, video.size) == (
        VideoStatus.REJECTED,
        "malware_detected",
        0,
    )


def test_a_file_over_the_limit_is_refused_before_uploading(open_page, live, clip, settings):
    settings.MAX_UPLOAD_BYTES = 100 * 1024
    athlete = make_user("ana", role="athlete")
    page = open_page(athlete)
    page.goto("/upload")
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.get_by_label("Video file").set_input_files(clip)
    expect(page.get_by_test_id("upload-message")).to_contain_text(
        "larger than the 100 KB this service accepts"
    )
    expect(page.get_by_role("button", name="Upload", exact=True)).to_be_disabled()
    screenshot(page, "upload-too-large")
    assert not [url for url in requests if "/api/v1/uploads" in url]
    assert not TusUpload.objects.exists()


def test_pause_resume_and_cancel(open_page, live, clip, settings):
    settings.TUS_CLIENT_CHUNK_BYTES = SMALL_CHUNKS
    athlete = make_user("ana", role="athlete")
    page = open_page(athlete, viewport=PHONE)
    page.goto("/upload")
    slow_network(page, latency_ms=300)
    page.evaluate(RECORD_PROGRESS)
    page.get_by_label("Video file").set_input_files(clip)
    page.get_by_role("button", name="Upload", exact=True).click()
    wait_for_progress(page, 10)
    screenshot(page, "upload-phone")

    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_test_id("upload-stats")).to_contain_text("paused")
    page.wait_for_timeout(500)  # the cut PATCH keeps what had arrived
    paused_at = TusUpload.objects.get().offset
    page.wait_for_timeout(800)
    assert TusUpload.objects.get().offset == paused_at  # nothing is sent while paused

    page.get_by_role("button", name="Resume").click()
    expect(page.locator("#upload-note")).to_contain_text("Resuming at")
    wait_for_progress(page, 40)
    page.get_by_role("button", name="Cancel upload").click()
    expect(page.locator("#upload-note")).to_contain_text("cancelled")
    expect(page.get_by_role("progressbar", name="Upload progress")).to_be_hidden()
    assert not Video.objects.exists() and not TusUpload.objects.exists()
