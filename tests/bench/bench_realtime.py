"""Real-time benchmark: a drawing posted through the REST API, until other viewers' sockets
deliver it: one listener, then `--listeners` (200) on the same video. Baseline in the same run:
the REST request alone (its round trip)."""

import argparse
import asyncio
import json
import os
import statistics
import time
from typing import Any

import requests
import websockets
from websockets.asyncio.client import ClientConnection

from tests.bench.common import make_user_token, manage, running_server, service_env, workdir

DRAWING = {"tool_type": "line", "points": [[0.1, 0.1], [0.9, 0.9]]}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def make_shared_video(env: dict[str, str]) -> str:
    """A ready 10-minute video of the coach's, shared with the viewer; its id."""
    script = (
        "from accounts.models import User; from videos.models import Video, VideoShare;"
        "c = User.objects.get(username='coach'); v = User.objects.get(username='viewer');"
        "video = Video.objects.create(owner=c, title='bench', status='ready', duration=600,"
        " fps=30, width=1920, height=1080);"
        "VideoShare.objects.create(video=video, user=v, permission='view'); print(video.pk)"
    )
    return manage(env, "shell", "-c", script).strip().splitlines()[-1]


async def wait_for_created(socket: ClientConnection) -> None:
    """Read the socket until an annotation.created message arrives (10 s at most each)."""
    while True:
        message = json.loads(await asyncio.wait_for(socket.recv(), 10))
        if message["type"] == "annotation.created":
            return


async def time_drawings(
    port: int, video_id: str, coach: str, viewer: str, events: int
) -> tuple[list[float], list[float]]:
    """Post `events` drawings as the coach; the times until the REST reply and until the
    viewer's socket delivers each."""
    url = f"http://127.0.0.1:{port}/api/v1/annotations/drawing"
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {coach}"
    socket_url = f"ws://127.0.0.1:{port}/ws/videos/{video_id}/?token={viewer}"
    end_to_end, rest_only = [], []
    async with websockets.connect(socket_url) as socket:
        for index in range(events):
            started = time.perf_counter()
            body: dict[str, Any] = {
                "video_id": video_id,
                "timestamp": index % 600,
                "drawing_data": DRAWING,
            }
            response = await asyncio.to_thread(session.post, url, json=body, timeout=10)
            rest_only.append(time.perf_counter() - started)
            assert response.status_code == 201, response.text
            await wait_for_created(socket)
            end_to_end.append(time.perf_counter() - started)
    return end_to_end, rest_only


async def seen(socket: ClientConnection, started: float) -> float:
    await wait_for_created(socket)
    return time.perf_counter() - started


async def time_fanout(
    port: int, video_id: str, coach: str, viewer: str, events: int, listeners: int
) -> tuple[list[float], list[float], list[float]]:
    """Post `events` drawings one after another while `listeners` sockets watch the video: the
    REST round trips, every delivery's time, and each event's time until the last listener."""
    url = f"http://127.0.0.1:{port}/api/v1/annotations/drawing"
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {coach}"
    socket_url = f"ws://127.0.0.1:{port}/ws/videos/{video_id}/?token={viewer}&presence=0"
    sockets = []
    for _ in range(listeners):
        sockets.append(await websockets.connect(socket_url, max_queue=None))
    rest_only: list[float] = []
    deliveries: list[float] = []
    last: list[float] = []
    try:
        for index in range(events):
            started = time.perf_counter()
            body: dict[str, Any] = {
                "video_id": video_id,
                "timestamp": index % 600,
                "drawing_data": DRAWING,
            }

            watchers = [asyncio.create_task(seen(socket, started)) for socket in sockets]
            response = await asyncio.to_thread(session.post, url, json=body, timeout=10)
            rest_only.append(time.perf_counter() - started)
            assert response.status_code == 201, response.text
            times = await asyncio.gather(*watchers)
            deliveries.extend(times)
            last.append(max(times))
    finally:
        await asyncio.gather(*(socket.close() for socket in sockets))
    return rest_only, deliveries, last


def print_report(events: int, end_to_end: list[float], rest_only: list[float]) -> None:
    ms = 1000
    print(f"real-time benchmark: {events} drawings posted by one user, seen by another")
    print(
        f"  REST request alone        : median {statistics.median(rest_only) * ms:6.1f} ms"
        f"  p95 {percentile(rest_only, 0.95) * ms:6.1f} ms  (baseline)"
    )
    print(
        f"  REST -> other viewer      : median {statistics.median(end_to_end) * ms:6.1f} ms"
        f"  p95 {percentile(end_to_end, 0.95) * ms:6.1f} ms  (goal < 250 ms)"
    )
    ratio = statistics.median(end_to_end) / statistics.median(rest_only)
    print(f"  ratio (median)            : {ratio:.2f}x")


def print_fanout(
    events: int, listeners: int, rest_only: list[float], deliveries: list[float], last: list[float]
) -> None:
    ms = 1000
    print(f"  with {listeners} listeners on the video ({events} drawings, one at a time):")
    print(
        f"  REST request alone        : median {statistics.median(rest_only) * ms:6.1f} ms"
        f"  p95 {percentile(rest_only, 0.95) * ms:6.1f} ms"
    )
    print(
        f"  REST -> each delivery     : median {statistics.median(deliveries) * ms:6.1f} ms"
        f"  p95 {percentile(deliveries, 0.95) * ms:6.1f} ms  (goal p95 < 50 ms)"
    )
    print(
        f"  REST -> last listener     : median {statistics.median(last) * ms:6.1f} ms"
        f"  p95 {percentile(last, 0.95) * ms:6.1f} ms"
    )
    ratio = statistics.median(deliveries) / statistics.median(rest_only)
    print(f"  ratio (median delivery / REST alone): {ratio:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--listeners", type=int, default=200)
    args = parser.parse_args()
    port = 19000 + os.getpid() % 1000
    with workdir("bench-realtime-") as work:
        env = service_env(
            work, BROKER_NAMESPACE=f"bench-{os.getpid()}", WS_CONNECT_RATE_LIMIT="100000/m"
        )
        manage(env, "migrate", "-v", "0")
        coach = make_user_token(env, "coach")
        viewer = make_user_token(env, "viewer")
        video_id = make_shared_video(env)
        with running_server(env, port):
            timings = asyncio.run(time_drawings(port, video_id, coach, viewer, args.events))
            print_report(args.events, *timings)
            if args.listeners:
                fanout_events = max(10, args.events // 4)
                fanout = asyncio.run(
                    time_fanout(port, video_id, coach, viewer, fanout_events, args.listeners)
                )
                print_fanout(fanout_events, args.listeners, *fanout)


if __name__ == "__main__":
    main()
