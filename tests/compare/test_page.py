"""The comparison page in Chromium (Playwright), desktop and phone: both clips play adaptive HLS
(hls.js) and show the frames the sync says (read back from the pictures' counters), step together
by one frame of the faster clip, fall back to an MP4 when HLS fails; nudges save the sync for
everyone; the studio's tools work on either pane (text, select, move, undo, redo, delete), live
on the other pages; overlaid, "Draw on" picks the clip; view-only people get no tools."""

import re

import pytest
from playwright.sync_api import expect

from annotations.models import Annotation
from tests.factories import make_user, ready_video
from tests.media import make_counter_clip
from tests.pages.conftest import DESKTOP, PHONE, screenshot
from tests.pages.studio import in_thread, wait_until
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


def playing(page) -> dict[str, str]:
    """What each pane plays now ("hls" through hls.js, or "mp4")."""
    return page.evaluate("({left: compare.sources.left.kind, right: compare.sources.right.kind})")


def assert_frames(page, shared_time: float) -> None:
    """Both panes show (number and picture) the frames the sync says at `shared_time`."""
    want = (expected(shared_time, "left"), expected(shared_time, "right"))
    assert (shown(page, "left"), shown(page, "right")) == want, shared_time
    for side, frame in zip(("left", "right"), want, strict=True):
        if frame is not None:
            assert page.evaluate(READ_COUNTER, side) == frame, (shared_time, side)


def at(page, side: str, x: float, y: float) -> tuple[float, float]:
    """A point of a pane's canvas in the viewport (scrolled into view first: on a phone the
    tools lie below the panes)."""
    page.locator(f"#canvas-{side}").scroll_into_view_if_needed()
    box = page.locator(f"#canvas-{side}").bounding_box()
    assert box is not None
    return box["x"] + x * box["width"], box["y"] + y * box["height"]


def drag_on(page, side: str, start, end, steps: int = 6) -> None:
    page.mouse.move(*at(page, side, *start))
    page.mouse.down()
    page.mouse.move(*at(page, side, *end), steps=steps)
    page.mouse.up()


def responded(page, method: str, part: str = "/api/v1/annotations"):
    """Wait for the next `method` request under `part` to be answered (stored by then)."""
    return page.expect_response(
        lambda response: part in response.url and response.request.method == method
    )


def expected(shared_time: float, side: str, sync_left=1.0, sync_right=0.5) -> int | None:
    line = sync.timeline(sync.Pane(sync_left, 3.0, 30), sync.Pane(sync_right, 2.0, 24))
    duration, fps = (3.0, 30) if side == "left" else (2.0, 24)
    return sync.side_frame(shared_time, line.offset(side), duration, fps)


def test_frames_in_lockstep_from_the_sync_point(open_page, compared):
    page = open_compare(open_page, compared["owner"], compared["comparison"])
    wait_settled(page)
    assert playing(page) == {"left": "hls", "right": "hls"}  # adaptive, as the default
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
    assert playing(page) == {"left": "hls", "right": "hls"}
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


def test_hls_on_both_panes_seeks_and_steps_to_the_synced_frames(open_page, compared):
    """hls.js plays both panes (its own chunk, loaded on demand); seeks anywhere, back and forth
    and across segments, and steps both ways land both pictures on the frames the sync says."""
    page = open_compare(open_page, compared["owner"], compared["comparison"])
    wait_settled(page)
    assert playing(page) == {"left": "hls", "right": "hls"}
    assert page.evaluate("document.getElementById('video-left').src").startswith("blob:")
    expect(page.get_by_test_id("quality-left")).to_have_value("auto")
    # across the 2 s segment boundary of the left clip, back to the start, to the right's end and
    # to the left's last frame
    for time in (2.5, 0.6, 2.1, 1.9667, 0.0, 1.4, 2.45, 2.98):
        page.evaluate("t => compare.seek(t)", time)
        wait_settled(page)
        assert_frames(page, time)
    # scrubbed fast (no waiting between seeks, as a drag on the timeline does): the last one wins
    page.evaluate(
        "() => { for (let t = 0.1; t < 2.9; t += 0.13) compare.seek(t); compare.seek(0.77); }"
    )
    wait_settled(page)
    assert_frames(page, 0.77)
    page.evaluate("compare.seek(1.5)")
    for name in ("+1 frame: next", "\u22121 frame: previous"):
        for _ in range(3):
            page.get_by_role("button", name=name).click()
            wait_settled(page)
            assert_frames(page, page.evaluate("compare.state.time"))
    # a fixed MP4 picked for one pane: the same frames, the other pane still adaptive
    page.get_by_label("Quality of the right clip").select_option("mobile")
    page.wait_for_function("compare.sources.right.kind === 'mp4'")
    wait_settled(page)
    assert playing(page) == {"left": "hls", "right": "mp4"}
    assert_frames(page, page.evaluate("compare.state.time"))
    page.get_by_label("Quality of the right clip").select_option("auto")
    page.wait_for_function("compare.sources.right.kind === 'hls'")
    wait_settled(page)
    assert_frames(page, page.evaluate("compare.state.time"))


def test_a_pane_falls_back_to_the_mp4_when_hls_fails(open_page, compared, page_errors):
    page_errors.allow(r"status of 404")
    comparison = compared["comparison"]
    page = open_page(compared["owner"])
    page.route("**/hls/**", lambda route: route.fulfill(status=404, body="gone"))
    page.goto(f"/compare/{comparison.pk}")
    page.wait_for_function(
        "() => window.compare && ['left', 'right'].every(s => compare.sources[s]?.kind === 'mp4')",
        timeout=20_000,
    )
    expect(page.locator("#studio-message")).to_contain_text("Adaptive playback failed")
    expect(page.locator("body")).to_have_attribute("data-ready", "1", timeout=20_000)
    page.evaluate("compare.seek(1.2)")
    wait_settled(page)
    assert_frames(page, 1.2)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_text_on_a_pane_is_saved_on_its_side_and_seen_live(open_page, compared, viewport):
    comparison = compared["comparison"]
    page = open_compare(open_page, compared["coach"], comparison, viewport=viewport)
    owner_page = open_compare(open_page, compared["owner"], comparison)
    wait_settled(page)
    page.get_by_role("button", name="Text", exact=True).click()
    page.mouse.click(*at(page, "left", 0.3, 0.6))
    entry = page.get_by_label("Text to place on the picture")
    expect(entry).to_be_visible()
    entry.fill("Knees out")
    entry.press("Enter")
    expect(page.locator("#studio-message")).to_contain_text("Saved on the left clip, frame 30")
    text = Annotation.objects.get(comparison_id=comparison.pk)
    assert (text.side, text.frame, text.video_id) == ("left", 30, comparison.left_video_id)
    assert text.drawing_data is not None
    assert text.drawing_data["text"] == "Knees out"
    assert text.drawing_data["points"][0] == [
        pytest.approx(0.3, abs=0.02),
        pytest.approx(0.6, abs=0.02),
    ]
    expect(owner_page.locator("#drawing-list li[data-side='left']")).to_contain_text("text")
    screenshot(page, f"compare-text-{'phone' if viewport is PHONE else 'desktop'}")


def points(annotation_id) -> list[list[float]]:
    drawing = Annotation.objects.get(pk=annotation_id)
    assert drawing.drawing_data is not None
    return drawing.drawing_data["points"]


def live_x(page, annotation_id, x: float) -> None:
    """Wait until `page` shows the drawing's first point at x (what the channel brought)."""
    page.wait_for_function(
        "([id, x]) => { const a = compare.state.annotations.get(id);"
        " return a && Math.abs(a.drawing_data.points[0][0] - x) < 1e-6; }",
        arg=[str(annotation_id), x],
    )


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_select_move_undo_redo_and_delete_a_pane_drawing_live(open_page, compared, viewport):
    comparison = compared["comparison"]
    page = open_compare(open_page, compared["coach"], comparison, viewport=viewport)
    other = open_compare(open_page, compared["owner"], comparison)
    wait_settled(page)
    page.get_by_role("button", name="Rectangle").click()
    drag_on(page, "right", (0.2, 0.2), (0.4, 0.5))
    expect(page.locator("#studio-message")).to_contain_text("Saved on the right clip")
    box = Annotation.objects.get(comparison_id=comparison.pk)
    drawn = points(box.pk)

    page.get_by_role("button", name="Select", exact=True).click()
    with responded(page, "PATCH"):
        drag_on(page, "right", (0.2, 0.35), (0.3, 0.45))  # on its left edge: the whole box moves
    moved = points(box.pk)
    assert moved[0] == pytest.approx([0.3, 0.3], abs=0.02)
    assert moved[1] == pytest.approx([0.5, 0.6], abs=0.02)
    live_x(other, box.pk, moved[0][0])
    expect(page.locator("#delete-selected")).to_be_enabled()

    with responded(page, "PATCH"):
        page.get_by_role("button", name="Undo").click()
    assert points(box.pk) == drawn
    live_x(other, box.pk, drawn[0][0])
    with responded(page, "PATCH"):
        page.get_by_role("button", name="Redo").click()
    assert points(box.pk) == moved
    live_x(other, box.pk, moved[0][0])
    # restyled with the tool controls while selected: one more PATCH, seen live
    with responded(page, "PATCH"):
        page.get_by_label("Colour").fill("#00ff00")
    assert Annotation.objects.get(pk=box.pk).drawing_data["color"] == "#00FF00"  # type: ignore[index]
    other.wait_for_function(
        "id => compare.state.annotations.get(id)?.drawing_data.color === '#00FF00'", arg=str(box.pk)
    )

    # delete the selection; undo brings the same drawing back, for the others too
    with responded(page, "DELETE"):
        page.locator("#delete-selected").click()
    assert not Annotation.objects.filter(pk=box.pk).exists()
    expect(other.locator("#drawing-list li[data-side='right']")).to_have_count(0)
    with responded(page, "POST", "/restore"):
        page.get_by_role("button", name="Undo").click()
    wait_until(lambda: Annotation.objects.filter(pk=box.pk).exists(), what="restored")
    assert points(box.pk) == moved
    expect(other.locator(f"#drawing-list li[data-annotation-id='{box.pk}']")).to_have_count(1)
    # someone else's drawing is not mine to move
    other.get_by_role("button", name="Select", exact=True).click()
    other.mouse.click(*at(other, "right", 0.3, 0.45))
    expect(other.locator("#studio-message")).to_contain_text("only its author changes it")
    expect(other.locator("#delete-selected")).to_be_disabled()


CANVAS_INK = """side => { const c = document.getElementById(`canvas-${side}`);
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let ink = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 100) ink += 1;
    return ink; }"""


def test_overlay_draws_on_the_clip_chosen(open_page, compared):
    """Overlaid (the right clip on top), "Draw on: left" draws on the bottom clip; both clips'
    drawings show over the pictures, each pane's canvas taking the pointer only when chosen."""
    comparison = compared["comparison"]
    page = open_compare(open_page, compared["coach"], comparison)
    page.get_by_label("Layout").select_option("overlay")
    expect(page.locator("#panes")).to_have_class(re.compile("layout-overlay"))
    expect(page.get_by_role("button", name="Draw on the right clip")).to_have_attribute(
        "aria-pressed", "true"
    )  # the top clip at first
    page.get_by_role("button", name="Draw on the left clip").click()
    expect(page.get_by_role("button", name="Draw on the left clip")).to_have_attribute(
        "aria-pressed", "true"
    )
    wait_settled(page)
    centre = at(page, "left", 0.5, 0.5)
    hit = "([x, y]) => document.elementFromPoint(x, y).id"
    assert page.evaluate(hit, list(centre)) == "canvas-left"
    page.get_by_role("button", name="Line").click()
    drag_on(page, "left", (0.2, 0.3), (0.8, 0.3))
    expect(page.locator("#studio-message")).to_contain_text("Saved on the left clip, frame 30")
    assert Annotation.objects.get(comparison_id=comparison.pk).side == "left"

    page.get_by_role("button", name="Draw on the right clip").click()
    assert page.evaluate(hit, list(centre)) == "canvas-right"
    drag_on(page, "right", (0.2, 0.7), (0.8, 0.7))
    expect(page.locator("#studio-message")).to_contain_text("Saved on the right clip, frame 12")
    sides = sorted(
        Annotation.objects.filter(comparison_id=comparison.pk).values_list("side", flat=True)
    )
    assert sides == ["left", "right"]
    # both drawn, over both pictures: each canvas has its line, and the page shows both
    page.wait_for_function(f"() => ({CANVAS_INK})('left') > 0 && ({CANVAS_INK})('right') > 0")
    for y, side in ((0.3, "left"), (0.7, "right")):
        assert page.evaluate(
            "([side, y]) => { const c = document.getElementById(`canvas-${side}`);"
            " const d = c.getContext('2d').getImageData(Math.round(c.width / 2),"
            " Math.round(c.height * y) - 4, 1, 9).data;"
            " for (let i = 3; i < d.length; i += 4) if (d[i] > 100) return true; return false; }",
            [side, y],
        ), side
    screenshot(page, "compare-overlay")


def test_the_studios_editing_keys_work_on_the_panes(open_page, compared):
    comparison = compared["comparison"]
    page = open_compare(open_page, compared["coach"], comparison)
    wait_settled(page)
    page.locator("body").click(position={"x": 1, "y": 1})  # focus out of any field
    for letter, tool in {"r": "rectangle", "t": "text", "s": "select", "n": "line"}.items():
        page.keyboard.press(letter)
        expect(page.locator(f'.tool[data-tool="{tool}"]')).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("c")  # the studio's calibration: no such tool here, nothing changes
    expect(page.locator('.tool[data-tool="line"]')).to_have_attribute("aria-pressed", "true")
    drag_on(page, "left", (0.2, 0.2), (0.6, 0.6))
    expect(page.locator("#studio-message")).to_contain_text("Saved on the left clip")
    line = Annotation.objects.get(comparison_id=comparison.pk)
    with responded(page, "DELETE"):
        page.keyboard.press("Control+z")  # undo the drawing
    assert not Annotation.objects.filter(pk=line.pk).exists()
    with responded(page, "POST", "/restore"):
        page.keyboard.press("Control+Shift+z")  # redo it
    wait_until(lambda: Annotation.objects.filter(pk=line.pk).exists(), what="redone")
