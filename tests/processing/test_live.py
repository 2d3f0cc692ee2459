"""Playable while processing: the live HLS published as the encoder writes it, seen through the
API, the served playlists and ffprobe in the middle of a (slowed) transcode, then the final VOD."""

import asyncio
import json
import subprocess
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from rest_framework.test import APIClient

from processing import ladder, live, pipeline
from tests.conftest import bearer
from tests.factories import make_video, stored_files
from tests.media import make_clip
from videos.models import ScanStatus, VideoStatus

pytestmark = pytest.mark.django_db(databases="__all__")

ARROW = {"tool_type": "arrow", "points": [[0.1, 0.2], [0.5, 0.6]], "color": "#00FF00", "width": 4}


def body_of(response) -> bytes:
    assert response.status_code == 200, response
    if not response.streaming:
        return response.content
    if not response.is_async:
        return b"".join(response.streaming_content)

    async def collect() -> bytes:
        return b"".join([chunk async for chunk in response.streaming_content])

    return asyncio.run(collect())


def media_lines(playlist: str) -> list[str]:
    return [line for line in playlist.splitlines() if line and not line.startswith("#")]


def decoded_frames(path: Path) -> int:
    out = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-count_frames",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=nb_read_frames",
            "-of",
            "json",
            str(path),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return int(json.loads(out)["streams"][0]["nb_read_frames"])


def slowed_to_real_time(monkeypatch) -> None:
    """ffmpeg reads its input at the native rate (-re): the transcode lasts as long as the clip,
    so the live phase is long enough to look at on any machine."""
    real = ladder.transcode_argv

    def slowed(*args, **kwargs):
        argv = real(*args, **kwargs)
        at = argv.index("-i")
        return [*argv[:at], "-re", *argv[at:]]

    monkeypatch.setattr(ladder, "transcode_argv", slowed)


def test_playable_during_the_transcode_then_vod(athlete, tmp_path, monkeypatch):
    slowed_to_real_time(monkeypatch)
    clip = make_clip(tmp_path / "long.mp4", seconds=6, size="320x240")
    content = clip.read_bytes()
    video = make_video(
        athlete, status=VideoStatus.UPLOADED, content=content, scan_status=ScanStatus.CLEAN
    )
    client = bearer(APIClient(), athlete)
    seen: dict = {}
    written: dict[str, str] = {}
    real_poll, real_replace = live.LivePublisher.poll, live.replace_file

    def recording_replace(key: str, data: bytes) -> None:
        if key.endswith(".m3u8"):
            written[key.rsplit("/", 1)[1]] = data.decode()
        real_replace(key, data)

    def look_while_live(publisher: live.LivePublisher) -> None:
        real_poll(publisher)
        if seen or not publisher.master_key:
            return
        seen["detail"] = client.get(f"/api/v1/videos/{video.pk}").json()
        master = body_of(client.get(seen["detail"]["hls_url"])).decode()
        seen["variants"] = [body_of(client.get(url)).decode() for url in media_lines(master)]
        first = seen["variants"][0]
        init_url = first.split('URI="', 1)[1].split('"', 1)[0]
        joined = tmp_path / "first-segment.mp4"  # init section + first segment: one fMP4
        joined.write_bytes(
            body_of(client.get(init_url)) + body_of(client.get(media_lines(first)[0]))
        )
        seen["frames"] = decoded_frames(joined)
        seen["early"] = post_drawing(client, video.pk, timestamp=0.0)
        seen["late"] = post_drawing(client, video.pk, timestamp=5.5)

    monkeypatch.setattr(live.LivePublisher, "poll", look_while_live)
    monkeypatch.setattr(live, "replace_file", recording_replace)
    pipeline.process_video(video_id=str(video.pk))

    assert seen, "never playable before the end of the transcode"
    detail = seen["detail"]
    assert (detail["status"], detail["playable"]) == ("processing", True)
    assert detail["hls_url"] and detail["renditions"] == []
    assert len(seen["variants"]) == 2  # sd and mobile (no upscale to hd): the whole ladder at once
    for variant in seen["variants"]:
        assert "#EXT-X-PLAYLIST-TYPE:EVENT" in variant and "#EXT-X-ENDLIST" not in variant
        assert media_lines(variant)  # at least one segment, each its own file
        assert "#EXT-X-BYTERANGE" not in variant
    assert seen["frames"] > 0
    assert seen["early"].status_code == 201, seen["early"].json()
    assert seen["late"].status_code == 400 and "timestamp" in seen["late"].json()["errors"]

    video.refresh_from_db()
    assert video.status == VideoStatus.READY, video.status_message
    final = client.get(f"/api/v1/videos/{video.pk}").json()
    assert (final["status"], final["playable"]) == ("ready", True)
    master = body_of(client.get(final["hls_url"])).decode()
    for url in media_lines(master):
        variant = body_of(client.get(url)).decode()
        assert "#EXT-X-PLAYLIST-TYPE:VOD" in variant and "#EXT-X-ENDLIST" in variant
    # each live playlist ended as VOD before the final HLS took over, and none of it is left
    for output in ladder.plan_outputs(pipeline.ffmpeg.probe(clip)):
        ended = written[output.live_playlist]
        assert "#EXT-X-PLAYLIST-TYPE:VOD" in ended and ended.rstrip().endswith("#EXT-X-ENDLIST")
        seconds = [float(line[8:].split(",")[0]) for line in ended.splitlines() if "EXTINF" in line]
        assert sum(seconds) == pytest.approx(6, abs=0.1)
    assert not [name for name in stored_files(f"videos/{video.pk}/hls/") if "live" in name]
    assert video.hls_master.name == f"videos/{video.pk}/hls/master.m3u8"


def post_drawing(client: APIClient, video_id, *, timestamp: float):
    body = {"video_id": str(video_id), "timestamp": timestamp, "drawing_data": ARROW}
    return client.post("/api/v1/annotations/drawing", body, format="json")


def test_not_playable_and_no_drawings_before_the_first_segment(athlete):
    video = make_video(athlete, status=VideoStatus.PROCESSING, duration=10.0, fps=30.0)
    client = bearer(APIClient(), athlete)
    detail = client.get(f"/api/v1/videos/{video.pk}").json()
    assert (detail["playable"], detail["hls_url"]) == (False, None)
    refused = post_drawing(client, video.pk, timestamp=0.0)
    assert refused.status_code == 400 and "video_id" in refused.json()["errors"]


def test_drawings_on_the_published_part_only(athlete, coach):
    video = make_video(athlete, status=VideoStatus.PROCESSING, duration=10.0, fps=30.0, progress=40)
    video.hls_master.name = f"videos/{video.pk}/hls/{live.LIVE_MASTER}"
    video.save(update_fields=["hls_master"])
    owner = bearer(APIClient(), athlete)
    assert owner.get(f"/api/v1/videos/{video.pk}").json()["playable"] is True
    assert post_drawing(owner, video.pk, timestamp=3.9).status_code == 201
    beyond = post_drawing(owner, video.pk, timestamp=4.1)  # 40 % of 10 s published
    assert beyond.status_code == 400 and "timestamp" in beyond.json()["errors"]
    # playable does not open it to others: a coach it is not shared with still cannot draw
    stranger = post_drawing(bearer(APIClient(), coach), video.pk, timestamp=1.0)
    assert stranger.status_code in (400, 403, 404)


def test_event_playlist_then_vod():
    segments = [(1.0, "sd-live-00000.m4s"), (2.0, "sd-live-00001.m4s")]
    event = live.media_playlist("sd-live-init.mp4", segments, ended=False)
    assert "#EXT-X-PLAYLIST-TYPE:EVENT" in event and "ENDLIST" not in event
    assert media_lines(event) == ["sd-live-00000.m4s", "sd-live-00001.m4s"]
    vod = live.media_playlist("sd-live-init.mp4", segments, ended=True)
    assert "#EXT-X-PLAYLIST-TYPE:VOD" in vod and vod.endswith("#EXT-X-ENDLIST\n")
    parsed, ended = live.parse_media_playlist(vod)
    assert (parsed, ended) == (segments, True)
    assert live.published_percent(3.0, 10.0) == 30 and live.published_percent(20, 10) == 99


def test_codecs_from_the_init_section():
    init = b"....avcC\x01\x64\x00\x1f\xff"
    assert live.codecs_from_init(init, has_audio=True) == "avc1.64001f,mp4a.40.2"
    assert live.codecs_from_init(b"no box", has_audio=False).startswith("avc1.64")


def test_an_earlier_attempts_live_files_go(athlete):
    video = make_video(athlete)
    prefix = f"videos/{video.pk}/hls/"
    for name in ("live.m3u8", "sd-live.m3u8", "sd-live-00000.m4s", "sd.m3u8", "sd.m4s"):
        default_storage.save(f"{prefix}{name}", pipeline.ContentFile(b"x"))
    live.delete_hls_files(video.pk, live=True)
    assert sorted(stored_files(prefix)) == [f"{prefix}sd.m3u8", f"{prefix}sd.m4s"]


def test_a_run_that_failed_after_going_live_is_not_playable(athlete):
    from videos.services import video_mark_failed

    video = make_video(athlete, status=VideoStatus.PROCESSING, duration=10.0, progress=40)
    video.hls_master.name = f"videos/{video.pk}/hls/{live.LIVE_MASTER}"
    video.save(update_fields=["hls_master"])
    video_mark_failed(video_id=video.pk, code="corrupt_media", message="broken at 5 s")
    client = bearer(APIClient(), athlete)
    detail = client.get(f"/api/v1/videos/{video.pk}").json()
    assert (detail["status"], detail["playable"], detail["hls_url"]) == ("failed", False, None)
    refused = post_drawing(client, video.pk, timestamp=1.0)
    assert refused.status_code == 400 and "video_id" in refused.json()["errors"]
