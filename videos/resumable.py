"""The state of a resumable (tus) upload: its row's offset and lock, and where its bytes are.

On local storage every PATCH appends to one file, `uploads/{id}/data`, which becomes the
original by a rename: no part is ever copied. On S3 every PATCH's bytes become parts of one S3
multipart upload whose key is the original's (`videos/{id}/original`), so finishing is S3's own
CompleteMultipartUpload, no copy either; S3 wants parts of at least 5 MiB (but the last), so a
PATCH's last few bytes wait in a small object (`uploads/{id}/tail-{offset}`) until the next
PATCH joins them to its first part (`videos.s3_upload`).

The offset lives in the database, so it survives restarts and works across processes. A PATCH
holds a lock (a token with a heartbeat on the upload row); a lock whose heartbeat is stale is
taken over by the next PATCH. Creating, finishing and terminating an upload change its video:
those are in `videos.services`.

sha256 is computed while the bytes arrive, across PATCHes and processes: the running hash is
saved with each new offset (`hash_resume`, `hash_state`).
"""

import contextlib
import fcntl
import hashlib
import os
import threading
import uuid
from collections import OrderedDict
from datetime import timedelta
from enum import StrEnum
from typing import Any

from django.core.files.storage import default_storage
from django.db.models import Q
from django.utils import timezone

from config.errors import Conflict
from videos import sha256_state, storage
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


def upload_commit(upload_id: uuid.UUID, token: str, offset: int, size: int, **fields: Any) -> int:
    """Advance the offset by `size` (and set `fields`), only while we still hold the lock at
    `offset`; the bytes are in place already."""
    updated = TusUpload.objects.filter(pk=upload_id, lock_token=token, offset=offset).update(
        offset=offset + size, **fields
    )
    if not updated:
        raise _changed_meanwhile()
    return offset + size


# --- Local storage: one file, appended to ----------------------------------------------------


def data_key(upload_id: uuid.UUID) -> str:
    return f"{storage.upload_prefix(upload_id)}data"


def local_data_path(upload_id: uuid.UUID) -> str | None:
    """The upload's file when storage is a local folder (FileSystemStorage); None for S3."""
    try:
        return str(default_storage.path(data_key(upload_id)))
    except NotImplementedError:
        return None


def open_for_append(path: str, offset: int) -> Any:
    """The upload's file, positioned at `offset` (bytes past it are an interrupted PATCH's that
    were never committed), under an exclusive lock: a PATCH whose database lock went stale while
    its connection still lives may still write, and must not write over its successor's bytes.
    Returns None when such a writer still holds the file."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    file = open(path, "ab+")  # noqa: SIM115 - the caller closes it (and so unlocks it)
    try:
        fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        file.close()
        return None
    size = os.fstat(file.fileno()).st_size
    if size < offset:
        file.close()
        raise Conflict("The upload's received bytes are missing; start it again.")
    if size > offset:
        # Only when there is something to drop: ext4 flushes a file truncated to nothing when
        # it is closed (auto_da_alloc), 0.4 s for 1 GiB at the end of every first PATCH.
        file.truncate(offset)
    file.seek(offset)
    return file


# --- sha256 while receiving ------------------------------------------------------------------
# The running hash is saved with the offset (OpenSSL's state, `videos.sha256_state`), so any
# process continues it. Without a usable libcrypto, a process keeps the hashes of the uploads it
# received; a PATCH landing elsewhere leaves the finished file to be hashed once more.

_HASHES: "OrderedDict[uuid.UUID, tuple[int, Any]]" = OrderedDict()
_HASHES_LOCK = threading.Lock()
_HASHES_KEPT = 1000


def new_hasher() -> Any:
    return sha256_state.ResumableSha256() if sha256_state.available() else hashlib.sha256()


def hash_resume(upload_id: uuid.UUID, offset: int) -> Any:
    """A sha256 of the upload's first `offset` bytes to continue (call it holding the lock), or
    None when it cannot be had (the finished file is then hashed again)."""
    if offset == 0:
        return new_hasher()
    if sha256_state.available():
        row = TusUpload.objects.filter(pk=upload_id).values_list("offset", "sha256_state").first()
        if row is not None and row[0] == offset and row[1]:
            with contextlib.suppress(ValueError):
                return sha256_state.ResumableSha256(bytes(row[1]))
    with _HASHES_LOCK:
        kept = _HASHES.get(upload_id)
    if kept is None or kept[0] != offset:
        return None
    return kept[1].copy()


def hash_state(hasher: Any) -> bytes | None:
    """What to save with the new offset (None: the hash cannot be continued elsewhere)."""
    return hasher.state() if isinstance(hasher, sha256_state.ResumableSha256) else None


def hash_keep(upload_id: uuid.UUID, offset: int, hasher: Any) -> None:
    with _HASHES_LOCK:
        _HASHES[upload_id] = (offset, hasher)
        _HASHES.move_to_end(upload_id)
        while len(_HASHES) > _HASHES_KEPT:
            _HASHES.popitem(last=False)


def hash_forget(upload_id: uuid.UUID) -> None:
    with _HASHES_LOCK:
        _HASHES.pop(upload_id, None)


def upload_sha256(upload: TusUpload, read: Any) -> str:
    """The finished upload's sha256: the one computed while receiving, else by reading the bytes
    once more through `read()` (an open binary file)."""
    with _HASHES_LOCK:
        kept = _HASHES.pop(upload.pk, None)
    if upload.sha256_state and sha256_state.available():
        with contextlib.suppress(ValueError):
            return sha256_state.ResumableSha256(bytes(upload.sha256_state)).hexdigest()
    if kept is not None and kept[0] == upload.length:
        return str(kept[1].hexdigest())
    digest = hashlib.sha256()
    with read() as stream:
        while chunk := stream.read(COPY_BUFFER):
            digest.update(chunk)
    return digest.hexdigest()
