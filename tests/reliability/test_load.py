"""The load test's short version: a few seconds of concurrent clients against `make run`'s stack
answer without a server error or a failed request (the numbers are printed, not asserted)."""

import asyncio

import pytest

from tests.reliability.loadtest import local_stack, run_load

pytestmark = pytest.mark.slow


def test_a_short_load_has_no_errors():
    with local_stack() as url:
        results = asyncio.run(run_load(url, clients=8, seconds=5))
    print(results.report(5))
    assert sum(results.statuses.values()) > 0
    assert (results.errors, dict(results.failures)) == (0, {})
    assert set(results.statuses) <= {200, 429}, results.statuses
