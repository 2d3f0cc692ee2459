"""Periodic upkeep: expire abandoned tus uploads, re-send stranded processing, remove the
working folders of jobs whose worker died, and mail the notification digests that are due."""

import logging
import time

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from accounts.mail import digests_send_due
from processing.workdirs import workdirs_sweep
from videos.services import uploads_expire, videos_enqueue_stranded

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Remove expired resumable uploads and enqueue videos whose processing never started."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--every", type=int, default=0, help="repeat every N seconds (0: run once and exit)"
        )

    def handle(self, *args: object, every: int = 0, **options: object) -> None:
        while True:
            try:
                expired = uploads_expire()
                resent = videos_enqueue_stranded()
                if expired or resent:
                    logger.info("swept uploads", extra={"expired": expired, "resent": resent})
                workdirs_sweep()
            except Exception:  # a sweep must never take the loop down; the next one retries
                logger.exception("upload sweep failed")
            try:
                mailed = digests_send_due()
                if mailed:
                    logger.info("mailed notification digests", extra={"mails": mailed})
            except Exception:  # a mail server down must not stop the upload sweep
                logger.exception("notification digests failed")
            if every <= 0:
                return
            time.sleep(every)
            close_old_connections()  # a long-lived loop must not keep a dead connection
