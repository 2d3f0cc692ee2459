"""The player and annotation studio in Chromium, on a video processed by the real pipeline."""

import re

import pytest
from playwright.sync_api import expect

from annotations.models import Annotation
from tests.factories import make_user
from tests.pages.conftest import PHONE, screenshot
from tests.pages.studio import (
    FPS,
    at,
    drag,
    open_studio,
    pixel_alpha,
    seek,
    wait_for_ink,
    wait_until,
)
from videos.models import Moderation, VideoShare

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_draw_with_every_tool_and_find_them_after_reload(open_page, coaching):
    video = coaching["video"]
    page = open_studio(open_page, coaching["coach"], video)
    page.get_by_label("Shown for (s)").fill("1")
    seek(page, 1.0)

    page.get_by_role("button", name="Pen", exact=True).click()
    drag(page, (0.1, 0.1), (0.3, 0.25))
    page.get_by_role("button", name="Line", exact=True).click()
    drag(page, (0.1, 0.5), (0.9, 0.5))
    page.keyboard.press("a")  # the arrow, by its shortcut
    drag(page, (0.2, 0.8), (0.4, 0.7))
    page.get_by_role("button", name="Rectangle", exact=True).click()
    drag(page, (0.6, 0.1), (0.8, 0.3))
    page.get_by_role("button", name="Ellipse", exact=True).click()
    drag(page, (0.6, 0.6), (0.8, 0.9))
    page.get_by_role("button", name="Angle", exact=True).click()
    drag(page, (0.45, 0.2), (0.45, 0.6))  # one arm, released at the joint
    page.mouse.move(*at(page, 0.7, 0.6), steps=5)
    expect(page.locator("#studio-message")).to_contain_text("Angle 90.0°")  # live
    page.mouse.down()
    page.mouse.up()
    page.get_by_role("button", name="Text", exact=True).click()
    page.mouse.click(*at(page, 0.1, 0.9))
    page.get_by_label("Text to place on the picture").fill("Knees out")
    page.keyboard.press("Enter")

    expect(page.locator("#drawing-list li")).to_have_count(7)
    wait_until(
        lambda: Annotation.objects.filter(video_id=video.pk).count() == 7, what="7 drawings saved"
    )
    saved = {
        (a.drawing_data or {})["tool_type"]: a for a in Annotation.objects.filter(video_id=video.pk)
    }
    data = {tool: annotation.drawing_data or {} for tool, annotation in saved.items()}
    assert sorted(saved) == ["angle", "arrow", "ellipse", "line", "pen", "rectangle", "text"]
    line = data["line"]["points"]
    assert abs(line[0][0] - 0.1) < 0.02 and abs(line[1][0] - 0.9) < 0.02
    assert abs(line[0][1] - 0.5) < 0.02
    assert abs((saved["angle"].angle_degrees or 0) - 90) < 3
    assert data["text"]["text"] == "Knees out"
    assert all(abs(a.timestamp - 1.0) < 0.05 for a in saved.values())

    page.reload()
    expect(page.locator("#player")).to_have_js_property("readyState", 4, timeout=20_000)
    seek(page, 1.5)
    assert pixel_alpha(page, 0.5, 0.5) > 0  # the line, drawn again from the stored data
    screenshot(page, "studio")
    seek(page, 2.5)  # outside its one second
    assert pixel_alpha(page, 0.5, 0.5) == 0


def test_frame_stepping_speed_and_loop(open_page, coaching):
    page = open_studio(open_page, coaching["viewer"], coaching["video"])
    seek(page, 1.0 + 0.5 / FPS)  # inside frame 25
    page.keyboard.press(".")
    page.wait_for_timeout(200)
    assert page.evaluate("studio.player.currentTime") == pytest.approx(26.5 / FPS, abs=1e-3)
    page.keyboard.press(",")
    page.keyboard.press(",")
    page.wait_for_timeout(200)
    assert page.evaluate("studio.player.currentTime") == pytest.approx(24.5 / FPS, abs=1e-3)
    expect(page.locator("#frame-number")).to_have_text("frame 24")
    page.get_by_label("Speed").select_option("0.1")
    assert page.evaluate("studio.player.playbackRate") == pytest.approx(0.1)
    page.keyboard.press("]")
    assert page.evaluate("studio.player.playbackRate") == pytest.approx(0.25)

    seek(page, 1.0)
    page.get_by_role("button", name="Loop start here").click()
    seek(page, 1.6)
    page.get_by_role("button", name="Loop end here").click()
    page.get_by_label("Speed").select_option("1")
    page.evaluate("studio.player.play()")
    page.wait_for_timeout(1500)  # longer than the loop: it went round
    assert 0.95 <= page.evaluate("studio.player.currentTime") <= 1.65


def test_undo_and_only_your_own_can_be_deleted(open_page, coaching):
    video = coaching["video"]
    owner_page = open_studio(open_page, coaching["owner"], video)
    seek(owner_page, 1.0)
    owner_page.get_by_role("button", name="Line", exact=True).click()
    drag(owner_page, (0.1, 0.2), (0.9, 0.2))
    expect(owner_page.locator("#drawing-list li")).to_have_count(1)

    page = open_studio(open_page, coaching["coach"], video)
    seek(page, 1.0)
    page.get_by_role("button", name="Rectangle", exact=True).click()
    drag(page, (0.3, 0.5), (0.6, 0.8))
    page.get_by_role("button", name="Line", exact=True).click()
    drag(page, (0.1, 0.9), (0.9, 0.9))
    expect(page.locator("#drawing-list li")).to_have_count(3)
    page.keyboard.press("Control+z")  # the coach's last line goes
    expect(page.locator("#drawing-list li")).to_have_count(2)
    wait_until(lambda: Annotation.objects.filter(video_id=video.pk).count() == 2, what="undone")

    page.keyboard.press("s")
    page.mouse.click(*at(page, 0.5, 0.2))  # the owner's line
    expect(page.locator("#studio-message")).to_contain_text("you can delete only your own")
    assert page.get_by_role("button", name="Delete", exact=True).is_disabled()
    page.mouse.click(*at(page, 0.3, 0.65))  # the coach's own rectangle, on its edge
    page.keyboard.press("Delete")
    expect(page.locator("#drawing-list li")).to_have_count(1)
    wait_until(lambda: Annotation.objects.filter(video_id=video.pk).count() == 1, what="deleted")
    remaining = Annotation.objects.get(video_id=video.pk)
    assert remaining.author_username == "ana"


def test_two_people_see_each_other_live(open_page, coaching):
    video = coaching["video"]
    owner_page = open_studio(open_page, coaching["owner"], video)
    coach_page = open_studio(open_page, coaching["coach"], video)
    expect(owner_page.locator("#presence li")).to_have_count(2)
    expect(owner_page.locator("#presence")).to_contain_text("coach")
    seek(owner_page, 1.2)
    seek(coach_page, 1.0)
    coach_page.get_by_role("button", name="Arrow", exact=True).click()
    drag(coach_page, (0.2, 0.5), (0.8, 0.5))
    expect(owner_page.locator("#drawing-list li")).to_have_count(1)  # no reload
    owner_page.bring_to_front()  # background tabs do not paint
    wait_for_ink(owner_page, 0.5, 0.5)
    owner_page.get_by_role("button", name="Pen", exact=True).click()
    drag(owner_page, (0.2, 0.2), (0.4, 0.3))
    expect(coach_page.locator("#drawing-list li")).to_have_count(2)
    coach_page.close()
    expect(owner_page.locator("#presence li")).to_have_count(1)


def test_view_only_and_strangers(open_page, coaching, page_errors):
    video = coaching["video"]
    Annotation.objects.create(
        video_id=video.pk,
        author_id=coaching["coach"].pk,
        author_username="coach",
        type="drawing",
        timestamp=1.0,
        duration=2.0,
        drawing_data={
            "tool_type": "line",
            "points": [[0.1, 0.5], [0.9, 0.5]],
            "color": "#00FF00",
            "width": 8,
        },
    )
    page = open_studio(open_page, coaching["viewer"], video)
    expect(page.get_by_text("View only")).to_be_visible()
    expect(page.get_by_role("toolbar", name="Drawing tools")).to_have_count(0)
    expect(page.get_by_role("button", name="Record at current time")).to_have_count(0)
    seek(page, 1.5)
    assert pixel_alpha(page, 0.5, 0.5) > 0  # sees the coaching
    drag(page, (0.2, 0.2), (0.5, 0.3))
    page.wait_for_timeout(300)
    assert Annotation.objects.filter(video_id=video.pk).count() == 1  # drew nothing
    screenshot(page, "studio-readonly")

    page_errors.allow(r"status of 404")
    stranger = open_page(make_user("stranger", role="coach"))
    assert stranger.goto(f"/videos/{video.pk}").status == 404


def test_share_dialog(open_page, coaching, page_errors):
    page_errors.allow(r"status of 400")  # the unknown username below
    video = coaching["video"]
    newcomer = make_user("newcoach", role="coach")
    page = open_studio(open_page, coaching["owner"], video)
    page.get_by_role("button", name="Share").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("coach · annotate")
    dialog.get_by_label("Username of a coach or athlete").fill("nobody-here")
    dialog.get_by_role("button", name="Share").click()
    expect(dialog.get_by_role("alert")).not_to_be_empty()
    dialog.get_by_label("Username of a coach or athlete").fill("newcoach")
    dialog.get_by_label("They may").select_option("annotate")
    dialog.get_by_role("button", name="Share").click()
    expect(dialog.get_by_role("alert")).to_contain_text("Shared with newcoach")
    expect(dialog).to_contain_text("newcoach · annotate")
    screenshot(page, "studio-share")
    assert VideoShare.objects.filter(video=video, user=newcomer, permission="annotate").exists()
    coach_page = open_studio(open_page, newcomer, video)
    expect(coach_page.get_by_role("toolbar", name="Drawing tools")).to_be_visible()


def test_phone_touch_drawing(open_page, coaching):
    page = open_studio(
        open_page, coaching["coach"], coaching["video"], viewport=PHONE, has_touch=True
    )
    seek(page, 1.0)
    page.get_by_role("button", name="Line", exact=True).click()
    start, end = at(page, 0.2, 0.4), at(page, 0.8, 0.4)
    page.locator("#overlay").dispatch_event(
        "pointerdown",
        {
            "pointerType": "touch",
            "clientX": start[0],
            "clientY": start[1],
            "pointerId": 7,
            "isPrimary": True,
        },
    )
    for step in range(1, 6):
        x = start[0] + (end[0] - start[0]) * step / 5
        page.locator("#overlay").dispatch_event(
            "pointermove",
            {"pointerType": "touch", "clientX": x, "clientY": start[1], "pointerId": 7},
        )
    page.locator("#overlay").dispatch_event(
        "pointerup", {"pointerType": "touch", "clientX": end[0], "clientY": end[1], "pointerId": 7}
    )
    expect(page.locator("#studio-message")).to_have_text("Saved.")
    drawing = Annotation.objects.get(video_id=coaching["video"].pk).drawing_data or {}
    assert drawing["tool_type"] == "line" and abs(drawing["points"][1][0] - 0.8) < 0.03
    screenshot(page, "studio-phone")


def test_export_from_the_studio(open_page, coaching, worker):
    video = coaching["video"]
    page = open_studio(open_page, coaching["coach"], video)
    seek(page, 1.0)
    page.get_by_role("button", name="Line", exact=True).click()
    drag(page, (0.1, 0.5), (0.9, 0.5))
    expect(page.locator("#studio-message")).to_have_text("Saved.")
    page.get_by_label("Quality", exact=True).last.select_option(label="240p")
    page.get_by_role("button", name="Export MP4").click()
    link = page.get_by_role("link", name="Download SD MP4")
    expect(link).to_be_visible(timeout=60_000)  # rendered by the worker, announced live
    download = page.request.get(link.get_attribute("href"))
    assert download.ok and download.body()[4:8] == b"ftyp"
    screenshot(page, "studio-export")


def test_a_hidden_video_tells_its_owner_why_and_offers_no_share_or_export(open_page, coaching):
    video = coaching["video"]
    video.moderation, video.moderation_reason = Moderation.HIDDEN, "Shows another athlete"
    video.save(update_fields=["moderation", "moderation_reason"])
    page = open_studio(open_page, coaching["owner"], video)
    notice = page.get_by_test_id("hidden-notice")
    expect(notice).to_contain_text("Hidden by staff: Shows another athlete.")
    expect(page.get_by_role("button", name="Share")).to_have_count(0)
    expect(page.get_by_role("heading", name="Export")).to_have_count(0)
    expect(page.locator("#quality option").first).to_have_text(re.compile(r"^(Auto|\d+p)"))
    screenshot(page, "studio-hidden")


def test_a_share_lowered_to_view_takes_the_tools_away_at_once(open_page, coaching):
    """The owner lowers the coach's share while the coach's studio is open: the tools go (no
    reload), the coach's drawings stay visible, and drawing on the picture saves nothing."""
    from tests.pages.studio import in_thread
    from videos.services import video_share

    video, coach = coaching["video"], coaching["coach"]
    page = open_studio(open_page, coach, video)
    expect(page.locator(".tools")).to_be_visible()
    in_thread(video_share, video=video, user=coach, permission="view")
    expect(page.locator("#readonly-note")).to_be_visible(timeout=10_000)
    expect(page.locator(".tools")).to_have_count(0)
    expect(page.locator("#record")).to_have_count(0)
    seek(page, 1.0)
    drag(page, (0.2, 0.5), (0.8, 0.5))
    page.wait_for_timeout(500)
    assert not Annotation.objects.filter(video_id=video.pk).exists()
