"""Thin Dramatiq actors: take ids, hand over to the pipeline."""

import dramatiq

from processing import export, pipeline, voice_over

PROCESSING_QUEUE = "processing"
QUEUES = [PROCESSING_QUEUE]


def _transient(retries_so_far: int, exception: Exception) -> bool:
    """Only storage and scanner trouble is retried; bad media is terminal."""
    return isinstance(exception, pipeline.TransientError) and retries_so_far < 10


@dramatiq.actor(
    queue_name=PROCESSING_QUEUE,
    retry_when=_transient,
    min_backoff=5_000,
    max_backoff=300_000,
    time_limit=6 * 3600 * 1000,
)
def process_video(video_id: str) -> None:
    pipeline.process_video(video_id=video_id)


@dramatiq.actor(
    queue_name=PROCESSING_QUEUE,
    retry_when=_transient,
    min_backoff=2_000,
    max_backoff=60_000,
    time_limit=15 * 60 * 1000,
)
def process_voice_over(annotation_id: str) -> None:
    voice_over.process_voice_over(annotation_id=annotation_id)


@dramatiq.actor(
    queue_name=PROCESSING_QUEUE,
    retry_when=_transient,
    min_backoff=5_000,
    max_backoff=300_000,
    time_limit=6 * 3600 * 1000,
)
def export_video(job_id: str) -> None:
    export.run_export(job_id=job_id)
