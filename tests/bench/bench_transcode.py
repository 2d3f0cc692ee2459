"""Transcode benchmark: the service's enqueue-to-ready time against bare ffmpeg runs.

On a generated 1080p30 clip with audio (30 s by default), in one run:
  (a) the service: a real Dramatiq worker takes the message and runs the whole pipeline
      (probe, one-decode ladder + HLS, poster, storyboard, analysis, storage);
  (b) one bare ffmpeg command producing the same ladder (the service's own argv);
  (c) a per-rendition pipeline: one ffmpeg run per rendition, as MediaCMS and PeerTube do.
Prints the ratios (goals: a/b at most 1.15, c/a at least 1.3) and the worker's peak RSS.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psutil

from tests.bench.common import ROOT, make_source_clip, setup_django, workdir

if TYPE_CHECKING:
    from processing.ffmpeg import MediaInfo
    from processing.ladder import Output

# main() sets Django up on the run's temporary database first, so the functions below import
# the project's modules (which need settings and the app registry) where they use them.


def time_bare_ffmpeg(clip: Path, work: Path, info: MediaInfo, outputs: list[Output]) -> float:
    """(b) one bare ffmpeg command producing the whole ladder (the service's own argv)."""
    from processing import ffmpeg, ladder

    bare_dir = work / "bare"
    bare_dir.mkdir()
    started = time.perf_counter()
    ffmpeg.run(ladder.transcode_argv(clip, bare_dir, info, outputs), timeout=3600)
    return time.perf_counter() - started


def time_per_rendition(clip: Path, work: Path, info: MediaInfo, outputs: list[Output]) -> float:
    """(c) one ffmpeg run per rendition, as MediaCMS and PeerTube do."""
    from processing import ffmpeg, ladder

    per_dir = work / "per"
    per_dir.mkdir()
    started = time.perf_counter()
    for output in outputs:
        ffmpeg.run(ladder.transcode_argv(clip, per_dir, info, [output]), timeout=3600)
    return time.perf_counter() - started


@contextmanager
def running_worker() -> Iterator[subprocess.Popen[bytes]]:
    """A real Dramatiq worker (one process, one thread) on this run's environment."""
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "rundramatiq", "--processes", "1", "--threads", "1"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(3)  # let the worker boot before the clock starts
        yield worker
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def python_rss(pid: int) -> int:
    """The largest RSS among the worker's process tree, ffmpeg children left out."""
    tree = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    rss = 0
    for proc in tree:
        try:
            if proc.name() != "ffmpeg":
                rss = max(rss, proc.memory_info().rss)
        except psutil.NoSuchProcess:
            pass
    return rss


def wait_until_done(video_pk: Any, worker_pid: int) -> tuple[str, int]:
    """Poll the video's status until READY or FAILED, sampling the worker's peak RSS."""
    from videos.models import Video, VideoStatus

    peak_rss = 0
    while True:
        status = Video.objects.values_list("status", flat=True).get(pk=video_pk)
        if status in (VideoStatus.READY, VideoStatus.FAILED):
            return status, peak_rss
        peak_rss = max(peak_rss, python_rss(worker_pid))
        time.sleep(0.2)


def time_service(clip: Path, work: Path) -> tuple[float, int]:
    """(a) the service: enqueue -> ready through a real worker; seconds and the peak RSS."""
    from django.core.management import call_command

    from accounts.models import Role
    from accounts.services import user_create
    from videos.models import Video, VideoStatus
    from videos.services import video_ingest

    call_command("migrate", verbosity=0)
    owner = user_create(username="bench", password="bench-pass-123!", role=Role.COACH)
    with running_worker() as worker:
        started = time.perf_counter()
        video = video_ingest(
            owner=owner,
            title="bench",
            filename="clip.mp4",
            local_path=str(shutil.copy(clip, work / "upload.mp4")),
            size=clip.stat().st_size,
            sha256="",
        )
        status, peak_rss = wait_until_done(video.pk, worker.pid)
        service = time.perf_counter() - started
    assert status == VideoStatus.READY, Video.objects.get(pk=video.pk).status_message
    return service, peak_rss


def print_report(
    seconds: int, outputs: list[Output], bare: float, service: float, per_rendition: float, rss: int
) -> None:
    ladder_text = ", ".join(f"{o.rung.quality} {o.width}x{o.height}@{o.fps:g}" for o in outputs)
    print(f"transcode benchmark: {seconds} s 1080p30 clip with audio -> {ladder_text}")
    print(f"  (b) one bare ffmpeg, same ladder : {bare:7.2f} s  (1.00)")
    print(f"  (a) service, enqueue -> ready    : {service:7.2f} s  ({service / bare:.2f}x bare;")
    print("      goal <= 1.15)")
    print(f"  (c) one ffmpeg per rendition     : {per_rendition:7.2f} s")
    print(f"      ({per_rendition / service:.2f}x the service; goal >= 1.3)")
    print(f"  real-time factor of the service  : {seconds / service:.2f} media s per wall s")
    print(f"  worker peak RSS (python, not ffmpeg): {rss / 1024**2:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=30)
    seconds = parser.parse_args().seconds
    with workdir("bench-transcode-") as work:
        setup_django(work)
        from processing import ffmpeg, ladder

        clip = make_source_clip(work / "clip.mp4", seconds)
        info = ffmpeg.probe(clip)
        outputs = ladder.plan_outputs(info)
        bare = time_bare_ffmpeg(clip, work, info, outputs)
        per_rendition = time_per_rendition(clip, work, info, outputs)
        service, peak_rss = time_service(clip, work)
        print_report(seconds, outputs, bare, service, per_rendition, peak_rss)


if __name__ == "__main__":
    main()
