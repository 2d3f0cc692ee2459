"""Dramatiq middleware for a worker process that starts: it dies with its parent, and it removes
the working folders that workers killed before it left behind."""

import ctypes
import logging
import os
import signal
import sys

import dramatiq
from dramatiq.middleware import Middleware

from processing.workdirs import workdirs_sweep

logger = logging.getLogger(__name__)
PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """SIGKILL this process when Dramatiq's main process dies (a kill -9 of it would otherwise
    leave its worker processes consuming on, unsupervised, after the supervisor started a new
    one). Its ffmpeg children follow: they die with their parent thread (processing.ffmpeg)."""
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        logger.warning("could not tie the worker process to its parent")
        return
    if os.getppid() != parent:  # the parent died before prctl took effect
        os.kill(os.getpid(), signal.SIGKILL)


class WorkerProcessBoot(Middleware):
    def after_process_boot(self, broker: dramatiq.Broker) -> None:
        die_with_parent()
        try:
            workdirs_sweep()
        except OSError:  # a sweep must never keep a worker from starting; the sweeper retries
            logger.exception("could not sweep the jobs' working folders")
