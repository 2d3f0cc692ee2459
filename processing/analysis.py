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
