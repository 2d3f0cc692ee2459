"""Request id, timing and the one access-log line per request."""

import logging
import re
import time
import uuid
from collections.abc import Callable

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

from config.logging import bind_log_context, log_context

logger = logging.getLogger("video_service.request")

REQUEST_ID_HEADER = "X-Request-ID"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}\Z")


def request_id_or_new(given: str) -> str:
    """The caller's X-Request-ID when it is safe to echo and log, else a new one."""
    return given if _VALID_REQUEST_ID.match(given) else uuid.uuid4().hex


def request_id_from(request: HttpRequest) -> str:
    return request_id_or_new(request.headers.get(REQUEST_ID_HEADER, ""))


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.monotonic()
        request_id = request_id_from(request)
        request.request_id = request_id  # type: ignore[attr-defined]
        token = bind_log_context(request_id=request_id)
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            user = getattr(request, "user", None)
            logger.info(
                "request",
                extra={
                    "user_id": user.pk if user is not None and user.is_authenticated else None,
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.monotonic() - started) * 1000, 1),
                },
            )
            return response
        finally:
            log_context.reset(token)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's policy everywhere; the admin's own templates carry inline style attributes,
    so under /admin/ styles may be inline (scripts still may not)."""

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if request.path.startswith("/admin/") and parts.update is None:
            parts.update = {"style-src": ["'unsafe-inline'"]}
        return parts


PROBE_PATHS = frozenset({"/health", "/ready", "/metrics"})


class ProbeHostMiddleware:
    """Kubelet probes and Prometheus reach a pod by its IP, which ALLOWED_HOSTS rightly does not
    list. These three paths answer the same for every host, so they are answered as if asked for
    the first allowed host; every other path keeps Django's host validation."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path in PROBE_PATHS and settings.ALLOWED_HOSTS:
            allowed = settings.ALLOWED_HOSTS[0]
            request.META["HTTP_HOST"] = (
                "localhost" if allowed in ("*", ".localhost") else allowed.lstrip(".")
            )
        return self.get_response(request)
