"""Model instances loaded from a query without running `Model.__init__` field by field.

A page of 25 videos loads about 175 instances (videos, owners, shares and their users,
renditions); Django's `from_db` builds each through `__init__`, which sends two signals and sets
every field through `setattr`: a quarter of the page's query time. `FastFromDb.from_db` (the hook
Django documents for customising loading) puts the loaded values straight into the instance's
`__dict__`, which is what `__init__` ends up doing for these fields, and falls back to Django's
own path whenever that would not be the same: a model with pre_init/post_init receivers (an
ImageField, a GenericForeignKey, anything added later), or a field whose descriptor does more
than store the value.
"""

import functools
from typing import Any

from django.db.models import Model
from django.db.models.base import ModelState
from django.db.models.fields.files import FileDescriptor
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init

# Descriptors whose __set__ on a new instance only stores the value in __dict__ (or that have
# no __set__ at all).
_PLAIN_DESCRIPTORS = (DeferredAttribute, FileDescriptor, ForeignKeyDeferredAttribute)


@functools.cache
def _plain_fields(model: type[Model]) -> frozenset[str]:
    """The attnames `from_db` may store directly for this model."""
    plain = set()
    for field in model._meta.concrete_fields:
        descriptor = model.__dict__.get(field.attname)
        if descriptor is None:
            for klass in model.__mro__:
                if field.attname in klass.__dict__:
                    descriptor = klass.__dict__[field.attname]
                    break
        if type(descriptor) in _PLAIN_DESCRIPTORS:
            plain.add(field.attname)
    return frozenset(plain)


class FastFromDb(Model):
    """An abstract base (listed first) for models whose rows load the fast way."""

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any) -> Any:
        model: Any = cls
        if (
            pre_init.has_listeners(model)
            or post_init.has_listeners(model)
            or not _plain_fields(model).issuperset(field_names)
        ):
            return super().from_db(db, field_names, values)
        new = model.__new__(model)
        state = ModelState()
        state.adding = False
        state.db = db
        new.__dict__["_state"] = state
        new.__dict__.update(zip(field_names, values, strict=True))
        return new
