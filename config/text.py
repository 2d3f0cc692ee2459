"""Text people type (titles, descriptions, file names, reasons), cleaned the same way everywhere:
Unicode NFC, no control or bidi-override characters, trimmed to a length."""

import unicodedata
from pathlib import PurePosixPath, PureWindowsPath


def clean_filename(name: str) -> str:
    """Display text only: no path, no control or bidi characters, at most 255 characters."""
    name = PureWindowsPath(PurePosixPath(name or "").name).name
    return clean_text(name, max_length=255) or "video"


def clean_text(value: str, *, max_length: int, multiline: bool = False) -> str:
    allowed = {"\n", "\t"} if multiline else set()
    value = unicodedata.normalize("NFC", value or "")
    value = "".join(ch for ch in value if ch in allowed or unicodedata.category(ch)[0] != "C")
    return value.strip()[:max_length]
