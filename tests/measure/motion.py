"""Clips with known motion for the tracker: textured discs over a moving, noisy background.

The truth is exact: each disc is drawn at its sub-pixel position (a sprite shifted by warpAffine),
so a tracker's error is its own, not the drawing's. Used by tests/measure and by
tests/bench/bench_tracking.py; encoded with ffmpeg (H.264, as uploads are).
"""

import math
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

Path2D = Callable[[float], tuple[float, float]]  # t (s) -> centre (x, y), pixels


@dataclass(frozen=True)
class Motion:
    """Where each disc's centre is at time t, in pixels of a width x height picture."""

    width: int
    height: int
    fps: int
    seconds: float
    paths: list[Path2D]
    radius: float

    def frames(self) -> int:
        return round(self.seconds * self.fps)

    def truth(self, index: int) -> list[tuple[float, float]]:
        return [path(index / self.fps) for path in self.paths]


def parabola(width: int, height: int, seconds: float) -> Path2D:
    """Thrown across the picture: left to right, up then down, inside the frame for `seconds`."""

    def at(t: float) -> tuple[float, float]:
        u = t / seconds
        return width * (0.15 + 0.7 * u), height * (0.75 - 2.0 * u + 2.0 * u * u)

    return at


def angle_paths(width: int, height: int, seconds: float) -> list[Path2D]:
    """Three points whose angle opens and closes (a knee): an arm end, a drifting vertex and an
    arm end swinging around it."""

    def vertex(t: float) -> tuple[float, float]:
        return width * (0.55 + 0.05 * t / seconds), height * 0.55

    def first_arm(t: float) -> tuple[float, float]:
        vx, vy = vertex(t)
        return vx - 0.22 * height, vy - 0.22 * height

    def second_arm(t: float) -> tuple[float, float]:
        vx, vy = vertex(t)
        theta = math.radians(30 + 60 * math.sin(math.pi * t / seconds))
        reach = 0.25 * height
        return vx + reach * math.cos(theta), vy + reach * math.sin(theta)

    return [first_arm, vertex, second_arm]


def true_angle(points: list[tuple[float, float]]) -> float:
    (ax, ay), (bx, by), (cx, cy) = points
    v1, v2 = (ax - bx, ay - by), (cx - bx, cy - by)
    cosine = (v1[0] * v2[0] + v1[1] * v2[1]) / (math.hypot(*v1) * math.hypot(*v2))
    return math.degrees(math.acos(max(-1.0, min(1.0, cosine))))


def _texture(rng: np.random.Generator, height: int, width: int, sigma: float) -> np.ndarray:
    noise = rng.normal(0, 1, (height, width)).astype(np.float32)
    smooth = cv2.GaussianBlur(noise, (0, 0), sigma)
    smooth = (smooth - smooth.mean()) / (smooth.std() + 1e-6)
    return smooth


def write_clip(path: Path, motion: Motion, *, seed: int = 7, noise: float = 4.0) -> Path:
    """Render `motion` and encode it as H.264 MP4 at `path`."""
    rng = np.random.default_rng(seed)
    w, h = motion.width, motion.height
    pan = round(0.2 * w)
    background = 110 + 30 * _texture(rng, h + pan, w + pan, sigma=max(2.0, h / 180))
    side = math.ceil(motion.radius) * 2 + 5
    sprites = []
    for _ in motion.paths:
        texture = 128 + 60 * _texture(rng, side, side, sigma=max(1.2, h / 400))
        mask = np.zeros((side, side), np.float32)
        centre = (side - 1) / 2
        yy, xx = np.mgrid[0:side, 0:side]
        distance = np.hypot(xx - centre, yy - centre)
        mask = np.clip(motion.radius + 0.5 - distance, 0, 1).astype(np.float32)
        sprites.append((texture.astype(np.float32), mask))
    argv = [
        *("ffmpeg", "-hide_banner", "-v", "error", "-nostdin", "-y"),
        *("-f", "rawvideo", "-pix_fmt", "gray", "-s", f"{w}x{h}", "-r", str(motion.fps)),
        *("-i", "pipe:0", "-c:v", "libx264", "-preset", "ultrafast", "-crf", "18"),
        *("-pix_fmt", "yuv420p", str(path)),
    ]
    encoder = subprocess.Popen(argv, stdin=subprocess.PIPE)
    try:
        for index in range(motion.frames()):
            t = index / motion.fps
            # The background pans diagonally (the camera follows the athlete, badly).
            ox, oy = int(pan * t / max(motion.seconds, 1e-6)), int(pan * 0.5 * t / motion.seconds)
            frame = background[oy : oy + h, ox : ox + w].copy()
            for (texture, mask), (x, y) in zip(sprites, motion.truth(index), strict=True):
                _paste(frame, texture, mask, x, y)
            frame += rng.normal(0, noise, frame.shape).astype(np.float32)
            encoder.stdin.write(np.clip(frame, 0, 255).astype(np.uint8).tobytes())  # type: ignore[union-attr]
    finally:
        encoder.stdin.close()  # type: ignore[union-attr]
        encoder.wait(timeout=600)
    if encoder.returncode != 0:
        raise RuntimeError(f"ffmpeg failed with {encoder.returncode}")
    return path


def _paste(frame: np.ndarray, texture: np.ndarray, mask: np.ndarray, x: float, y: float) -> None:
    """Blend the sprite with its centre at (x, y), sub-pixel (shifted by warpAffine)."""
    side = texture.shape[0]
    centre = (side - 1) / 2
    left, top = math.floor(x - centre), math.floor(y - centre)
    shift = np.array([[1, 0, x - centre - left], [0, 1, y - centre - top]], dtype=np.float32)
    moved = cv2.warpAffine(texture, shift, (side, side), flags=cv2.INTER_LINEAR)
    alpha = cv2.warpAffine(mask, shift, (side, side), flags=cv2.INTER_LINEAR)
    height, width = frame.shape
    x0, y0 = max(0, left), max(0, top)
    x1, y1 = min(width, left + side), min(height, top + side)
    if x0 >= x1 or y0 >= y1:
        return  # entirely outside the picture
    region = frame[y0:y1, x0:x1]
    sx, sy = x0 - left, y0 - top
    a = alpha[sy : sy + (y1 - y0), sx : sx + (x1 - x0)]
    region[:] = region * (1 - a) + moved[sy : sy + (y1 - y0), sx : sx + (x1 - x0)] * a
