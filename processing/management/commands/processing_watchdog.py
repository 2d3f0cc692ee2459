"""Periodic: requeue or fail processing jobs whose worker died; re-send orphaned videos."""

import logging
import time

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from processing.services import jobs_watchdog

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Requeue or fail jobs with a stale heartbeat; nothing stays processing forever."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--every", type=int, default=0, help="repeat every N seconds")

    def handle(self, *args: object, every: int = 0, **options: object) -> None:
        while True:
            try:
                counts = jobs_watchdog()
                if any(counts.values()):
                    logger.warning("watchdog acted", extra=counts)
            except Exception:  # the loop must survive a bad round; the next one retries
                logger.exception("processing watchdog failed")
            if every <= 0:
                return
            time.sleep(every)
            close_old_connections()
