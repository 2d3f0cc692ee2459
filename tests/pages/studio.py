"""The studio's browser-test helpers: a processed video shared with a coach and a viewer (the
`coaching` fixture lives in conftest.py), and pointer and player helpers."""

import time
from collections.abc import Callable

from playwright.sync_api import expect

from processing import pipeline
from tests.factories import make_user, make_video
from tests.media import make_clip
from tests.services import db_thread
from videos.models import ScanStatus, VideoShare, VideoStatus

FPS = 25


def in_thread(function, *args, **kwargs):
    """Run Django/async_to_sync work outside the thread where Playwright keeps its event loop."""
    errors = []

    def run():
        try:
            function(*args, **kwargs)
        except Exception as error:  # pragma: no cover - re-raised below
            errors.append(error)

    worker = db_thread(run)
    worker.start()
    worker.join()
    if errors:
        raise errors[0]


def studio_coaching(tmp_path):
    owner = make_user("ana", role="athlete")
    coach = make_user("coach", role="coach")
    viewer = make_user("viewer", role="coach")
    clip = make_clip(tmp_path / "clip.mp4", seconds=4, size="640x360", rate=FPS)
    video = make_video(
        owner, status=VideoStatus.UPLOADED, content=clip.read_bytes(), scan_status=ScanStatus.CLEAN
    )
    in_thread(pipeline.process_video, video_id=str(video.pk))
    video.refresh_from_db()
    assert video.status == VideoStatus.READY
    VideoShare.objects.create(video=video, user=coach, permission="annotate")
    VideoShare.objects.create(video=video, user=viewer, permission="view")
    return {"owner": owner, "coach": coach, "viewer": viewer, "video": video}


def open_studio(open_page, user, video, **options):
    page = open_page(user, **options)
    page.goto(f"/videos/{video.pk}")
    expect(page.locator("#player")).to_have_js_property("readyState", 4, timeout=20_000)
    return page


def seek(page, seconds: float) -> None:
    page.evaluate("t => { studio.player.pause(); studio.player.currentTime = t; }", seconds)
    page.wait_for_timeout(150)


def box(page):
    return page.locator("#overlay").bounding_box()


def at(page, x: float, y: float) -> tuple[float, float]:
    b = box(page)
    return b["x"] + x * b["width"], b["y"] + y * b["height"]


def drag(page, start, end, steps=8):
    page.mouse.move(*at(page, *start))
    page.mouse.down()
    page.mouse.move(*at(page, *end), steps=steps)
    page.mouse.up()


def pixel_alpha(page, x: float, y: float) -> int:
    return page.evaluate(
        """([x, y]) => {
            const c = document.getElementById("overlay");
            const [px, py] = [Math.round(x * c.width), Math.round(y * c.height)];
            return c.getContext("2d").getImageData(px, py, 1, 1).data[3];
        }""",
        [x, y],
    )


def wait_until(condition: Callable[[], bool], seconds: float = 15, what: str = "") -> None:
    """Poll `condition` (a database read, say) until it holds: the page shows a drawing at once
    while its save is still on the way."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds} s: {what}")
        time.sleep(0.1)


def wait_for_ink(page, x: float, y: float) -> None:
    """Wait until the overlay has ink at (x, y) (drawn on a later animation frame)."""
    page.wait_for_function(
        """([x, y]) => {
            const c = document.getElementById("overlay");
            const [px, py] = [Math.round(x * c.width), Math.round(y * c.height)];
            return c.getContext("2d").getImageData(px, py, 1, 1).data[3] > 0;
        }""",
        arg=[x, y],
    )
