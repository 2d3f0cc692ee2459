"""API benchmark: requests/s and latency of the hot reads (video list, video detail, annotation
list) and of token refresh, with 1 and 20 concurrent clients, against `/health` on the same
server under the same client as the ceiling. The server is `make run`'s stack (supervisord,
WEB_CONCURRENCY uvicorn processes, SQLite, a private Redis: tests/reliability/load), seeded with
about 100 ready videos of a staff user. The client is aiohttp in this process, one connection
per simulated client.

Then what each cache saves (config/caching.py), measured in one process on the stack's Redis:
signing a page's media URLs against reading them from `media_urls`, on local storage, S3 and
CloudFront; rewriting a storyboard and a playlist against serving them through `documents`.
`python -m tests.bench.bench_api [--seconds 5] [--videos 100] [--only list detail]`.
"""

import argparse
import asyncio
import json
import time
from dataclasses import dataclass, field

import aiohttp

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
    """One endpoint at one concurrency: requests served, their latencies, and errors."""

    name: str
    clients: int
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: int = 0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def quantile(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]

    def line(self) -> str:
        return (
            f"{self.name:<12} {self.clients:>3} clients: {self.rate:7.1f} req/s"
            f"  p50 {self.quantile(0.5) * 1000:6.1f} ms  p95 {self.quantile(0.95) * 1000:6.1f} ms"
            + (f"  ERRORS {self.errors}" if self.errors else "")
        )


class Client:
    """What one simulated client sends: GETs with a bearer token, or rotating refreshes."""

    def __init__(self, url: str, access: str, refresh: str) -> None:
        self.url, self.access, self.refresh = url, access, refresh

    async def get(self, session: aiohttp.ClientSession, path: str) -> int:
        headers = {"Authorization": f"Bearer {self.access}"}
        async with session.get(self.url + path, headers=headers) as response:
            await response.read()
            return response.status

    async def rotate(self, session: aiohttp.ClientSession) -> int:
        body = {"refresh": self.refresh}
        async with session.post(self.url + "/api/v1/auth/token/refresh", json=body) as response:
            payload = await response.read()
            if response.status == 200:
                self.refresh = json.loads(payload)["refresh"]
            return response.status


async def token_pair(session: aiohttp.ClientSession, url: str) -> tuple[str, str]:
    async with session.post(f"{url}/api/v1/auth/token", json=ADMIN) as response:
        assert response.status == 200, await response.text()
        pair = await response.json()
        return pair["access"], pair["refresh"]


async def measure(url: str, name: str, path: str | None, clients: int, seconds: float) -> Run:
    """`clients` loops, each on its own connection, for `seconds` (after a short warm-up)."""
    run = Run(name, clients)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        pairs = [await token_pair(session, url) for _ in range(clients)]
        workers = [Client(url, access, refresh) for access, refresh in pairs]
        warm_until = time.perf_counter() + min(1.0, seconds / 4)
        until = warm_until + seconds

        async def loop(client: Client) -> None:
            while (now := time.perf_counter()) < until:
                request = client.rotate(session) if path is None else client.get(session, path)
                status = await request
                if now < warm_until:
                    continue
                if status == 200:
                    run.latencies.append(time.perf_counter() - now)
                else:
                    run.errors += 1

        await asyncio.gather(*(loop(worker) for worker in workers))
        run.seconds = seconds
    return run


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
    args = parser.parse_args()

    with local_target() as target:  # logging as make run has it (INFO: a line a request)
        video_id = seed(target, args.videos, args.annotations)
        print(
            f"API benchmark: make run's stack (WEB_CONCURRENCY=2, SQLite), {args.videos} videos"
            f" of a staff user, {args.annotations} annotations, {args.seconds:.0f} s a run"
        )
        results: dict[tuple[str, int], Run] = {}
        chosen = {k: v for k, v in endpoints(video_id).items() if not args.only or k in args.only}
        for name, path in chosen.items():
            for clients in (1, args.clients):
                run = asyncio.run(measure(target.url, name, path, clients, args.seconds))
                results[name, clients] = run
                print("  " + run.line(), flush=True)
        print("ratios (20 clients / 1 client; share of /health at 20 clients):")
        ceiling = results["health", args.clients].rate if "health" in chosen else 0
        for name in chosen:
            one, many = results[name, 1], results[name, args.clients]
            print(
                f"  {name:<12} scaling {many.rate / one.rate if one.rate else 0:4.2f}x"
                f"  of /health {many.rate / ceiling if ceiling else 0:5.1%}"
                f"  one client {one.quantile(0.5) * 1000:5.1f} ms"
            )
        print("cache counters after the runs:", metrics_counters(target.url))

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
