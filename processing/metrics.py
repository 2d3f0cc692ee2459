"""Processing metrics. Labels are bounded (steps, qualities, error codes): never a video id.

Counters and histograms live in the worker process that does the work; the gauges that describe
shared state (jobs in progress, queue depth) are read from the database and Redis at scrape time,
so any process can serve them.
"""

import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from processing.broker import queue_depths
from processing.models import JobState, ProcessingJob

logger = logging.getLogger(__name__)

STEP_DURATION = Histogram(
    "processing_step_duration_seconds",
    "Duration of each pipeline step.",
    ["step"],
    buckets=(0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600),
)
RENDITION_SECONDS = Histogram(
    "processing_transcode_media_seconds",
    "Seconds of media transcoded per rendition (one decode makes them all).",
    ["quality"],
    buckets=(1, 5, 15, 30, 60, 300, 900, 1800, 3600, 7200),
)
REALTIME_FACTOR = Histogram(
    "processing_transcode_realtime_factor",
    "Media seconds transcoded per wall-clock second (higher is faster).",
    buckets=(0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32),
)
FAILURES = Counter("processing_failures_total", "Failed processing jobs, by error code.", ["code"])
QUEUE_WAIT = Histogram(
    "processing_queue_wait_seconds",
    "From a message's enqueue (or its retry's due time) until a worker took it.",
    ["queue"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800),
)


@contextmanager
def timed_step(step: str) -> Iterator[None]:
    """The step's duration into the histogram and into the job's log ("step timed", with
    `seconds`): where a job's wall time went, step by step (the transcode benchmark reads it)."""
    started = time.perf_counter()
    try:
        yield
    finally:
        seconds = time.perf_counter() - started
        STEP_DURATION.labels(step=step).observe(seconds)
        logger.info("step timed", extra={"step": step, "seconds": round(seconds, 3)})


class SharedStateCollector(Collector):
    """Jobs in progress (database) and queue depth (Redis), read when scraped."""

    def describe(self) -> Iterator[GaugeMetricFamily]:
        # Registration asks for names only: no database or Redis at import time.
        yield GaugeMetricFamily("processing_jobs_in_progress", "", labels=["state"])
        yield GaugeMetricFamily("processing_queue_depth_messages", "", labels=["queue"])
        yield GaugeMetricFamily("processing_queue_oldest_message_age_seconds", "", labels=["queue"])

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            yield from self._collect()
        except Exception:  # a scrape must not fail because the database or Redis is down
            logger.warning("shared-state metrics unavailable", exc_info=True)

    def _collect(self) -> Iterator[GaugeMetricFamily]:
        # Imported here: the actors import the pipeline, which imports this module.
        from processing.actors import QUEUES

        jobs = GaugeMetricFamily(
            "processing_jobs_in_progress", "Processing jobs by state.", labels=["state"]
        )
        for state in (JobState.QUEUED, JobState.RUNNING):
            jobs.add_metric([state.value], ProcessingJob.objects.filter(state=state).count())
        yield jobs
        depth = GaugeMetricFamily(
            "processing_queue_depth_messages", "Messages waiting in the broker.", labels=["queue"]
        )
        oldest = GaugeMetricFamily(
            "processing_queue_oldest_message_age_seconds",
            "Age of the oldest message waiting in the broker (0 when the queue is empty).",
            labels=["queue"],
        )
        for queue, messages in queue_depths(QUEUES).items():
            depth.add_metric([queue], messages)
        broker = dramatiq.get_broker()
        if isinstance(broker, RedisBroker):  # RabbitMQ tells no ages (without its HTTP API)
            for queue in QUEUES:
                oldest.add_metric(
                    [queue], _oldest_age(broker.client, f"{broker.namespace}:{queue}")
                )
        yield depth
        yield oldest


def _oldest_age(client: Any, key: str) -> float:
    """Messages wait in a list of ids (oldest first) with their bodies in a hash."""
    ages = []
    for message_id in client.lrange(key, 0, 0) + client.lrange(key, -1, -1):
        body = client.hget(f"{key}.msgs", message_id)
        if not body:
            continue
        try:
            sent = json.loads(body)["message_timestamp"] / 1000
        except (ValueError, KeyError, TypeError):
            continue
        ages.append(max(0.0, time.time() - sent))
    return max(ages, default=0.0)
