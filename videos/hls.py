"""Documents that name sibling files, rewritten for one reader: HLS playlists (variant playlists,
EXT-X-MAP init sections, media segments) and the storyboard's WebVTT (sprite sheets).

Each name becomes a URL signed for exactly that file, so a reader gets what the document needs
and nothing else. Pure: the caller passes `sign(key) -> url`. Names must be plain file names in
the document's own folder; anything else (another folder, `..`, an absolute URL) is refused, so
a document can never lead to the original upload.
"""

import functools
import posixpath
import re
from collections.abc import Callable

Signer = Callable[[str], str]

_URI_ATTRIBUTE = re.compile(r'URI="([^"]*)"')
_SPRITE = re.compile(r"^(?P<name>[^\s#]+)(?P<fragment>#xywh=\d+,\d+,\d+,\d+)$")


class DocumentError(ValueError):
    """A stored playlist or storyboard names something outside its own folder."""


def sibling_key(document_key: str, name: str) -> str:
    """The storage key of `name` as written in the document at `document_key`."""
    folder = posixpath.dirname(document_key)
    if not name or "/" in name or name in (".", "..") or ":" in name or "?" in name:
        raise DocumentError(f"{document_key} names {name!r}, not a file in its own folder")
    return f"{folder}/{name}"


def rewrite_playlist(text: str, *, key: str, sign: Signer) -> str:
    """Every URI line and every URI="..." attribute (EXT-X-MAP, EXT-X-MEDIA...) signed."""
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            lines.append("")
        elif stripped.startswith("#"):
            lines.append(
                _URI_ATTRIBUTE.sub(
                    lambda match: f'URI="{sign(sibling_key(key, match.group(1)))}"', stripped
                )
            )
        else:
            lines.append(sign(sibling_key(key, stripped)))
    return "\n".join(lines) + "\n"


def rewrite_storyboard(text: str, *, key: str, sign: Signer) -> str:
    """Each cue's `sheet.jpg#xywh=...` payload becomes `<signed url>#xywh=...`."""
    lines = []
    for line in text.splitlines():
        match = _SPRITE.match(line.strip())
        if match:
            line = sign(sibling_key(key, match["name"])) + match["fragment"]
        lines.append(line)
    return "\n".join(lines) + "\n"


def is_final(playlist: str) -> bool:
    """A master playlist, or a media playlist that will not grow (VOD, or an ended EVENT)."""
    return "#EXT-X-ENDLIST" in playlist or "#EXT-X-STREAM-INF" in playlist


def rewrite(text: str, *, key: str, sign: Signer) -> str:
    """Dispatch on the document's kind (its key's suffix). Each file is signed once: a byte-range
    playlist names its one media file on every segment line, and a CloudFront signature is an
    RSA operation."""
    sign = functools.cache(sign)
    if key.endswith(".m3u8"):
        return rewrite_playlist(text, key=key, sign=sign)
    if key.endswith(".vtt"):
        return rewrite_storyboard(text, key=key, sign=sign)
    raise DocumentError(f"{key} is not a document the app rewrites")
