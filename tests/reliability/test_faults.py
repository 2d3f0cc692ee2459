"""Faults met mid-job (issue 15): a full disk under the working folders ends the job as
`disk_full` and harms no other video; storage (S3) trouble requeues it as transient, and the job
completes once when the storage is back."""

import contextlib
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from processing import pipeline
from processing.jobs import TransientError
from processing.models import JobState, ProcessingJob
from tests.factories import make_video
from tests.media import make_clip
from tests.reliability.proxy import TcpProxy
from videos.models import IN_FLIGHT_STATUSES, ScanStatus, Video, VideoStatus

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


@contextlib.contextmanager
def small_disk(folder: Path, size: str) -> Iterator[Path]:
    """A tmpfs of `size` on `folder` (the tests run as root), unmounted whatever happens."""
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], check=True)
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def uploaded(athlete, clip: Path) -> Video:
    return make_video(
        athlete,
        status=VideoStatus.UPLOADED,
        content=clip.read_bytes(),
        scan_status=ScanStatus.CLEAN,
    )


def processed(video: Video) -> Video:
    pipeline.process_video(video_id=str(video.pk))
    video.refresh_from_db()
    return video


@pytest.mark.parametrize(
    ("disk", "where"),
    [("3m", "ffmpeg's outputs do not fit"), ("1m", "the download does not fit")],
)
def test_a_full_disk_fails_the_job_as_disk_full_and_spares_the_others(
    athlete, tmp_path, settings, disk, where
):
    small = make_clip(tmp_path / "small.mp4", seconds=1, size="160x120")
    large = make_clip(tmp_path / "large.mp4", seconds=6, size="640x480")  # ~1.9 MB
    with small_disk(tmp_path / "jobs", disk) as jobs:
        settings.JOB_WORK_DIR = str(jobs)
        before = processed(uploaded(athlete, small))
        assert before.status == VideoStatus.READY, before.status_message
        renditions = sorted(before.renditions.values_list("file", flat=True))

        video = processed(uploaded(athlete, large))  # no TransientError: not retried

        assert (video.status, video.status_code) == (VideoStatus.FAILED, "disk_full"), where
        assert "ran out of disk space" in video.status_message
        job = ProcessingJob.objects.get(video=video)
        assert (job.state, job.error_code, job.attempts) == (JobState.FAILED, "disk_full", 1)
        assert "No space left on device" in job.log_tail
        assert list(jobs.iterdir()) == []  # the working folder is gone, the disk free again
        assert Video.objects.get(pk=before.pk).status == VideoStatus.READY
        assert sorted(before.renditions.values_list("file", flat=True)) == renditions
        after = processed(uploaded(athlete, small))
        assert after.status == VideoStatus.READY, after.status_message


def test_storage_outage_while_storing_requeues_then_completes_once(
    athlete, tmp_path, settings, s3, monkeypatch
):
    client, bucket = s3
    host, port = settings.STORAGES["default"]["OPTIONS"]["endpoint_url"].rsplit(":", 1)
    proxy = TcpProxy(int(port))
    proxy.up()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            **settings.STORAGES["default"],
            "OPTIONS": {
                **settings.STORAGES["default"]["OPTIONS"],
                "endpoint_url": f"{host}:{proxy.port}",
            },
        },
    }
    store_outputs = pipeline.store_outputs

    def storage_goes_away(video, done):
        proxy.down()  # the S3 endpoint stops answering between the transcode and the store
        store_outputs(video, done)

    try:
        video = uploaded(athlete, make_clip(tmp_path / "clip.mp4", seconds=2))
        monkeypatch.setattr(pipeline, "store_outputs", storage_goes_away)
        with pytest.raises(TransientError):  # the actor retries it with backoff
            pipeline.process_video(video_id=str(video.pk))
        job = ProcessingJob.objects.get(video=video)
        assert (job.state, job.error_code) == (JobState.QUEUED, "transient")
        assert Video.objects.get(pk=video.pk).status == VideoStatus.PROCESSING

        monkeypatch.setattr(pipeline, "store_outputs", store_outputs)
        proxy.up()
        video = processed(video)
    finally:
        proxy.down()
    assert video.status == VideoStatus.READY, video.status_message
    job.refresh_from_db()
    # the storage outage is not a crash: its attempt was given back
    assert (job.state, job.attempts) == (JobState.SUCCEEDED, 1)
    listed = client.list_objects_v2(Bucket=bucket, Prefix=f"videos/{video.pk}/")["Contents"]
    keys = [entry["Key"] for entry in listed]
    qualities = sorted(video.renditions.values_list("quality", flat=True))
    assert qualities == ["mobile", "sd"]  # the test ladder, scaled down to a 320x240 clip
    renditions = sorted(key.rsplit("/", 1)[1] for key in keys if "/renditions/" in key)
    assert renditions == ["mobile.mp4", "sd.mp4"]  # one set, no "sd_a1b2c3.mp4" beside it
    assert len([key for key in keys if key.endswith(".m3u8")]) == 3  # master + one each


def test_a_longer_storage_outage_is_not_called_a_crash(athlete, tmp_path, settings, s3):
    video = uploaded(athlete, make_clip(tmp_path / "clip.mp4", seconds=1))
    options = settings.STORAGES["default"]["OPTIONS"]
    with TcpProxy(int(options["endpoint_url"].rsplit(":", 1)[1])) as proxy:
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                **settings.STORAGES["default"],
                "OPTIONS": {**options, "endpoint_url": f"http://127.0.0.1:{proxy.port}"},
            },
        }
        proxy.down()  # S3 is away for the first retries of the actor (max_retries is 10)
        for _ in range(settings.PROCESSING_MAX_ATTEMPTS + 2):  # more retries than crashes allowed
            with pytest.raises(TransientError):
                pipeline.process_video(video_id=str(video.pk))
    job = ProcessingJob.objects.get(video=video)
    assert job.error_code != "worker_crashed", job.error_message
    assert (job.state, job.error_code) == (JobState.QUEUED, "transient")
    assert Video.objects.get(pk=video.pk).status in IN_FLIGHT_STATUSES  # still on its way


def test_the_watchdog_sends_again_a_job_left_queued_by_an_outage(athlete, tmp_path, settings):
    """The actor's retries are spent in a long outage: the queued job is sent again later."""
    from datetime import timedelta

    from django.utils import timezone

    from processing.services import jobs_watchdog

    video = uploaded(athlete, make_clip(tmp_path / "clip.mp4", seconds=1))
    long_ago = timezone.now() - timedelta(seconds=settings.LOST_MESSAGE_SECONDS + 1)
    job = ProcessingJob.objects.create(
        video=video, state=JobState.QUEUED, error_code="transient", heartbeat_at=long_ago
    )
    assert jobs_watchdog()["resent"] >= 1
    job.refresh_from_db()
    assert job.heartbeat_at is not None and job.heartbeat_at > long_ago  # not re-sent next round
    fresh = jobs_watchdog()["resent"]
    assert fresh == 0


def test_the_watchdog_sends_again_an_uploaded_video_whose_message_was_lost(athlete, tmp_path):
    """A broker restart or a killed worker process lost the message: the video is not stuck."""
    from datetime import timedelta

    from django.conf import settings as conf
    from django.utils import timezone

    from processing.services import jobs_watchdog

    video = uploaded(athlete, make_clip(tmp_path / "clip.mp4", seconds=1))
    long_ago = timezone.now() - timedelta(seconds=conf.LOST_MESSAGE_SECONDS + 1)
    Video.objects.filter(pk=video.pk).update(enqueued_at=long_ago)
    assert jobs_watchdog()["resent"] == 1
    enqueued = Video.objects.values_list("enqueued_at", flat=True).get(pk=video.pk)
    assert enqueued is not None and enqueued > long_ago  # once per period, not every round
    assert jobs_watchdog()["resent"] == 0
