"""The coach journey, as a new user would do it, on a desktop and on a phone-sized screen:
the athlete shares a ready video, the coach draws and records a voice-over, the athlete sees it
all arrive live and plays the voice-over in sync with the video."""

import re

import pytest
from playwright.sync_api import expect

from annotations.models import Annotation
from processing import pipeline
from tests.factories import make_user, make_video
from tests.media import make_clip
from tests.pages.conftest import DESKTOP, PHONE, screenshot
from tests.pages.studio import FPS, at, drag, in_thread, seek
from videos.models import ScanStatus, VideoStatus

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _share_with_the_coach(athlete_page) -> None:
    athlete_page.goto("/")
    athlete_page.get_by_role("link", name="Snatch, heavy single").click()
    expect(athlete_page.locator("#player")).to_have_js_property("readyState", 4, timeout=20_000)
    athlete_page.get_by_role("button", name="Share").click()
    dialog = athlete_page.get_by_role("dialog")
    dialog.get_by_label("Username of a coach or athlete").fill("coach")
    dialog.get_by_label("They may").select_option("annotate")
    dialog.get_by_role("button", name="Share").click()
    expect(dialog.get_by_role("alert")).to_contain_text("Shared with coach")
    dialog.get_by_role("button", name="Close").click()


def _coach_draws_and_speaks(coach_page) -> None:
    coach_page.goto("/")
    expect(coach_page.get_by_test_id("video-card")).to_contain_text("Shared with me")
    coach_page.get_by_role("link", name="Snatch, heavy single").click()
    expect(coach_page.locator("#player")).to_have_js_property("readyState", 4, timeout=20_000)
    seek(coach_page, 1.0)
    coach_page.get_by_role("button", name="Arrow", exact=True).click()
    drag(coach_page, (0.2, 0.8), (0.45, 0.45))
    coach_page.get_by_role("button", name="Angle", exact=True).click()
    drag(coach_page, (0.6, 0.2), (0.6, 0.6))
    coach_page.mouse.move(*at(coach_page, 0.85, 0.6), steps=4)
    coach_page.mouse.down()
    coach_page.mouse.up()
    expect(coach_page.locator("#studio-message")).to_contain_text("Saved: 90")

    coach_page.get_by_role("button", name="Record at current time").click()
    expect(coach_page.locator("#record-time")).to_contain_text("Recording")
    coach_page.wait_for_timeout(1500)
    coach_page.get_by_role("button", name="Stop recording").click()
    # listed at once, processing or (with a quick worker) ready already
    expect(coach_page.locator("#voice-list")).to_contain_text(
        re.compile(r"coach at 1\.00 s · (processing|\d)"), timeout=10_000
    )


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_share_annotate_voice_over_and_play(open_page, worker, tmp_path, viewport):
    name = "phone" if viewport is PHONE else "desktop"
    athlete = make_user("ana", role="athlete")
    coach = make_user("coach", role="coach")
    clip = make_clip(tmp_path / "snatch.mp4", seconds=4, size="640x360", rate=FPS)
    video = make_video(
        athlete,
        title="Snatch, heavy single",
        status=VideoStatus.UPLOADED,
        content=clip.read_bytes(),
        scan_status=ScanStatus.CLEAN,
    )
    in_thread(pipeline.process_video, video_id=str(video.pk))
    touch = {"has_touch": True} if viewport is PHONE else {}

    athlete_page = open_page(athlete, viewport=viewport, **touch)
    _share_with_the_coach(athlete_page)
    _coach_draws_and_speaks(open_page(coach, viewport=viewport, **touch))

    # the athlete never reloads: drawings and the voice-over arrive over the real-time channel
    expect(athlete_page.locator("#drawing-list li")).to_have_count(2)
    voice = athlete_page.locator("#voice-list li[data-status=ready]")
    expect(voice).to_have_count(1, timeout=30_000)
    recorded = Annotation.objects.get(video_id=video.pk, type="voice_over")
    assert recorded.audio_status == "ready" and recorded.duration > 0.5
    assert abs(recorded.timestamp - 1.0) < 0.05

    athlete_page.bring_to_front()
    voice.get_by_role("button", name="Play").click()
    athlete_page.wait_for_timeout(500)
    playing = athlete_page.evaluate(
        "() => [...studio.state.audio.values()].some(audio => !audio.paused)"
    )
    assert playing, "the voice-over plays with the video"
    assert athlete_page.evaluate("studio.player.volume") == pytest.approx(0.2)  # ducked
    athlete_page.evaluate("studio.player.pause()")
    seek(athlete_page, 1.2)
    screenshot(athlete_page, f"journey-{name}")
