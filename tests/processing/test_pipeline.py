"""The pipeline end to end on tiny generated clips, with the real ffmpeg, ffprobe and OpenCV."""

import itertools
import json
import subprocess
from pathlib import Path

import pytest
from django.core.files.storage import default_storage

from processing import pipeline
from processing.models import JobState, ProcessingJob
from tests.factories import make_video, stored_files
from tests.media import concat_clip, make_clip
from videos.models import ScanStatus, Video, VideoStatus

pytestmark = pytest.mark.django_db


def ffprobe(path: str) -> dict:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_streams", "-show_format", path],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out)


def local(key: str) -> str:
    return default_storage.path(key)  # tests only: check outputs with tools nobody here wrote


def process(athlete, clip: Path, **fields) -> Video:
    video = make_video(
        athlete,
        status=VideoStatus.UPLOADED,
        content=clip.read_bytes(),
        scan_status=ScanStatus.CLEAN,
        **fields,
    )
    pipeline.process_video(video_id=str(video.pk))
    video.refresh_from_db()
    return video


def keyframe_times(path: str) -> list[float]:
    out = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-skip_frame",
            "nokey",
            "-show_entries",
            "frame=pts_time",
            "-of",
            "csv=p=0",
            path,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [float(line.strip(",")) for line in out.split() if line.strip(",")]


def test_landscape_clip_to_ready_with_ladder_and_hls(athlete, tmp_path):
    clip = make_clip(tmp_path / "land.mp4", seconds=5, size="640x360", rate=30)
    video = process(athlete, clip)
    assert video.status == VideoStatus.READY, (video.status_code, video.status_message)
    assert video.progress == 100
    assert (video.width, video.height, video.duration) == (640, 360, pytest.approx(5, abs=0.1))
    renditions = {r.quality: r for r in video.renditions.all()}
    assert {q: (r.width, r.height) for q, r in renditions.items()} == {
        "sd": (426, 240),
        "mobile": (214, 120),
    }  # hd (480) would upscale the 360p source: skipped
    for rendition in renditions.values():
        info = ffprobe(local(rendition.file.name))
        video_stream = next(s for s in info["streams"] if s["codec_type"] == "video")
        assert video_stream["codec_name"] == "h264" and video_stream["pix_fmt"] == "yuv420p"
        assert (video_stream["width"], video_stream["height"]) == (
            rendition.width,
            rendition.height,
        )
        assert any(s["codec_type"] == "audio" and s["codec_name"] == "aac" for s in info["streams"])
        times = keyframe_times(local(rendition.file.name))
        assert max(b - a for a, b in itertools.pairwise(times)) <= 2.01
    master = default_storage.open(video.hls_master.name).read().decode()
    assert master.count("#EXT-X-STREAM-INF") == 2
    assert "RESOLUTION=426x240" in master and 'CODECS="avc1.' in master and "mp4a.40.2" in master
    # every variant playlist decodes with ffmpeg through its byte ranges
    for quality in renditions:
        playlist = local(f"videos/{video.pk}/hls/{quality}.m3u8")
        subprocess.run(
            ["ffmpeg", "-v", "error", "-nostdin", "-i", playlist, "-f", "null", "-"], check=True
        )
    assert video.poster and default_storage.size(video.poster.name) > 1000
    job = ProcessingJob.objects.get(video=video)
    assert (job.state, job.attempts) == (JobState.SUCCEEDED, 1)


def test_portrait_and_rotated_phone_video_stand_upright(athlete, tmp_path):
    clip = make_clip(tmp_path / "rot.mp4", seconds=2, size="320x240", rotate=90)
    video = process(athlete, clip)
    assert video.status == VideoStatus.READY
    assert (video.width, video.height) == (240, 320)
    assert video.rotation in (90, 270)
    sd = video.renditions.get(quality="sd")
    stream = ffprobe(local(sd.file.name))["streams"][0]
    assert (stream["width"], stream["height"]) == (240, 320)
    assert not stream.get("side_data_list")  # rotation applied, not just flagged


def test_no_audio_video(athlete, tmp_path):
    clip = make_clip(tmp_path / "mute.mp4", seconds=2, audio=False)
    video = process(athlete, clip)
    assert video.status == VideoStatus.READY
    for rendition in video.renditions.all():
        assert all(
            s["codec_type"] == "video" for s in ffprobe(local(rendition.file.name))["streams"]
        )
    master = default_storage.open(video.hls_master.name).read().decode()
    assert "mp4a" not in master


def test_high_frame_rate_is_capped_per_rung(athlete, tmp_path):
    clip = make_clip(tmp_path / "fast.mp4", seconds=1, size="320x240", rate=120)
    video = process(athlete, clip)
    fps = {r.quality: r.fps for r in video.renditions.all()}
    assert fps == {"sd": 60, "mobile": 30}


def test_rerun_replaces_outputs_without_duplicates(athlete, tmp_path):
    clip = make_clip(tmp_path / "again.mp4", seconds=2)
    video = process(athlete, clip)
    files_before = stored_files(f"videos/{video.pk}/")
    Video.objects.filter(pk=video.pk).update(status=VideoStatus.UPLOADED)
    pipeline.process_video(video_id=str(video.pk))
    video.refresh_from_db()
    assert video.status == VideoStatus.READY
    assert video.renditions.count() == 2
    assert stored_files(f"videos/{video.pk}/") == files_before


def test_corrupt_file_fails_with_a_code(athlete, tmp_path):
    clip = make_clip(tmp_path / "whole.mp4", seconds=2)
    truncated = tmp_path / "cut.mp4"
    truncated.write_bytes(clip.read_bytes()[: len(clip.read_bytes()) // 3])
    video = process(athlete, truncated)
    assert video.status == VideoStatus.FAILED
    assert video.status_code in ("corrupt_media", "unsupported_format")
    job = ProcessingJob.objects.get(video=video)
    assert job.state == JobState.FAILED and job.error_code == video.status_code
    assert stored_files(f"videos/{video.pk}/renditions/") == []


def test_too_long_is_refused_before_decoding(athlete, tmp_path, settings):
    settings.MAX_VIDEO_SECONDS = 1
    video = process(athlete, make_clip(tmp_path / "long.mp4", seconds=3))
    assert (video.status, video.status_code) == (VideoStatus.FAILED, "too_long")


def test_crash_count_limit_fails_with_worker_crashed(athlete, tmp_path, settings):
    video = make_video(
        athlete,
        status=VideoStatus.PROCESSING,
        content=make_clip(tmp_path / "c.mp4").read_bytes(),
        scan_status=ScanStatus.CLEAN,
    )
    # Three deliveries whose worker died mid-job left the job running with its attempts counted.
    from datetime import timedelta

    from django.utils import timezone

    ProcessingJob.objects.create(
        video=video,
        state=JobState.RUNNING,
        attempts=settings.PROCESSING_MAX_ATTEMPTS,
        heartbeat_at=timezone.now() - timedelta(seconds=settings.PROCESSING_STALE_SECONDS + 1),
    )
    pipeline.process_video(video_id=str(video.pk))
    video.refresh_from_db()
    assert (video.status, video.status_code) == (VideoStatus.FAILED, "worker_crashed")
    assert ProcessingJob.objects.get(video=video).state == JobState.FAILED


def test_pending_scan_happens_in_the_worker(athlete, tmp_path):
    from tests.media import EICAR

    video = make_video(
        athlete, status=VideoStatus.UPLOADED, content=EICAR, scan_status=ScanStatus.PENDING
    )
    pipeline.process_video(video_id=str(video.pk))
    video.refresh_from_db()
    assert (video.status, video.status_code, video.scan_status) == (
        VideoStatus.REJECTED,
        "malware_detected",
        ScanStatus.INFECTED,
    )
    assert stored_files(f"videos/{video.pk}/") == []


def test_storyboard_and_analysis(athlete, tmp_path, api_client):
    from rest_framework.test import APIClient

    from tests.conftest import bearer

    clip = concat_clip(
        tmp_path / "cut.mp4", "color=c=gray:s=320x240:d=3:r=30", "testsrc2=s=320x240:d=3:r=30"
    )
    video = process(athlete, clip)
    assert video.status == VideoStatus.READY
    vtt = default_storage.open(video.storyboard.name).read().decode()
    assert vtt.startswith("WEBVTT")
    cues = [line for line in vtt.splitlines() if "#xywh=" in line]
    assert len(cues) == 6  # one tile a second for a 6 s clip
    sheet = cues[0].split("#")[0]
    assert default_storage.exists(f"videos/{video.pk}/storyboard/{sheet}")
    body = bearer(APIClient(), athlete).get(f"/api/v1/videos/{video.pk}/analysis").json()
    assert body["interval"] == 0.5 and len(body["motion"]) == 12
    # the gray half is still, the test pattern moves
    assert max(body["motion"][:5]) < 0.01 < max(body["motion"][7:])
    assert len(body["scene_cuts"]) == 1 and abs(body["scene_cuts"][0] - 3.0) < 0.2
    detail = bearer(APIClient(), athlete).get(f"/api/v1/videos/{video.pk}").json()
    assert detail["storyboard_url"] and detail["poster_url"] and detail["hls_url"]


def test_analysis_before_ready_is_409(athlete, api_client):
    from tests.conftest import bearer

    video = make_video(athlete, status=VideoStatus.PROCESSING)
    response = bearer(api_client, athlete).get(f"/api/v1/videos/{video.pk}/analysis")
    assert response.status_code == 409 and response.json()["code"] == "not_ready"


def test_processing_metrics(athlete, tmp_path, client):
    process(athlete, make_clip(tmp_path / "m.mp4", seconds=1))
    text = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    assert 'processing_step_duration_seconds_count{step="transcode"}' in text
    assert 'processing_transcode_media_seconds_count{quality="sd"}' in text
    assert "processing_transcode_realtime_factor_count" in text
    assert 'processing_jobs_in_progress{state="running"} 0.0' in text
    assert 'processing_queue_depth_messages{queue="processing"}' in text


def test_outputs_have_the_same_structure_on_s3(athlete, tmp_path, settings, s3):
    client, bucket = s3
    clip = make_clip(tmp_path / "s3.mp4", seconds=2)
    local_settings = dict(settings.STORAGES)
    video = process(athlete, clip)
    assert video.status == VideoStatus.READY, video.status_message
    prefix = f"videos/{video.pk}/"
    s3_keys = sorted(
        o["Key"].removeprefix(prefix) for o in client.list_objects_v2(Bucket=bucket)["Contents"]
    )
    # the same clip processed on local storage
    settings.AWS_STORAGE_BUCKET_NAME = ""
    settings.STORAGES = {
        **local_settings,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "local-media")},
        },
    }
    local_video = process(athlete, clip)
    local_prefix = f"videos/{local_video.pk}/"
    local_keys = sorted(k.removeprefix(local_prefix) for k in stored_files(local_prefix))
    assert s3_keys == local_keys
    assert "hls/master.m3u8" in s3_keys and "renditions/sd.mp4" in s3_keys


def test_variable_frame_rate_source(athlete, tmp_path):
    """Phones record VFR: here 1 s at 30 fps then 1 s at 10 fps in one stream."""
    clip = concat_clip(
        tmp_path / "vfr.mkv", "testsrc2=s=320x240:r=30:d=1", "testsrc2=s=320x240:r=10:d=1", vfr=True
    )
    video = process(athlete, clip)
    assert video.status == VideoStatus.READY, video.status_message
    sd = video.renditions.get(quality="sd")
    frames = subprocess.run(
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
            "csv=p=0",
            local(sd.file.name),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    assert int(frames.strip(",")) >= 35  # every source frame survives, none invented en masse
    assert video.duration == pytest.approx(2, abs=0.15)


@pytest.mark.django_db(transaction=True)
def test_progress_and_ready_reach_the_real_time_channel(athlete, tmp_path, buffered_channel_layer):
    import asyncio

    from channels.layers import get_channel_layer

    from annotations.realtime import video_group

    layer = get_channel_layer()
    video = make_video(
        athlete,
        status=VideoStatus.UPLOADED,
        scan_status=ScanStatus.CLEAN,
        content=make_clip(tmp_path / "p.mp4", seconds=3).read_bytes(),
    )
    channel = asyncio.run(layer.new_channel())
    asyncio.run(layer.group_add(video_group(video.pk), channel))
    pipeline.process_video(video_id=str(video.pk))

    async def drain() -> list[str]:
        events: list[str] = []
        while True:
            try:
                message = await asyncio.wait_for(layer.receive(channel), 2)
            except TimeoutError:
                return events
            events.append(message["event"])

    events = asyncio.run(drain())
    assert events[-1] == "video.ready"
    assert events.count("video.playable") == 1  # the first live segments, before ready
    assert set(events) <= {"video.progress", "video.playable", "video.ready"}


def test_one_decode_makes_renditions_storyboard_poster_and_motion(athlete, clips, monkeypatch):
    """The only ffmpeg the pipeline runs is the transcode: previews come from its decode."""
    from processing import ffmpeg

    real_run, commands = ffmpeg.run, []

    def counting_run(argv, **kwargs):
        commands.append(Path(argv[0]).name)
        return real_run(argv, **kwargs)

    monkeypatch.setattr(ffmpeg, "run", counting_run)
    video = process(athlete, clips["landscape"])
    assert video.status == VideoStatus.READY
    assert commands.count("ffmpeg") == 1
    # the source's probe only: the renditions' facts come from the encode (live init, sizes)
    assert commands.count("ffprobe") == 1
    assert video.poster and video.storyboard
    assert video.analysis is not None and len(video.analysis["motion"]) == 2


def test_previews_branch_off_the_smallest_rendition(tmp_path):
    """The source's frames are split once per rendition; the storyboard, poster candidates and
    motion frames take the smallest rendition's scaled picture (no full-size scale each)."""
    from processing import ffmpeg, ladder
    from processing.analysis import GrayFrames, poster_output
    from processing.storyboard import sheets_output

    clip = make_clip(tmp_path / "c.mp4", seconds=2, size="640x360", rate=30)
    info = ffmpeg.probe(clip)
    outputs = ladder.plan_outputs(info)
    out = tmp_path / "out"
    (out / "storyboard").mkdir(parents=True)
    (out / "posters").mkdir()
    size = {"width": outputs[-1].width, "height": outputs[-1].height}
    motion = GrayFrames(out, **size, fps=outputs[-1].fps, duration=info.duration)
    extras = [
        lambda v: sheets_output(v, out / "storyboard", **size, duration=info.duration),
        lambda v: poster_output(v, out / "posters", **size, duration=info.duration),
        motion.output,
    ]
    argv = ladder.transcode_argv(clip, out, info, outputs, extras=extras)
    graph = argv[argv.index("-filter_complex") + 1]
    assert graph.count("split=") == 2 and f"split={len(outputs)}" in graph
    assert "split=4" in graph  # the smallest rendition's encode and the three extras
    with motion:
        ffmpeg.run(argv, timeout=120)
    poster = ffprobe(str(sorted((out / "posters").glob("*.jpg"))[0]))["streams"][0]
    assert (poster["width"], poster["height"]) == (size["width"], size["height"])
    assert len(sorted((out / "storyboard").glob("sheet-*.jpg"))) == 1
    assert len(motion.diffs) == 2 * 30 - 1  # every frame of the 30 fps rendition but the first


def test_rendition_facts_are_what_the_files_are(athlete, tmp_path):
    """CODECS (from the live init section) and bit rate (from the size) without an ffprobe of
    each rendition: they must say what the stored MP4 is (its own avcC box, which carries the
    constraint flags too, and ffprobe's profile and level)."""
    from processing import live

    video = process(athlete, make_clip(tmp_path / "f.mp4", seconds=3, size="640x360"))
    assert video.status == VideoStatus.READY, video.status_message
    master = default_storage.open(video.hls_master.name).read().decode()
    profiles = {"High": "64", "Main": "4d", "Baseline": "42", "Constrained Baseline": "42"}
    for rendition in video.renditions.all():
        facts = ffprobe(local(rendition.file.name))
        stream = next(s for s in facts["streams"] if s["codec_type"] == "video")
        head = Path(local(rendition.file.name)).read_bytes()[:200_000]  # faststart: moov first
        assert rendition.codecs == live.codecs_from_init(head, has_audio=True)
        video_codec = rendition.codecs.split(",")[0]
        assert video_codec[5:7] == profiles[stream["profile"]]
        assert int(video_codec[9:11], 16) == int(stream["level"])
        assert f'CODECS="{rendition.codecs}"' in master
        assert rendition.size == default_storage.size(rendition.file.name)
        assert rendition.bitrate == pytest.approx(int(facts["format"]["bit_rate"]), rel=0.05)


def test_every_step_is_timed_in_the_job_log(athlete, tmp_path, caplog):
    caplog.set_level("INFO", logger="processing.metrics")
    video = process(athlete, make_clip(tmp_path / "t.mp4", seconds=1))
    assert video.status == VideoStatus.READY
    timed = {r.step: r.seconds for r in caplog.records if r.getMessage() == "step timed"}
    assert set(timed) == {
        "download",
        "probe",
        "transcode",
        "poster",
        "storyboard",
        "store",
        "finish",
    }
    assert all(seconds >= 0 for seconds in timed.values())
    assert all(r.job_id for r in caplog.records if r.getMessage() == "step timed")


def test_poster_is_the_sharpest_frame_that_is_not_dark(tmp_path):
    import cv2
    import numpy as np

    from processing.analysis import choose_poster

    dark = np.zeros((90, 160, 3), np.uint8)
    flat = np.full((90, 160, 3), 128, np.uint8)
    sharp = flat.copy()
    sharp[::4, :] = 255  # stripes: high Laplacian variance
    for index, picture in enumerate([dark, flat, sharp, flat]):
        cv2.imwrite(str(tmp_path / f"poster-{index:02d}.jpg"), picture)
    assert choose_poster(tmp_path) == (tmp_path / "poster-02.jpg").read_bytes()
    assert choose_poster(tmp_path / "none") is None


def test_motion_reader_ends_when_ffmpeg_never_opens_the_pipe(tmp_path):
    """A failed transcode must not leave the reader thread waiting for a writer forever."""
    from processing.analysis import GrayFrames

    frames = GrayFrames(tmp_path, width=320, height=240, fps=30, duration=2)
    with frames:
        pass  # ffmpeg "failed" before opening motion.gray
    assert not frames.thread.is_alive()
    assert frames.result()["motion"] == [0.0] * 4


@pytest.mark.parametrize(
    ("size", "rotate", "audio"), [("320x240", 90, True), ("640x360", 0, False)]
)
def test_the_ingests_probe_is_the_workers(athlete, tmp_path, monkeypatch, size, rotate, audio):
    """An ingested upload was probed by its ingest: the worker takes that probe from the row
    (the same bytes: no second ffprobe) and makes what its own probe would have made."""
    from dataclasses import replace

    from processing import ffmpeg
    from videos.services import video_ingest, video_recorded_probe

    clip = make_clip(tmp_path / "in.mp4", seconds=2, size=size, rotate=rotate, audio=audio)
    own = ffmpeg.probe(clip)
    upload = tmp_path / "upload.mp4"
    upload.write_bytes(clip.read_bytes())
    video = video_ingest(
        owner=athlete,
        title="t",
        filename="in.mp4",
        local_path=str(upload),
        size=upload.stat().st_size,
        sha256="",
    )
    recorded = video_recorded_probe(Video.objects.get(pk=video.pk))
    assert recorded == replace(own, format_name="", bit_rate=0)

    real_run, commands = ffmpeg.run, []

    def counting_run(argv, **kwargs):
        commands.append(Path(argv[0]).name)
        return real_run(argv, **kwargs)

    monkeypatch.setattr(ffmpeg, "run", counting_run)
    pipeline.process_video(video_id=str(video.pk))
    video.refresh_from_db()
    assert video.status == VideoStatus.READY, video.status_message
    assert commands == ["ffmpeg"]  # the transcode only
    sd = video.renditions.get(quality="sd")
    streams = ffprobe(local(sd.file.name))["streams"]
    picture = next(s for s in streams if s["codec_type"] == "video")
    assert (picture["width"], picture["height"]) == (sd.width, sd.height)
    assert (sd.width > sd.height) == ((video.width or 0) > (video.height or 0))  # upright
    assert any(s["codec_type"] == "audio" for s in streams) == audio


def test_a_video_without_a_recorded_probe_is_probed(athlete):
    video = make_video(athlete, status=VideoStatus.UPLOADED)
    from videos.services import video_recorded_probe

    assert video_recorded_probe(video) is None


def test_a_failed_store_leaves_no_rendition_visible_on_s3(
    athlete, tmp_path, settings, s3, monkeypatch
):
    """Renditions upload side by side on S3. One that cannot be stored (its MP4 gone from the
    working folder) fails the store after the others finished: nothing is recorded, the video
    stays playable through its live HLS only, and the retry stores one whole, playable set."""
    from processing.jobs import TransientError

    client, bucket = s3
    store_outputs = pipeline.store_outputs

    def sd_lost(video, done):
        (done.out_dir / "sd.mp4").unlink()
        store_outputs(video, done)

    video = make_video(
        athlete,
        status=VideoStatus.UPLOADED,
        content=make_clip(tmp_path / "c.mp4", seconds=2).read_bytes(),
        scan_status=ScanStatus.CLEAN,
    )
    monkeypatch.setattr(pipeline, "store_outputs", sd_lost)
    with pytest.raises(TransientError):
        pipeline.process_video(video_id=str(video.pk))
    video.refresh_from_db()
    assert video.status == VideoStatus.PROCESSING and not video.renditions.exists()
    assert video.hls_master.name.endswith("/hls/live.m3u8")  # still the live one, playable
    job = ProcessingJob.objects.get(video=video)
    assert job.state == JobState.QUEUED

    monkeypatch.setattr(pipeline, "store_outputs", store_outputs)
    pipeline.process_video(video_id=str(video.pk))
    video.refresh_from_db()
    assert video.status == VideoStatus.READY, video.status_message
    assert sorted(video.renditions.values_list("quality", flat=True)) == ["mobile", "sd"]
    keys = [
        entry["Key"]
        for entry in client.list_objects_v2(Bucket=bucket, Prefix=f"videos/{video.pk}/")["Contents"]
    ]
    assert sorted(k.rsplit("/", 1)[1] for k in keys if "/renditions/" in k) == [
        "mobile.mp4",
        "sd.mp4",
    ]
    assert not [k for k in keys if "-live" in k or k.endswith("live.m3u8")]
    for quality in ("sd", "mobile"):  # each final playlist plays through its byte ranges
        body = client.get_object(Bucket=bucket, Key=f"videos/{video.pk}/hls/{quality}.m3u8")
        playlist = tmp_path / f"{quality}.m3u8"
        playlist.write_bytes(body["Body"].read())
        segments = client.get_object(Bucket=bucket, Key=f"videos/{video.pk}/hls/{quality}.m4s")
        (tmp_path / f"{quality}.m4s").write_bytes(segments["Body"].read())
        subprocess.run(
            ["ffmpeg", "-v", "error", "-nostdin", "-i", str(playlist), "-f", "null", "-"],
            check=True,
        )
