"""OpenCV work on our own outputs (never on raw uploads): the poster frame."""

from pathlib import Path

import cv2
import numpy as np

POSTER_CANDIDATES = 12
DARK_MEAN = 20.0


def choose_poster(video_path: Path, duration: float) -> bytes | None:
    """The sharpest non-dark frame of a dozen spread over the video, as JPEG bytes."""
    capture = cv2.VideoCapture(str(video_path))
    best: tuple[float, np.ndarray] | None = None
    fallback: np.ndarray | None = None
    try:
        for index in range(POSTER_CANDIDATES):
            at = duration * (index + 0.5) / POSTER_CANDIDATES
            capture.set(cv2.CAP_PROP_POS_MSEC, at * 1000)
            ok, frame = capture.read()
            if not ok:
                continue
            fallback = frame if fallback is None else fallback
            gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
            if float(gray.mean()) < DARK_MEAN:
                continue
            sharpness = float(cv2.Laplacian(gray, cv2.CV_64F).var())
            if best is None or sharpness > best[0]:
                best = (sharpness, frame)
    finally:
        capture.release()
    chosen = best[1] if best else fallback
    if chosen is None:
        return None
    ok, encoded = cv2.imencode(".jpg", chosen, [cv2.IMWRITE_JPEG_QUALITY, 85])
    return encoded.tobytes() if ok else None


MOTION_BIN_SECONDS = 0.5
ANALYSIS_WIDTH = 96


def motion_analysis(video_path: Path, fps: float, duration: float) -> dict:
    """A motion-energy value per 0.5 s (mean absolute difference of consecutive small gray
    frames, 0..1) and scene-cut timestamps (frames far more different than their neighbours)."""
    capture = cv2.VideoCapture(str(video_path))
    bins = max(1, int(np.ceil(duration / MOTION_BIN_SECONDS)))
    energy = np.zeros(bins)
    counts = np.zeros(bins)
    diffs: list[tuple[float, float]] = []
    previous = None
    index = 0
    try:
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            at = index / fps if fps else capture.get(cv2.CAP_PROP_POS_MSEC) / 1000
            index += 1
            height = max(1, round(frame.shape[0] * ANALYSIS_WIDTH / frame.shape[1]))
            small = cv2.cvtColor(cv2.resize(frame, (ANALYSIS_WIDTH, height)), cv2.COLOR_BGR2GRAY)
            if previous is not None:
                diff = float(cv2.absdiff(small, previous).mean()) / 255.0
                slot = min(bins - 1, int(at / MOTION_BIN_SECONDS))
                energy[slot] += diff
                counts[slot] += 1
                diffs.append((at, diff))
            previous = small
    finally:
        capture.release()
    motion = np.divide(energy, counts, out=np.zeros(bins), where=counts > 0)
    return {
        "interval": MOTION_BIN_SECONDS,
        "motion": [round(float(value), 4) for value in motion],
        "scene_cuts": scene_cuts(diffs),
    }


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
