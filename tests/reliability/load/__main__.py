"""`make loadtest`: the four scenarios at full size (LOADTEST_* to scale) against make run's stack
started here, or against --url (a running server with the suite's admin: no faults then)."""

import argparse
import sys
import tempfile
import time
from pathlib import Path

from tests.reliability.load.common import Target, local_target
from tests.reliability.load.suite import Sizes, run_sync


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running server with the suite's admin (no faults)")
    args = parser.parse_args()
    sizes = Sizes.from_env()
    print(f"load suite at {sizes}", flush=True)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="loadtest-clip-") as folder:
        if args.url:
            outcomes = run_sync(Target(args.url), sizes, Path(folder))
        else:
            with local_target() as target:
                outcomes = run_sync(target, sizes, Path(folder))
    failed = [outcome.name for outcome in outcomes if not outcome.passed]
    print(
        f"load suite: {len(outcomes) - len(failed)}/{len(outcomes)} passed in "
        f"{time.monotonic() - started:.0f} s" + (f"; FAILED: {failed}" if failed else "")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
