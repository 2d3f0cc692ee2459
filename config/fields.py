"""Serializer fields that take only what they say: numbers that are numbers, ids that are ids.

DRF's FloatField and IntegerField take `true` as 1 (bool is an int in Python) and any string
`float()` or `int()` accepts, including "nan", "inf" and non-ASCII digits ("١٢"); UUIDField
takes an integer (and so `true`) as UUID(int=...). Every numeric or id input uses these.
"""

import math
import re
import uuid
from typing import Any

from rest_framework import serializers

# A JSON-style number written as text (forms send numbers as strings): ASCII only.
_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_INTEGER = re.compile(r"-?(?:0|[1-9][0-9]*)")


class StrictFloatField(serializers.FloatField):
    """A finite number: not a boolean, not NaN or infinity, text only in ASCII decimal form."""

    def to_internal_value(self, data: Any) -> float:
        if isinstance(data, bool) or not isinstance(data, int | float | str):
            self.fail("invalid")
        if isinstance(data, str) and not _DECIMAL.fullmatch(data.strip()):
            self.fail("invalid")
        value = super().to_internal_value(data)
        if not math.isfinite(value):
            self.fail("invalid")
        return value


class StrictIntegerField(serializers.IntegerField):
    """A whole number: not a boolean, not 1.0, text only in ASCII digits."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("invalid")
        if isinstance(data, str) and not _INTEGER.fullmatch(data.strip()):
            self.fail("invalid")
        return int(super().to_internal_value(data))


class StrictUUIDField(serializers.UUIDField):
    """A UUID written as text; DRF's own would take 5 (or true) as UUID(int=5)."""

    def to_internal_value(self, data: Any) -> uuid.UUID:
        if not isinstance(data, str | uuid.UUID):
            self.fail("invalid", value=data)
        return super().to_internal_value(data)
