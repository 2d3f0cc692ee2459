"""Frame-exact drawings in Chromium: a drawing made on a paused frame is on that very frame at
once and after a reload, at NTSC and high frame rates (the studio used to round the start time
to 4 decimals, 2.116666 -> 2.1167, and showed nothing on the frame it was drawn on)."""

from typing import Any

import pytest
from playwright.sync_api import expect

from annotations.models import Annotation
from processing import pipeline
from tests.factories import make_user, make_video
from tests.media import make_clip
from tests.pages.studio import at, drag, in_thread, open_studio
from videos.models import ScanStatus, VideoStatus

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

NTSC: Any = "30000/1001"  # lavfi takes the rate as a fraction; 29.97 as probed
INK = """(more = -1) => {
    const c = document.getElementById("overlay");
    const data = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let ink = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) ink += 1;
    return more < 0 ? ink : (more === 0 ? ink === 0 : ink > more);
}"""


def processed_video(tmp_path, rate: Any):
    owner = make_user("ana", role="athlete")
    clip = make_clip(tmp_path / "clip.mp4", seconds=3, size="480x270", rate=rate, audio=False)
    video = make_video(
        owner, status=VideoStatus.UPLOADED, content=clip.read_bytes(), scan_status=ScanStatus.CLEAN
    )
    in_thread(pipeline.process_video, video_id=str(video.pk))
    video.refresh_from_db()
    assert video.status == VideoStatus.READY, video.status_message
    return owner, video


def pause_at(page, seconds: float) -> None:
    page.evaluate("t => { studio.player.pause(); studio.player.currentTime = t; }", seconds)
    page.wait_for_function(
        "t => Math.abs(studio.player.currentTime - t) < 1e-6 && !studio.player.seeking", arg=seconds
    )


def ink_on(page, seconds: float) -> int:
    pause_at(page, seconds)
    page.wait_for_function(INK, arg=100)  # drawn on the next animation frame
    return page.evaluate(INK, -1)


@pytest.mark.parametrize(("rate", "fps", "frame"), [(NTSC, 29.97, 63), (60, 60.0, 127)])
def test_a_drawing_is_on_the_frame_it_was_drawn_on(open_page, tmp_path, rate, fps, frame):
    owner, video = processed_video(tmp_path, rate)
    assert video.fps == fps
    # a paused time inside the frame whose 4-decimal rounding lies after it (frame 127 at 60 fps
    # spans 2.116667..2.133333)
    paused = 2.116666 if frame == 63 else 2.1166675
    assert int(paused * fps + 1e-6) == frame and round(paused, 4) > paused

    page = open_studio(open_page, owner, video)
    pause_at(page, paused)
    assert page.evaluate(INK, -1) == 0
    page.get_by_role("button", name="Line", exact=True).click()
    drag(page, (0.1, 0.5), (0.9, 0.5))
    expect(page.locator("#studio-message")).to_have_text("Saved.")
    saved = Annotation.objects.get(video_id=video.pk)
    assert (saved.frame, saved.timestamp) == (frame, frame / fps)
    assert ink_on(page, paused) > 100  # still paused on that frame: there at once

    page.reload()
    expect(page.locator("#player")).to_have_js_property("readyState", 4, timeout=20_000)
    assert ink_on(page, paused) > 100  # and after a reload
    page.get_by_role("button", name="Select", exact=True).click()
    page.mouse.click(*at(page, 0.5, 0.5))  # and selectable on that frame
    page.wait_for_function("id => studio.state.selected === id", arg=str(saved.pk))
    pause_at(page, (frame - 0.5) / fps)  # the frame before: nothing yet
    page.wait_for_function(INK, arg=0)
