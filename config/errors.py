"""Domain errors: each has a stable code and an HTTP status; the API renders them in one shape."""

from typing import Any


class ApplicationError(Exception):
    """An error a service raises on purpose; `config.api.exception_handler` renders it."""

    status_code = 400
    code = "invalid"
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
        self.code = code or self.code
        self.status_code = status_code or self.status_code
        self.errors = errors
        self.headers = headers or {}
        super().__init__(self.detail)

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "detail": self.detail}
        if self.errors:
            body["errors"] = self.errors
        return body


class Conflict(ApplicationError):
    status_code = 409
    code = "conflict"
    default_detail = "The resource changed meanwhile; try again."


class PayloadTooLarge(ApplicationError):
    status_code = 413
    code = "file_too_large"
    default_detail = "The file is larger than this service accepts."


class Unprocessable(ApplicationError):
    status_code = 422
    code = "unprocessable"
    default_detail = "The content could not be processed."


class RateLimited(ApplicationError):
    status_code = 429
    code = "rate_limited"
    default_detail = "Too many requests; wait a moment and try again."

    def __init__(self, retry_after: int, detail: str | None = None) -> None:
        super().__init__(
            detail or f"Too many requests; try again in {retry_after} seconds.",
            headers={"Retry-After": str(retry_after)},
        )


class ServiceUnavailable(ApplicationError):
    status_code = 503
    code = "service_unavailable"
    default_detail = "The service is temporarily unavailable; try again shortly."
