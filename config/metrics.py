"""Prometheus exposition for every process kind, and the metrics that belong to no app.

Several processes: with PROMETHEUS_MULTIPROC_DIR set (make run, compose, k8s), each web or
worker process writes its counters and histograms to files there and an exposition aggregates
them: the web's /metrics for the web processes, `manage.py worker_metrics` (loopback or a pod
port) for the worker processes of its host or pod. State shared by everyone (jobs in progress,
queue depth and age, clamd's signature age, free disk) is read at scrape time by the web's
/metrics only, so it is never counted twice.
"""

import contextlib
import logging
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime

from django.conf import settings
from prometheus_client import REGISTRY, CollectorRegistry, Counter
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from config.env import env

logger = logging.getLogger(__name__)

API_ERRORS = Counter(
    "api_error_responses_total",
    "API error responses by error code and HTTP status (codes are the API's own, a fixed set).",
    ["code", "status"],
)
READINESS_FAILURES = Counter(
    "readiness_check_failures_total",
    "Failed /ready checks, by dependency (database, redis, storage, broker).",
    ["check"],
)
CACHE_HITS = Counter(
    "app_cache_hits_total",
    "Reads served from the Redis cache, by cache (config/caching.py names them).",
    ["cache"],
)
CACHE_MISSES = Counter(
    "app_cache_misses_total",
    "Reads the Redis cache could not serve (absent, or Redis unavailable), by cache.",
    ["cache"],
)
_CODE = re.compile(r"^[a-z_]{1,40}\Z")


def count_api_error(code: str, status: int) -> None:
    API_ERRORS.labels(code=code if _CODE.match(code or "") else "other", status=str(status)).inc()


def multiprocess_dir() -> str | None:
    # prometheus_client reads the same variable from os.environ, where config.env also puts
    # a .env file's values, so both always agree.
    return env("PROMETHEUS_MULTIPROC_DIR", default="") or None


def process_registry() -> CollectorRegistry:
    """The metrics of this process kind: all its processes' files, or this process alone."""
    if multiprocess_dir():
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


def web_registry() -> CollectorRegistry:
    registry = process_registry()
    if registry is not REGISTRY:  # in single-process mode these are registered on REGISTRY
        for collector in scrape_time_collectors():
            registry.register(collector)
    return registry


def scrape_time_collectors() -> list[Collector]:
    from processing.metrics import SharedStateCollector

    return [SharedStateCollector(), HostStateCollector()]


class HostStateCollector(Collector):
    """Free disk where media and temporary files live, and the age of clamd's signatures."""

    _clamd_cache: tuple[float, float | None] = (0.0, None)

    def describe(self) -> Iterator[GaugeMetricFamily]:
        yield GaugeMetricFamily("storage_volume_free_bytes", "", labels=["volume"])
        yield GaugeMetricFamily("clamav_signatures_age_seconds", "")

    def collect(self) -> Iterator[GaugeMetricFamily]:
        free = GaugeMetricFamily(
            "storage_volume_free_bytes",
            "Free bytes on the volumes holding media (local storage) and temporary files.",
            labels=["volume"],
        )
        volumes = {"temp": settings.FILE_UPLOAD_TEMP_DIR or tempfile.gettempdir()}
        if not getattr(settings, "AWS_STORAGE_BUCKET_NAME", ""):
            volumes["media"] = str(settings.MEDIA_ROOT)
        for name, path in volumes.items():
            try:
                free.add_metric([name], shutil.disk_usage(path).free)
            except OSError:
                continue
        yield free
        age = self._signature_age()
        if age is not None:
            gauge = GaugeMetricFamily(
                "clamav_signatures_age_seconds",
                "Seconds since clamd's signature database was built (freshclam keeps it young).",
            )
            gauge.add_metric([], age)
            yield gauge

    def _signature_age(self) -> float | None:
        """clamd's VERSION answer ends with the database's date; asked at most once a minute."""
        checked, built = HostStateCollector._clamd_cache
        if time.monotonic() - checked > 60:
            built = clamd_signature_time()
            HostStateCollector._clamd_cache = (time.monotonic(), built)
        return None if built is None else max(0.0, time.time() - built)


def clamd_signature_time(timeout: float = 2) -> float | None:
    # Imported here: processing.clamav reads videos.models, and this module is imported before
    # the app registry is ready (the worker's Dramatiq middleware loads with the settings).
    from processing import clamav

    reply = clamav.version(timeout=timeout)
    if reply is None:
        return None
    # "ClamAV 1.0.9/27469/Mon Nov 23 09:26:03 2026"
    parts = reply.strip().split("/")
    if len(parts) < 3:
        return None
    try:
        # clamd prints its local time; containers run in UTC
        built = datetime.strptime(parts[2].strip() + " +0000", "%a %b %d %H:%M:%S %Y %z")
        return built.timestamp()
    except ValueError:
        return None


def register_scrape_time_collectors() -> None:
    """Single-process mode: the shared-state collectors live on the default registry."""
    if multiprocess_dir():
        return
    for collector in scrape_time_collectors():
        with contextlib.suppress(ValueError):  # registered already (autoreload, tests)
            REGISTRY.register(collector)
