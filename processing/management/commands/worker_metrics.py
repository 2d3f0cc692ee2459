"""Serve the Dramatiq worker processes' Prometheus metrics (multiprocess mode).

The worker processes write their metrics to PROMETHEUS_MULTIPROC_DIR; this small server, run
beside them (a second process in the container, or a sidecar sharing the folder in a pod),
aggregates and serves them. Shared state (queue depth, jobs in progress) is served by the web's
/metrics, not here, so nothing is counted twice.
"""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from prometheus_client import start_http_server

from config.env import env
from config.metrics import multiprocess_dir, process_registry


class Command(BaseCommand):
    help = "Serve the worker processes' metrics at http://ADDRESS:PORT/metrics."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--address", default=env("WORKER_METRICS_ADDRESS", default="127.0.0.1"))
        parser.add_argument(
            "--port", type=int, default=env.int("WORKER_METRICS_PORT", default=9191)
        )

    def handle(self, *args: Any, address: str, port: int, **options: Any) -> None:
        if not multiprocess_dir():
            raise CommandError(
                "Set PROMETHEUS_MULTIPROC_DIR to the folder the worker processes write to."
            )
        start_http_server(port, addr=address, registry=process_registry())
        self.stdout.write(f"worker metrics at http://{address}:{port}/metrics")
        while True:
            time.sleep(3600)
