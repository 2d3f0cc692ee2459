import json
import logging

import pytest

from config.logging import JsonFormatter, RequestContextFilter


@pytest.mark.django_db
def test_request_log_line_is_json_with_context(client, caplog, coach):
    from rest_framework.test import APIClient

    from tests.conftest import bearer

    api = bearer(APIClient(), coach)
    with caplog.at_level(logging.INFO, logger="video_service.request"):
        api.get("/api/v1/users/me", HTTP_X_REQUEST_ID="req-42")
    record = next(r for r in caplog.records if r.name == "video_service.request")
    line = json.loads(JsonFormatter().format(_filtered(record)))
    assert line["request_id"] == "req-42"
    assert line["user_id"] == coach.id
    assert line["method"] == "GET"
    assert line["path"] == "/api/v1/users/me"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float)
    assert {"time", "level", "logger", "message"} <= set(line)


def _filtered(record):
    RequestContextFilter().filter(record)
    return record


def test_a_request_id_with_a_trailing_newline_is_replaced(client):
    """`$` would accept "abc\\n" (the colour validator's bug); the id is matched to its end."""
    response = client.get("/health", HTTP_X_REQUEST_ID="abc\n")
    assert response["X-Request-ID"] != "abc\n" and "\n" not in response["X-Request-ID"]
