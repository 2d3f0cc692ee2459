"""JSON log lines carrying the request (or job) context they were written in."""

import contextvars
import logging
from typing import Any

from pythonjsonlogger.json import JsonFormatter as _BaseJsonFormatter

# Set by the request middleware, and by workers around each job, so every line says whose it is.
log_context: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "log_context", default=None
)


def bind_log_context(**values: Any) -> contextvars.Token[dict[str, Any] | None]:
    """Add values to the current context; returns a token for `log_context.reset`."""
    merged = dict(log_context.get() or {})
    merged.update({key: value for key, value in values.items() if value is not None})
    return log_context.set(merged)


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in (log_context.get() or {}).items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


class JsonFormatter(_BaseJsonFormatter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("fmt", "%(asctime)s %(levelname)s %(name)s %(message)s")
        kwargs.setdefault(
            "rename_fields", {"asctime": "time", "levelname": "level", "name": "logger"}
        )
        kwargs.setdefault("datefmt", "%Y-%m-%dT%H:%M:%S%z")
        super().__init__(*args, **kwargs)
