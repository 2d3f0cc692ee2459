"""Editing drawings in Chromium: select (on the picture or by its row), move, resize, drag an
angle's vertex, change colour, width, time shown and text; every change a PATCH the others see
live; undo and redo of create, edit and delete (the same id back), kept across a reload."""

import pytest
from playwright.sync_api import expect

from annotations.models import Annotation
from tests.pages.studio import at, drag, open_studio, seek, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def patching(page):
    """Wait for the next PATCH of an annotation to be answered (the change is stored then)."""
    return page.expect_response(
        lambda response: (
            "/api/v1/annotations/" in response.url and response.request.method == "PATCH"
        )
    )


def draw(page, tool, start, end):
    page.get_by_role("button", name=tool, exact=True).click()
    drag(page, start, end)
    expect(page.locator("#studio-message")).to_contain_text("Saved")


def test_move_resize_and_restyle_seen_live_and_undone(open_page, coaching):
    video = coaching["video"]
    page = open_studio(open_page, coaching["coach"], video)
    other = open_studio(open_page, coaching["owner"], video)
    seek(page, 1.0)
    seek(other, 1.0)
    draw(page, "Rectangle", (0.2, 0.2), (0.4, 0.4))
    box = Annotation.objects.get(video_id=video.pk)

    page.get_by_role("button", name="Select", exact=True).click()
    with patching(page):
        drag(page, (0.2, 0.3), (0.3, 0.5))  # on its left edge: the whole box moves
    box.refresh_from_db()
    moved = (box.drawing_data or {})["points"]
    assert moved[0] == pytest.approx([0.3, 0.4], abs=0.01)
    assert moved[1] == pytest.approx([0.5, 0.6], abs=0.01)
    other.wait_for_function(
        "([id, x]) => Math.abs(studio.state.annotations.get(id).drawing_data.points[0][0] - x)"
        " < 1e-6",
        arg=[str(box.pk), moved[0][0]],
    )  # live for the others

    with patching(page):
        drag(page, (0.5, 0.6), (0.7, 0.9))  # the corner handle: resized
    box.refresh_from_db()
    resized = (box.drawing_data or {})["points"]
    assert resized[0] == moved[0] and resized[1] == pytest.approx([0.7, 0.9], abs=0.01)

    with patching(page):
        page.get_by_label("Colour").fill("#00ff00")
    with patching(page):
        page.get_by_label("Shown for (s)").fill("2.5")
        page.get_by_label("Shown for (s)").press("Enter")
    box.refresh_from_db()
    assert (box.drawing_data or {})["color"] == "#00FF00" and box.duration == 2.5

    for _ in ("duration", "colour", "size"):  # back, one step at a time
        with patching(page):
            page.get_by_role("button", name="Undo").click()
    box.refresh_from_db()
    assert (box.drawing_data or {})["points"] == moved and box.duration == 3
    assert (box.drawing_data or {})["color"] != "#00FF00"
    page.keyboard.press("Control+Shift+z")  # the size again (focus on the Undo button)
    page.wait_for_function(
        "([id, x]) => studio.state.annotations.get(id).drawing_data.points[1][0] === x",
        arg=[str(box.pk), resized[1][0]],
    )


def test_angle_vertex_and_text_edits(open_page, coaching):
    video = coaching["video"]
    page = open_studio(open_page, coaching["coach"], video)
    seek(page, 1.0)
    page.get_by_role("button", name="Angle", exact=True).click()
    drag(page, (0.2, 0.5), (0.5, 0.5))
    page.mouse.click(*at(page, 0.5, 0.1))
    expect(page.locator("#studio-message")).to_contain_text("Saved")
    angle = Annotation.objects.get(video_id=video.pk)
    assert angle.angle_degrees == pytest.approx(90, abs=3)

    page.get_by_role("button", name="Select", exact=True).click()
    page.mouse.click(*at(page, 0.35, 0.5))  # select it by its arm
    with patching(page):
        drag(page, (0.5, 0.5), (0.3, 0.3), steps=6)  # the vertex: the angle opens
    angle.refresh_from_db()
    assert (angle.drawing_data or {})["points"][1] == pytest.approx([0.3, 0.3], abs=0.01)
    assert abs((angle.angle_degrees or 0) - 90) > 10
    row = page.locator(f'#drawing-list li[data-annotation-id="{angle.pk}"]')
    expect(row).to_contain_text(f"{angle.angle_degrees:.1f}°")

    page.get_by_role("button", name="Text", exact=True).click()
    page.mouse.click(*at(page, 0.7, 0.8))
    page.get_by_label("Text to place on the picture").fill("Knees out")
    page.keyboard.press("Enter")
    expect(page.locator("#drawing-list li")).to_have_count(2)
    texts = Annotation.objects.filter(video_id=video.pk, drawing_data__tool_type="text")
    wait_until(texts.exists, what="the text saved")
    text = texts.get()
    seek(page, 3.5)  # away, then back through its row
    page.get_by_role("button", name="text at 1.00 s").click()
    assert page.evaluate("studio.state.selected") == str(text.pk)
    assert page.evaluate("studio.player.currentTime") == pytest.approx(1.02, abs=0.03)
    with patching(page):
        page.get_by_label("Text", exact=True).fill("Chest up")
        page.get_by_label("Text", exact=True).press("Enter")
    text.refresh_from_db()
    assert (text.drawing_data or {})["text"] == "Chest up"


def test_undo_a_delete_brings_the_same_drawing_back_even_after_a_reload(open_page, coaching):
    video = coaching["video"]
    page = open_studio(open_page, coaching["coach"], video)
    seek(page, 1.0)
    draw(page, "Line", (0.1, 0.5), (0.9, 0.5))
    line = Annotation.objects.get(video_id=video.pk)
    page.get_by_role("button", name="Delete your line").click()
    expect(page.locator("#drawing-list li.muted")).to_have_text("No drawings yet.")
    assert not Annotation.objects.filter(pk=line.pk).exists()

    page.reload()  # the history is kept for this tab
    expect(page.locator("#player")).to_have_js_property("readyState", 4, timeout=20_000)
    page.get_by_role("button", name="Undo").click()
    expect(page.locator("#drawing-list li")).to_contain_text("line at 1.00 s")
    restored = Annotation.objects.get(video_id=video.pk)
    assert restored.pk == line.pk and restored.drawing_data == line.drawing_data
    page.get_by_role("button", name="Undo").click()  # and the drawing itself
    expect(page.locator("#drawing-list li.muted")).to_have_text("No drawings yet.")
    page.get_by_role("button", name="Redo").click()
    expect(page.locator("#drawing-list li")).to_contain_text("line at 1.00 s")
    assert Annotation.objects.get(video_id=video.pk).pk == line.pk
