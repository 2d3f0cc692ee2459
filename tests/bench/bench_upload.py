"""Upload benchmark: plain multipart and tus over loopback, against writing the same bytes.

Run with `make bench`. Prints throughput of each upload as a ratio to a plain disk write of the
same bytes in the same run (goal: at least 0.7), and the web process's peak RSS.
The web server is the real ASGI app under uvicorn, in its own process, on embedded defaults
(SQLite, a media folder under the run's temporary directory, the local Redis, no clamd).
"""

import argparse
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import requests
from tusclient import client as tus_client

from tests.bench.common import make_user_token, manage, running_server, service_env, workdir
from tests.media import make_clip

CHUNK = 1024 * 1024


def make_payload(folder: Path, size: int) -> Path:
    """A real (tiny) MP4 padded with zeros to `size`: ffprobe accepts it, like a long video."""
    clip = make_clip(folder / "clip.mp4", seconds=1, size="320x240", rate=25, audio=False)
    payload = folder / "payload.mp4"
    with open(clip, "rb") as src, open(payload, "wb") as dst:
        shutil.copyfileobj(src, dst)
        zeros = bytes(CHUNK)
        while dst.tell() < size:
            dst.write(zeros[: min(CHUNK, size - dst.tell())])
    return payload


def disk_write_seconds(payload: Path, folder: Path) -> float:
    target = folder / "copy.bin"
    started = time.perf_counter()
    with open(payload, "rb") as src, open(target, "wb") as dst:
        while chunk := src.read(CHUNK):
            dst.write(chunk)
    elapsed = time.perf_counter() - started
    target.unlink()
    return elapsed


def proc_status_mib(pid: int, field: str) -> float:
    """A memory figure of /proc/<pid>/status (VmRSS, VmHWM, ...) in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mib(pid: int) -> float:
    return proc_status_mib(pid, "VmHWM")


def rss_mib(pid: int) -> float:
    return proc_status_mib(pid, "VmRSS")


class MultipartStream:
    """A multipart body read from disk as it is sent, with a known length (no chunked encoding)."""

    def __init__(self, payload: Path, boundary: str) -> None:
        self.head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\nbench\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="bench.mp4"\r\n'
            "Content-Type: video/mp4\r\n\r\n"
        ).encode()
        self.tail = f"\r\n--{boundary}--\r\n".encode()
        self.size = payload.stat().st_size
        self.parts = [self.head, payload, self.tail]
        self.file = open(payload, "rb")  # noqa: SIM115 - closed when the tail is reached
        self.stage = 0

    def __len__(self) -> int:
        return len(self.head) + self.size + len(self.tail)

    def read(self, amount: int = CHUNK) -> bytes:
        while self.stage < 3:
            if self.stage == 0:
                self.stage = 1
                return self.head
            if self.stage == 1:
                data = self.file.read(max(amount, CHUNK))
                if data:
                    return data
                self.file.close()
                self.stage = 2
            if self.stage == 2:
                self.stage = 3
                return self.tail
        return b""


@dataclass
class Results:
    size: int
    baseline: float
    plain: float = 0.0
    tus: float = 0.0
    tus_single: float = 0.0
    idle_rss: float = 0.0
    plain_peak: float = 0.0
    tus_peak: float = 0.0


def upload_env(work: Path, size: int) -> dict[str, str]:
    return service_env(
        work,
        MAX_UPLOAD_BYTES=str(size * 2),
        MAX_USER_STORAGE_BYTES=str(size * 10),
        UPLOAD_RATE_LIMIT="1000/h",
        FILE_UPLOAD_TEMP_DIR=str(work),
    )


def time_multipart(base: str, auth: dict[str, str], payload: Path) -> float:
    """One plain multipart POST to the videos API, the body streamed from disk."""
    boundary = uuid.uuid4().hex
    started = time.perf_counter()
    response = requests.post(
        f"{base}/api/v1/videos",
        data=MultipartStream(payload, boundary),
        timeout=3600,
        headers={**auth, "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    elapsed = time.perf_counter() - started
    assert response.status_code == 201, response.text
    return elapsed


def time_tus_chunks(base: str, auth: dict[str, str], payload: Path) -> float:
    """A tus upload through tuspy, 64 MiB per PATCH."""
    started = time.perf_counter()
    uploader = tus_client.TusClient(f"{base}/api/v1/uploads/", headers=auth).uploader(
        file_path=str(payload), chunk_size=64 * CHUNK, metadata={"filename": "bench.mp4"}
    )
    uploader.upload()
    return time.perf_counter() - started


def time_tus_single(base: str, auth: dict[str, str], payload: Path, size: int) -> float:
    """tus-js-client's default: one PATCH with the whole file, streamed from disk."""
    tus_headers = {**auth, "Tus-Resumable": "1.0.0"}
    started = time.perf_counter()
    created = requests.post(
        f"{base}/api/v1/uploads/",
        headers={**tus_headers, "Upload-Length": str(size), "Upload-Metadata": ""},
        timeout=60,
    )
    assert created.status_code == 201, created.text
    with payload.open("rb") as body:
        sent = requests.patch(
            urljoin(f"{base}/api/v1/uploads/", created.headers["Location"]),
            data=body,
            headers={
                **tus_headers,
                "Upload-Offset": "0",
                "Content-Type": "application/offset+octet-stream",
                "Content-Length": str(size),
            },
            timeout=3600,
        )
    assert sent.status_code == 204, sent.text
    return time.perf_counter() - started


def time_uploads(results: Results, env: dict[str, str], payload: Path, token: str) -> None:
    """The three uploads against one server, with its RSS idle and after each kind."""
    port = 18000 + os.getpid() % 1000
    base = f"http://127.0.0.1:{port}"
    auth = {"Authorization": f"Bearer {token}"}
    with running_server(env, port) as server:
        results.idle_rss = rss_mib(server.pid)
        results.plain = time_multipart(base, auth, payload)
        results.plain_peak = peak_rss_mib(server.pid)
        results.tus = time_tus_chunks(base, auth, payload)
        results.tus_peak = peak_rss_mib(server.pid)
        results.tus_single = time_tus_single(base, auth, payload, results.size)


def print_report(results: Results) -> None:
    mib = results.size / CHUNK

    def row(name: str, seconds: float) -> str:
        rate = mib / seconds
        ratio = results.baseline / seconds
        return f"  {name:<21}: {seconds:7.2f} s  {rate:8.1f} MiB/s  ratio {ratio:.2f}"

    idle, plain_peak, tus_peak = results.idle_rss, results.plain_peak, results.tus_peak
    print(f"upload benchmark: {mib:.0f} MiB over loopback (no clamd)")
    print(row("disk write baseline", results.baseline))
    print(row("plain multipart", results.plain))
    print(row("tus (64 MiB PATCHes)", results.tus))
    print(row("tus (one PATCH)", results.tus_single))
    print(f"  web process RSS: idle {idle:.0f} MiB")
    print(f"  peak after plain {plain_peak:.0f} MiB (+{plain_peak - idle:.0f})")
    print(f"  peak after tus {tus_peak:.0f} MiB (+{tus_peak - idle:.0f})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mib", type=int, default=1024)
    size = parser.parse_args().size_mib * CHUNK
    with workdir("bench-upload-") as work:
        env = upload_env(work, size)
        payload = make_payload(work, size)
        results = Results(size=size, baseline=disk_write_seconds(payload, work))
        manage(env, "migrate", "-v", "0")
        token = make_user_token(env, "bench")
        time_uploads(results, env, payload, token)
        print_report(results)


if __name__ == "__main__":
    main()
