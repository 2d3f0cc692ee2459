"""Scenario 1: simulated users loop over a mix of API reads and token refreshes for a while; not
one 5xx (nor a failed connection) is allowed; p50/p95/p99 are reported per kind and overall."""

import asyncio
import time
from collections import defaultdict

import aiohttp

from tests.reliability.load.common import ADMIN, Outcome, Stats, percentiles


async def timed(
    session: aiohttp.ClientSession, method: str, url: str, stats: Stats, kind: list[float], **kw
) -> dict | list | None:
    started = time.monotonic()
    try:
        async with session.request(method, url, **kw) as response:
            body = await response.json(content_type=None) if response.status == 200 else None
            stats.statuses[response.status] += 1
    except (aiohttp.ClientError, TimeoutError) as error:
        stats.failures[type(error).__name__] += 1
        return None
    elapsed = time.monotonic() - started
    stats.latencies.append(elapsed)
    kind.append(elapsed)
    return body


async def user_loop(
    session: aiohttp.ClientSession,
    url: str,
    video_id: str,
    until: float,
    stats: Stats,
    kinds: dict[str, list[float]],
) -> None:
    """One user: a token pair (a failed sign-in counts and is tried again), then list, detail,
    annotation list, and every fourth round a refresh (rotating: the new refresh token replaces
    the old one)."""
    pair = None
    while pair is None:  # everyone signs in at once: a burst of password checks
        if time.monotonic() >= until:
            return
        signed_in = await timed(
            session, "POST", f"{url}/api/v1/auth/token", stats, kinds["sign-in"], json=ADMIN
        )
        pair = signed_in if isinstance(signed_in, dict) else None
    round_ = 0
    while time.monotonic() < until:
        auth = {"Authorization": f"Bearer {pair['access']}"}
        await timed(session, "GET", f"{url}/api/v1/videos", stats, kinds["list"], headers=auth)
        detail = f"{url}/api/v1/videos/{video_id}"
        await timed(session, "GET", detail, stats, kinds["detail"], headers=auth)
        notes = f"{url}/api/v1/annotations?video_id={video_id}"
        await timed(session, "GET", notes, stats, kinds["annotations"], headers=auth)
        if round_ % 4 == 3:
            refresh = f"{url}/api/v1/auth/token/refresh"
            body = {"refresh": pair["refresh"]}
            fresh = await timed(session, "POST", refresh, stats, kinds["refresh"], json=body)
            if isinstance(fresh, dict):
                pair = {**pair, **fresh}
        round_ += 1


async def api_mix(url: str, video_id: str, *, users: int, seconds: float) -> Outcome:
    stats, kinds = Stats(), defaultdict[str, list[float]](list)
    connector = aiohttp.TCPConnector(limit=users)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        started = time.monotonic()
        until = started + seconds
        await asyncio.gather(
            *(user_loop(session, url, video_id, until, stats, kinds) for _ in range(users))
        )
        elapsed = time.monotonic() - started
    total = sum(stats.statuses.values())
    outcome = Outcome(f"1. mixed API load: {users} users for {seconds:.0f} s")
    outcome.figures.append(f"{total} responses in {elapsed:.1f} s ({total / elapsed:.0f}/s)")
    outcome.figures.append(stats.summary())
    outcome.figures += [f"{kind}: {len(v)}, {percentiles(v)}" for kind, v in sorted(kinds.items())]
    outcome.check(total > 0, "no responses")
    outcome.check(stats.server_errors == 0, f"{stats.server_errors} server errors")
    outcome.check(not stats.failures, f"failed requests {dict(stats.failures)}")
    outcome.check(set(stats.statuses) <= {200}, f"statuses other than 200: {stats.statuses}")
    return outcome
