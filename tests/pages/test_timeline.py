"""The timeline in Chromium: previews on hover and while scrubbing, the picture following the
drag, markers grouped with a count where they overlap (each still reachable), the slider's keys
and J/K/L, and what it says to a screen reader."""

import re

import pytest
from playwright.sync_api import expect

from annotations import services
from tests.pages.studio import in_thread, open_studio, seek

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
LINE = {"tool_type": "line", "points": [[0.1, 0.5], [0.9, 0.5]]}


def track_point(page, fraction: float) -> tuple[float, float]:
    box = page.locator("#track").bounding_box()
    return box["x"] + fraction * box["width"], box["y"] + box["height"] / 2


def current_time(page) -> float:
    return page.evaluate("studio.player.currentTime")


def test_previews_and_scrubbing(open_page, coaching):
    page = open_studio(open_page, coaching["viewer"], coaching["video"])
    page.mouse.move(*track_point(page, 0.5))
    expect(page.locator("#preview")).to_be_visible()
    expect(page.locator("#preview-time")).to_have_text("0:02")
    page.mouse.down()
    page.mouse.move(*track_point(page, 0.25), steps=4)
    expect(page.locator("#preview")).to_be_visible()  # still, while dragging
    page.wait_for_function("() => Math.abs(studio.player.currentTime - 1) < 0.1")
    page.mouse.move(*track_point(page, 0.75), steps=4)
    page.wait_for_function("() => Math.abs(studio.player.currentTime - 3) < 0.1")  # it follows
    page.mouse.up()
    assert page.evaluate("studio.player.paused")


def test_keys_and_value_text(open_page, coaching):
    page = open_studio(open_page, coaching["viewer"], coaching["video"])
    track = page.locator("#track")
    seek(page, 1.0 + 0.5 / 25)
    expect(track).to_have_attribute("aria-valuetext", "0:01.020 of 0:04, frame 25")
    track.focus()
    page.keyboard.press("End")
    page.wait_for_function("() => studio.player.currentTime === studio.state.video.duration")
    page.keyboard.press("PageDown")  # a tenth of the video, at least a second
    page.wait_for_function("() => Math.abs(studio.player.currentTime - 3) < 0.05")
    page.keyboard.press("Home")
    page.wait_for_function("() => studio.player.currentTime === 0")
    page.keyboard.press("PageUp")
    page.wait_for_function("() => studio.player.currentTime === 1")
    expect(track).to_have_attribute("aria-valuetext", re.compile(r"^0:01\.000 of 0:04, frame 25$"))

    page.keyboard.press("l")  # play
    page.wait_for_function("() => !studio.player.paused")
    page.keyboard.press("l")  # faster
    page.wait_for_function("() => studio.player.playbackRate > 1")
    page.keyboard.press("k")  # pause
    page.wait_for_function("() => studio.player.paused")
    before = current_time(page)
    page.keyboard.press("j")  # a second back
    page.wait_for_function(
        "t => Math.abs(studio.player.currentTime - Math.max(0, t - 1)) < 0.01", arg=before
    )

    page.locator("#track").focus()
    page.keyboard.press("Tab")  # Play comes next, before any marker
    expect(page.locator("#play")).to_be_focused()


def test_overlapping_markers_are_grouped_and_each_reachable(open_page, coaching):
    video, coach = coaching["video"], coaching["coach"]
    for index, at in enumerate([1.0, 1.04, 1.08, 3.0]):
        data = {**LINE, "color": ["#FF0000", "#00FF00", "#0000FF", "#FFFFFF"][index]}
        in_thread(
            services.annotation_create_drawing,
            video=video,
            author=coach,
            timestamp=at,
            duration=1.0,
            drawing_data=data,
        )
    page = open_studio(open_page, coaching["coach"], video)
    markers = page.locator("#markers .marker")
    expect(markers).to_have_count(2)
    group = page.get_by_role("button", name="3 annotations from 1.00 seconds")
    expect(group).to_have_text("3")
    expect(group).to_have_attribute("aria-expanded", "false")
    group.click()
    menu = page.locator("#marker-menu button")
    expect(menu).to_have_count(3)
    expect(menu.nth(0)).to_be_focused()
    menu.nth(2).click()  # the third, at 1.08 s (frame 27 at 25 fps)
    expect(page.locator("#marker-menu")).to_have_count(0)
    page.wait_for_function("() => Math.abs(studio.player.currentTime - 27.5 / 25) < 0.005")
    selected = page.evaluate(
        "studio.state.annotations.get(studio.state.selected).drawing_data.color"
    )
    assert selected == "#0000FF"
    single = page.get_by_role("button", name=re.compile("line by coach at 3.00"))
    marker, track = single.bounding_box(), page.locator("#track").bounding_box()
    centre = marker["x"] + marker["width"] / 2
    assert centre == pytest.approx(track["x"] + 0.75 * track["width"], abs=2)  # under its time
    single.click()
    page.wait_for_function("() => Math.abs(studio.player.currentTime - 75.5 / 25) < 0.005")


def test_a_letter_picks_each_tool_the_measuring_ones_too(open_page, coaching):
    page = open_studio(open_page, coaching["coach"], coaching["video"])
    page.locator("#track").focus()
    page.keyboard.press("Escape")
    page.locator("body").click(position={"x": 1, "y": 1})  # focus out of any field
    letters = {"s": "select", "p": "pen", "n": "line", "g": "angle", "t": "text"}
    letters |= {"c": "calibration", "d": "distance", "i": "timer", "x": "track"}
    for letter, tool in letters.items():
        page.keyboard.press(letter)
        expect(page.locator(f'.tool[data-tool="{tool}"]')).to_have_attribute("aria-pressed", "true")
    # The measuring tools show their own options.
    page.keyboard.press("c")
    expect(page.get_by_label("Known length (m)")).to_be_visible()
