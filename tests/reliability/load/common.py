"""What every scenario shares: the stack it runs against, the admin's tokens, and the figures."""

import contextlib
import hashlib
import statistics
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from tests.reliability.stack import LocalStack, PrivateClamd, PrivateRedis

ADMIN = {"username": "loadtest-admin", "password": "a-long-enough-password-1"}
# Generous limits: the suite runs from one address as one user and must measure, not be throttled.
GENEROUS_LIMITS = {
    "READ_RATE_LIMIT": "1000000/m",
    "WRITE_RATE_LIMIT": "1000000/m",
    "READ_RATE_LIMIT_PER_IP": "1000000/m",
    "WRITE_RATE_LIMIT_PER_IP": "1000000/m",
    "TOKEN_RATE_LIMIT": "100000/m",
    "ANNOTATION_RATE_LIMIT": "100000/m",
    "UPLOAD_RATE_LIMIT": "100000/h",
    "WS_CONNECT_RATE_LIMIT": "100000/m",
    # A killed worker's job is requeued by the watchdog once its heartbeat is this old.
    "PROCESSING_STALE_SECONDS": "20",
    "LOST_MESSAGE_SECONDS": "20",
    # Each scenario takes a fresh token; this keeps one valid through a long fault scenario.
    "JWT_ACCESS_SECONDS": "3600",
}


@dataclass
class Stats:
    """Exact counts of one scenario's requests, and their latencies in seconds."""

    statuses: Counter[int] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    def percentiles(self) -> str:
        return percentiles(self.latencies)

    def summary(self) -> str:
        return (
            f"statuses {dict(sorted(self.statuses.items()))}, failures {dict(self.failures)}, "
            f"latency {self.percentiles()}"
        )


def percentiles(values: list[float]) -> str:
    if len(values) < 2:
        return "p50/p95/p99 n/a"
    cuts = statistics.quantiles(values, n=100)
    return (
        f"p50 {cuts[49] * 1000:.0f} ms, p95 {cuts[94] * 1000:.0f} ms, p99 {cuts[98] * 1000:.0f} ms"
    )


@dataclass
class Outcome:
    """A scenario's verdict: its figures and the reasons it failed (none: PASS)."""

    name: str
    figures: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems

    def check(self, condition: bool, problem: str) -> None:
        if not condition:
            self.problems.append(problem)

    def print(self) -> None:
        print(f"== {self.name}")
        for line in self.figures:
            print(f"   {line}")
        verdict = "PASS" if self.passed else "FAIL: " + "; ".join(self.problems)
        print(f"   {verdict}", flush=True)


@dataclass
class Target:
    """A running service: its URL, and (when started here) the stack and its private Redis."""

    url: str
    stack: LocalStack | None = None
    redis: PrivateRedis | None = None
    workdir: Path | None = None
    clamd: PrivateClamd | None = None


def logged_errors(target: Target, last: int = 3) -> list[str]:
    """The stack's last ERROR log lines (each cut short): why a scenario saw a 5xx."""
    if target.workdir is None:
        return []
    log = (target.workdir / "run.log").read_text(errors="replace")  # every role's stdout
    lines = [line[:400] for line in log.splitlines() if '"level": "ERROR"' in line]
    return [f"server logged: {line}" for line in lines[-last:]]


def finish(outcome: Outcome, target: Target) -> Outcome:
    """Print the outcome, with the server's errors when it failed."""
    if not outcome.passed:
        outcome.figures += logged_errors(target)
    outcome.print()
    return outcome


async def token_pair(session: aiohttp.ClientSession, url: str) -> dict[str, str]:
    async with session.post(f"{url}/api/v1/auth/token", json=ADMIN) as response:
        assert response.status == 200, await response.text()
        pair: dict[str, str] = await response.json()
        return pair


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@contextlib.contextmanager
def local_target(**extra_env: str) -> Iterator[Target]:
    """make run's stack in a folder of its own, with the suite's admin and generous limits."""
    env = {f"DJANGO_SUPERUSER_{key.upper()}": value for key, value in ADMIN.items()}
    env["DJANGO_SUPERUSER_EMAIL"] = "loadtest@example.com"
    with tempfile.TemporaryDirectory(prefix="loadtest-") as folder:
        workdir = Path(folder)
        redis = PrivateRedis(workdir / "redis")
        redis.start()
        # A real scanner, as production has (its database: an EICAR signature made here).
        clamd = PrivateClamd(workdir / "clamd")
        clamd.start()
        env["CLAMAV_ADDRESS"] = clamd.address
        try:
            with LocalStack(workdir, redis.url, **GENEROUS_LIMITS, **env, **extra_env) as stack:
                yield Target(stack.url, stack, redis, workdir, clamd)
        finally:
            redis.stop()
            clamd.stop()
