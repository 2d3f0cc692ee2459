"""Liveness, readiness and the guarded metrics endpoint."""

import hmac
import ipaddress
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait

import redis
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from config.api import error_response
from config.errors import ErrorCode
from config.metrics import READINESS_FAILURES, web_registry
from processing.broker import broker_ping

logger = logging.getLogger(__name__)

# Checks run here so a hanging dependency costs a thread, never the answer's deadline.
_executor = ThreadPoolExecutor(max_workers=8, thread_name_prefix="ready-check")


def _check_database() -> None:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
    finally:
        connections.close_all()  # this thread's own connections


def _redis_client(url: str) -> redis.Redis:
    timeout = settings.READY_CHECK_TIMEOUT_SECONDS
    return redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)


def _check_redis() -> None:
    with _redis_client(settings.REDIS_URL) as client:
        client.ping()


def _check_broker() -> None:
    broker_ping()  # Redis or RabbitMQ


def _check_storage() -> None:
    default_storage.exists("health/ready-probe")


READY_CHECKS: dict[str, Callable[[], None]] = {
    "database": _check_database,
    "redis": _check_redis,
    "storage": _check_storage,
    "broker": _check_broker,
}


def run_ready_checks() -> dict[str, str]:
    futures = {name: _executor.submit(check) for name, check in READY_CHECKS.items()}
    wait(futures.values(), timeout=settings.READY_CHECK_TIMEOUT_SECONDS)
    results: dict[str, str] = {}
    for name, future in futures.items():
        if not future.done():
            results[name] = "error: timed out"
            continue
        error = future.exception()
        results[name] = "ok" if error is None else f"error: {type(error).__name__}: {error}"[:300]
    return results


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    checks = run_ready_checks()
    if all(result == "ok" for result in checks.values()):
        return JsonResponse({"status": "ok", "checks": checks})
    logger.warning("not ready", extra={"checks": checks})
    for name, result in checks.items():
        if result != "ok":
            READINESS_FAILURES.labels(check=name).inc()
    return JsonResponse({"status": "unavailable", "checks": checks}, status=503)


def _client_may_scrape(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    auth = request.headers.get("Authorization", "")
    if token and auth.startswith("Bearer "):
        return hmac.compare_digest(auth.removeprefix("Bearer ").encode(), token.encode())
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(
        address in ipaddress.ip_network(network, strict=False)
        for network in settings.METRICS_ALLOWED_IPS
    )


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not _client_may_scrape(request):
        return error_response(
            ErrorCode.PERMISSION_DENIED,
            "Metrics are only served to allowed addresses or with the metrics token.",
            403,
        )
    return HttpResponse(generate_latest(web_registry()), content_type=CONTENT_TYPE_LATEST)
