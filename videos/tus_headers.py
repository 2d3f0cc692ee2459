"""The tus protocol's pieces around the application (videos/tus.py): answers, header values,
metadata, who is asking, and the request and byte limits."""

import base64
import binascii
import hmac
import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from accounts.authentication import user_from_access_token
from accounts.models import User
from config.errors import ApplicationError, ErrorCode
from config.ratelimit import READ_METHODS, enforce_rate_limit, scope_client_ip, spend_per_minute
from config.text import clean_text
from videos.errors import VideoErrorCode
from videos.models import TusUpload, Video

BYTE_COUNT = re.compile(r"[0-9]{1,19}")  # ASCII digits only: str.isdigit() also takes "²"
METADATA_LIMITS = {"filename": 255, "title": 200, "description": 5000, "filetype": 100}


class TusError(ApplicationError):
    pass


@dataclass
class Reply:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | None = None


def error_reply(status: int, code: str, detail: str) -> Reply:
    return Reply(status, body={"code": code, "detail": detail})


def byte_count(value: str) -> int | None:
    return int(value) if BYTE_COUNT.fullmatch(value) else None


# --- Metadata -----------------------------------------------------------------------------------


def parse_metadata(header: str) -> dict[str, str]:
    """Upload-Metadata: "key base64value, key2 base64value2"; only our keys, sanitised."""
    metadata: dict[str, str] = {}
    if len(header) > 20_000:
        raise TusError("Upload-Metadata is too long.", code=VideoErrorCode.INVALID_METADATA)
    for pair in filter(None, (part.strip() for part in header.split(","))):
        key, _, encoded = pair.partition(" ")
        if key not in METADATA_LIMITS:
            continue
        try:
            value = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise TusError(
                f"Upload-Metadata {key!r} is not base64-encoded UTF-8.",
                code=VideoErrorCode.INVALID_METADATA,
            ) from None
        multiline = key == "description"
        metadata[key] = clean_text(value, max_length=METADATA_LIMITS[key], multiline=multiline)
    return metadata


def encode_metadata(video: Video) -> str:
    values = {"filename": video.original_filename, "title": video.title}
    return ",".join(
        f"{key} {base64.b64encode(value.encode()).decode()}"
        for key, value in values.items()
        if value
    )


# --- Authentication -----------------------------------------------------------------------------


def authenticate(scope: dict, headers: dict[str, str]) -> User | None:
    authorization = headers.get("authorization", "")
    if authorization.startswith("Bearer "):
        return user_from_access_token(authorization.removeprefix("Bearer "))
    session_user = scope.get("user")
    if not isinstance(session_user, User) or not session_user.is_authenticated:
        return None
    # Session cookies ride along automatically; require the CSRF double-submit header.
    if scope["method"] in ("POST", "PATCH", "DELETE"):
        cookie = scope.get("cookies", {}).get(settings.CSRF_COOKIE_NAME, "")
        sent = headers.get("x-csrftoken", "")
        if not cookie or not hmac.compare_digest(cookie, sent):
            return None
    return session_user


# --- Limits -----------------------------------------------------------------------------------


def enforce_request_limits(scope: dict, user: User) -> None:
    """The API's read and write limits, per user and per address; a PATCH is limited by its
    bytes instead (TUS_BYTES_PER_MINUTE), so small chunks do not run out of requests."""
    method = scope["method"]
    if method == "PATCH":
        return
    read = method in READ_METHODS
    kind = "read" if read else "write"
    user_rate = settings.READ_RATE_LIMIT if read else settings.WRITE_RATE_LIMIT
    ip_rate = settings.READ_RATE_LIMIT_PER_IP if read else settings.WRITE_RATE_LIMIT_PER_IP
    enforce_rate_limit(None, group=f"api-{kind}-user", key=str(user.pk), rate=user_rate)
    enforce_rate_limit(None, group=f"api-{kind}-ip", key=scope_client_ip(scope), rate=ip_rate)


def spend_bytes(part: "Part", user_pk: Any) -> None:
    """Count what arrived since the last call against the user's bytes a minute."""
    amount, part.counted = part.received - part.counted, part.received
    part.throttled = spend_per_minute(
        group="tus-bytes", key=str(user_pk), amount=amount, limit=settings.TUS_BYTES_PER_MINUTE
    )


def throttled_reply(retry_after: int) -> Reply:
    return Reply(
        429,
        {"Retry-After": str(retry_after)},
        {
            "code": ErrorCode.RATE_LIMITED,
            "detail": f"Upload bandwidth used up; resume in {retry_after} seconds.",
        },
    )


@dataclass
class Part:
    """One PATCH body being received: where it goes and what came."""

    upload: TusUpload
    offset: int
    token: str
    checksum: tuple[str, bytes] | None
    received: int = 0
    counted: int = 0  # of `received`, how much is spent from the user's byte budget
    interrupted: bool = False
    throttled: int = 0  # seconds until the user's byte budget allows more
