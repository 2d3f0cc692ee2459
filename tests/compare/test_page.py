"""The comparison page in Chromium (Playwright), desktop and phone: both clips show the frames
the sync says (read back from the pictures' counters), step together by one frame of the faster
clip, nudges save the sync for everyone, drawing on a pane saves it on that side, and view-only
people get no tools."""

import re

import pytest
from playwright.sync_api import expect

from annotations.models import Annotation
from tests.factories import make_user, ready_video
from tests.media import make_counter_clip
from tests.pages.conftest import PHONE, screenshot
from tests.pages.studio import in_thread
from videos import sync
from videos.models import Comparison, ComparisonShare, VideoShare

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, databases="__all__")]

# Decode the counter (tests.media.make_counter_clip) of the frame a <video> shows now.
READ_COUNTER = """side => {
    const video = document.getElementById(`video-${side}`);
    const canvas = document.createElement("canvas");
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    const ctx = canvas.getContext("2d");
    ctx.drawImage(video, 0, 0);
    const row = Math.floor(canvas.height / 6);
    const block = canvas.width / 8;
    let number = 0;
    for (let bit = 0; bit < 8; bit += 1) {
        const [r, g, b] = ctx.getImageData(Math.round(block * bit + block / 2), row, 1, 1).data;
        if ((r + g + b) / 3 > 128) number |= 1 << bit;
    }
    return number;
}"""


@pytest.fixture
def compared(tmp_path, settings):
    """The export test's pair: 3 s at 30 fps (left, sync 1.0 s), 2 s at 24 fps (right, sync
    0.5 s), shared with a coach who may annotate and one who may only view."""
    settings.VIDEO_LADDER = "mobile:180:800:60"
    owner = make_user("ana", role="athlete")
    coach = make_user("coach", role="coach")
    viewer = make_user("viewer", role="coach")
    made = {}

    def build() -> None:
        left = ready_video(owner, make_counter_clip(tmp_path / "l.mp4", seconds=3, rate=30))
        right = ready_video(
            owner, make_counter_clip(tmp_path / "r.mp4", seconds=2, rate=24, level=200)
        )
        made["comparison"] = Comparison.objects.create(
            owner=owner,
            title="Then and now",
            left_video=left,
            right_video=right,
            left_sync=1.0,
            right_sync=0.5,
        )

    in_thread(build)
    comparison = made["comparison"]
    for user, permission in ((coach, "annotate"), (viewer, "view")):
        ComparisonShare.objects.create(comparison=comparison, user=user, permission=permission)
        for video in (comparison.left_video, comparison.right_video):
            VideoShare.objects.create(video=video, user=user, permission=permission)
    return {"owner": owner, "coach": coach, "viewer": viewer, "comparison": comparison}


def open_compare(open_page, user, comparison, **options):
    page = open_page(user, **options)
    page.goto(f"/compare/{comparison.pk}")
    expect(page.locator("body")).to_have_attribute("data-ready", "1", timeout=20_000)
    return page


def wait_settled(page) -> None:
    """Both <video>s have finished seeking to the frames the clock says."""
    page.wait_for_function(
        "() => ['left', 'right'].every(s => { const v = document.getElementById(`video-${s}`);"
        " return v.style.visibility === 'hidden' || (!v.seeking && v.readyState >= 2); })"
    )
    page.wait_for_timeout(100)


def shown(page, side: str) -> int | None:
    text = page.get_by_test_id(f"frame-{side}").get_attribute("data-frame")
    return int(text) if text else None


def expected(shared_time: float, side: str, sync_left=1.0, sync_right=0.5) -> int | None:
    line = sync.timeline(sync.Pane(sync_left, 3.0, 30), sync.Pane(sync_right, 2.0, 24))
    duration, fps = (3.0, 30) if side == "left" else (2.0, 24)
    return sync.side_frame(shared_time, line.offset(side), duration, fps)


def test_frames_in_lockstep_from_the_sync_point(open_page, compared):
    page = open_compare(open_page, compared["owner"], compared["comparison"])
    wait_settled(page)
    # opens at the sync point: the two synced moments, each by its own frame number
    assert (shown(page, "left"), shown(page, "right")) == (30, 12)
    assert page.evaluate(READ_COUNTER, "left") == 30
    assert page.evaluate(READ_COUNTER, "right") == 12
    expect(page.locator("#step-note")).to_have_text("one frame = 1/30 s")
    # one frame = 1/30 s: the left clip moves a frame each step, the 24 fps one less often
    seen: list[tuple[int | None, int | None]] = [(30, 12)]
    for step in range(1, 6):
        page.get_by_role("button", name="+1 frame: next frame of the faster clip").click()
        wait_settled(page)
        time = 1.0 + step / 30
        want = (expected(time, "left"), expected(time, "right"))
        assert (shown(page, "left"), shown(page, "right")) == want, step
        assert page.evaluate(READ_COUNTER, "left") == want[0]
        assert page.evaluate(READ_COUNTER, "right") == want[1]
        seen.append(want)
    assert [left for left, _ in seen] == [30, 31, 32, 33, 34, 35]
    assert [right for _, right in seen] == [12, 12, 13, 14, 15, 16]  # 24 fps: one step repeats
    # played together and paused anywhere: still the frames the sync says, in both pictures
    page.get_by_role("button", name="Play").click()
    page.wait_for_timeout(600)
    page.get_by_role("button", name="Pause").click()
    wait_settled(page)
    time = page.evaluate("compare.state.time")
    assert time > 1.0 + 5 / 30
    want = (expected(time, "left"), expected(time, "right"))
    assert (shown(page, "left"), shown(page, "right")) == want
    assert (page.evaluate(READ_COUNTER, "left"), page.evaluate(READ_COUNTER, "right")) == want
    # before the right clip starts its pane is black and says so
    page.evaluate("compare.seek(0.2)")
    wait_settled(page)
    assert shown(page, "right") is None
    expect(page.locator("#black-right")).to_be_visible()
    assert page.evaluate(READ_COUNTER, "left") == 6
    screenshot(page, "compare-desktop")


def test_nudge_saves_the_sync_for_everyone(open_page, compared):
    comparison = compared["comparison"]
    owner_page = open_compare(open_page, compared["owner"], comparison)
    coach_page = open_compare(open_page, compared["coach"], comparison)
    coach_page.get_by_role("button", name="Right sync +1 frame").click()
    expect(coach_page.get_by_test_id("sync-right")).to_have_text("0.542")
    expect(owner_page.get_by_test_id("sync-right")).to_have_text("0.542")  # live
    comparison.refresh_from_db()
    assert comparison.right_sync == pytest.approx(0.5 + 1 / 24, abs=1e-6)
    coach_page.get_by_role("button", name="Left sync \u22120.1 s").click()
    expect(owner_page.get_by_test_id("sync-left")).to_have_text("0.900")
    # the layout too
    owner_page.get_by_label("Layout").select_option("overlay")
    expect(coach_page.get_by_label("Layout")).to_have_value("overlay")
    expect(coach_page.locator("#panes")).to_have_class(re.compile("layout-overlay"))


def test_drawing_on_a_pane_saves_it_on_that_side(open_page, compared):
    comparison = compared["comparison"]
    page = open_compare(open_page, compared["coach"], comparison)
    owner_page = open_compare(open_page, compared["owner"], comparison)
    wait_settled(page)
    page.get_by_role("button", name="Line").click()
    box = page.locator("#canvas-right").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.2, box["y"] + box["height"] * 0.7)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.8, box["y"] + box["height"] * 0.7, steps=6)
    page.mouse.up()
    expect(page.locator("#studio-message")).to_contain_text("Saved on the right clip, frame 12")
    drawing = Annotation.objects.get(comparison_id=comparison.pk)
    assert (drawing.side, drawing.frame, drawing.video_id) == (
        "right",
        12,
        comparison.right_video_id,
    )
    assert drawing.drawing_data is not None
    assert drawing.drawing_data["points"][0] == [
        pytest.approx(0.2, abs=0.02),
        pytest.approx(0.7, abs=0.02),
    ]
    # the owner's page hears it and lists it
    expect(owner_page.locator("#drawing-list li[data-side='right']")).to_have_count(1)
    # drawn on the right pane only, in red
    red_rows = """side => { const c = document.getElementById(`canvas-${side}`);
        const y = Math.round(c.height * 0.7);
        const d = c.getContext("2d").getImageData(Math.round(c.width / 2), y - 6, 1, 13).data;
        let red = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 100 && d[i] > 150) red += 1;
        return red; }"""
    owner_page.wait_for_function(f"() => ({red_rows})('right') > 0")
    assert owner_page.evaluate(red_rows, "left") == 0


def test_view_only_gets_no_tools(open_page, compared):
    page = open_compare(open_page, compared["viewer"], compared["comparison"])
    expect(page.locator("#readonly-note")).to_be_visible()
    expect(page.locator(".tools")).to_have_count(0)
    expect(page.get_by_role("button", name="Right sync +1 frame")).to_have_count(0)
    expect(page.get_by_label("Layout")).to_be_disabled()


def test_a_stranger_gets_the_not_available_page(open_page, compared, page_errors):
    page_errors.allow(r"status of 404")
    stranger = make_user("stranger", role="coach")
    page = open_page(stranger)
    response = page.goto(f"/compare/{compared['comparison'].pk}")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Comparison not available")).to_be_visible()


def test_phone_stacks_the_panes_and_steps(open_page, compared):
    page = open_compare(open_page, compared["owner"], compared["comparison"], viewport=PHONE)
    wait_settled(page)
    left = page.get_by_test_id("pane-left").bounding_box()
    right = page.get_by_test_id("pane-right").bounding_box()
    assert right["y"] >= left["y"] + left["height"] - 1  # stacked, not side by side
    assert left["width"] > PHONE["width"] * 0.8
    page.get_by_role("button", name="+1 frame: next frame of the faster clip").click()
    wait_settled(page)
    assert shown(page, "left") == 31
    assert page.evaluate(READ_COUNTER, "left") == 31
    screenshot(page, "compare-phone")


def test_compare_with_from_the_studio(open_page, compared):
    comparison = compared["comparison"]
    page = open_page(compared["owner"])
    page.goto(f"/videos/{comparison.left_video_id}")
    page.get_by_role("link", name="Compare with…").click()
    page.get_by_label("The other clip").select_option(str(comparison.right_video_id))
    page.get_by_role("button", name="Compare").click()
    page.wait_for_url(re.compile(r"/compare/[0-9a-f-]{36}$"))
    expect(page.locator("body")).to_have_attribute("data-ready", "1", timeout=20_000)
    made = Comparison.objects.exclude(pk=comparison.pk).get()
    assert (made.left_video_id, made.right_video_id) == (
        comparison.left_video_id,
        comparison.right_video_id,
    )
    assert page.get_by_test_id("frame-left").text_content() == "frame 0"


def test_hovering_the_timeline_previews_both_clips_at_their_own_times(open_page, compared):
    """The storyboards of both clips, each at its own time for the hovered shared moment; a clip
    that has not started yet shows black."""
    page = open_compare(open_page, compared["owner"], compared["comparison"])
    scrub = page.locator("#scrub").bounding_box()
    assert scrub is not None

    def hover(shared_time: float) -> None:
        x = scrub["x"] + scrub["width"] * shared_time / 3.0  # the shared timeline is 3 s long
        page.mouse.move(x, scrub["y"] + scrub["height"] / 2)

    def preview(side: str) -> tuple[str, str]:
        image = page.locator(f"#preview-{side}")
        background = image.evaluate("e => getComputedStyle(e).backgroundImage")
        return image.get_attribute("data-time") or "", background

    hover(1.5)  # left at 1.5 s of its own, right (offset 0.5 s) at 1.0 s
    expect(page.locator("#compare-preview")).to_be_visible()
    left_time, left_image = preview("left")
    right_time, right_image = preview("right")
    assert abs(float(left_time) - 1.5) < 0.05 and abs(float(right_time) - 1.0) < 0.05
    assert left_image.startswith("url(") and right_image.startswith("url(")
    assert left_image != right_image  # each clip's own sprite sheet

    hover(0.2)  # the right clip starts at 0.5 s on the shared timeline
    left_time, left_image = preview("left")
    right_time, right_image = preview("right")
    assert abs(float(left_time) - 0.2) < 0.05 and left_image.startswith("url(")
    assert right_time == "" and right_image == "none"

    page.mouse.move(scrub["x"], scrub["y"] - 200)  # away: the preview goes
    expect(page.locator("#compare-preview")).to_be_hidden()
