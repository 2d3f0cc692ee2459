"""JSON nested too deep is a 400 in the error shape, refused before the decoder recurses."""

import time

import pytest
from rest_framework.test import APIClient

from config.parsers import json_too_deep

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("raw", "limit", "deep"),
    [
        (b"[[1]]", 2, False),
        (b"[[[1]]]", 2, True),
        (b'{"a": "[[[[[[", "b": {"c": []}}', 3, False),  # brackets in strings do not count
        (b'["\\"[[[["]', 1, False),  # nor after an escaped quote
        (b"[[]", 5, True),  # unpaired: the decoder would refuse it too
        (b"3", 0, False),
    ],
)
def test_depth(raw, limit, deep):
    assert json_too_deep(raw, limit) is deep


def test_a_hundred_thousand_brackets_to_the_token_endpoint_is_a_cheap_400():
    started = time.monotonic()
    response = APIClient().post(
        "/api/v1/auth/token", b"[" * 100_000, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_request"
    assert time.monotonic() - started < 2


def test_drawing_data_nested_50000_deep_is_400(coach):
    client = APIClient()
    client.force_authenticate(coach)
    deep = "[" * 50_000 + "]" * 50_000
    body = '{"video_id": "00000000-0000-0000-0000-000000000000", "timestamp": 1, '
    body += f'"drawing_data": {{"tool_type": "line", "points": {deep}}}}}'
    response = client.post("/api/v1/annotations/drawing", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_request"


def test_ordinary_nesting_still_parses(coach):
    client = APIClient()
    client.force_authenticate(coach)
    response = client.post(
        "/api/v1/annotations/drawing",
        {"video_id": "00000000-0000-0000-0000-000000000000", "timestamp": 1},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
