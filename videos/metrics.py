"""Upload and storage metrics (Prometheus). Labels are bounded: never a video id or a user."""

import time
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import Counter, Histogram

UPLOADED_BYTES = Counter("video_upload_bytes_total", "Bytes of completed uploads.", ["method"])
UPLOAD_DURATION = Histogram(
    "video_upload_duration_seconds",
    "Time from the first byte of an upload request to its stored video.",
    ["method"],
    buckets=(0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800),
)
UPLOAD_FAILURES = Counter(
    "video_upload_failures_total", "Refused or failed uploads, by error code.", ["method", "code"]
)
STORAGE_DURATION = Histogram(
    "video_storage_operation_duration_seconds",
    "Duration of storage operations, by operation and outcome (ok or error).",
    ["operation", "outcome"],
    buckets=(0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 120),
)
MEDIA_RESPONSE = Histogram(
    "video_media_response_duration_seconds",
    "Time to answer a signed media request (before the body streams), by kind of file.",
    ["kind"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
MEDIA_KINDS = {"original", "renditions", "hls", "poster.jpg", "storyboard", "exports"}


def media_kind(key: str) -> str:
    """A bounded label from a storage key like videos/<id>/renditions/hd.mp4."""
    parts = key.split("/")
    if parts[0] == "annotations":
        return "voice_over"
    kind = parts[2] if len(parts) > 2 else ""
    return kind.removesuffix(".jpg") if kind in MEDIA_KINDS else "other"


@contextmanager
def timed_storage(operation: str) -> Iterator[None]:
    started = time.perf_counter()
    outcome = "error"
    try:
        yield
        outcome = "ok"
    finally:
        STORAGE_DURATION.labels(operation=operation, outcome=outcome).observe(
            time.perf_counter() - started
        )
