"""The one error shape of the API: {"code", "detail", "errors"?} with the right status."""

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import (
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import Http404, HttpRequest, JsonResponse
from django_ratelimit.exceptions import Ratelimited
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import set_rollback

from config.errors import ApplicationError, ErrorCode, PayloadTooLarge, RateLimited
from config.metrics import count_api_error

RATE_LIMIT_RETRY_SECONDS = 60
# A UUID, exactly: any other path id is a 404 from the URL resolver, never a view's ValueError.
UUID_PATTERN = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


class ApiRouter(SimpleRouter):
    """Every app's viewsets register on one of these: the trailing slash is optional for every
    method (a redirect would drop a POST body)."""

    def __init__(self) -> None:
        super().__init__()
        self.trailing_slash = "/?"


# DRF's own codes, renamed where ours say more to a client.
_CODE_BY_EXCEPTION: dict[type[exceptions.APIException], str] = {
    exceptions.ValidationError: ErrorCode.INVALID,
    exceptions.ParseError: ErrorCode.MALFORMED_REQUEST,
    exceptions.NotAuthenticated: ErrorCode.NOT_AUTHENTICATED,
    exceptions.PermissionDenied: ErrorCode.PERMISSION_DENIED,
    exceptions.NotFound: ErrorCode.NOT_FOUND,
    exceptions.MethodNotAllowed: ErrorCode.METHOD_NOT_ALLOWED,
    exceptions.NotAcceptable: ErrorCode.NOT_ACCEPTABLE,
    exceptions.UnsupportedMediaType: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    exceptions.Throttled: ErrorCode.RATE_LIMITED,
}


def _flatten(detail: Any) -> Any:
    """ErrorDetail trees into plain lists of strings, keyed by field."""
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return [str(item) for item in detail]
        return [_flatten(item) for item in detail]
    return [str(detail)]


def _api_exception_body(exc: exceptions.APIException) -> dict[str, Any]:
    if isinstance(exc, exceptions.ValidationError):
        errors = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        return {
            "code": ErrorCode.INVALID,
            "detail": "Some fields are not valid; see errors.",
            "errors": _flatten(errors),
        }
    code = _CODE_BY_EXCEPTION.get(type(exc))
    if code is None:
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else str(exc.default_code)
    if isinstance(exc.detail, dict):
        # simplejwt puts {"detail", "code", "messages"} here; keep the sentence and the code.
        code = str(exc.detail.get("code", code))
        sentence = str(exc.detail.get("detail", exc.default_detail))
    elif isinstance(exc.detail, list):
        sentence = " ".join(str(item) for item in exc.detail)
    else:
        sentence = str(exc.detail)
    return {"code": code, "detail": sentence}


def _from_django(exc: Exception) -> Exception:
    """Django's own refusals of a request, as ours (Django would answer them with HTML)."""
    if isinstance(exc, Ratelimited):
        return RateLimited(RATE_LIMIT_RETRY_SECONDS)
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge(
            "The request body is larger than this endpoint accepts.",
            code=ErrorCode.REQUEST_TOO_LARGE,
        )
    if isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        return exceptions.ParseError("The form has too many fields or files.")
    if isinstance(exc, SuspiciousOperation):
        return exceptions.ParseError("The request could not be parsed.")
    return exc


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    exc = _from_django(exc)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("Not found.")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied("You do not have permission to do this.")

    if isinstance(exc, ApplicationError):
        set_rollback()
        count_api_error(exc.code, exc.status_code)
        return Response(exc.as_dict(), status=exc.status_code, headers=exc.headers)
    if not isinstance(exc, exceptions.APIException):
        return None  # a bug: let Django log it and answer 500

    headers: dict[str, str] = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))  # type: ignore[attr-defined]
    set_rollback()
    body = _api_exception_body(exc)
    count_api_error(str(body.get("code", "")), exc.status_code)
    return Response(body, status=exc.status_code, headers=headers)


def error_response(
    code: str, detail: str, status_code: int, headers: dict[str, str] | None = None
) -> JsonResponse:
    """The same shape for plain Django views (404 handler, rate-limited views, ...)."""
    count_api_error(code, status_code)
    response = JsonResponse({"code": code, "detail": detail}, status=status_code)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def ratelimited_view(request: HttpRequest, exception: Exception) -> JsonResponse:
    return error_response(
        ErrorCode.RATE_LIMITED,
        f"Too many requests; try again in {RATE_LIMIT_RETRY_SECONDS} seconds.",
        status.HTTP_429_TOO_MANY_REQUESTS,
        {"Retry-After": str(RATE_LIMIT_RETRY_SECONDS)},
    )
