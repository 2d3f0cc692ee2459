"""A tus upload on S3: every PATCH's bytes become parts of one S3 multipart upload whose key is
the original's, so the finished upload is put together by S3 (CompleteMultipartUpload) and never
copied. S3 takes parts of at least 5 MiB but the last: a PATCH cuts its body into parts as it
streams (through a spool file on local disk, `PART_BYTES` at a time), and what is left under
5 MiB at its end waits in a tail object until the next PATCH, which starts its spool with it.

The boto3 client is the storage's own (django-storages `S3Storage`), so credentials, endpoint
and key prefix are the storage's.
"""

import contextlib
import os
import tempfile
import uuid
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from config.db import outside_requests
from config.errors import Conflict
from videos import storage
from videos.metrics import timed_storage
from videos.models import TusUpload

MIN_PART_BYTES = 5 * 1024 * 1024  # S3's smallest part but the last
PART_BYTES = 16 * 1024 * 1024  # what a streaming PATCH sends per part
COPY_BUFFER = 1024 * 1024


def original_key(upload_id: uuid.UUID) -> str:
    return f"{storage.video_prefix(upload_id)}original"


def tail_key(upload_id: uuid.UUID, offset: int) -> str:
    """The bytes from the last part's end to `offset` (the committed offset)."""
    return f"{storage.upload_prefix(upload_id)}tail-{offset}"


def _client() -> tuple[Any, str]:
    return default_storage.connection.meta.client, default_storage.bucket_name  # type: ignore[attr-defined]


def _object_name(key: str) -> str:
    # The storage's own mapping from a key to the object's name (its `location` prefix).
    return str(default_storage._normalize_name(key))  # type: ignore[attr-defined]


class PartWriter:
    """One PATCH on S3: a local spool the received bytes go into, cut into parts as it fills."""

    def __init__(self, upload: TusUpload, token: str) -> None:
        self.upload = upload
        self.token = token
        self.multipart_id = upload.s3_upload_id
        self.parts = upload.parts
        self.part_bytes = upload.part_bytes
        fd, self.spool_path = tempfile.mkstemp(prefix="tus-spool-", dir=_spool_dir())
        self.spool = os.fdopen(fd, "wb+")

    def load_tail(self) -> None:
        """Start the spool with the bytes of earlier PATCHes that did not make a part."""
        if self.upload.offset == self.part_bytes:
            return
        with default_storage.open(tail_key(self.upload.pk, self.upload.offset), "rb") as tail:
            while chunk := tail.read(COPY_BUFFER):
                self.spool.write(chunk)
        self.spool.flush()

    def spooled(self) -> int:
        self.spool.flush()
        return os.fstat(self.spool.fileno()).st_size

    def send_part(self) -> None:
        """The spool as the next part; the spool starts again empty."""
        self.spool.flush()
        size = self.spooled()
        client, bucket = _client()
        if not self.multipart_id:
            self.multipart_id = self._start()
        self.spool.seek(0)
        with timed_storage("save"):
            client.upload_part(
                Bucket=bucket,
                Key=_object_name(original_key(self.upload.pk)),
                UploadId=self.multipart_id,
                PartNumber=self.parts + 1,
                Body=self.spool,
                ContentLength=size,
            )
        self.parts += 1
        self.part_bytes += size
        self.spool.seek(0)
        self.spool.truncate()

    def _start(self) -> str:
        client, bucket = _client()
        created = client.create_multipart_upload(
            Bucket=bucket, Key=_object_name(original_key(self.upload.pk))
        )
        multipart_id = str(created["UploadId"])
        with outside_requests():  # called in the event loop's executor
            saved = TusUpload.objects.filter(
                pk=self.upload.pk, lock_token=self.token, s3_upload_id=""
            ).update(s3_upload_id=multipart_id)
        if not saved:
            client.abort_multipart_upload(
                Bucket=bucket,
                Key=_object_name(original_key(self.upload.pk)),
                UploadId=multipart_id,
            )
            raise Conflict("Another request changed this upload meanwhile.")
        return multipart_id

    def settle(self, new_offset: int) -> dict[str, Any]:
        """At the PATCH's end: what is spooled becomes a part (if large enough, or the last) or
        the new tail. Returns the row's fields to commit with the new offset."""
        rest = self.spooled()
        if rest and (new_offset == self.upload.length or rest >= MIN_PART_BYTES):
            self.send_part()
        elif rest:
            self.spool.seek(0)
            key = tail_key(self.upload.pk, new_offset)
            with timed_storage("save"):
                default_storage.delete(key)
                default_storage.save(key, ContentFile(self.spool.read()))
        return {"parts": self.parts, "part_bytes": self.part_bytes}

    def committed(self, old_offset: int) -> None:
        """The new offset is in the row: the old tail is history."""
        if old_offset != self.upload.part_bytes:
            with timed_storage("delete"):
                default_storage.delete(tail_key(self.upload.pk, old_offset))

    def close(self) -> None:
        self.spool.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.spool_path)


def _spool_dir() -> str | None:
    return settings.FILE_UPLOAD_TEMP_DIR or None


def complete(upload: TusUpload) -> str:
    """Put the parts together as the original (S3 does it); returns the original's key."""
    client, bucket = _client()
    name = _object_name(original_key(upload.pk))
    etags: dict[int, str] = {}
    marker = 0
    while True:
        listed = client.list_parts(
            Bucket=bucket, Key=name, UploadId=upload.s3_upload_id, PartNumberMarker=marker
        )
        for part in listed.get("Parts", []):
            etags[part["PartNumber"]] = part["ETag"]
        if not listed.get("IsTruncated"):
            break
        marker = listed["NextPartNumberMarker"]
    missing = [number for number in range(1, upload.parts + 1) if number not in etags]
    if missing:
        raise Conflict(f"Parts {missing} of the upload are missing in storage.")
    with timed_storage("save"):
        client.complete_multipart_upload(
            Bucket=bucket,
            Key=name,
            UploadId=upload.s3_upload_id,
            MultipartUpload={
                "Parts": [
                    {"PartNumber": number, "ETag": etags[number]}
                    for number in range(1, upload.parts + 1)
                ]
            },
        )
    return original_key(upload.pk)


def abort(upload: TusUpload) -> None:
    """Drop the multipart upload's parts (a terminated, expired or refused upload)."""
    if not upload.s3_upload_id:
        return
    client, bucket = _client()
    with contextlib.suppress(client.exceptions.NoSuchUpload):
        client.abort_multipart_upload(
            Bucket=bucket, Key=_object_name(original_key(upload.pk)), UploadId=upload.s3_upload_id
        )
