"""The load and fault suite's short version (tests/reliability/load; `make loadtest` runs it at
full size): 5 uploads with cut connections, 10 users for 10 s, 20 sockets and 20 annotations, then
3 uploads while a worker process is killed mid-job. One stack for all; the figures are printed,
only outcomes are asserted."""

import tempfile
from pathlib import Path

import pytest

from tests.reliability.load.common import Outcome, local_target
from tests.reliability.load.suite import SHORT, run_sync

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def outcomes() -> dict[str, Outcome]:
    with tempfile.TemporaryDirectory(prefix="loadtest-clip-") as folder, local_target() as target:
        ran = run_sync(target, SHORT, Path(folder))
    return {outcome.name[:2]: outcome for outcome in ran}


def test_uploads_api_load_and_sockets_pass(outcomes):
    assert {name: outcomes[name].problems for name in ("1.", "2.", "3.")} == {
        "1.": [],
        "2.": [],
        "3.": [],
    }


def test_a_killed_worker_process_loses_no_upload(outcomes):
    assert outcomes["4."].problems == []
