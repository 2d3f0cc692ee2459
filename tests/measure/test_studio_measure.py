"""The measuring tools in Chromium: a tracked point's trajectory drawn in the studio once the real
worker has followed it (announced live), its speed charted, and a calibrated distance labelled."""

import pytest
from playwright.sync_api import expect

from annotations.models import Annotation
from tests.pages.conftest import screenshot
from tests.pages.studio import at, drag, open_studio, seek, studio_coaching

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, databases="__all__")]

# Whether the overlay has ink within `r` CSS pixels of the normalised point (x, y).
INK_NEAR = """([x, y, r]) => {
    const c = document.getElementById("overlay");
    const dpr = c.width / c.getBoundingClientRect().width;
    const [cx, cy, rr] = [x * c.width, y * c.height, r * dpr];
    const data = c.getContext("2d").getImageData(cx - rr, cy - rr, 2 * rr, 2 * rr).data;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) return true;
    return false;
}"""


def ink_near(page, x: float, y: float, radius: float = 12) -> bool:
    page.wait_for_timeout(100)  # a frame of the drawing loop
    return bool(page.evaluate(INK_NEAR, [x, y, radius]))


@pytest.fixture
def coaching(tmp_path):
    return studio_coaching(tmp_path)


def test_the_studio_draws_a_trajectory_and_charts_its_speed(open_page, coaching, worker):
    video = coaching["video"]
    page = open_studio(open_page, coaching["coach"], video)
    expect(page.locator("#measure-note")).to_contain_text("perspective is not corrected")
    seek(page, 0.5)
    page.get_by_label("Shown for (s)").fill("2")
    page.get_by_role("button", name="Track", exact=True).click()
    page.mouse.click(*at(page, 0.3, 0.4))
    expect(page.locator("#studio-message")).to_contain_text("being followed")
    # The worker follows it; the page hears `annotation.updated` and keeps the positions.
    page.wait_for_function(
        """() => [...studio.state.annotations.values()].some(
            (a) => a.tracking && a.tracking.state === "succeeded")""",
        timeout=60_000,
    )
    annotation = Annotation.objects.get(video_id=video.pk)
    positions = (annotation.tracking or {})["positions"]
    assert len(positions) > 10  # (testsrc2's moving parts may lose it before the 2 s are over)
    t, x, y = positions[len(positions) // 2]
    seek(page, 0.2)  # before the track starts: nothing there
    assert not ink_near(page, x, y)
    seek(page, t + 0.01)  # the current point's ring where the worker found it
    page.wait_for_function(INK_NEAR, arg=[x, y, 12])
    chart = page.locator("#measure-chart-box")
    expect(chart).to_be_visible()
    expect(page.locator("#measure-chart-caption")).to_contain_text("Speed:")
    screenshot(page, "studio-trajectory")

    # The coach drags the point where it really is: tracked again from that frame.
    page.get_by_role("button", name="Select", exact=True).click()
    page.locator("#drawing-list li").first.get_by_role("button").first.click()  # select its row
    seek(page, t + 0.01)
    drag(page, (x, y), (min(0.95, x + 0.1), y), steps=4)
    expect(page.locator("#studio-message")).to_contain_text("Corrected")
    corrected = Annotation.objects.get(pk=annotation.pk).tracking or {}
    assert corrected["revision"] == 2
    assert corrected["start"]["t"] == pytest.approx(t, abs=1e-6)
    assert corrected["start"]["points"][0] == pytest.approx([min(0.95, x + 0.1), y], abs=0.01)

    page.get_by_role("button", name="Calibrate", exact=True).click()
    page.get_by_label("Known length (m)").fill("2")
    drag(page, (0.1, 0.9), (0.5, 0.9))
    expect(page.locator("#studio-message")).to_have_text("Saved: 2.00 m")
    page.get_by_role("button", name="Distance", exact=True).click()
    drag(page, (0.1, 0.8), (0.3, 0.8))
    expect(page.locator("#studio-message")).to_have_text("Saved: 1.00 m")
