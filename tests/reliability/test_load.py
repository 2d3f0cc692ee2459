"""The load and fault suite's short version (tests/reliability/load, `make loadtest` at full size):
10 users for 10 s, 5 uploads with cut connections, 20 sockets and 20 annotations, 3 uploads while
a worker process is killed. The figures are printed; only outcomes are asserted."""

import tempfile
from pathlib import Path

import pytest

from tests.reliability.load.common import local_target
from tests.reliability.load.suite import SHORT, run_sync

pytestmark = pytest.mark.slow


def test_the_short_load_and_fault_suite_passes():
    with tempfile.TemporaryDirectory(prefix="loadtest-clip-") as folder, local_target() as target:
        outcomes = run_sync(target, SHORT, Path(folder))
    assert len(outcomes) == 4
    assert {outcome.name: outcome.problems for outcome in outcomes if not outcome.passed} == {}
