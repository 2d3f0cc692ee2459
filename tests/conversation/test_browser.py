"""The conversation in Chromium, two people at once (two isolated browser contexts): a coach
comments at a moment mentioning the athlete, whose badge and inbox change live; the athlete
follows the link to the moment, replies; the coach sees it live and resolves the thread."""

import json
import re

import pytest
from playwright.sync_api import expect

from accounts.models import Invite, Notification
from annotations.models import Comment
from tests.factories import make_user
from tests.pages.conftest import browser, live, open_page, page_errors  # noqa: F401 - fixtures
from tests.pages.studio import open_studio, seek, studio_coaching

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def studio_video(tmp_path):
    made = studio_coaching(tmp_path)
    Notification.objects.all().delete()  # "your video is ready": not this test's business
    return made


def test_coach_comments_and_the_athletes_badge_changes_live(open_page, studio_video):  # noqa: F811
    video, coach, athlete = studio_video["video"], studio_video["coach"], studio_video["owner"]
    inbox = open_page(athlete)
    inbox.goto("/notifications")
    badge = inbox.get_by_test_id("inbox-badge")
    expect(inbox.locator("#inbox-empty")).to_be_visible()
    expect(badge).to_be_hidden()

    studio = open_studio(open_page, coach, video)
    seek(studio, 1.0)
    studio.get_by_label("New comment").fill("@ana knees out here")
    studio.locator("#comment-form").get_by_role("button", name="Send").click()
    expect(studio.locator("#comment-list .comment")).to_have_count(1)
    expect(studio.locator("#comment-markers .comment-marker")).to_have_count(1)
    expect(studio.locator("#comment-list .mention")).to_have_text("@ana")

    # The athlete's page hears it at once: the badge and the inbox, without a reload.
    expect(badge).to_have_text("1")
    item = inbox.locator("#inbox-list .inbox-item").first
    expect(item).to_contain_text("coach mentioned you on")
    expect(item).to_contain_text("knees out here")

    # The link leads to the moment, with the comment picked out.
    item.get_by_role("link").click()
    inbox.wait_for_url(re.compile(r"/videos/.*comment="))
    expect(inbox.locator("#comment-list .comment.selected")).to_have_count(1)
    expect(inbox.locator("#player")).to_have_js_property("paused", True)
    assert abs(inbox.evaluate("studio.player.currentTime") - 1.0) < 0.1

    # A reply from the athlete reaches the coach's panel live.
    thread = inbox.locator("#comment-list > .comment").first
    thread.get_by_role("button", name="Reply").click()
    thread.get_by_label("Reply to coach").fill("Like this?")
    thread.locator(".replies-form").get_by_role("button", name="Send").click()
    expect(studio.locator("#comment-list .replies .comment")).to_contain_text("Like this?")

    studio.get_by_role("button", name="Resolve").click()
    expect(inbox.locator("#comment-list > .comment")).to_contain_text("resolved by coach")
    assert Comment.objects.get(parent_id=None).resolved

    # Reading everything clears the badge.
    inbox.goto("/notifications")
    inbox.get_by_role("button", name="Mark all read").click()
    expect(inbox.get_by_test_id("inbox-badge")).to_be_hidden()


def test_the_share_dialog_suggests_people_and_invites_by_email(open_page, studio_video, smtp):  # noqa: F811
    make_user("colleen", role="coach")  # works with nobody here: never suggested
    page = open_studio(open_page, studio_video["owner"], studio_video["video"])
    page.get_by_role("button", name="Share").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Username of a coach or athlete").press_sequentially("co")
    expect(page.locator("#share-suggestions option")).to_have_count(1)
    assert page.locator("#share-suggestions option").get_attribute("value") == "coach"

    dialog.get_by_label("Or invite someone by email").fill("friend@example.com")
    dialog.get_by_role("button", name="Invite").click()
    expect(dialog.get_by_role("alert")).to_contain_text("an invitation is on its way")
    assert Invite.objects.get().email == "friend@example.com"
    assert [m["To"] for m in smtp.messages] == ["friend@example.com"]
    # Waiting in the dialog until used; taken back, its link stops working.
    waiting = dialog.get_by_role("list", name="Invitations not used yet").get_by_role("listitem")
    expect(waiting).to_have_count(1)
    expect(waiting).to_contain_text("friend@example.com")
    waiting.get_by_role("button", name="Take back").click()
    expect(dialog.get_by_role("alert")).to_contain_text("was taken back")
    expect(waiting).to_have_count(0)
    assert Invite.objects.get().state == "revoked"


def test_a_comment_about_the_selected_drawing_jumps_to_it(open_page, studio_video):  # noqa: F811
    from tests.pages.studio import drag

    video, coach = studio_video["video"], studio_video["coach"]
    page = open_studio(open_page, coach, video)
    seek(page, 2.0)
    page.get_by_role("button", name="Line", exact=True).click()
    drag(page, (0.1, 0.5), (0.9, 0.5))
    # saved (the live echo may briefly list it beside its placeholder)
    expect(
        page.locator("#drawing-list li .row-select").filter(has_not_text="pending")
    ).to_have_count(1)
    expect(page.locator("#drawing-list li")).to_have_count(1)
    page.locator("#drawing-list li .row-select").click()  # selects it (and seeks to it)
    page.get_by_label("New comment").fill("This bar path")
    page.get_by_label("About the selected drawing").check()
    page.locator("#comment-form").get_by_role("button", name="Send").click()
    expect(page.locator("#comment-list .comment")).to_have_count(1)
    comment = Comment.objects.get()
    assert comment.annotation_id is not None and comment.timestamp is not None
    assert abs(comment.timestamp - 2.0) < 0.05

    seek(page, 0.2)
    page.evaluate("studio.state.selected = null")
    page.locator("#comment-list .comment-jump").click()
    assert page.evaluate("studio.state.selected") == str(comment.annotation_id)
    assert abs(page.evaluate("studio.player.currentTime") - 2.0) < 0.1


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_conversation_pages_have_no_serious_accessibility_findings(
    open_page,  # noqa: F811
    studio_video,
    size,
):
    from tests.pages import test_accessibility as a11y

    viewport = a11y.SIZES[size]
    video, coach, owner = studio_video["video"], studio_video["coach"], studio_video["owner"]
    thread = in_thread_comment(video, coach, "@ana look here", timestamp=1.0)
    in_thread_comment(video, owner, "Like this?", parent_id=thread.pk)
    findings: dict = {}
    page = open_page(owner, viewport=viewport, bypass_csp=True)
    page.goto("/notifications")
    a11y.audit(page, f"inbox-{size}", findings)
    page.goto("/settings/notifications")
    a11y.audit(page, f"notification-settings-{size}", findings)
    page.goto(f"/videos/{video.pk}?comment={thread.pk}")
    expect(page.locator("#comment-list .comment.selected")).to_have_count(1)
    a11y.audit(page, f"studio-comments-{size}", findings)
    assert findings == {}, json.dumps(findings, indent=2)


def in_thread_comment(video, author, text, **fields):
    from annotations.comments import comment_create
    from tests.pages.studio import in_thread

    made = []
    in_thread(lambda: made.append(comment_create(video=video, author=author, text=text, **fields)))
    return made[0]


def test_a_video_that_cannot_play_yet_still_takes_comments_on_the_whole_video(
    open_page,  # noqa: F811
    studio_video,
    page_errors,  # noqa: F811
):
    from videos.models import Video, VideoStatus

    video, coach = studio_video["video"], studio_video["coach"]
    Video.objects.filter(pk=video.pk).update(
        status=VideoStatus.FAILED, status_message="The file could not be decoded."
    )
    page = open_page(coach)
    page.goto(f"/videos/{video.pk}")
    expect(page.locator("#processing")).to_be_visible()
    form = page.locator("#comment-form")
    expect(form.get_by_label("At the current moment")).to_have_count(0)  # no moment to point at
    page.get_by_label("New comment").fill("Please film it again from the side")
    form.get_by_role("button", name="Send").click()
    expect(page.locator("#comment-list .comment")).to_have_count(1)
    comment = Comment.objects.get()
    assert comment.timestamp is None and comment.text == "Please film it again from the side"
    # (page_errors fails the test if the page logged any error)
