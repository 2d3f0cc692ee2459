"""Transcode benchmark: the service's enqueue-to-ready time against one bare ffmpeg making the same
ladder, on generated sources that cost what real footage costs, and how soon a video plays.

Sources (each with audio), generated with lavfi:
  testsrc2   1080p30 H.264 (cheap to decode: hides what one decode saves);
  phone      1080p60 H.264 High at about 20 Mbit/s, with sensor-like temporal noise and a
             hand-held camera's pan and shake (a moving crop of a larger picture);
  uhd-hevc   2160p30 HEVC (libx265) at about 40 Mbit/s, noisy and moving (skipped, and said,
             when this ffmpeg has no libx265).
For each, in one run:
  (b) one bare ffmpeg command producing the whole ladder (the service's own argv);
  (a) the service: a real Dramatiq worker takes the message and runs the whole pipeline (probe,
      one-decode ladder + live and final HLS, poster, storyboard, analysis, storage);
  the ratio a/b (goal at most 1.10) in wall time and in CPU time (user + system of ffmpeg, and of
  the worker's processes with their ffmpeg and ffprobe children: on a machine others share, CPU
  seconds move much less than wall seconds), the worker's peak RSS (Python, ffmpeg apart), "upload
  finished -> first frame playable": from the ingest (what an upload's last request calls) until
  the API would say `playable` (the live master and every rendition's first segment stored).
Then the same "-> playable" for a long clip (--long-seconds, 10 min by default): a 10 s 1080p30
clip repeated with -c copy (cheap to make whatever the length); the worker is stopped once it
is playable. Optionally (c) one ffmpeg per rendition (--per-rendition).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psutil

from tests.bench.common import ROOT, make_source_clip, setup_django, workdir

if TYPE_CHECKING:
    from processing.ffmpeg import MediaInfo
    from processing.ladder import Output

# main() sets Django up on the run's temporary database first, so the functions below import
# the project's modules (which need settings and the app registry) where they use them.

MOVING_CROP = (
    "crop={w}:{h}:x='{mx}+{ax}*sin(t*1.7)+{sx}*sin(t*11)':y='{my}+{ay}*cos(t*1.1)+{sy}*cos(t*13)'"
)


def ffmpeg_generate(path: Path, *args: str) -> Path:
    argv = ["ffmpeg", "-hide_banner", "-v", "error", "-nostdin", "-y", *args, str(path)]
    subprocess.run(argv, check=True, timeout=3600)
    return path


def camera(width: int, height: int, noise: int) -> str:
    """A hand-held camera: a moving crop of a 10 % larger testsrc2 (pan plus shake), with
    temporal sensor noise, so every frame differs everywhere, as in real footage."""
    crop = MOVING_CROP.format(
        w=width,
        h=height,
        mx=width // 20,
        my=height // 20,
        ax=width // 12,
        ay=height // 12,
        sx=width // 100,
        sy=height // 100,
    )
    return f"{crop},noise=alls={noise}:allf=t+u"


def make_phone_clip(path: Path, seconds: int) -> Path:
    """1080p60 H.264 High at ~20 Mbit/s (CABAC, 1 s GOP) with 48 kHz AAC: what a phone records."""
    return ffmpeg_generate(
        path,
        *("-f", "lavfi", "-i", f"testsrc2=size=2112x1188:rate=60:duration={seconds}"),
        *("-f", "lavfi", "-i", f"sine=frequency=300:duration={seconds}:sample_rate=48000"),
        *("-vf", camera(1920, 1080, noise=14)),
        *("-c:v", "libx264", "-preset", "superfast", "-profile:v", "high"),
        *("-b:v", "20M", "-maxrate", "24M", "-bufsize", "40M", "-g", "60", "-pix_fmt", "yuv420p"),
        *("-c:a", "aac", "-b:a", "192k", "-ac", "2"),
    )


def has_libx265() -> bool:
    encoders = subprocess.run(
        ["ffmpeg", "-hide_banner", "-encoders"], capture_output=True, text=True, check=True
    ).stdout
    return " libx265 " in encoders


def make_uhd_hevc_clip(path: Path, seconds: int) -> Path:
    """2160p30 HEVC (hvc1) at ~40 Mbit/s with AAC: what a phone records in 4K."""
    return ffmpeg_generate(
        path,
        *("-f", "lavfi", "-i", f"testsrc2=size=4224x2376:rate=30:duration={seconds}"),
        *("-f", "lavfi", "-i", f"sine=frequency=300:duration={seconds}:sample_rate=48000"),
        *("-vf", camera(3840, 2160, noise=10)),
        *("-c:v", "libx265", "-preset", "ultrafast", "-b:v", "40M", "-tag:v", "hvc1"),
        *("-pix_fmt", "yuv420p", "-x265-params", "log-level=error"),
        *("-c:a", "aac", "-ac", "2"),
    )


def make_long_clip(path: Path, seconds: int, work: Path) -> Path:
    """`seconds` of 1080p30 with audio: a 10 s clip repeated without re-encoding."""
    piece = make_source_clip(work / "piece.mp4", 10)
    loops = max(0, -(-seconds // 10) - 1)
    return ffmpeg_generate(
        path, "-stream_loop", str(loops), "-i", str(piece), "-t", str(seconds), "-c", "copy"
    )


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_bare_ffmpeg(
    clip: Path, work: Path, info: MediaInfo, outputs: list[Output]
) -> tuple[float, float]:
    """(b) one bare ffmpeg command producing the whole ladder (the service's own argv): wall
    seconds and CPU seconds."""
    from processing import ffmpeg, ladder

    bare_dir = work / "bare"
    shutil.rmtree(bare_dir, ignore_errors=True)
    bare_dir.mkdir()
    cpu, started = children_cpu(), time.perf_counter()
    ffmpeg.run(ladder.transcode_argv(clip, bare_dir, info, outputs), timeout=3600 * 3)
    elapsed, cpu = time.perf_counter() - started, children_cpu() - cpu
    shutil.rmtree(bare_dir, ignore_errors=True)
    return elapsed, cpu


def time_per_rendition(clip: Path, work: Path, info: MediaInfo, outputs: list[Output]) -> float:
    """(c) one ffmpeg run per rendition, as MediaCMS and PeerTube do."""
    from processing import ffmpeg, ladder

    per_dir = work / "per"
    per_dir.mkdir()
    started = time.perf_counter()
    for output in outputs:
        ffmpeg.run(ladder.transcode_argv(clip, per_dir, info, [output]), timeout=3600 * 3)
    elapsed = time.perf_counter() - started
    shutil.rmtree(per_dir, ignore_errors=True)
    return elapsed


def process_tree(pid: int) -> list[psutil.Process]:
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


@contextmanager
def running_worker(log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A real worker started as production starts it (deploy/scripts/start.sh worker: the same
    rundramatiq options and broker polling), with one process and one thread, logging (JSON, at
    INFO as in production) into `log`. Stopped by killing its own process tree (it may be
    mid-encode when only time-to-playable is measured)."""
    env = {
        **os.environ,
        "PYTHON": sys.executable,
        "WORKER_PROCESSES": "1",
        "WORKER_THREADS": "1",
        "WORKER_METRICS_PORT": "0",
        "LOG_LEVEL": "INFO",
    }
    with open(log, "ab") as out:
        worker = subprocess.Popen(
            ["sh", "deploy/scripts/start.sh", "worker"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        time.sleep(3)  # let the worker boot before the clock starts
        yield worker
    finally:
        tree = process_tree(worker.pid)
        for proc in reversed(tree):
            with suppress(psutil.NoSuchProcess):
                proc.kill()
        worker.wait(timeout=30)


def tree_cpu(pid: int, *, children: bool = True) -> float:
    """CPU seconds of the worker's processes, with their children that ended (ffmpeg, ffprobe)
    unless `children` is false (then: the Python processes' own)."""
    total = 0.0
    for proc in process_tree(pid):
        try:
            times = proc.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
        if children:
            total += times.children_user + times.children_system
    return total


def python_rss(pid: int) -> int:
    """The largest RSS among the worker's process tree, ffmpeg children left out."""
    rss = 0
    for proc in process_tree(pid):
        try:
            if proc.name() != "ffmpeg":
                rss = max(rss, proc.memory_info().rss)
        except psutil.NoSuchProcess:
            pass
    return rss


@dataclass
class ServiceRun:
    seconds_to_ready: float | None
    seconds_to_playable: float | None
    peak_rss: int
    status: str
    cpu: float = 0.0
    cpu_to_playable: float | None = None  # the worker's CPU seconds until playable (load-proof)
    steps: dict[str, float] = field(default_factory=dict)  # seconds per pipeline step
    python_cpu: float = 0.0  # of `cpu`, the worker's Python (ffmpeg and ffprobe apart)


def step_seconds(log: Path) -> dict[str, float]:
    """The worker log's step timings (processing.metrics.timed_step) and its queue wait."""
    steps: dict[str, float] = {}
    for line in log.read_text(errors="replace").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if "queue_wait_seconds" in record:
            steps["queue wait"] = steps.get("queue wait", 0.0) + record["queue_wait_seconds"]
        elif record.get("message") == "step timed":
            name = record["step"]
            steps[name] = steps.get(name, 0.0) + record["seconds"]
    return steps


def watch(video_pk: Any, worker_pid: int, started: float, *, until_ready: bool) -> ServiceRun:
    """Poll the video until playable (and READY or FAILED when `until_ready`), sampling the
    worker's peak RSS. Playable: what the API's `playable` says (videos.models.Video)."""
    from videos.models import Video, VideoStatus

    peak_rss, playable_at, cpu_to_playable = 0, None, None
    cpu, python_cpu = tree_cpu(worker_pid), tree_cpu(worker_pid, children=False)
    while True:
        video = Video.objects.only("status", "hls_master").get(pk=video_pk)
        now = time.perf_counter() - started
        if playable_at is None and video.playable:
            playable_at, cpu_to_playable = now, tree_cpu(worker_pid) - cpu
            if not until_ready:
                return ServiceRun(None, playable_at, peak_rss, video.status, 0.0, cpu_to_playable)
        if video.status in (VideoStatus.READY, VideoStatus.FAILED):
            time.sleep(0.2)  # the worker reaps its last ffmpeg and acknowledges
            total = tree_cpu(worker_pid) - cpu
            run = ServiceRun(now, playable_at, peak_rss, video.status, total, cpu_to_playable)
            run.python_cpu = tree_cpu(worker_pid, children=False) - python_cpu
            return run
        if int(now * 20) % 4 == 0:  # RSS about 5 times a second
            peak_rss = max(peak_rss, python_rss(worker_pid))
        # fine-grained until playable, then lighter (a 0.2 s poll added 0.1 s to every ready on
        # average); the poll shares the cores it measures, one SQLite read each
        time.sleep(0.02 if playable_at is None else 0.05)


def run_service(clip: Path, work: Path, *, until_ready: bool = True) -> ServiceRun:
    """(a) the service through a real worker, from the ingest (the upload finished)."""
    from accounts.models import User
    from videos.models import Video, VideoStatus
    from videos.services import video_ingest

    owner = User.objects.get(username="bench")
    upload = Path(shutil.copy(clip, work / "upload.mp4"))  # the ingest moves it into storage
    log = work / "worker.log"
    log.unlink(missing_ok=True)
    with running_worker(log) as worker:
        started = time.perf_counter()
        video = video_ingest(
            owner=owner,
            title="bench",
            filename="clip.mp4",
            local_path=str(upload),
            size=clip.stat().st_size,
            sha256="",
        )
        ingest = time.perf_counter() - started
        result = watch(video.pk, worker.pid, started, until_ready=until_ready)
    if until_ready:
        assert result.status == VideoStatus.READY, Video.objects.get(pk=video.pk).status_message
    result.steps = {"ingest (this process)": ingest, **step_seconds(log)}
    return result


@dataclass
class SourceResult:
    name: str
    description: str
    seconds: int
    ladder: str
    bare: float
    bare_cpu: float
    service: ServiceRun
    per_rendition: float | None


def bench_source(
    name: str,
    description: str,
    make: Callable[[Path, int], Path],
    seconds: int,
    work: Path,
    *,
    per_rendition: bool,
) -> SourceResult:
    from processing import ffmpeg, ladder

    clip = make(work / f"{name}.mp4", seconds)
    info = ffmpeg.probe(clip)
    outputs = ladder.plan_outputs(info)
    bare, bare_cpu = time_bare_ffmpeg(clip, work, info, outputs)
    service = run_service(clip, work)
    per = time_per_rendition(clip, work, info, outputs) if per_rendition else None
    clip.unlink()
    text = ", ".join(f"{o.rung.quality} {o.width}x{o.height}@{o.fps:g}" for o in outputs)
    return SourceResult(name, description, seconds, text, bare, bare_cpu, service, per)


def print_source(result: SourceResult) -> None:
    service = result.service
    ready = service.seconds_to_ready or 0.0
    print(f"{result.name}: {result.seconds} s {result.description} -> {result.ladder}")
    cpu = service.cpu
    bare, bare_cpu = result.bare, result.bare_cpu
    print(f"  (b) one bare ffmpeg, same ladder : {bare:7.2f} s wall, {bare_cpu:7.2f} s CPU")
    print(
        f"  (a) service, enqueue -> ready    : {ready:7.2f} s wall, {cpu:7.2f} s CPU"
        f" ({service.python_cpu:.2f} s of it the worker's Python)"
    )
    print(
        f"      a/b = {ready / result.bare:.2f}x wall, {cpu / max(result.bare_cpu, 1e-3):.2f}x CPU"
        " (goal <= 1.10)"
    )
    if result.per_rendition is not None:
        print(f"  (c) one ffmpeg per rendition     : {result.per_rendition:7.2f} s")
    print(
        f"  upload finished -> playable      : {service.seconds_to_playable or 0:7.2f} s wall,"
        f" {service.cpu_to_playable or 0:7.2f} s CPU"
    )
    print(f"  worker peak RSS (python, not ffmpeg): {service.peak_rss / 1024**2:.0f} MiB")
    if service.steps:
        steps = ", ".join(f"{name} {seconds:.2f}" for name, seconds in service.steps.items())
        rest = ready - sum(service.steps.values())
        print(f"  steps (s): {steps}; the rest (between steps, polls) {rest:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=30, help="testsrc2 1080p30 clip")
    parser.add_argument("--phone-seconds", type=int, default=20)
    parser.add_argument("--uhd-seconds", type=int, default=10)
    parser.add_argument("--long-seconds", type=int, default=600, help="0: skip")
    parser.add_argument("--sources", default="testsrc2,phone,uhd-hevc")
    parser.add_argument("--per-rendition", action="store_true")
    args = parser.parse_args()
    wanted = args.sources.split(",")
    with workdir("bench-transcode-") as work:
        setup_django(work)
        from django.core.management import call_command

        from accounts.models import Role
        from accounts.services import user_create

        call_command("migrate", verbosity=0)
        user_create(username="bench", password="bench-pass-123!", role=Role.COACH)
        sources: list[tuple[str, str, Callable[[Path, int], Path], int]] = [
            ("testsrc2", "1080p30 H.264 testsrc2", make_source_clip, args.seconds),
            (
                "phone",
                "1080p60 H.264 ~20 Mbit/s, noise + motion",
                make_phone_clip,
                args.phone_seconds,
            ),
        ]
        if has_libx265():
            sources.append(
                (
                    "uhd-hevc",
                    "2160p30 HEVC ~40 Mbit/s, noise + motion",
                    make_uhd_hevc_clip,
                    args.uhd_seconds,
                )
            )
        elif "uhd-hevc" in wanted:
            print("uhd-hevc: skipped, this ffmpeg has no libx265 encoder")
        for name, description, make, seconds in sources:
            if name in wanted:
                result = bench_source(
                    name, description, make, seconds, work, per_rendition=args.per_rendition
                )
                print_source(result)
                sys.stdout.flush()
        if args.long_seconds:
            clip = make_long_clip(work / "long.mp4", args.long_seconds, work)
            run = run_service(clip, work, until_ready=False)
            size = clip.stat().st_size / 1024**2
            print(
                f"long clip: {args.long_seconds} s 1080p30 H.264 ({size:.0f} MiB)"
                f" upload finished -> playable: {run.seconds_to_playable or 0:.2f} s wall,"
                f" {run.cpu_to_playable or 0:.2f} s CPU"
            )


if __name__ == "__main__":
    main()
