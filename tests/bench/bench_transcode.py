"""Transcode benchmark: the service's enqueue-to-ready time against bare ffmpeg runs.

On a generated 1080p30 clip with audio (30 s by default), in one run:
  (a) the service: a real Dramatiq worker takes the message and runs the whole pipeline
      (probe, one-decode ladder + HLS, poster, storyboard, analysis, storage);
  (b) one bare ffmpeg command producing the same ladder (the service's own argv);
  (c) a per-rendition pipeline: one ffmpeg run per rendition, as MediaCMS and PeerTube do.
Prints the ratios (goals: a/b at most 1.15, c/a at least 1.3) and the worker's peak RSS.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=30)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-transcode-"))
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
        "MEDIA_ROOT": str(work / "media"),
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12"),
        "BROKER_NAMESPACE": f"bench-{os.getpid()}",
        "CLAMAV_ADDRESS": "",
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    import django

    django.setup()
    import psutil
    from django.core.management import call_command

    from accounts.models import Role
    from accounts.services import user_create
    from processing import ffmpeg, ladder
    from videos.models import Video, VideoStatus
    from videos.services import video_ingest

    worker = None
    try:
        clip = work / "clip.mp4"
        subprocess.run(
            [
                "ffmpeg",
                "-v",
                "error",
                "-nostdin",
                "-f",
                "lavfi",
                "-i",
                f"testsrc2=size=1920x1080:rate=30:duration={args.seconds}",
                "-f",
                "lavfi",
                "-i",
                f"sine=frequency=440:duration={args.seconds}",
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-crf",
                "18",
                "-pix_fmt",
                "yuv420p",
                "-c:a",
                "aac",
                str(clip),
            ],
            check=True,
        )
        info = ffmpeg.probe(clip)
        outputs = ladder.plan_outputs(info)

        # (b) one bare ffmpeg command, same ladder
        bare_dir = work / "bare"
        bare_dir.mkdir()
        started = time.perf_counter()
        ffmpeg.run(ladder.transcode_argv(clip, bare_dir, info, outputs), timeout=3600)
        bare = time.perf_counter() - started

        # (c) one ffmpeg run per rendition
        per_dir = work / "per"
        per_dir.mkdir()
        started = time.perf_counter()
        for output in outputs:
            ffmpeg.run(ladder.transcode_argv(clip, per_dir, info, [output]), timeout=3600)
        per_rendition = time.perf_counter() - started

        # (a) the service: enqueue -> ready through a real worker
        call_command("migrate", verbosity=0)
        owner = user_create(username="bench", password="bench-pass-123!", role=Role.COACH)
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "rundramatiq", "--processes", "1", "--threads", "1"],
            cwd=ROOT,
            env={**os.environ},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(3)  # let the worker boot before the clock starts
        peak_rss = 0
        started = time.perf_counter()
        video = video_ingest(
            owner=owner,
            title="bench",
            filename="clip.mp4",
            local_path=str(shutil.copy(clip, work / "upload.mp4")),
            size=clip.stat().st_size,
            sha256="",
        )
        while True:
            status = Video.objects.values_list("status", flat=True).get(pk=video.pk)
            if status in (VideoStatus.READY, VideoStatus.FAILED):
                break
            tree = [
                psutil.Process(worker.pid),
                *psutil.Process(worker.pid).children(recursive=True),
            ]
            rss = 0
            for proc in tree:
                try:
                    if proc.name() != "ffmpeg":
                        rss = max(rss, proc.memory_info().rss)
                except psutil.NoSuchProcess:
                    pass
            peak_rss = max(peak_rss, rss)
            time.sleep(0.2)
        service = time.perf_counter() - started
        assert status == VideoStatus.READY, Video.objects.get(pk=video.pk).status_message

        ladder_text = ", ".join(f"{o.rung.quality} {o.width}x{o.height}@{o.fps:g}" for o in outputs)
        print(f"transcode benchmark: {args.seconds} s 1080p30 clip with audio -> {ladder_text}")
        print(f"  (b) one bare ffmpeg, same ladder : {bare:7.2f} s  (1.00)")
        print(
            f"  (a) service, enqueue -> ready    : {service:7.2f} s  ({service / bare:.2f}x bare;"
        )
        print("      goal <= 1.15)")
        print(f"  (c) one ffmpeg per rendition     : {per_rendition:7.2f} s")
        print(f"      ({per_rendition / service:.2f}x the service; goal >= 1.3)")
        print(
            f"  real-time factor of the service  : {args.seconds / service:.2f} media s per wall s"
        )
        print(f"  worker peak RSS (python, not ffmpeg): {peak_rss / 1024**2:.0f} MiB")
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
