"""API benchmark: requests/s and latency of the hot reads (video list, video detail, annotation
list) and of token refresh, with 1 and 20 concurrent clients, against `/health` on the same
server under the same client as the ceiling. The server is `make run`'s stack (supervisord,
WEB_CONCURRENCY uvicorn processes, SQLite, a private Redis: tests/reliability/load), seeded with
about 100 ready videos of a staff user. The client is wrk (C, epoll; tests/bench/wrk_api.lua
adds the bearer token or rotates refresh tokens), one connection and thread per simulated
client, so the client takes little of the cores the server needs. Each run also reports how
busy the machine's cores were: with one client about one core works at a time (client, server,
Redis take turns), so on N cores no number of clients can exceed about N / busy times the
one-client rate.

Then what each cache saves (config/caching.py), measured in one process on the stack's Redis:
signing a page's media URLs against reading them from `media_urls`, on local storage, S3 and
CloudFront; rewriting a storyboard and a playlist against serving them through `documents`.
`python -m tests.bench.bench_api [--seconds 5] [--videos 100] [--only list detail]`; with
`--postgresql postgres://user@host:5432` the stack runs on a database made on that server for the
run (and dropped after) instead of SQLite, as production does (its connections pooled; set
DATABASE_POOL_MAX_SIZE=0 to compare without the pool).
"""

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import psycopg

from tests.bench.common import manage
from tests.reliability.load.common import ADMIN, Target, local_target

SEED = """
import uuid
from accounts.models import User
from annotations.models import Annotation
from videos.models import Rendition, Video, VideoShare
admin = User.objects.get(username={admin!r})
viewer, _ = User.objects.get_or_create(username="bench-viewer")
for index in range({videos}):
    video = Video.objects.create(
        owner=admin, title=f"Session {{index}}", description="Squats, front view",
        original_filename=f"clip-{{index}}.mp4", size=50_000_000, sha256="0" * 64,
        status="ready", duration=30.0, width=1920, height=1080, fps=30.0, video_codec="h264",
        audio_codec="aac", progress=100, scan_status="clean",
    )
    prefix = f"videos/{{video.pk}}/"
    Video.objects.filter(pk=video.pk).update(
        original=prefix + "original", hls_master=prefix + "hls/master.m3u8",
        poster=prefix + "poster.jpg", storyboard=prefix + "storyboard/storyboard.vtt",
        analysis={{"interval": 0.5, "motion": [0.25] * 60, "scene_cuts": [12.5]}},
    )
    for quality, height, bitrate in (("hd", 1080, 6_000_000), ("sd", 720, 3_000_000),
                                     ("mobile", 360, 800_000)):
        Rendition.objects.create(
            video=video, quality=quality, width=height * 16 // 9, height=height, fps=30.0,
            bitrate=bitrate, size=bitrate * 30 // 8, codecs="avc1.640028,mp4a.40.2",
            file=prefix + f"{{quality}}.mp4", playlist=prefix + f"hls/{{quality}}.m3u8",
        )
    VideoShare.objects.create(video=video, user=viewer, permission="annotate")
Annotation.objects.bulk_create(
    Annotation(
        video_id=video.pk, author_id=admin.pk, author_username=admin.username, type="drawing",
        timestamp=index * 0.5, duration=3.0,
        drawing_data={{"tool_type": "line", "points": [[0.1, 0.1], [0.9, 0.9]],
                      "color": "#FF3B30", "width": 3}},
    )
    for index in range({annotations})
)
print(video.pk)
"""


@dataclass
class Run:
    """One endpoint at one concurrency, as wrk reports it, and how busy the machine's cores
    were meanwhile (all processes: server, client, Redis)."""

    name: str
    clients: int
    requests: int = 0
    seconds: float = 0.0
    p50: float = float("nan")  # seconds
    p95: float = float("nan")
    errors: int = 0
    busy_cores: float = 0.0

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms(self) -> float:
        """Machine CPU per request (server, Redis and client together)."""
        return self.busy_cores / self.rate * 1000 if self.rate else float("nan")

    def line(self) -> str:
        return (
            f"{self.name:<12} {self.clients:>3} clients: {self.rate:7.1f} req/s"
            f"  p50 {self.p50 * 1000:6.1f} ms  p95 {self.p95 * 1000:6.1f} ms"
            f"  cores busy {self.busy_cores:4.2f} ({self.cpu_ms:5.2f} ms CPU a request)"
            + (f"  ERRORS {self.errors}" if self.errors else "")
        )


async def token_pair(session: aiohttp.ClientSession, url: str) -> tuple[str, str]:
    async with session.post(f"{url}/api/v1/auth/token", json=ADMIN) as response:
        assert response.status == 200, await response.text()
        pair = await response.json()
        return pair["access"], pair["refresh"]


async def token_pairs(url: str, count: int) -> list[tuple[str, str]]:
    async with aiohttp.ClientSession() as session:
        return [await token_pair(session, url) for _ in range(count)]


def cpu_jiffies() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    with open("/proc/stat") as stat:
        fields = [int(value) for value in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


WRK_SCRIPT = Path(__file__).with_name("wrk_api.lua")


def measure(url: str, name: str, path: str | None, clients: int, seconds: float) -> Run:
    """wrk with `clients` connections, one thread each (wrk is C on epoll: the client takes a
    small share of the two cores the server needs), for `seconds` after a 1 s warm-up."""
    # GETs share one access token; refreshes rotate one refresh token per client (each sign-in
    # hashes a password: 20 of them cost seconds).
    pairs = asyncio.run(token_pairs(url, clients if path is None else 1))
    env = {
        **os.environ,
        "WRK_ACCESS": pairs[0][0] if path is not None else "",  # a refresh carries no bearer
        "WRK_REFRESH": ",".join(refresh for _, refresh in pairs) if path is None else "",
    }
    target = url + (path or "/api/v1/auth/token/refresh")
    command = ["wrk", "-t", str(clients), "-c", str(clients), "-s", str(WRK_SCRIPT), target]
    if path is not None:  # a warm-up; refresh tokens are spent by use
        subprocess.run([*command[:1], "-d", "1s", *command[1:]], env=env, capture_output=True)
    busy, total = cpu_jiffies()
    out = subprocess.run(
        [*command[:1], "-d", f"{seconds:.0f}s", "--timeout", "10s", *command[1:]],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    busy_after, total_after = cpu_jiffies()
    result = next(line for line in out.splitlines() if line.startswith("RESULT "))
    requests, duration, p50, p95, _p99, errors = (int(v) for v in result.split()[1:])
    cores = os.cpu_count() or 1
    return Run(
        name,
        clients,
        requests=requests - errors,
        seconds=duration / 1e6,
        p50=p50 / 1e6,
        p95=p95 / 1e6,
        errors=errors,
        busy_cores=cores * (busy_after - busy) / max(1, total_after - total),
    )


def seed(target: Target, videos: int, annotations: int) -> str:
    assert target.stack is not None
    script = SEED.format(admin=ADMIN["username"], videos=videos, annotations=annotations)
    return manage(target.stack.env, "shell", "-c", script).strip().splitlines()[-1]


def endpoints(video_id: str) -> dict[str, str | None]:
    return {
        "health": "/health",
        "list": "/api/v1/videos",
        "detail": f"/api/v1/videos/{video_id}",
        "annotations": f"/api/v1/annotations?video_id={video_id}",
        "refresh": None,  # POST /api/v1/auth/token/refresh, rotating
    }


def metrics_counters(url: str) -> dict[str, float]:
    """The cache hit and miss counters from /metrics (loopback may read it)."""
    import requests

    text = requests.get(f"{url}/metrics", timeout=10).text
    counters: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith(("app_cache_hits_total{", "app_cache_misses_total{")):
            name, value = line.rsplit(" ", 1)
            counters[name] = float(value)
    return counters


@contextmanager
def database(server: str | None) -> Iterator[dict[str, str]]:
    """No settings (the stack's SQLite), or a database of its own on a PostgreSQL server."""
    if not server:
        yield {}
        return
    name = f"bench_api_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{server.rstrip('/')}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {"DATABASE_URL": f"{server.rstrip('/')}/{name}"}
    finally:
        with psycopg.connect(f"{server.rstrip('/')}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0, help="per endpoint and concurrency")
    parser.add_argument("--videos", type=int, default=100)
    parser.add_argument("--annotations", type=int, default=50, help="on the measured video")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--only", nargs="*", help="some of: health list detail annotations refresh")
    parser.add_argument(
        "--no-cache-comparison", action="store_true", help="skip the runs without each cache"
    )
    parser.add_argument(
        "--postgresql", metavar="URL", help="a PostgreSQL server to run on instead of SQLite"
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("bench_api needs wrk (Debian package wrk; make bench installs it).")

    with (
        database(args.postgresql) as database_env,
        local_target(**database_env) as target,  # logging as make run has it (a line a request)
    ):
        video_id = seed(target, args.videos, args.annotations)
        engine = "PostgreSQL" if database_env else "SQLite"
        if database_env and os.environ.get("DATABASE_POOL_MAX_SIZE") == "0":
            engine += " without the connection pool"
        print(
            f"API benchmark: make run's stack (WEB_CONCURRENCY=2, {engine}), {args.videos} videos"
            f" of a staff user, {args.annotations} annotations, {args.seconds:.0f} s a run"
        )
        results: dict[tuple[str, int], Run] = {}
        chosen = {k: v for k, v in endpoints(video_id).items() if not args.only or k in args.only}
        for name, path in chosen.items():
            for clients in (1, args.clients):
                run = measure(target.url, name, path, clients, args.seconds)
                results[name, clients] = run
                print("  " + run.line(), flush=True)
        cores = os.cpu_count() or 1
        print(
            "ratios (20 clients / 1 client; share of /health at 20 clients). What the cores allow:"
            f" {cores} cores busy all the time at the CPU a request costs with 20 clients, against"
            " the one-client rate (so 3x needs a request under load to cost at most 2/3 of its"
            " one-client time in CPU, while alone it keeps about one core busy):"
        )
        ceiling = results["health", args.clients].rate if "health" in chosen else 0
        for name in chosen:
            one, many = results[name, 1], results[name, args.clients]
            bound = cores / (many.cpu_ms / 1000) / one.rate if one.rate and many.rate else 0
            print(
                f"  {name:<12} scaling {many.rate / one.rate if one.rate else 0:4.2f}x"
                f" (cores allow {bound:4.2f}x)"
                f"  of /health {many.rate / ceiling if ceiling else 0:5.1%}"
                f"  one client {one.p50 * 1000:5.1f} ms"
            )
        counters = metrics_counters(target.url)
        print(
            "cache counters after the runs:",
            counters or "none (on local storage no cache in these endpoints goes to Redis)",
        )

        if not args.no_cache_comparison:
            print("what each cache saves (in one process on the stack's Redis, ms per use):")
            assert target.stack is not None
            for storage, overrides in storage_variants().items():
                env = {**target.stack.env, **overrides}
                figures = json.loads(manage(env, "shell", "-c", CACHE_SAVINGS).splitlines()[-1])
                print(f"  {storage:<11} " + "  ".join(f"{k} {v}" for k, v in figures.items()))


CACHE_SAVINGS = """
import json, time
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from config import caching
from videos import views
from videos.storage import media_url, media_urls

def ms(work, times=20):
    started = time.perf_counter()
    for _ in range(times):
        work()
    return round((time.perf_counter() - started) / times * 1000, 3)

page = [(f"videos/v{i // 7}/renditions/{i}.mp4", i % 7 == 6) for i in range(175)]
figures = {
    "sign 175 URLs (a page)": ms(lambda: [media_url(k, attachment=a) for k, a in page]),
    "media_urls for the page": ms(lambda: media_urls(page)),
}
if isinstance(default_storage, FileSystemStorage):
    storyboard = "videos/bench/storyboard/storyboard.vtt"
    cues = ["WEBVTT", ""]
    for i in range(300):
        tile = f"{(i % 10) * 160},{(i // 10 % 10) * 90},160,90"
        cues += [f"00:{i // 60:02d}:{i % 60:02d}.000 --> 00:{i // 60:02d}:{i % 60:02d}.900",
                 f"sheet-{i // 100}.jpg#xywh={tile}", ""]
    default_storage.save(storyboard, ContentFile("\\n".join(cues).encode()))
    playlist = "videos/bench/hls/hd.m3u8"
    lines = ["#EXTM3U", "#EXT-X-TARGETDURATION:6", '#EXT-X-MAP:URI="hd.mp4",BYTERANGE="800@0"']
    for i in range(100):
        lines += ["#EXTINF:6.0,", f"#EXT-X-BYTERANGE:1000000@{800 + i * 1000000}", "hd.mp4"]
    default_storage.save(playlist, ContentFile("\\n".join(lines + ["#EXT-X-ENDLIST"]).encode()))
    expires = int(time.time()) + 3600
    for name, key in (("storyboard 300 cues", storyboard), ("playlist 100 segments", playlist)):
        figures[f"{name} rewritten"] = ms(lambda: views._read_and_rewrite(key, expires))
        views._rewritten(key, expires)
        figures[f"{name} served"] = ms(lambda: views._rewritten(key, expires))
print(json.dumps(figures))
"""


def storage_variants() -> dict[str, dict[str, str]]:
    """Local storage as `make run` has it, and the signing of S3 and CloudFront (no bucket is
    contacted: presigning is local work)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    s3 = {
        "AWS_STORAGE_BUCKET_NAME": "bench",
        "AWS_S3_REGION_NAME": "us-east-1",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench-secret",
    }
    cloudfront = {
        **s3,
        "AWS_S3_CUSTOM_DOMAIN": "media.example.com",
        "CLOUDFRONT_KEY_ID": "KBENCH",
        "CLOUDFRONT_PRIVATE_KEY": pem,
    }
    return {"local": {}, "s3": s3, "cloudfront": cloudfront}


if __name__ == "__main__":
    main()
