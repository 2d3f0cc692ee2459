import os

import pytest

# `make test` runs a bounded number of cases per operation and mode; `make fuzz` many more.
FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))
FUZZ_SEED = int(os.environ.get("FUZZ_SEED", "20261201"))


@pytest.fixture
def generous_limits(settings):
    """The fuzzer sends hundreds of requests a minute from one user: limits are tested elsewhere."""
    for name in ("READ_RATE_LIMIT", "READ_RATE_LIMIT_PER_IP", "WRITE_RATE_LIMIT"):
        setattr(settings, name, "100000/m")
    settings.WRITE_RATE_LIMIT_PER_IP = "100000/m"
    settings.ANNOTATION_RATE_LIMIT = "100000/m"
    settings.TOKEN_RATE_LIMIT = "100000/m"
    settings.UPLOAD_RATE_LIMIT = "100000/h"
    settings.WS_CONNECT_RATE_LIMIT = "100000/m"
