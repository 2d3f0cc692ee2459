"""Domain errors: each has a stable code and an HTTP status; the API renders them in one shape.

Codes are enums, one per domain (Saleor's habit): the codes every endpoint may answer are here,
each app adds its own (`videos.errors`, `annotations.errors`, `accounts.errors`,
`processing.errors`). The README's table of codes is checked against all of them.
"""

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    """Codes any endpoint may answer."""

    INVALID = "invalid"
    MALFORMED_REQUEST = "malformed_request"
    NOT_AUTHENTICATED = "not_authenticated"
    PERMISSION_DENIED = "permission_denied"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    NOT_ACCEPTABLE = "not_acceptable"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    CONFLICT = "conflict"
    FILE_TOO_LARGE = "file_too_large"
    REQUEST_TOO_LARGE = "request_too_large"
    HEADERS_TOO_LARGE = "headers_too_large"
    REQUEST_TIMEOUT = "request_timeout"
    UNPROCESSABLE = "unprocessable"
    RATE_LIMITED = "rate_limited"
    SERVICE_UNAVAILABLE = "service_unavailable"
    SERVER_ERROR = "server_error"


class ApplicationError(Exception):
    """An error a service raises on purpose; `config.api.exception_handler` renders it."""

    status_code = 400
    code: str = ErrorCode.INVALID
    default_detail = "The request could not be processed."

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: str | None = None,
        status_code: int | None = None,
        errors: dict[str, list[str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.detail = detail or self.default_detail
        self.code = str(code or self.code)
        self.status_code = status_code or self.status_code
        self.errors = errors
        self.headers = headers or {}
        super().__init__(self.detail)

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "detail": self.detail}
        if self.errors:
            body["errors"] = self.errors
        return body


class NotFound(ApplicationError):
    status_code = 404
    code: str = ErrorCode.NOT_FOUND
    default_detail = "Not found."


class PermissionDenied(ApplicationError):
    status_code = 403
    code: str = ErrorCode.PERMISSION_DENIED
    default_detail = "You may not do that."


class Conflict(ApplicationError):
    status_code = 409
    code: str = ErrorCode.CONFLICT
    default_detail = "The resource changed meanwhile; try again."


class PayloadTooLarge(ApplicationError):
    status_code = 413
    code: str = ErrorCode.FILE_TOO_LARGE
    default_detail = "The file is larger than this service accepts."


class Unprocessable(ApplicationError):
    status_code = 422
    code: str = ErrorCode.UNPROCESSABLE
    default_detail = "The content could not be processed."


class RateLimited(ApplicationError):
    status_code = 429
    code: str = ErrorCode.RATE_LIMITED
    default_detail = "Too many requests; wait a moment and try again."

    def __init__(self, retry_after: int, detail: str | None = None) -> None:
        super().__init__(
            detail or f"Too many requests; try again in {retry_after} seconds.",
            headers={"Retry-After": str(retry_after)},
        )


class ServiceUnavailable(ApplicationError):
    status_code = 503
    code: str = ErrorCode.SERVICE_UNAVAILABLE
    default_detail = "The service is temporarily unavailable; try again shortly."
