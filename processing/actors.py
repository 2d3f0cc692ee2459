"""Thin Dramatiq actors: take ids, hand over to the pipeline."""

import dramatiq

from processing import pipeline


@dramatiq.actor(queue_name="processing", max_retries=0, time_limit=6 * 3600 * 1000)
def process_video(video_id: str) -> None:
    pipeline.process_video(video_id=video_id)
