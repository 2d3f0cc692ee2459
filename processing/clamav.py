"""clamd over its socket (INSTREAM). Fail closed: only "OK" is clean."""

import socket
import struct
from dataclasses import dataclass
from typing import BinaryIO

from django.conf import settings

CHUNK = 64 * 1024


class ScannerUnavailable(Exception):
    """clamd could not be reached or answered nonsense; the scan must be retried."""


@dataclass(frozen=True)
class ScanResult:
    clean: bool
    signature: str = ""
    # clamd stops at StreamMaxLength: anything beyond was not scanned.
    partial: bool = False


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
    partial = size is not None and sent < size
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


def ping(address: str | None = None, timeout: float = 2) -> bool:
    try:
        with _connect(address or settings.CLAMAV_ADDRESS, timeout) as sock:
            sock.sendall(b"zPING\0")
            return _read_reply(sock) == "PONG"
    except OSError:
        return False
