"""A bounded load test: `make loadtest` (or `python -m tests.reliability.loadtest`).

Starts `make run`'s supervised stack on a free port with a private Redis and its own SQLite
(unless --url names a running server), then `--clients` concurrent clients loop for `--seconds`
over GET /health, GET /api/v1/users/me and GET /api/v1/videos with one token. Prints counts and
latency percentiles (numbers, not assertions); exits 1 on any server error or failed request.
"""

import argparse
import asyncio
import contextlib
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from tests.reliability.stack import LocalStack, private_redis

ADMIN = {"username": "loadtest-admin", "password": "a-long-enough-password-1"}
PATHS = ["/health", "/api/v1/users/me", "/api/v1/videos"]


@dataclass
class Results:
    statuses: Counter[int] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500) + sum(
            self.failures.values()
        )

    def report(self, seconds: float) -> str:
        total = sum(self.statuses.values())
        cuts = statistics.quantiles(self.latencies, n=100) if len(self.latencies) > 1 else [0] * 99
        return (
            f"{total} responses in {seconds:.1f} s ({total / seconds:.0f}/s); "
            f"statuses {dict(sorted(self.statuses.items()))}; failures {dict(self.failures)}; "
            f"latency p50 {cuts[49] * 1000:.0f} ms, p95 {cuts[94] * 1000:.0f} ms, "
            f"max {max(self.latencies, default=0) * 1000:.0f} ms"
        )


async def client_loop(
    session: aiohttp.ClientSession, url: str, headers: dict[str, str], until: float, out: Results
) -> None:
    index = 0
    while time.monotonic() < until:
        path = PATHS[index % len(PATHS)]
        index += 1
        started = time.monotonic()
        try:
            async with session.get(f"{url}{path}", headers=headers) as response:
                await response.read()
                out.statuses[response.status] += 1
        except (aiohttp.ClientError, TimeoutError) as error:
            out.failures[type(error).__name__] += 1
        out.latencies.append(time.monotonic() - started)


async def run_load(url: str, *, clients: int, seconds: float) -> Results:
    results = Results()
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        async with session.post(f"{url}/api/v1/auth/token", json=ADMIN) as response:
            token = (await response.json())["access"]
        headers = {"Authorization": f"Bearer {token}"}
        until = time.monotonic() + seconds
        loops = [client_loop(session, url, headers, until, results) for _ in range(clients)]
        await asyncio.gather(*loops)
    return results


@contextlib.contextmanager
def local_stack() -> Iterator[str]:
    """make run's stack in a folder of its own, with the load test's admin."""
    env = {f"DJANGO_SUPERUSER_{key.upper()}": value for key, value in ADMIN.items()}
    env["DJANGO_SUPERUSER_EMAIL"] = "loadtest@example.com"
    with tempfile.TemporaryDirectory(prefix="loadtest-") as folder:
        workdir = Path(folder)
        with (
            private_redis(workdir / "redis") as redis_url,
            LocalStack(workdir, redis_url, **env) as stack,
        ):
            yield stack.url


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument(
        "--url", help="a running server with the load test's admin (else one is started)"
    )
    args = parser.parse_args()
    with contextlib.nullcontext(args.url) if args.url else local_stack() as url:
        started = time.monotonic()
        results = asyncio.run(run_load(url, clients=args.clients, seconds=args.seconds))
        print(results.report(time.monotonic() - started))
    return 1 if results.errors else 0


if __name__ == "__main__":
    sys.exit(main())
