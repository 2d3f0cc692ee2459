"""Schemathesis over every operation of /api/schema/, as a signed-in coach with real objects.

Each operation gets FUZZ_EXAMPLES cases that fit the schema and as many that do not, with path
ids half the time the real video's (or annotation's, export's) so the cases reach the views.
Asserted: no 5xx, every 4xx in the error shape, every response as the schema documents it.
Each case runs in a transaction rolled back afterwards, so a DELETE does not starve the rest.
"""

import json
from collections import Counter
from typing import Any

import pytest
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction

from tests.fuzz.conftest import FUZZ_EXAMPLES, FUZZ_SEED

schemathesis = pytest.importorskip(
    "schemathesis", reason="schemathesis is not installed: pip install -r requirements/dev.txt"
)
hypothesis = pytest.importorskip("hypothesis")

from hypothesis import strategies as st  # noqa: E402
from rest_framework_simplejwt.tokens import RefreshToken  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
)

from annotations.services import annotation_create_drawing  # noqa: E402
from processing.models import JobKind, ProcessingJob  # noqa: E402
from tests.factories import make_user, make_video  # noqa: E402
from videos.models import VideoShare  # noqa: E402

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
LINE = {"tool_type": "line", "points": [[0.1, 0.1], [0.9, 0.9]]}


def error_shape(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every 4xx is {"code", "detail", "errors"?} (HEAD answers have no body)."""
    if not 400 <= response.status_code < 500 or case.method.upper() == "HEAD":
        return None
    body = json.loads(response.content)
    assert isinstance(body, dict), body
    assert {"code", "detail"} <= set(body) <= {"code", "detail", "errors"}, body
    assert isinstance(body["code"], str) and body["code"], body
    return True


@pytest.fixture
def wsgi_app():
    """Django's WSGI handler in this thread, keeping the test's database connection open (as
    Django's test client does: each request would otherwise close it)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(generous_limits):
    coach = make_user("fuzz_coach", role="coach")
    athlete = make_user("fuzz_athlete", role="athlete")
    video = make_video(athlete, duration=10.0, fps=30.0, width=1280, height=720)
    VideoShare.objects.create(video=video, user=coach, permission="annotate")
    own = make_video(coach, duration=10.0, fps=30.0, width=1280, height=720)
    annotation = annotation_create_drawing(
        video=video, author=coach, timestamp=1.0, duration=2.0, drawing_data=LINE
    )
    export = ProcessingJob.objects.create(
        video=own, kind=JobKind.EXPORT, requested_by=coach, options={"quality": "sd"}
    )
    return {"coach": coach, "video": video, "own": own, "annotation": annotation, "export": export}


def real_ids(path: str, world: dict) -> dict[str, str]:
    """The path parameters of `path` filled with ids that exist."""
    if path.startswith("/api/v1/annotations/"):
        return {"id": str(world["annotation"].pk)}
    if "/exports/{id}" in path:
        return {"video_id": str(world["own"].pk), "id": str(world["export"].pk)}
    ids = {"id": str(world["own"].pk), "video_id": str(world["video"].pk)}
    if "{username}" in path:
        ids["username"] = "fuzz_athlete"
    return ids


def test_every_operation_survives_the_fuzzer(world, wsgi_app):
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_app)
    headers = {"Authorization": f"Bearer {RefreshToken.for_user(world['coach']).access_token}"}
    checks = [not_a_server_error, response_schema_conformance, content_type_conformance]
    cases = 0
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    for result in schema.get_all_operations():
        operation = result.ok()
        modes = []
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(generation_mode=mode)
            if "{" in operation.path:
                fixed = real_ids(operation.path, world)
                strategy = st.one_of(
                    strategy, operation.as_strategy(generation_mode=mode, path_parameters=fixed)
                )
            modes.append(strategy)

        @hypothesis.settings(
            max_examples=FUZZ_EXAMPLES * 2,
            deadline=None,
            database=None,
            derandomize=False,
            suppress_health_check=list(hypothesis.HealthCheck),
            phases=[hypothesis.Phase.generate],
        )
        @hypothesis.seed(FUZZ_SEED)
        @hypothesis.given(case=st.one_of(*modes))
        def fuzz(case: Any) -> None:
            nonlocal cases
            cases += 1
            with transaction.atomic():
                response = case.call(headers=headers)
                statuses[response.status_code] += 1
                case.validate_response(response, checks=checks, additional_checks=[error_shape])
                transaction.set_rollback(True)

        try:
            fuzz()
        except Exception as error:  # one operation's failure must not hide the next one's
            failures.append(f"{operation.method.upper()} {operation.path}: {error}"[:3000])
    print(f"schemathesis: {cases} cases, statuses {dict(sorted(statuses.items()))}")
    assert statuses[200] + statuses[201] + statuses[204] > 0, "nothing got through: auth?"
    assert not failures, "\n\n".join(failures)
    assert cases >= FUZZ_EXAMPLES
