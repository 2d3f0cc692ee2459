"""Scenario 4: faults while parallel uploads run (scenario 2's clients, which retry): a worker
process SIGKILLed mid-transcode, a web process SIGKILLed, the stack's private Redis restarted,
its clamd stopped and started again. The service must answer again by itself, no running job's
heartbeat may stay stale past the watchdog period, every upload must end ready, whole and
scanned clean (nothing lost, nothing half-written, nothing passed off as scanned).
"""

import asyncio
import contextlib
import signal
import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import psutil

from tests.reliability.load.common import GENEROUS_LIMITS, Outcome, Target
from tests.reliability.load.uploads import judge_uploads, upload_many
from tests.reliability.stack import http_status

WATCHDOG_EVERY = 30  # deploy/scripts/start.sh watchdog: processing_watchdog --every 30
STALE_BOUND = int(GENEROUS_LIMITS["PROCESSING_STALE_SECONDS"]) + WATCHDOG_EVERY + 15
FAULTS = ("worker", "web", "redis", "clamd")


def worker_processes(target: Target) -> list[psutil.Process]:
    assert target.stack is not None
    with contextlib.suppress(psutil.NoSuchProcess, KeyError, ValueError):
        (main,) = target.stack.roles()["worker"]
        children = psutil.Process(main).children()
        return [c for c in children if "dramatiq" in " ".join(c.cmdline())]
    return []


def runs_a_job(process: psutil.Process) -> bool:
    with contextlib.suppress(psutil.NoSuchProcess):
        names = {p.name() for p in process.children(recursive=True)}
        return bool(names & {"ffmpeg", "ffprobe", "setpriv"})
    return False


def kill_worker_process(target: Target) -> str:
    """SIGKILL the Dramatiq worker process running a job's subprocess (ffmpeg, ffprobe; waiting
    up to 30 s for one), else any worker process; then wait for supervisord to bring them back."""
    deadline = time.monotonic() + 30
    while True:
        children = worker_processes(target)
        busy = [c for c in children if runs_a_job(c)]
        if children and (busy or time.monotonic() > deadline):
            break
        time.sleep(0.05)
    victim = (busy or children)[0]
    victim.send_signal(signal.SIGKILL)
    started, count = time.monotonic(), len(children)
    while time.monotonic() - started < 90:
        now = worker_processes(target)
        if len(now) >= count and victim.pid not in {p.pid for p in now}:
            break
        time.sleep(0.2)
    state = "mid-job" if busy else "idle"
    return (
        f"SIGKILL worker process {victim.pid} ({state}); {count} worker processes again "
        f"{time.monotonic() - started:.1f} s later"
    )


def kill_web_process(target: Target) -> str:
    assert target.stack is not None
    victim = target.stack.roles()["web"][0]
    psutil.Process(victim).send_signal(signal.SIGKILL)
    return f"SIGKILL web process {victim}"


def restart_redis(target: Target) -> str:
    assert target.redis is not None
    target.redis.stop()
    time.sleep(2)
    target.redis.start()
    return "private Redis stopped for 2 s and started again (its data gone: no persistence)"


def restart_clamd(target: Target) -> str:
    """Uploads arriving meanwhile cannot be scanned: they wait (pending) and are scanned once
    clamd is back, never stored as clean or not scanned."""
    assert target.clamd is not None
    target.clamd.stop()
    time.sleep(CLAMD_DOWN_SECONDS)
    target.clamd.start()
    return f"clamd stopped for {CLAMD_DOWN_SECONDS} s and started again"


CLAMD_DOWN_SECONDS = 8
INJECT = {
    "worker": kill_worker_process,
    "web": kill_web_process,
    "redis": restart_redis,
    "clamd": restart_clamd,
}


def seconds_to_answer(url: str, bound: float = 90) -> float | None:
    """How long until /health answers 200 again (None: not within the bound)."""
    started = time.monotonic()
    while time.monotonic() - started < bound:
        if http_status(f"{url}/health") == 200 and http_status(f"{url}/api/v1/videos") == 401:
            return time.monotonic() - started
        time.sleep(0.2)
    return None


class HeartbeatWatch(threading.Thread):
    """Reads the stack's SQLite every 2 s: a running job whose heartbeat is older than the stale
    period plus a watchdog round (and slack) is recorded."""

    def __init__(self, database: Path) -> None:
        super().__init__(daemon=True)
        self.database, self.stop_event = database, threading.Event()
        self.stale: dict[str, str] = {}
        self.oldest = 0.0

    def run(self) -> None:
        while not self.stop_event.wait(2):
            with contextlib.suppress(sqlite3.Error):
                self._look()

    def _look(self) -> None:
        now = datetime.now(UTC)
        with contextlib.closing(sqlite3.connect(self.database, timeout=5)) as db:
            rows = db.execute(
                "SELECT id, heartbeat_at FROM processing_processingjob WHERE state = 'running'"
            ).fetchall()
        for job_id, beat in rows:
            if beat is None:
                continue
            age = now - datetime.fromisoformat(beat).replace(tzinfo=UTC)
            self.oldest = max(self.oldest, age.total_seconds())
            if age > timedelta(seconds=STALE_BOUND):
                self.stale[str(job_id)] = f"{age.total_seconds():.0f} s"


async def inject_faults(target: Target, faults: tuple[str, ...], outcome: Outcome) -> None:
    for fault in faults:
        await asyncio.sleep(3)
        what = await asyncio.to_thread(INJECT[fault], target)
        back = await asyncio.to_thread(seconds_to_answer, target.url)
        answered = "never (90 s)" if back is None else f"after {back:.1f} s"
        outcome.figures.append(f"{what}: the service answered again {answered}")
        outcome.check(back is not None, f"no answer after {fault}")


async def faults_scenario(
    target: Target,
    token: str,
    clip: Path,
    *,
    uploads: int,
    faults: tuple[str, ...] = FAULTS,
    wait: float = 240,
) -> Outcome:
    assert target.workdir is not None
    watch = HeartbeatWatch(target.workdir / "db.sqlite3")
    watch.start()
    timeout = aiohttp.ClientTimeout(total=30)
    faults_outcome = Outcome("faults")
    async with aiohttp.ClientSession(timeout=timeout) as session:
        run, _ = await asyncio.gather(
            upload_many(
                session, target.url, token, clip, uploads, seed=4, seconds=wait, scanned=True
            ),
            inject_faults(target, faults, faults_outcome),
        )
    watch.stop_event.set()
    watch.join()
    name = f"4. faults ({', '.join(faults)}) during {uploads} uploads"
    outcome = judge_uploads(run, uploads, name, faults=True)
    outcome.figures = faults_outcome.figures + outcome.figures
    outcome.figures.append(
        f"oldest running heartbeat seen {watch.oldest:.0f} s (bound {STALE_BOUND} s)"
    )
    outcome.problems += faults_outcome.problems
    outcome.check(not watch.stale, f"stale heartbeats past the watchdog: {watch.stale}")
    if not outcome.passed:
        outcome.figures.append(f"jobs: {jobs_table(target.workdir / 'db.sqlite3')}")
    return outcome


def jobs_table(database: Path) -> list[tuple[object, ...]]:
    """Every job's state, attempts, error and heartbeat: what a failed run is explained by."""
    with contextlib.closing(sqlite3.connect(database, timeout=5)) as db:
        return db.execute(
            "SELECT video_id, state, attempts, error_code, heartbeat_at"
            " FROM processing_processingjob WHERE state != 'succeeded'"
        ).fetchall()
