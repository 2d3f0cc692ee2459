"""Dramatiq middleware: the request that caused a job follows it into the worker's log lines,
how long each message waited for a worker is measured, and a worker process that exits is
marked dead for Prometheus' multiprocess mode."""

import contextvars
import logging
import os
import time
from typing import Any

import dramatiq
from dramatiq.broker import MessageProxy
from dramatiq.middleware import Middleware
from prometheus_client import multiprocess

from config.logging import bind_log_context, log_context
from config.metrics import multiprocess_dir

logger = logging.getLogger(__name__)
_tokens: contextvars.ContextVar[contextvars.Token[Any] | None] = contextvars.ContextVar(
    "job_log_token", default=None
)


class RequestContext(Middleware):
    def before_enqueue(
        self, broker: dramatiq.Broker, message: dramatiq.Message, delay: int
    ) -> None:
        request_id = (log_context.get() or {}).get("request_id")
        if request_id and "request_id" not in message.options:
            message.options["request_id"] = request_id

    def before_process_message(self, broker: dramatiq.Broker, message: MessageProxy) -> None:
        token = bind_log_context(
            request_id=message.options.get("request_id"),
            message_id=message.message_id,
            actor=message.actor_name,
        )
        _tokens.set(token)
        _observe_wait(message)

    def after_process_message(
        self,
        broker: dramatiq.Broker,
        message: MessageProxy,
        *,
        result: Any = None,
        exception: BaseException | None = None,
    ) -> None:
        self._clear()

    def after_skip_message(self, broker: dramatiq.Broker, message: MessageProxy) -> None:
        self._clear()

    @staticmethod
    def _clear() -> None:
        token = _tokens.get()
        if token is not None:
            log_context.reset(token)
            _tokens.set(None)

    def after_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        if multiprocess_dir():
            multiprocess.mark_process_dead(os.getpid())


def _observe_wait(message: MessageProxy) -> None:
    """Enqueue (or the due time of a delayed retry) -> taken by this worker: what the broker's
    polling (BROKER_POLL_MS) and busy workers add to every job."""
    from processing.metrics import QUEUE_WAIT  # the metrics module needs the app registry

    due = max(message.message_timestamp, int(message.options.get("eta") or 0))
    seconds = max(0.0, time.time() - due / 1000)
    QUEUE_WAIT.labels(queue=message.queue_name.removesuffix(".DQ")).observe(seconds)
    logger.info("message taken", extra={"queue_wait_seconds": round(seconds, 3)})
