"""Storage keys and private media URLs. Files go through the storage API only, never `.path`."""

import contextlib
import hashlib
import hmac
import os
import time

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, default_storage
from django.urls import reverse

from videos.metrics import timed_storage


class LocalFile(File):
    """A finished upload on local disk. Local storage moves it into place (a rename on the same
    filesystem) instead of copying it; other storages stream it."""

    def __init__(self, path: str) -> None:
        super().__init__(open(path, "rb"), name=path)  # noqa: SIM115 - closed by File

    def temporary_file_path(self) -> str:
        return str(self.name)


def video_prefix(video_id: object) -> str:
    return f"videos/{video_id}/"


def upload_prefix(video_id: object) -> str:
    return f"uploads/{video_id}/"


def delete_prefix(prefix: str, storage: Storage | None = None) -> int:
    """Delete every file under `prefix` (recursively); returns how many were deleted."""
    storage = storage or default_storage
    deleted = 0
    try:
        directories, files = storage.listdir(prefix)
    except FileNotFoundError:
        return 0
    for name in files:
        with timed_storage("delete"):
            storage.delete(f"{prefix}{name}")
        deleted += 1
    for directory in directories:
        deleted += delete_prefix(f"{prefix}{directory}/", storage)
    if isinstance(storage, FileSystemStorage):
        # A bucket has no folders; on disk the emptied one would stay behind for ever.
        with contextlib.suppress(OSError):  # not empty (a file arrived meanwhile) or gone
            os.rmdir(storage.path(prefix))
    return deleted


def uses_s3() -> bool:
    return bool(settings.AWS_STORAGE_BUCKET_NAME)


def _signature(scope: str, expires: int) -> str:
    message = f"{scope}\n{expires}".encode()
    key = hashlib.sha256(b"media-url:" + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def scope_of(key: str) -> str:
    """A signature covers the video's whole folder, so HLS playlists' relative URLs stay valid."""
    parts = key.split("/")
    return "/".join(parts[:2]) + "/" if len(parts) > 2 and parts[0] == "videos" else key


def media_url(key: str, *, attachment: bool = False, expires_in: int | None = None) -> str:
    """A URL for a private file that expires (signed local URL, S3 presigned or CloudFront)."""
    ttl = expires_in or settings.MEDIA_URL_TTL
    if uses_s3():
        params = {"ResponseContentDisposition": "attachment"} if attachment else None
        return default_storage.url(key, parameters=params, expire=ttl)  # type: ignore[call-arg]
    expires = int(time.time()) + ttl
    signature = _signature(scope_of(key), expires)
    url = reverse("media", kwargs={"expires": expires, "signature": signature, "key": key})
    return url + ("?download=1" if attachment else "")


def verify_media_signature(key: str, expires: int, signature: str) -> bool:
    if expires < time.time():
        return False
    return hmac.compare_digest(_signature(scope_of(key), expires), signature)
