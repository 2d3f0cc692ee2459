"""Tracking benchmark: accuracy and speed of processing.tracking on clips with known motion.

Generated clips (tests/measure/motion.py): a textured disc thrown on a parabola over a panning,
noisy background, at 30 and 60 fps, 720p and 1080p, 5 s each; three discs whose angle opens and
closes (a knee). Reports, against the exact truth:
  - mean and max tracking error in pixels of the clip, and whether the point was lost;
  - the angle error of three tracked points, in degrees;
  - speed: tracking one point over 10 s of 1080p60, in frames per CPU-second of one core (this
    process plus its ffmpeg, decoding with one thread) and as a multiple of real time, both on
    the 720p60 rendition the service tracks (made with the ladder's `sd` settings) and straight
    on the 1080p source.
Goals (issue 19): mean < 2 px, no loss over 5 s, angle mean < 2 degrees, >= 4x real time.
Run: python -m tests.bench.bench_tracking [--seconds 10]
"""

from __future__ import annotations

import argparse
import math
import resource
import subprocess
import time
from pathlib import Path

import numpy as np

from tests.bench.common import setup_django, workdir
from tests.measure.motion import Motion, angle_paths, parabola, true_angle, write_clip

SIZES = {"720p": (1280, 720), "1080p": (1920, 1080)}


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def track(path: Path, motion: Motion) -> dict[str, float | bool | int]:
    """Track the clip's discs from their true start; errors in the clip's own pixels."""
    from processing import ffmpeg
    from processing.tracking import FrameSource, decode_gray, track_points

    info = ffmpeg.probe(path)
    source = FrameSource(path, info.width, info.height, info.fps)
    w, h = motion.width, motion.height
    start = [[x / w, y / h] for x, y in motion.truth(0)]
    errors, angles, tracked, lost = [], [], 0, False
    cpu, wall = cpu_seconds(), time.perf_counter()
    for index, found in track_points(decode_gray(source, start=0, frames=motion.frames()), start):
        if found is None:
            lost = True
            break
        truth = motion.truth(index)
        pixels = [(float(x) * w, float(y) * h) for x, y in found]
        errors += [
            math.hypot(px - tx, py - ty) for (px, py), (tx, ty) in zip(pixels, truth, strict=True)
        ]
        if len(pixels) == 3:
            angles.append(abs(true_angle(pixels) - true_angle(truth)))
        tracked += 1
    cpu, wall = cpu_seconds() - cpu, time.perf_counter() - wall
    return {
        "frames": tracked,
        "lost": lost,
        "mean_px": float(np.mean(errors)),
        "max_px": float(np.max(errors)),
        "angle_mean": float(np.mean(angles)) if angles else math.nan,
        "angle_max": float(np.max(angles)) if angles else math.nan,
        "fps_cpu": tracked / max(cpu, 1e-9),
        "fps_wall": tracked / max(wall, 1e-9),
    }


def rendition_720p(source: Path, target: Path, fps: int) -> Path:
    """The service's `sd` rung: 720p, the ladder's encoder settings (veryfast, High, 3 Mb/s)."""
    subprocess.run(
        [
            *("ffmpeg", "-hide_banner", "-v", "error", "-nostdin", "-y", "-i", str(source)),
            *("-vf", "scale=1280:720:flags=bicubic", "-c:v", "libx264", "-preset", "veryfast"),
            *("-profile:v", "high", "-b:v", "3000k", "-maxrate", "3000k", "-bufsize", "6000k"),
            *("-g", str(2 * fps), "-pix_fmt", "yuv420p", str(target)),
        ],
        check=True,
        timeout=1200,
    )
    return target


def line(name: str, result: dict[str, float | bool | int], fps: int) -> str:
    return (
        f"{name:<34} frames {result['frames']:>4}  lost {'YES' if result['lost'] else 'no ':<3}  "
        f"mean {result['mean_px']:.2f} px  max {result['max_px']:.2f} px  "
        f"{result['fps_cpu']:.0f} frames/CPU-s ({result['fps_cpu'] / fps:.1f}x real time)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the speed clip")
    args = parser.parse_args()
    with workdir("bench-tracking-") as work:
        setup_django(work)
        print("accuracy: a disc thrown on a parabola, 5 s, over a panning noisy background")
        for size, (w, h) in SIZES.items():
            for fps in (30, 60):
                motion = Motion(w, h, fps, 5.0, [parabola(w, h, 5.0)], radius=0.06 * h)
                clip = write_clip(work / f"thrown-{size}-{fps}.mp4", motion)
                print(line(f"  {size}{fps}", track(clip, motion), fps))
                clip.unlink()
        print("angle of three tracked points (a knee opening and closing), 5 s")
        for size in ("720p", "1080p"):
            w, h = SIZES[size]
            motion = Motion(w, h, 30, 5.0, angle_paths(w, h, 5.0), radius=0.045 * h)
            result = track(write_clip(work / f"knee-{size}.mp4", motion), motion)
            print(
                f"  {size}30 angle mean {result['angle_mean']:.2f} deg, max "
                f"{result['angle_max']:.2f} deg; points mean {result['mean_px']:.2f} px, "
                f"lost {'YES' if result['lost'] else 'no'}"
            )
        print(f"speed: one point over {args.seconds:g} s of 1080p60, one core")
        w, h = SIZES["1080p"]
        motion = Motion(w, h, 60, args.seconds, [parabola(w, h, args.seconds)], radius=0.06 * h)
        source = write_clip(work / "speed-1080p60.mp4", motion)
        rendition = rendition_720p(source, work / "speed-720p60.mp4", 60)
        print(line("  its 720p60 rendition (the service)", track(rendition, motion), 60))
        print(line("  the 1080p60 source itself", track(source, motion), 60))


if __name__ == "__main__":
    main()
