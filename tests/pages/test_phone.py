"""The studio on phones (390 x 844 and 360 wide): the picture edge to edge and a portrait clip as
tall as the screen allows, tools that wrap, every control at least 44 px, nothing cut off, and a
fingertip's reach for picking a drawing."""

import pytest
from playwright.sync_api import expect

from annotations.models import Annotation
from processing import pipeline
from tests.factories import make_user, make_video
from tests.media import make_clip
from tests.pages.conftest import screenshot
from tests.pages.studio import at, in_thread, open_studio, seek
from videos.models import ScanStatus, VideoShare, VideoStatus

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
SIZES = {"390": {"width": 390, "height": 844}, "360": {"width": 360, "height": 740}}
SMALL_CONTROLS = """() => {
    const controls = document.querySelectorAll(["main button", "main select",
        "main input:not([type=checkbox])", "main label.check", "main [role=slider]"].join(", "));
    return [...controls].filter((node) => node.offsetParent !== null).map((node) => {
        const box = node.getBoundingClientRect();
        return { id: node.id || node.textContent.trim().slice(0, 30), w: box.width, h: box.height };
    }).filter((c) => c.w < 44 - 0.5 || c.h < 44 - 0.5);
}"""


@pytest.fixture
def portrait(tmp_path):
    owner = make_user("ana", role="athlete")
    coach = make_user("coach", role="coach")
    clip = make_clip(tmp_path / "portrait.mp4", seconds=2, size="360x640", rate=25, audio=False)
    video = make_video(
        owner, status=VideoStatus.UPLOADED, content=clip.read_bytes(), scan_status=ScanStatus.CLEAN
    )
    in_thread(pipeline.process_video, video_id=str(video.pk))
    video.refresh_from_db()
    assert video.status == VideoStatus.READY, video.status_message
    VideoShare.objects.create(video=video, user=coach, permission="annotate")
    return {"owner": owner, "coach": coach, "video": video}


@pytest.mark.parametrize("size", sorted(SIZES))
def test_phone_layout_of_a_portrait_clip(open_page, portrait, size):
    viewport = SIZES[size]
    page = open_studio(open_page, portrait["coach"], portrait["video"], viewport=viewport)
    page.wait_for_function("() => document.getElementById('overlay').clientHeight > 0")
    stage = page.locator("#stage").bounding_box()
    picture = page.locator("#overlay").bounding_box()
    assert stage["x"] == pytest.approx(0, abs=1)
    assert stage["width"] == pytest.approx(viewport["width"], abs=1)  # edge to edge
    assert picture["height"] >= 0.7 * viewport["height"]  # a portrait clip stands tall
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    assert page.evaluate(SMALL_CONTROLS) == []
    tools = page.get_by_role("toolbar", name="Drawing tools").bounding_box()
    assert tools["x"] >= 0 and tools["x"] + tools["width"] <= viewport["width"]  # wraps
    screenshot(page, f"studio-phone-{size}")


def test_a_fingertip_picks_a_drawing_near_it(open_page, portrait):
    page = open_studio(
        open_page, portrait["coach"], portrait["video"], viewport=SIZES["390"], has_touch=True
    )
    seek(page, 0.5)
    page.get_by_role("button", name="Line", exact=True).click()
    overlay = page.locator("#overlay")

    def touch(kind: str, x: float, y: float) -> None:
        event = {"pointerType": "touch", "clientX": x, "clientY": y, "pointerId": 3}
        overlay.dispatch_event(kind, {**event, "isPrimary": True})

    start, end = at(page, 0.2, 0.5), at(page, 0.8, 0.5)
    touch("pointerdown", *start)
    touch("pointermove", *end)
    touch("pointerup", *end)
    expect(page.locator("#studio-message")).to_have_text("Saved.")
    line = Annotation.objects.get(video_id=portrait["video"].pk)
    page.get_by_role("button", name="Select", exact=True).click()
    x, y = at(page, 0.5, 0.5)
    touch("pointerdown", x, y + 18)  # 18 px off the line: a fingertip's miss
    touch("pointerup", x, y + 18)
    page.wait_for_function("id => studio.state.selected === id", arg=str(line.pk))
