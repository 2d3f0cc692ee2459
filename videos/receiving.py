"""Bytes of an upload on their way to disk: sha256, the file write and clamd's INSTREAM each run
in a worker thread (all three release the GIL) while the event loop receives the next block, so
receiving costs about one pass of the slowest of them, not the sum of three.

Shared by the plain multipart upload (`videos.multipart`) and tus (`videos.tus`).
"""

import asyncio
import logging
import os
from typing import Any, BinaryIO

from django.conf import settings

from processing import clamav
from videos.models import ScanStatus

logger = logging.getLogger(__name__)

# Hand-off size: large enough that the per-block costs (thread hand-off, syscalls) vanish,
# small enough that the web process holds at most a few of them per upload.
BLOCK = 2 * 1024 * 1024
IOV_MAX = os.sysconf("SC_IOV_MAX")  # the most pieces one writev takes (1024 on Linux)


def start_scan() -> clamav.StreamScan | None:
    """An INSTREAM session for an upload arriving now, or None without a configured clamd."""
    if not settings.CLAMAV_ADDRESS:
        return None
    return clamav.StreamScan()


def scan_verdict(scan: clamav.StreamScan | None, size: int) -> clamav.ScanVerdict:
    """The verdict of a scan fed while receiving; clamd unreachable or failing midway gives
    PENDING (the worker scans the stored file; never clean)."""
    if scan is None:
        return clamav.ScanVerdict(ScanStatus.NOT_SCANNED, "No virus scanner is configured.")
    try:
        return scan.finish(size=size)
    except clamav.ScannerUnavailable as error:
        logger.warning(
            "clamd unavailable at upload; the worker will scan", extra={"error": str(error)}
        )
        return clamav.ScanVerdict(ScanStatus.PENDING, "")


class BlockSink:
    """Collects received pieces into blocks and hands each to worker threads that write it,
    hash it and feed it to clamd side by side. The pieces are the received messages themselves
    (about 256 KiB each), never copied on the event loop; a block is written with one `writev`.
    At most one block is in flight while the next fills, so memory stays at about two blocks
    however large the upload."""

    def __init__(
        self,
        file: BinaryIO,
        *,
        hashers: tuple[Any, ...] = (),
        scan: clamav.StreamScan | None = None,
    ) -> None:
        self.file = file
        self.hashers = [hasher for hasher in hashers if hasher is not None]
        self.scan = scan
        self.pieces: list[bytes | memoryview] = []
        self.pending = 0
        self.in_flight: asyncio.Future[Any] | None = None
        self.written = 0

    def add(self, data: bytes | memoryview) -> bool:
        """Take `data` (not copied: it must not change); True when a block is full and `flush`
        should be awaited."""
        if data:
            self.pieces.append(data)
            self.pending += len(data)
        return self.pending >= BLOCK

    async def flush(self) -> None:
        await self.wait()
        if not self.pieces:
            return
        block = self.pieces
        self.pieces, self.pending = [], 0
        loop = asyncio.get_running_loop()
        jobs = [loop.run_in_executor(None, self._write, block)]
        if self.hashers:
            jobs.append(loop.run_in_executor(None, self._hash, block))
        if self.scan is not None:
            jobs.append(loop.run_in_executor(None, self._feed, block))
        self.in_flight = asyncio.gather(*jobs)

    async def wait(self) -> None:
        if self.in_flight is not None:
            in_flight, self.in_flight = self.in_flight, None
            await in_flight

    async def close(self) -> None:
        """Everything taken is hashed, written and sent to clamd."""
        await self.flush()
        await self.wait()

    async def abandon(self) -> None:
        """Stop without writing what is pending (a refused or broken body)."""
        self.pieces, self.pending = [], 0
        try:
            await self.wait()
        except Exception:
            logger.debug("block dropped while abandoning an upload", exc_info=True)

    def _write(self, block: list[bytes | memoryview]) -> None:
        """The block in one system call (the GIL released once), past the file object's
        buffers. A sink only appends: seeking to the end first writes out what the file object
        still holds (the S3 spool's tail) and drops any read-ahead, so the descriptor's
        position is the file's end whatever was done with the object before."""
        self.file.seek(0, os.SEEK_END)
        fd = self.file.fileno()
        views = [memoryview(piece) for piece in block]
        while views:
            done = os.writev(fd, views[:IOV_MAX])
            if done <= 0:
                raise OSError(f"writev wrote nothing to {self.file.name!r}")
            self.written += done
            while views and done >= len(views[0]):  # a short write: go on where it stopped
                done -= len(views[0])
                views.pop(0)
            if done:
                views[0] = views[0][done:]

    def _hash(self, block: list[bytes | memoryview]) -> None:
        for piece in block:
            for hasher in self.hashers:
                hasher.update(piece)

    def _feed(self, block: list[bytes | memoryview]) -> None:
        assert self.scan is not None  # noqa: S101 - only scheduled with a scan
        for piece in block:
            self.scan.feed(piece)
