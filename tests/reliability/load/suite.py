"""The four scenarios in order against one target, at a given size."""

import asyncio
import os
from dataclasses import dataclass, fields
from pathlib import Path

import aiohttp

from tests.media import make_clip
from tests.reliability.load.api_mix import api_mix
from tests.reliability.load.common import Outcome, Target, finish, token_pair
from tests.reliability.load.faults import FAULTS, faults_scenario
from tests.reliability.load.sockets import sockets_scenario
from tests.reliability.load.uploads import judge_uploads, upload_many


@dataclass
class Sizes:
    users: int = 50
    seconds: float = 60
    uploads: int = 30
    sockets: int = 200
    annotations: int = 100
    fault_uploads: int = 10
    faults: tuple[str, ...] = FAULTS
    fault_wait: float = 150  # seconds for the fault scenario's uploads to be ready

    @classmethod
    def from_env(cls) -> "Sizes":
        """Full size, each number scaled by its LOADTEST_<NAME> variable (LOADTEST_FAULTS:
        a comma-separated list of worker, web, redis)."""
        sizes = cls()
        for item in fields(cls):
            raw = os.environ.get(f"LOADTEST_{item.name.upper()}")
            if not raw:
                continue
            value: object = tuple(raw.split(",")) if item.name == "faults" else float(raw)
            if item.name not in ("faults", "seconds", "fault_wait"):
                value = int(raw)
            setattr(sizes, item.name, value)
        return sizes


SHORT = Sizes(
    users=10,
    seconds=10,
    uploads=5,
    sockets=20,
    annotations=20,
    fault_uploads=3,
    faults=("worker",),
    fault_wait=60,
)


async def run_suite(target: Target, sizes: Sizes, workdir: Path) -> list[Outcome]:
    """Uploads first (their videos serve the other scenarios), then API load, sockets, faults;
    each outcome is printed as it ends."""
    clip = make_clip(workdir / "clip.mp4", seconds=2)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        token = (await token_pair(session, target.url))["access"]
        run = await upload_many(
            session, target.url, token, clip, sizes.uploads, scanned=target.clamd is not None
        )
    outcomes = [
        judge_uploads(
            run, sizes.uploads, f"2. tus: {sizes.uploads} parallel uploads with cut connections"
        )
    ]
    finish(outcomes[-1], target)
    ready = [vid for vid, status in run.final.items() if status == "ready"]
    video_id = ready[0] if ready else (run.video_ids or ["00000000-0000-0000-0000-000000000000"])[0]
    outcomes.append(await api_mix(target.url, video_id, users=sizes.users, seconds=sizes.seconds))
    finish(outcomes[-1], target)
    if ready:
        outcomes.append(
            await sockets_scenario(
                target.url, token, video_id, clients=sizes.sockets, annotations=sizes.annotations
            )
        )
    else:
        outcomes.append(Outcome("3. WebSockets", problems=["no ready video to watch"]))
    finish(outcomes[-1], target)
    if target.stack is not None and sizes.faults:
        # longer, so that a transcode is running when the worker process is killed
        long_clip = make_clip(workdir / "long.mp4", seconds=20, size="640x360")
        outcomes.append(
            await faults_scenario(
                target,
                token,
                long_clip,
                uploads=sizes.fault_uploads,
                faults=sizes.faults,
                wait=sizes.fault_wait,
            )
        )
        finish(outcomes[-1], target)
    return outcomes


def run_sync(target: Target, sizes: Sizes, workdir: Path) -> list[Outcome]:
    return asyncio.run(run_suite(target, sizes, workdir))
