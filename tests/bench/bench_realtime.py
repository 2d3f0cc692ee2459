"""Real-time benchmark: a drawing posted through the REST API, until another viewer's socket
delivers it. Baseline in the same run: the REST request alone (its round trip)."""

import argparse
import asyncio
import json
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import requests
import websockets

from tests.bench.common import make_user_token, manage, service_env, start_server


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=200)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-realtime-"))
    port = 19000 + os.getpid() % 1000
    env = service_env(work, BROKER_NAMESPACE=f"bench-{os.getpid()}")
    server = None
    try:
        manage(env, "migrate", "-v", "0")
        coach = make_user_token(env, "coach")
        viewer = make_user_token(env, "viewer")
        script = (
            "from accounts.models import User; from videos.models import Video, VideoShare;"
            "c = User.objects.get(username='coach'); v = User.objects.get(username='viewer');"
            "video = Video.objects.create(owner=c, title='bench', status='ready', duration=600,"
            " fps=30, width=1920, height=1080);"
            "VideoShare.objects.create(video=video, user=v, permission='view'); print(video.pk)"
        )
        video_id = manage(env, "shell", "-c", script).strip().splitlines()[-1]
        server = start_server(env, port)
        url = f"http://127.0.0.1:{port}/api/v1/annotations/drawing"
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {coach}"
        drawing = {"tool_type": "line", "points": [[0.1, 0.1], [0.9, 0.9]]}

        async def run() -> tuple[list[float], list[float]]:
            socket_url = f"ws://127.0.0.1:{port}/ws/videos/{video_id}/?token={viewer}"
            end_to_end, rest_only = [], []
            async with websockets.connect(socket_url) as socket:
                for index in range(args.events):
                    started = time.perf_counter()
                    body: dict[str, Any] = {
                        "video_id": video_id,
                        "timestamp": index % 600,
                        "drawing_data": drawing,
                    }
                    response = await asyncio.to_thread(session.post, url, json=body, timeout=10)
                    rest_only.append(time.perf_counter() - started)
                    assert response.status_code == 201, response.text
                    while True:
                        message = json.loads(await asyncio.wait_for(socket.recv(), 10))
                        if message["type"] == "annotation.created":
                            break
                    end_to_end.append(time.perf_counter() - started)
            return end_to_end, rest_only

        end_to_end, rest_only = asyncio.run(run())
        ms = 1000
        print(f"real-time benchmark: {args.events} drawings posted by one user, seen by another")
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
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
