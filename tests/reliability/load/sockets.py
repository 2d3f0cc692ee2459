"""Scenario 3: many WebSocket clients watch one video while annotations are created over REST;
every client must receive every annotation.created exactly once. The latency from the start of
the POST to each receipt is reported."""

import asyncio
import json
import time
from collections import Counter
from dataclasses import dataclass, field

import aiohttp

from tests.reliability.load.common import Outcome, Stats, percentiles

DRAWING = {"tool_type": "line", "points": [[0.1, 0.1], [0.9, 0.9]]}
POSTERS = 4  # annotations are posted by a few concurrent REST clients


@dataclass
class SocketRun:
    posted_at: dict[str, float] = field(default_factory=dict)  # annotation id -> POST start
    received: list[dict[str, float]] = field(default_factory=list)  # per socket: id -> receipt
    counts: list[Counter[str]] = field(default_factory=list)  # per socket: id -> how often
    stats: Stats = field(default_factory=Stats)
    closed_early: int = 0
    closing: bool = False  # set before the scenario closes its sockets
    handshakes: Counter[str] = field(default_factory=Counter)  # refused handshakes, by cause


async def read_socket(socket: aiohttp.ClientWebSocketResponse, index: int, run: SocketRun) -> None:
    async for message in socket:
        if message.type != aiohttp.WSMsgType.TEXT:
            break
        event = json.loads(message.data)
        if event.get("type") == "annotation.created":
            annotation_id = str(event["payload"]["id"])
            run.counts[index][annotation_id] += 1
            run.received[index].setdefault(annotation_id, time.monotonic())
    if not run.closing:
        run.closed_early += 1


async def post_annotations(
    session: aiohttp.ClientSession,
    url: str,
    token: str,
    video_id: str,
    numbers: range,
    run: SocketRun,
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    for number in numbers:
        body = {"video_id": video_id, "timestamp": (number % 10) / 10, "drawing_data": DRAWING}
        started = time.monotonic()
        try:
            async with session.post(
                f"{url}/api/v1/annotations/drawing", json=body, headers=headers
            ) as response:
                run.stats.statuses[response.status] += 1
                created = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError) as error:
            run.stats.failures[type(error).__name__] += 1
            continue
        run.stats.latencies.append(time.monotonic() - started)
        if response.status == 201:
            run.posted_at[str(created["id"])] = started


def everyone_has_all(run: SocketRun) -> bool:
    return all(set(run.posted_at) <= set(got) for got in run.received)


async def sockets_scenario(
    url: str, token: str, video_id: str, *, clients: int, annotations: int, wait: float = 60
) -> Outcome:
    run = SocketRun()
    socket_url = url.replace("http", "ws", 1) + f"/ws/videos/{video_id}/?token={token}&presence=0"
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(
        timeout=timeout, connector=aiohttp.TCPConnector(limit=0)
    ) as session:
        tried = await asyncio.gather(
            *(session.ws_connect(socket_url, heartbeat=None) for _ in range(clients)),
            return_exceptions=True,
        )
        sockets = [s for s in tried if isinstance(s, aiohttp.ClientWebSocketResponse)]
        for failed in (s for s in tried if isinstance(s, BaseException)):
            status = getattr(failed, "status", None)
            run.handshakes[f"{type(failed).__name__} {status or ''}".strip()] += 1
        run.received = [{} for _ in sockets]
        run.counts = [Counter() for _ in sockets]
        readers = [asyncio.create_task(read_socket(s, i, run)) for i, s in enumerate(sockets)]
        await asyncio.sleep(1)  # each socket has joined its video's group once it answered
        await asyncio.gather(
            *(
                post_annotations(session, url, token, video_id, range(i, annotations, POSTERS), run)
                for i in range(POSTERS)
            )
        )
        deadline = time.monotonic() + wait
        while not everyone_has_all(run) and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        await asyncio.sleep(1)  # a duplicate would arrive now
        run.closing = True
        for socket in sockets:
            await socket.close()
        await asyncio.gather(*readers, return_exceptions=True)
    return judge_sockets(run, clients, annotations)


def refused(run: SocketRun) -> int:
    return sum(run.handshakes.values())


def judge_sockets(run: SocketRun, clients: int, annotations: int) -> Outcome:
    outcome = Outcome(f"3. WebSockets: {clients} clients on one video, {annotations} annotations")
    latencies = [
        got[aid] - started
        for got in run.received
        for aid, started in run.posted_at.items()
        if aid in got
    ]
    missing = sum(len(set(run.posted_at) - set(got)) for got in run.received)
    duplicates = sum(n - 1 for counts in run.counts for n in counts.values() if n > 1)
    strangers = sum(len(set(counts) - set(run.posted_at)) for counts in run.counts)
    outcome.figures += [
        f"handshakes refused: {dict(run.handshakes)}; sockets closed early: {run.closed_early}",
        f"POST /annotations/drawing: {run.stats.summary()}",
        f"deliveries {len(latencies)}/{clients * len(run.posted_at)}, missing {missing}, "
        f"duplicates {duplicates}, unknown ids {strangers}",
        f"POST to receipt: {percentiles(latencies)}",
    ]
    outcome.check(
        len(run.posted_at) == annotations, f"{len(run.posted_at)} of {annotations} created"
    )
    outcome.check(not run.handshakes, f"{refused(run)} handshakes refused {dict(run.handshakes)}")
    outcome.check(run.closed_early == 0, f"{run.closed_early} sockets closed by the server")
    outcome.check(missing == 0, f"{missing} deliveries missing")
    outcome.check(duplicates == 0, f"{duplicates} duplicate deliveries")
    outcome.check(strangers == 0, f"{strangers} unexpected annotation ids")
    outcome.check(run.stats.server_errors == 0, f"{run.stats.server_errors} server errors")
    return outcome
