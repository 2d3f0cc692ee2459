"""The API's error answers in the OpenAPI schema: one shape, documented per status.

Views spread these into `extend_schema(responses={...})` so that clients (and the schema
fuzzer) know every 4xx an operation may answer and what it looks like.
"""

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

from config.api import UUID_PATTERN

# inline: a serializer class cannot declare a field named `errors` (it is a property there)
ErrorSerializer = inline_serializer(
    "Error",
    fields={
        "code": serializers.CharField(help_text="stable, machine-readable (the README lists them)"),
        "detail": serializers.CharField(help_text="a sentence for people"),
        "errors": serializers.DictField(
            child=serializers.JSONField(),
            required=False,
            help_text="field -> list of messages, for validation errors only; a nested object "
            "(drawing_data) has its own field -> messages inside",
        ),
    },
)


_MEANINGS = {
    400: "invalid: some fields are not valid (see errors), or malformed_request",
    401: "not_authenticated or token_not_valid",
    403: "permission_denied: you may see it but not do this",
    404: "not_found: no such object, or not yours to see",
    409: "conflict or not_ready: the object is not in a state that allows this",
    413: "file_too_large, quota_exceeded or request_too_large",
    415: "unsupported_media_type",
    422: "the content could not be processed (the code says why)",
    429: "rate_limited: wait Retry-After seconds",
    503: "service_unavailable: a dependency is down; try again",
}


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    return {
        status: OpenApiResponse(ErrorSerializer, description=_MEANINGS[status])
        for status in statuses
    }


ERRORS_READ = error_responses(401, 404, 429)
ERRORS_WRITE = error_responses(400, 401, 403, 404, 409, 429)
ERRORS_UPLOAD = error_responses(400, 401, 403, 413, 415, 422, 429, 503)
ERRORS_PUBLIC = error_responses(400, 401, 415, 429)


def uuid_path_parameters(result: dict, **kwargs: object) -> dict:
    """drf-spectacular postprocessing hook: path ids matched by the routers' UUID pattern are
    documented as `format: uuid` (the routers use regex paths so the trailing slash stays
    optional, and spectacular can only see a string with a pattern there)."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                schema = parameter.get("schema", {})
                if parameter.get("in") == "path" and schema.get("pattern") == f"^{UUID_PATTERN}$":
                    parameter["schema"] = {"type": "string", "format": "uuid"}
    return result
