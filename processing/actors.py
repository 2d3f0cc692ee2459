"""Thin Dramatiq actors: take ids, hand over to the pipeline, an export or a voice-over."""

from collections.abc import Callable
from typing import Any

import dramatiq

from processing import compare_export, export, pipeline, tracking, voice_over
from processing.jobs import TransientError

PROCESSING_QUEUE = "processing"
QUEUES = [PROCESSING_QUEUE]
HOUR_MS = 3600 * 1000


def _transient(retries_so_far: int, exception: Exception) -> bool:
    """Only storage and scanner trouble is retried; bad media is terminal."""
    return isinstance(exception, TransientError) and retries_so_far < 10


def job_actor(*, min_backoff: int, max_backoff: int, time_limit: int) -> Callable[[Any], Any]:
    """A processing actor: on the processing queue, retried only on transient trouble."""
    return dramatiq.actor(
        queue_name=PROCESSING_QUEUE,
        retry_when=_transient,
        min_backoff=min_backoff,
        max_backoff=max_backoff,
        time_limit=time_limit,
    )


@job_actor(min_backoff=5_000, max_backoff=300_000, time_limit=6 * HOUR_MS)
def process_video(video_id: str) -> None:
    pipeline.process_video(video_id=video_id)


@job_actor(min_backoff=2_000, max_backoff=60_000, time_limit=15 * 60 * 1000)
def process_voice_over(annotation_id: str) -> None:
    voice_over.process_voice_over(annotation_id=annotation_id)


@job_actor(min_backoff=5_000, max_backoff=300_000, time_limit=6 * HOUR_MS)
def export_video(job_id: str) -> None:
    export.run_export(job_id=job_id)


@job_actor(min_backoff=5_000, max_backoff=300_000, time_limit=6 * HOUR_MS)
def export_comparison(job_id: str) -> None:
    compare_export.run_compare_export(job_id=job_id)


@job_actor(min_backoff=2_000, max_backoff=60_000, time_limit=30 * 60 * 1000)
def track_annotation(annotation_id: str) -> None:
    tracking.run_tracking(annotation_id=annotation_id)
