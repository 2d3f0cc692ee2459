"""JSON with a nesting limit checked before the decoder recurses.

Python's decoder recurses once per level: 100,000 `[` cost a RecursionError (a 500) after a
lot of work. The depth is measured first, in a few C-speed passes over the body's brackets.
"""

import io
import re
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKET = re.compile(rb"[^\[\]{}]+")
_INNERMOST_PAIR = re.compile(rb"\[\]|\{\}")


def json_too_deep(raw: bytes | str, max_depth: int | None = None) -> bool:
    """True when `raw` nests arrays and objects deeper than `max_depth` (or its brackets do not
    pair up, which the decoder would refuse anyway)."""
    limit = settings.JSON_MAX_DEPTH if max_depth is None else max_depth
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    brackets = _NOT_BRACKET.sub(b"", _STRING.sub(b"", data))
    # Each pass removes the innermost level; what is left after `limit` passes is deeper.
    for _ in range(limit):
        if not brackets:
            return False
        brackets, removed = _INNERMOST_PAIR.subn(b"", brackets)
        if not removed:
            return True
    return bool(brackets)


class DepthLimitedJSONParser(JSONParser):
    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        raw = stream.read() if stream is not None else b""
        if json_too_deep(raw):
            raise ParseError(
                f"JSON parse error - nested deeper than {settings.JSON_MAX_DEPTH} levels."
            )
        return super().parse(io.BytesIO(raw), media_type, parser_context)
