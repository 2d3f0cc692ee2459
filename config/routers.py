"""Annotations go to the `annotations` database (MongoDB) when one is configured."""

from typing import Any

from django.conf import settings

ANNOTATIONS_APP = "annotations"
ANNOTATIONS_DB = "annotations"


def _separate_store() -> bool:
    return ANNOTATIONS_DB in settings.DATABASES


class AnnotationsRouter:
    def db_for_read(self, model: type, **hints: Any) -> str | None:
        if model._meta.app_label == ANNOTATIONS_APP and _separate_store():  # type: ignore[attr-defined]
            return ANNOTATIONS_DB
        return None

    db_for_write = db_for_read

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return None

    def allow_migrate(
        self, db: str, app_label: str, model_name: str | None = None, **hints: Any
    ) -> bool | None:
        if not _separate_store():
            return None
        if app_label == ANNOTATIONS_APP:
            return db == ANNOTATIONS_DB
        return db != ANNOTATIONS_DB
