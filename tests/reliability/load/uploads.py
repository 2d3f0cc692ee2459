"""Scenario 2: parallel tus uploads of a real clip whose PATCHes are cut mid-body at random; each
client asks HEAD for the offset and resumes. Every upload must end `ready` with the clip's sha256,
and its original must be served whole."""

import asyncio
import base64
import hashlib
import random
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp

from tests.reliability.load.common import Outcome, Stats, percentiles

TUS = {"Tus-Resumable": "1.0.0"}
PIECE = 8 * 1024
RETRIES = 40  # per upload: cut connections, and 5xx or refused connections while faults run


class CutOnPurpose(Exception):
    """Raised inside a PATCH body: aiohttp aborts the connection mid-request."""


@dataclass
class UploadRun:
    stats: Stats = field(default_factory=Stats)
    cuts: int = 0
    resumes: int = 0
    video_ids: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    seconds_to_ready: list[float] = field(default_factory=list)
    final: dict[str, str] = field(default_factory=dict)  # video id -> status (or a problem)


async def cut_body(data: bytes, cut_after: int | None) -> AsyncIterator[bytes]:
    for start in range(0, len(data), PIECE):
        if cut_after is not None and start >= cut_after:
            raise CutOnPurpose
        yield data[start : start + PIECE]
        await asyncio.sleep(0)


def path_of(location: str) -> str:
    """The path of a Location (PUBLIC_BASE_URL may name another host or port)."""
    parts = urlsplit(location)
    return parts.path + (f"?{parts.query}" if parts.query else "")


class Uploader:
    def __init__(self, session: aiohttp.ClientSession, url: str, token: str, run: UploadRun):
        self.session, self.url, self.run = session, url, run
        self.auth = {"Authorization": f"Bearer {token}", **TUS}

    async def _request(
        self, method: str, path: str, tries: int = RETRIES, **kwargs: object
    ) -> aiohttp.ClientResponse:
        """One request, retried on refused connections and 5xx (faults), counted exactly."""
        for attempt in range(tries):
            started = time.monotonic()
            try:
                response = await self.session.request(method, f"{self.url}{path}", **kwargs)  # type: ignore[arg-type]
                await response.read()
            except (aiohttp.ClientError, TimeoutError) as error:
                if tries == 1:
                    raise  # a PATCH: the caller tells a cut of ours from a fault
                self.run.stats.failures[type(error).__name__] += 1
                await asyncio.sleep(0.5 + attempt * 0.25)
                continue
            self.run.stats.latencies.append(time.monotonic() - started)
            self.run.stats.statuses[response.status] += 1
            if response.status < 500 or attempt == tries - 1:
                return response
            await asyncio.sleep(0.5 + attempt * 0.25)
        raise aiohttp.ClientConnectionError(f"{method} {path}: no answer after {tries} tries")

    async def create(self, length: int, title: str) -> str:
        metadata = ",".join(
            f"{key} {base64.b64encode(value.encode()).decode()}"
            for key, value in {"filename": "clip.mp4", "title": title}.items()
        )
        headers = {**self.auth, "Upload-Length": str(length), "Upload-Metadata": metadata}
        response = await self._request("POST", "/api/v1/uploads/", headers=headers)
        assert response.status == 201, (response.status, await response.text())
        return path_of(response.headers["Location"])

    async def offset(self, location: str) -> int:
        response = await self._request("HEAD", location, headers=self.auth)
        assert response.status == 200, response.status
        return int(response.headers["Upload-Offset"])

    async def send(self, location: str, data: bytes, rng: random.Random) -> None:
        """PATCH until the whole clip arrived; about half the PATCHes are cut mid-body."""
        offset = 0
        for _ in range(RETRIES):
            rest = data[offset:]
            cut_after = (
                rng.randrange(PIECE, max(PIECE + 1, len(rest))) if rng.random() < 0.5 else None
            )
            headers = {
                **self.auth,
                "Upload-Offset": str(offset),
                "Content-Type": "application/offset+octet-stream",
            }
            if cut_after is not None:
                self.run.cuts += 1
            try:
                body = cut_body(rest, cut_after)
                response = await self._request("PATCH", location, 1, headers=headers, data=body)
            except (CutOnPurpose, aiohttp.ClientError, TimeoutError) as error:
                if cut_after is None:  # not cut by us (aiohttp may wrap our CutOnPurpose)
                    self.run.stats.failures[type(error).__name__] += 1
            else:
                if response.status == 204 and int(response.headers["Upload-Offset"]) == len(data):
                    return
                await asyncio.sleep(0.2)  # 409 upload_locked: the cut PATCH is still settling
            self.run.resumes += 1
            offset = await self.offset(location)
            if offset == len(data):
                return
        raise AssertionError(f"{location}: not complete after {RETRIES} PATCHes")

    async def wait_ready(self, video_id: str, deadline: float) -> dict[str, object]:
        """Poll the video until it is ready or failed (or the deadline passes); its last state."""
        video: dict[str, object] = {}
        while time.monotonic() < deadline:
            try:
                response = await self._request(
                    "GET", f"/api/v1/videos/{video_id}", 3, headers=self.auth
                )
                if response.status == 200:
                    video = await response.json()
            except aiohttp.ClientError:
                pass
            if video.get("status") in {"ready", "failed"}:
                return video
            await asyncio.sleep(1)
        return video

    async def original_sha256(self, video: dict[str, object]) -> str:
        """The sha256 of the original as the service serves it (a half-written file differs)."""
        response = await self._request("GET", path_of(str(video["original_url"])), 3)
        return hashlib.sha256(await response.read()).hexdigest() if response.status == 200 else ""


async def one_upload(
    uploader: Uploader, clip: bytes, index: int, seed: int, deadline: float
) -> tuple[str, dict[str, object]]:
    """Upload the clip with cuts and resumes; the video id and its final state."""
    started = time.monotonic()
    location = await uploader.create(len(clip), f"load {index}")
    video_id = location.rstrip("/").rsplit("/", 1)[-1]
    uploader.run.video_ids.append(video_id)
    await uploader.send(location, clip, random.Random(seed * 1000 + index))
    video = await uploader.wait_ready(video_id, deadline)
    if video.get("status") == "ready":
        uploader.run.seconds_to_ready.append(time.monotonic() - started)
    return video_id, video


async def upload_many(
    session: aiohttp.ClientSession,
    url: str,
    token: str,
    clip_path: Path,
    count: int,
    *,
    seed: int = 1,
    seconds: float = 300,
    scanned: bool = False,
) -> UploadRun:
    """`count` uploads in parallel; waits at most `seconds` for all of them to be ready (and,
    when the service has a scanner, `scanned` clean: never ready unscanned)."""
    run = UploadRun()
    clip = clip_path.read_bytes()
    expected = hashlib.sha256(clip).hexdigest()
    uploader = Uploader(session, url, token, run)
    deadline = time.monotonic() + seconds
    results = await asyncio.gather(
        *(one_upload(uploader, clip, index, seed, deadline) for index in range(count)),
        return_exceptions=True,
    )
    for result in results:
        if isinstance(result, BaseException):
            run.lost.append(repr(result))
            continue
        video_id, video = result
        status = str(video.get("status", "unknown"))
        if status == "ready" and scanned and video.get("scan_status") != "clean":
            status = f"ready with scan_status {video.get('scan_status')}"
        elif status == "ready" and video.get("sha256") != expected:
            status = f"ready with sha256 {video.get('sha256')}"
        elif status == "ready" and await uploader.original_sha256(video) != expected:
            status = "ready but its original is served altered"
        run.final[video_id] = status
    return run


def judge_uploads(run: UploadRun, count: int, name: str, *, faults: bool = False) -> Outcome:
    """Every upload ready and whole; without faults, not one 5xx or failed request either."""
    outcome = Outcome(name)
    ready = sum(1 for status in run.final.values() if status == "ready")
    outcome.figures += [
        f"{count} uploads, {run.cuts} PATCHes cut mid-body, {run.resumes} resumes from HEAD",
        f"{ready}/{count} ready with the right sha256 and original; "
        f"upload to ready {percentiles(run.seconds_to_ready)}",
        f"tus and polling requests: {run.stats.summary()}",
    ]
    outcome.check(not run.lost, f"uploads that raised: {run.lost[:3]}")
    wrong = {vid: status for vid, status in run.final.items() if status != "ready"}
    outcome.check(not wrong, f"not ready or wrong: {wrong}")
    outcome.check(ready == count, f"only {ready} of {count} ready")
    if not faults:
        outcome.check(run.stats.server_errors == 0, f"{run.stats.server_errors} server errors")
    return outcome
