"""A worker SIGKILLed mid-transcode: its ffmpeg dies with it, its working folder is swept, the
message is delivered again and the job completes once."""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from django.conf import settings
from django.db import connection

from processing.models import JobState, ProcessingJob
from processing.workdirs import workdirs_sweep
from tests.factories import make_video
from tests.media import make_clip
from videos.models import ScanStatus, Video, VideoStatus
from videos.services import send_processing

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def start_worker(media_root: Path) -> subprocess.Popen[bytes]:
    """A real worker (one process, one thread) on the test database, broker and folders."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "TEST_DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "MEDIA_ROOT": str(media_root),
        "FILE_UPLOAD_TEMP_DIR": str(media_root / ".incoming"),
        "VIDEO_LADDER": settings.VIDEO_LADDER,
        "BROKER_HEARTBEAT_TIMEOUT_MS": "4000",
        "BROKER_MAINTENANCE_CHANCE": "1000000",
        "PROCESSING_STALE_SECONDS": "2",
        "JOB_WORK_DIR": settings.JOB_WORK_DIR,
    }
    return subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "rundramatiq",
            "--processes",
            "1",
            "--threads",
            "1",
            "--worker-shutdown-timeout",
            "1000",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def kill_tree(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the worker and everything it started, as an OOM killer or a node loss would."""
    tree = [psutil.Process(process.pid), *psutil.Process(process.pid).children(recursive=True)]
    for proc in tree:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.send_signal(signal.SIGKILL)
    process.wait(timeout=10)


def worker_process(worker: subprocess.Popen[bytes]) -> psutil.Process:
    """The Dramatiq worker process (the child of the main one) that runs the jobs."""
    wait_for(lambda: bool(psutil.Process(worker.pid).children()), 60, "the worker process")
    return psutil.Process(worker.pid).children()[0]


def ffmpegs_of(process: psutil.Process) -> list[psutil.Process]:
    return [p for p in process.children(recursive=True) if "ffmpeg" in p.name()]


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


@pytest.fixture
def job_work_dir(tmp_path, settings) -> Path:
    settings.JOB_WORK_DIR = str(tmp_path / "jobs")
    return tmp_path / "jobs"


def wait_for(predicate, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def test_sigkilled_worker_recovers_with_one_set_of_renditions(
    athlete, tmp_path, settings, job_work_dir
):
    settings.VIDEO_LADDER = "hd:720:3000:120,sd:480:1500:60,mobile:240:500:30"
    clip = make_clip(tmp_path / "long.mp4", seconds=40, size="1280x720")
    video = make_video(
        athlete,
        status=VideoStatus.UPLOADED,
        content=clip.read_bytes(),
        scan_status=ScanStatus.CLEAN,
    )
    media_root = Path(settings.MEDIA_ROOT)
    first = start_worker(media_root)
    try:
        assert send_processing(video_id=video.pk)
        # (the transcode is the pipeline's one ffmpeg: catch it while it runs)
        wait_for(lambda: ffmpegs_of(worker_process(first)), 90, "the first worker's ffmpeg")
        # kill -9 of the process running the job (its ffmpeg is not killed here: the kernel must)
        process = worker_process(first)
        encoders = [p.pid for p in ffmpegs_of(process)]
        assert encoders, "no ffmpeg under the worker"
        process.send_signal(signal.SIGKILL)
        first.wait(timeout=60)  # Dramatiq's main process stops when a worker process dies
    finally:
        if first.poll() is None:
            kill_tree(first)
    wait_for(lambda: all(gone(pid) for pid in encoders), 30, "the orphaned ffmpeg to die")
    assert [folder.name.split("-p")[0] for folder in job_work_dir.iterdir()] == [
        f"job-{ProcessingJob.objects.get(video=video).pk}"
    ]
    assert workdirs_sweep() == 1
    assert list(job_work_dir.iterdir()) == []
    assert Video.objects.get(pk=video.pk).status == VideoStatus.PROCESSING
    second = start_worker(media_root)
    try:
        wait_for(
            lambda: (
                Video.objects.get(pk=video.pk).status
                not in (VideoStatus.PROCESSING, VideoStatus.UPLOADED)
            ),
            180,
            "the job to finish",
        )
    finally:
        second.send_signal(signal.SIGTERM)
        try:
            second.wait(timeout=20)
        except subprocess.TimeoutExpired:
            kill_tree(second)
    video.refresh_from_db()
    assert video.status == VideoStatus.READY, (video.status_code, video.status_message)
    job = ProcessingJob.objects.get(video=video)
    assert (job.state, job.attempts) == (JobState.SUCCEEDED, 2)
    assert sorted(video.renditions.values_list("quality", flat=True)) == ["hd", "mobile", "sd"]
    files = sorted(p.name for p in (media_root / "videos" / str(video.pk) / "renditions").iterdir())
    assert files == ["hd.mp4", "mobile.mp4", "sd.mp4"]


def test_a_sigkilled_main_worker_process_takes_its_workers_and_ffmpeg_along(
    athlete, tmp_path, job_work_dir
):
    clip = make_clip(tmp_path / "long.mp4", seconds=40, size="1280x720")
    video = make_video(
        athlete,
        status=VideoStatus.UPLOADED,
        content=clip.read_bytes(),
        scan_status=ScanStatus.CLEAN,
    )
    worker = start_worker(Path(settings.MEDIA_ROOT))
    try:
        assert send_processing(video_id=video.pk)
        wait_for(lambda: ffmpegs_of(worker_process(worker)), 90, "the worker's ffmpeg")
        process = worker_process(worker)
        survivors = [process.pid, *(p.pid for p in ffmpegs_of(process))]
        assert len(survivors) > 1, "no ffmpeg under the worker"
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            kill_tree(worker)
    wait_for(lambda: all(gone(pid) for pid in survivors), 30, "the orphans to die")
    assert workdirs_sweep() == 1
    assert list(job_work_dir.iterdir()) == []
