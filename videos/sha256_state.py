"""A sha256 whose running state can be saved and continued in another process.

hashlib's objects cannot be serialised, so a tus upload whose PATCHes land in different web
processes (or after a restart) could only be hashed again once whole. OpenSSL's own SHA256_CTX
(through ctypes, the same libcrypto hashlib uses, so the same speed; ctypes releases the GIL
during the call) is a plain 112-byte struct: saved with the upload's offset, it lets the next
PATCH go on hashing where the last one stopped. Checked against hashlib when first loaded; when
libcrypto or its layout is not what we expect, `available()` is False and callers fall back.
"""

import ctypes
import ctypes.util
import functools
import hashlib
from typing import Any

CTX_SIZE = 112  # SHA256_CTX: h[8], Nl, Nh, data[16], num, md_len (32-bit words)


@functools.cache
def _libcrypto() -> Any:
    try:
        lib = ctypes.CDLL(ctypes.util.find_library("crypto") or "libcrypto.so.3")
        lib.SHA256_Init.argtypes = [ctypes.c_void_p]
        lib.SHA256_Update.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
        lib.SHA256_Final.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    except (OSError, AttributeError):
        return None
    return lib if _agrees_with_hashlib(lib) else None


def _agrees_with_hashlib(lib: Any) -> bool:
    sample = bytes(range(256)) * 41  # not a multiple of the 64-byte block
    first = ResumableSha256(lib=lib)
    first.update(sample[:1000])
    second = ResumableSha256(first.state(), lib=lib)  # as if in another process
    second.update(sample[1000:])
    return second.hexdigest() == hashlib.sha256(sample).hexdigest()


def available() -> bool:
    return _libcrypto() is not None


class ResumableSha256:
    """`update` and `hexdigest` like hashlib's, plus `state()` to save and a constructor to
    continue from a saved state."""

    def __init__(self, state: bytes | None = None, *, lib: Any = None) -> None:
        self.lib = lib or _libcrypto()
        self.ctx = ctypes.create_string_buffer(CTX_SIZE)
        if state is None:
            self.lib.SHA256_Init(self.ctx)
        elif len(state) == CTX_SIZE:
            ctypes.memmove(self.ctx, bytes(state), CTX_SIZE)
        else:
            raise ValueError("not a saved sha256 state")

    def update(self, data: bytes | bytearray | memoryview) -> None:
        piece = data if isinstance(data, bytes) else bytes(data)
        self.lib.SHA256_Update(self.ctx, piece, len(piece))

    def state(self) -> bytes:
        return bytes(self.ctx.raw)

    def copy(self) -> "ResumableSha256":
        return ResumableSha256(self.state(), lib=self.lib)

    def hexdigest(self) -> str:
        out = ctypes.create_string_buffer(32)
        self.lib.SHA256_Final(out, self.copy().ctx)  # Final spoils the context it is given
        return out.raw.hex()
