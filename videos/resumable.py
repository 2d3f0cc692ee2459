"""The state of a resumable (tus) upload: its row's offset and lock, and its parts in storage.

The bytes of each PATCH become one part (`uploads/{id}/part-NNNNNN`); the offset lives in the
database, so it survives restarts and works across processes. A PATCH holds a lock (a token with
a heartbeat on the upload row); a lock whose heartbeat is stale is taken over by the next PATCH.
Creating, finishing and terminating an upload change its video: those are in `videos.services`.
"""

import hashlib
import os
import tempfile
import uuid
from datetime import timedelta
from enum import StrEnum
from typing import Any, BinaryIO

from django.conf import settings
from django.core.files.storage import default_storage
from django.db.models import Q
from django.utils import timezone

from config.errors import Conflict
from videos import metrics, storage
from videos.models import TusUpload

LOCK_STALE_AFTER = timedelta(seconds=10)
COPY_BUFFER = 1024 * 1024


class Lock(StrEnum):
    TAKEN = "taken"
    BUSY = "busy"  # another request holds it
    MOVED = "moved"  # the offset is not the one the client sent


def upload_offset(upload_id: uuid.UUID) -> int | None:
    return TusUpload.objects.filter(pk=upload_id).values_list("offset", flat=True).first()


def upload_lock(upload_id: uuid.UUID, offset: int, token: str) -> Lock:
    """Take the lock if it is free or stale and the offset matches."""
    now = timezone.now()
    free = Q(lock_token="") | Q(lock_heartbeat__lt=now - LOCK_STALE_AFTER)
    taken = TusUpload.objects.filter(free, pk=upload_id, offset=offset).update(
        lock_token=token, lock_heartbeat=now
    )
    if taken:
        return Lock.TAKEN
    return Lock.MOVED if upload_offset(upload_id) != offset else Lock.BUSY


def upload_heartbeat(upload_id: uuid.UUID, token: str) -> None:
    TusUpload.objects.filter(pk=upload_id, lock_token=token).update(lock_heartbeat=timezone.now())


def upload_unlock(upload_id: uuid.UUID, token: str) -> None:
    TusUpload.objects.filter(pk=upload_id, lock_token=token).update(
        lock_token="", lock_heartbeat=None
    )


def _changed_meanwhile() -> Conflict:
    return Conflict("Another request changed this upload meanwhile.")


def upload_commit_part(
    upload_id: uuid.UUID, token: str, offset: int, part_path: str, size: int
) -> int:
    """Store the part and advance the offset, only while we still hold the lock at `offset`."""
    upload = TusUpload.objects.get(pk=upload_id)
    if upload.lock_token != token or upload.offset != offset:
        raise _changed_meanwhile()
    key = f"{storage.upload_prefix(upload_id)}part-{upload.parts:06d}"
    default_storage.delete(key)
    with metrics.timed_storage("save"), storage.LocalFile(part_path) as part:
        stored = default_storage.save(key, part)
    updated = TusUpload.objects.filter(pk=upload_id, lock_token=token, offset=offset).update(
        offset=offset + size, parts=upload.parts + 1
    )
    if not updated:
        default_storage.delete(stored)
        raise _changed_meanwhile()
    return offset + size


def _local_path(key: str) -> str | None:
    """The file's path when storage is a local folder (FileSystemStorage); None for S3."""
    try:
        return str(default_storage.path(key))
    except NotImplementedError:
        return None


def upload_assemble(upload: TusUpload) -> tuple[str, str]:
    """One local file holding the whole upload, and its sha256.

    On local storage the first part becomes that file and the others are appended to it, so a
    one-PATCH upload (tus-js-client's default) is never copied: it is hashed, then renamed into
    place by the ingest. Remote storage streams every part into a temporary file."""
    prefix = storage.upload_prefix(upload.pk)
    digest = hashlib.sha256()
    first = _local_path(f"{prefix}part-000000")
    if first is not None:
        with open(first, "r+b") as local:
            while chunk := local.read(COPY_BUFFER):
                digest.update(chunk)
            _append_parts(upload, range(1, upload.parts), local, digest)
        return first, digest.hexdigest()
    fd, local_path = tempfile.mkstemp(prefix="tus-", dir=settings.FILE_UPLOAD_TEMP_DIR)
    with os.fdopen(fd, "wb") as local:
        _append_parts(upload, range(upload.parts), local, digest)
    return local_path, digest.hexdigest()


def _append_parts(upload: TusUpload, indexes: range, local: BinaryIO, digest: Any) -> None:
    prefix = storage.upload_prefix(upload.pk)
    for index in indexes:
        with default_storage.open(f"{prefix}part-{index:06d}", "rb") as part:
            while chunk := part.read(COPY_BUFFER):
                digest.update(chunk)
                local.write(chunk)
