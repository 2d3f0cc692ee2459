"""Where annotations live: MongoDB when MONGODB_URL is set, else the default database."""

import pytest
from django.conf import settings
from django.db import connections

from annotations.models import Annotation
from tests.conftest import bearer

pytestmark = pytest.mark.django_db(databases="__all__")


def test_documents_are_in_the_configured_store(coaching):
    users, video = coaching
    body = {
        "video_id": str(video.pk),
        "timestamp": 1,
        "drawing_data": {"tool_type": "line", "points": [[0, 0], [1, 1]]},
    }
    from rest_framework.test import APIClient

    created = bearer(APIClient(), users["owner"]).post(
        "/api/v1/annotations/drawing", body, format="json"
    )
    assert created.status_code == 201
    if "annotations" in settings.DATABASES:
        assert Annotation.objects.db == "annotations"
        connection = connections["annotations"]
        assert connection.vendor == "mongodb"
        collection = connection.database[Annotation._meta.db_table]  # type: ignore[attr-defined]
        document = collection.find_one({"timestamp": 1})
        assert document is not None and document["drawing_data"]["tool_type"] == "line"
    else:
        assert Annotation.objects.db == "default"
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT count(*) FROM annotations_annotation")
            assert cursor.fetchone()[0] == 1
