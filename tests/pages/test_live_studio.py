"""The studio on a video still processing: it plays the published part and follows it."""

import pytest
from playwright.sync_api import expect

from processing import ladder, pipeline
from tests.factories import make_user, make_video
from tests.media import make_clip
from tests.services import db_thread
from videos.models import ScanStatus, Video, VideoStatus

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_plays_while_processing_and_follows_the_live_edge(open_page, tmp_path, monkeypatch):
    real = ladder.transcode_argv

    def slowed(*args, **kwargs):  # ffmpeg reads at the native rate: the encode lasts 12 s
        argv = real(*args, **kwargs)
        at = argv.index("-i")
        return [*argv[:at], "-re", *argv[at:]]

    monkeypatch.setattr(ladder, "transcode_argv", slowed)
    owner = make_user("ana", role="athlete")
    clip = make_clip(tmp_path / "clip.mp4", seconds=12, size="640x360", rate=25)
    video = make_video(
        owner, status=VideoStatus.UPLOADED, content=clip.read_bytes(), scan_status=ScanStatus.CLEAN
    )
    processing = db_thread(pipeline.process_video, video_id=str(video.pk))
    page = open_page(owner)
    page.goto(f"/videos/{video.pk}")
    expect(page.locator("#processing")).to_be_visible()  # nothing published yet
    processing.start()
    try:
        # the page starts by itself once the first segments are out (video.playable)
        expect(page.locator("#player")).to_have_js_property("readyState", 4, timeout=30_000)
        assert Video.objects.get(pk=video.pk).status == VideoStatus.PROCESSING
        expect(page.locator("#processing")).to_be_hidden()
        page.evaluate("studio.player.play()")
        # it plays on past what was published when it started, as the playlist grows
        page.wait_for_function("() => studio.player.currentTime > 6", timeout=40_000)
    finally:
        processing.join(timeout=120)
    assert Video.objects.get(pk=video.pk).status == VideoStatus.READY
