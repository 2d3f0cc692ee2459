"""Pictures from the transcode's own decode (never a second pass over the file): poster candidates
picked with OpenCV, and the motion-energy timeline with scene cuts.

Both are extra outputs of the ladder's ffmpeg graph (`poster_output`, `GrayFrames.output`):
poster candidates are a dozen small JPEGs; the motion frames are tiny gray pictures streamed
through a named pipe to a reader thread while the renditions encode, so nothing is decoded twice
and nothing large lands on disk.
"""

import os
import threading
from pathlib import Path
from typing import Any

import cv2
import numpy as np

POSTER_CANDIDATES = 12
DARK_MEAN = 20.0
MOTION_BIN_SECONDS = 0.5
ANALYSIS_WIDTH = 96
ANALYSIS_MAX_FPS = 30.0


# --- Poster --------------------------------------------------------------------------------------


def poster_output(video: Any, folder: Path, *, duration: float, width: int, height: int) -> Any:
    """A dozen frames spread over the video (the middles of twelve equal parts), as JPEGs."""
    step = max(duration, 0.001) / POSTER_CANDIDATES
    picked = video.filter(
        "select",
        f"gte(t,{step / 2:.3f})*(isnan(prev_selected_t)+gte(t-prev_selected_t,{step:.3f}))",
    ).filter("scale", width, height)
    return picked.output(
        str(folder / "poster-%02d.jpg"),
        **{"frames:v": POSTER_CANDIDATES, "fps_mode": "vfr", "q:v": 2},
    )


def choose_poster(folder: Path) -> bytes | None:
    """The sharpest non-dark candidate (Laplacian variance), else the first, as JPEG bytes."""
    best: tuple[float, Path] | None = None
    candidates = sorted(folder.glob("poster-*.jpg"))
    for path in candidates:
        frame = cv2.imread(str(path))
        if frame is None:
            continue
        gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        if float(gray.mean()) < DARK_MEAN:
            continue
        sharpness = float(cv2.Laplacian(gray, cv2.CV_64F).var())
        if best is None or sharpness > best[0]:
            best = (sharpness, path)
    chosen = best[1] if best else (candidates[0] if candidates else None)
    return chosen.read_bytes() if chosen else None


# --- Motion --------------------------------------------------------------------------------------


class GrayFrames:
    """Small gray frames of the decode, read from a named pipe while ffmpeg writes them, turned
    into motion energy per 0.5 s (mean absolute difference of consecutive frames, 0..1)."""

    def __init__(self, folder: Path, *, width: int, height: int, fps: float, duration: float):
        self.width = ANALYSIS_WIDTH
        self.height = max(2, round(ANALYSIS_WIDTH * height / max(width, 1) / 2) * 2)
        self.fps = min(fps or ANALYSIS_MAX_FPS, ANALYSIS_MAX_FPS)
        self.bins = max(1, int(np.ceil(duration / MOTION_BIN_SECONDS)))
        self.pipe = folder / "motion.gray"
        os.mkfifo(self.pipe, 0o600)
        self.energy, self.counts = np.zeros(self.bins), np.zeros(self.bins)
        self.diffs: list[tuple[float, float]] = []
        self.thread = threading.Thread(target=self._read, name="motion-frames", daemon=True)

    def output(self, video: Any) -> Any:
        small = video.filter("fps", self.fps).filter("scale", self.width, self.height)
        return small.filter("format", "gray").output(str(self.pipe), format="rawvideo")

    def __enter__(self) -> "GrayFrames":
        # Our own write end keeps the reader from seeing end-of-file before ffmpeg opens the
        # pipe (or if it never does); closing it after ffmpeg exited ends the reader.
        self.read_fd = os.open(self.pipe, os.O_RDONLY | os.O_NONBLOCK)
        self.keep_open = os.open(self.pipe, os.O_WRONLY)
        os.set_blocking(self.read_fd, True)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        os.close(self.keep_open)
        self.thread.join(timeout=60)

    def _read(self) -> None:
        size = self.width * self.height
        previous: np.ndarray | None = None
        index = 0
        with open(self.read_fd, "rb", buffering=0) as pipe:
            while frame := _read_exactly(pipe, size):
                current = np.frombuffer(frame, dtype=np.uint8)
                if previous is not None:
                    at = index / self.fps
                    diff = float(np.abs(current.astype(np.int16) - previous).mean()) / 255.0
                    slot = min(self.bins - 1, int(at / MOTION_BIN_SECONDS))
                    self.energy[slot] += diff
                    self.counts[slot] += 1
                    self.diffs.append((at, diff))
                previous, index = current, index + 1

    def result(self) -> dict[str, Any]:
        motion = np.divide(self.energy, self.counts, out=np.zeros(self.bins), where=self.counts > 0)
        return {
            "interval": MOTION_BIN_SECONDS,
            "motion": [round(float(value), 4) for value in motion],
            "scene_cuts": scene_cuts(self.diffs),
        }


def _read_exactly(pipe: Any, size: int) -> bytes:
    """One whole frame, or b"" at the end (a partial last frame is dropped)."""
    chunks, missing = [], size
    while missing:
        chunk = pipe.read(missing)
        if not chunk:
            return b""
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)


def scene_cuts(
    diffs: list[tuple[float, float]], *, floor: float = 0.12, ratio: float = 4.0
) -> list[float]:
    """Times where the picture changes abruptly: well above a floor and its local median."""
    values = np.array([diff for _, diff in diffs]) if diffs else np.zeros(0)
    cuts: list[float] = []
    for position, (at, diff) in enumerate(diffs):
        window = values[max(0, position - 15) : position + 16]
        abrupt = diff >= floor and diff >= ratio * max(float(np.median(window)), 0.005)
        if abrupt and (not cuts or at - cuts[-1] > 0.5):
            cuts.append(round(at, 3))
    return cuts
