"""clamd over its socket (INSTREAM). Fail closed: only "OK" is clean."""

import socket
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from django.conf import settings

from videos.models import ScanStatus

CHUNK = 64 * 1024


class ScannerUnavailable(Exception):
    """clamd could not be reached or answered nonsense; the scan must be retried."""


@dataclass(frozen=True)
class ScanResult:
    clean: bool
    signature: str = ""
    # clamd stops at StreamMaxLength: anything beyond was not scanned.
    partial: bool = False


@dataclass(frozen=True)
class ScanVerdict:
    """What a video or recording records: its scan status and a detail (the signature when
    infected, why when not or only partly scanned)."""

    status: ScanStatus
    detail: str = ""


def scan_file(path: Path | str, *, size: int) -> ScanVerdict:
    """The one malware decision for uploads and the worker: NOT_SCANNED without a scanner,
    INFECTED with its signature, PARTIAL beyond clamd's stream limit, else CLEAN.
    Raises ScannerUnavailable (never "clean") when clamd cannot answer."""
    if not settings.CLAMAV_ADDRESS:
        return ScanVerdict(ScanStatus.NOT_SCANNED, "No virus scanner is configured.")
    with open(path, "rb") as stream:
        return verdict_of(scan_stream(stream, size=size))


def verdict_of(result: ScanResult) -> ScanVerdict:
    if not result.clean:
        return ScanVerdict(ScanStatus.INFECTED, result.signature)
    if result.partial:
        limit = settings.CLAMAV_STREAM_MAX_BYTES
        return ScanVerdict(ScanStatus.PARTIAL, f"Only the first {limit} bytes were scanned.")
    return ScanVerdict(ScanStatus.CLEAN)


class StreamScan:
    """One INSTREAM session fed while an upload arrives, so the scan needs no second pass over
    the file: `feed` each block as it is received (from a worker thread), then `finish` for
    the verdict. A scanner that fails midway is remembered and reported by `finish` (raises
    ScannerUnavailable); the upload itself goes on."""

    def __init__(
        self, *, address: str | None = None, timeout: float = 120, connect_timeout: float = 5
    ) -> None:
        self.address = address or settings.CLAMAV_ADDRESS
        self.limit = settings.CLAMAV_STREAM_MAX_BYTES
        self.sent = 0
        self.error: Exception | None = None
        self.sock: socket.socket | None = None
        try:
            # A scanner that does not answer must not hold the upload up: the worker scans.
            self.sock = _connect(self.address, connect_timeout)
            self.sock.settimeout(timeout)
            self.sock.sendall(b"zINSTREAM\0")
        except OSError as error:
            self.fail(error)

    def fail(self, error: Exception) -> None:
        self.error = self.error or error
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def feed(self, data: bytes | bytearray | memoryview) -> None:
        view = memoryview(data)
        try:
            while self.sock is not None and view and self.sent < self.limit:
                piece = view[: min(CHUNK, self.limit - self.sent)]
                self.sock.sendall(struct.pack("!L", len(piece)))
                self.sock.sendall(piece)
                self.sent += len(piece)
                view = view[len(piece) :]
        except OSError as error:
            self.fail(error)

    def finish(self, *, size: int) -> ScanVerdict:
        try:
            if self.sock is None:
                raise ScannerUnavailable(f"clamd at {self.address} unreachable: {self.error}")
            try:
                self.sock.sendall(struct.pack("!L", 0))
                reply = _read_reply(self.sock)
            except (OSError, ValueError) as error:
                raise ScannerUnavailable(f"clamd at {self.address} failed: {error}") from error
            return verdict_of(_result(reply, partial=self.sent < size))
        finally:
            self.close()

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None


def _connect(address: str, timeout: float) -> socket.socket:
    if address.startswith("/"):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        sock.connect(address)
        return sock
    host, _, port = address.rpartition(":")
    return socket.create_connection((host or "127.0.0.1", int(port)), timeout=timeout)


def scan_stream(
    stream: BinaryIO, *, address: str | None = None, size: int | None = None, timeout: float = 120
) -> ScanResult:
    address = address or settings.CLAMAV_ADDRESS
    stream_limit = settings.CLAMAV_STREAM_MAX_BYTES
    try:
        with _connect(address, timeout) as sock:
            sock.sendall(b"zINSTREAM\0")
            sent = 0
            while sent < stream_limit and (chunk := stream.read(min(CHUNK, stream_limit - sent))):
                sock.sendall(struct.pack("!L", len(chunk)) + chunk)
                sent += len(chunk)
            sock.sendall(struct.pack("!L", 0))
            reply = _read_reply(sock)
    except (OSError, ValueError) as error:
        raise ScannerUnavailable(f"clamd at {address} unreachable: {error}") from error
    return _result(reply, partial=size is not None and sent < size)


def _result(reply: str, *, partial: bool) -> ScanResult:
    # "stream: OK", "stream: Eicar-Signature FOUND", "INSTREAM size limit exceeded. ERROR", ...
    body = reply.removeprefix("stream:").strip()
    if body == "OK":
        return ScanResult(clean=True, partial=partial)
    if body.endswith(" FOUND"):
        return ScanResult(clean=False, signature=body.removesuffix(" FOUND").strip())
    raise ScannerUnavailable(f"clamd answered {reply!r}")


def _read_reply(sock: socket.socket) -> str:
    data = b""
    while not data.endswith(b"\0"):
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
        if len(data) > 8192:
            raise ValueError("reply too long")
    return data.rstrip(b"\0").decode("utf-8", "replace").strip()


def version(*, address: str | None = None, timeout: float = 2) -> str | None:
    """clamd's VERSION answer ("ClamAV 1.0.9/27469/Mon Nov 23 09:26:03 2026"), None when no
    scanner is configured or it does not answer."""
    address = address or settings.CLAMAV_ADDRESS
    if not address:
        return None
    try:
        with _connect(address, timeout) as sock:
            sock.sendall(b"zVERSION\0")
            return _read_reply(sock)
    except (OSError, ValueError):
        return None
