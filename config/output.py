"""Output serializers that render without rebuilding DRF's fields for every object.

A ModelSerializer deep-copies and binds its declared fields for every instance, and each field
of each row goes through `get_attribute` with its generic source lookups: on a page of 25 videos
with 3 renditions each that was close to half of the list's time. `FastOutput` keeps the
serializer declarative (the fields, the OpenAPI schema and `get_<name>` methods as they are)
and renders through a plan made once per class: for each readable field its output name, the
attribute it reads, and the converter of the field DRF would use (a DateTimeField's ISO format,
a ChoiceField's value...). `drf_representation` is DRF's own path, kept for the tests that hold
both to the same output.
"""

from collections.abc import Callable
from typing import Any, ClassVar

from django.db.models import Manager
from rest_framework import serializers

_PLAIN, _METHOD, _NESTED_MANY, _NESTED_ONE = range(4)

Step = tuple[int, str, str, Any]


class FastOutput(serializers.Serializer):
    """Mix into an output-only (Model)Serializer; nested output serializers mix it in too."""

    _plans: ClassVar[dict[type, list[Step]]] = {}

    @classmethod
    def _plan(cls) -> list[Step]:
        plan = FastOutput._plans.get(cls)
        if plan is None:
            plan = []
            for field in cls().fields.values():
                if field.write_only:
                    continue
                name = str(field.field_name)
                if isinstance(field, serializers.SerializerMethodField):
                    plan.append((_METHOD, name, str(field.method_name), None))
                elif isinstance(field, serializers.ListSerializer) and isinstance(
                    field.child, FastOutput
                ):
                    plan.append((_NESTED_MANY, name, _single_source(field), type(field.child)))
                elif isinstance(field, FastOutput):
                    plan.append((_NESTED_ONE, name, _single_source(field), type(field)))
                else:
                    converter: Callable[[Any], Any] = field.to_representation
                    plan.append((_PLAIN, name, _single_source(field), converter))
            FastOutput._plans[cls] = plan
        return plan

    def _nested(self, serializer_class: type["FastOutput"]) -> "FastOutput":
        """One instance of a nested serializer per parent, sharing the parent's context."""
        cache = self.__dict__.setdefault("_nested_instances", {})
        child = cache.get(serializer_class)
        if child is None:
            child = cache[serializer_class] = serializer_class(context=self.context)
        return child

    def to_representation(self, instance: Any) -> dict[str, Any]:
        output: dict[str, Any] = {}
        for kind, name, source, extra in self._plan():
            if kind == _METHOD:
                output[name] = getattr(self, source)(instance)
                continue
            value = getattr(instance, source)
            if value is None:
                output[name] = None
            elif kind == _PLAIN:
                output[name] = extra(value)
            elif kind == _NESTED_MANY:
                child = self._nested(extra)
                items = value.all() if isinstance(value, Manager) else value
                output[name] = [child.to_representation(item) for item in items]
            else:
                output[name] = self._nested(extra).to_representation(value)
        return output

    def drf_representation(self, instance: Any) -> dict[str, Any]:
        """DRF's generic rendering of the same fields (for tests comparing both)."""
        return dict(serializers.Serializer.to_representation(self, instance))


def _single_source(field: serializers.Field) -> str:
    source = str(field.source)
    if source == "*" or "." in source:
        raise TypeError(f"FastOutput renders plain attributes only, not {source!r}")
    return source
