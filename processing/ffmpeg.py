"""The one door to ffmpeg and ffprobe: argv lists, hardening flags, timeouts, process groups.

Inputs are hostile. Every invocation reads only local files (`-protocol_whitelist file`) through
an allowlist of demuxers (`-format_whitelist`): an HLS playlist or ffconcat script renamed .mp4
that points at another file is refused before anything is opened.

Filter graphs are built with ffmpeg-python (`hardened_input` -> filters -> output) and compiled
to argv by `compile_hardened`, which adds the global options; `run` executes the argv. The
hardening therefore lives here only: callers never write an ffmpeg or ffprobe argv opening.
(This module is `processing.ffmpeg`; absolute imports make `import ffmpeg` the library.)
"""

import contextlib
import json
import logging
import os
import queue
import shutil
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import ffmpeg as ffmpeg_lib

from processing.errors import ProcessingErrorCode

logger = logging.getLogger(__name__)

# The mov/mp4 family and matroska/webm: what phones, cameras and browsers record.
ALLOWED_DEMUXERS = "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm"
HARDENING = ["-protocol_whitelist", "file", "-format_whitelist", ALLOWED_DEMUXERS]
# Voice-overs: what browsers record (webm/opus, mp4/aac) and the usual audio files.
AUDIO_DEMUXERS = f"{ALLOWED_DEMUXERS},mp3,wav,ogg"
AUDIO_HARDENING = ["-protocol_whitelist", "file", "-format_whitelist", AUDIO_DEMUXERS]
MAX_PIXELS = 3840 * 2160
MAX_ALLOC_BYTES = 1024**3  # no single allocation of a hostile file's making may exceed this
LOG_TAIL_LINES = 40
PROGRESS_OPTIONS = ["-progress", "pipe:1", "-nostats"]
NO_SPACE = "No space left on device"  # strerror(ENOSPC), as ffmpeg logs it
DISK_FULL_MESSAGE = (
    "The server ran out of disk space while processing this video. "
    "Nothing is wrong with the video: try again later."
)
# A child is SIGKILLed by the kernel when the thread that started it dies (a worker killed with
# -9 leaves no ffmpeg encoding on). setpriv (util-linux) sets it between fork and exec, where
# Python's preexec_fn is unsafe in a threaded worker. Linux only; elsewhere children run as is.
DIE_WITH_PARENT = ["setpriv", "--pdeathsig", "KILL"] if shutil.which("setpriv") else []


class MediaError(Exception):
    """Media we will not or cannot handle; `code` is what the video records."""

    def __init__(self, code: ProcessingErrorCode, message: str, log_tail: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.log_tail = log_tail


class ProcessTimeout(MediaError):
    def __init__(self, argv0: str, seconds: float, log_tail: str = "") -> None:
        super().__init__(
            ProcessingErrorCode.TRANSCODE_TIMEOUT,
            f"{argv0} did not finish within {seconds:.0f} s",
            log_tail,
        )


@dataclass(frozen=True)
class MediaInfo:
    format_name: str
    duration: float
    width: int
    height: int
    fps: float
    video_codec: str
    audio_codec: str
    rotation: int
    has_audio: bool
    bit_rate: int

    @property
    def display_width(self) -> int:
        return self.height if self.rotation % 180 else self.width

    @property
    def display_height(self) -> int:
        return self.width if self.rotation % 180 else self.height


def run(
    argv: Sequence[str],
    *,
    timeout: float,
    on_stdout_line: Callable[[str], None] | None = None,
    on_tick: Callable[[], None] | None = None,
    stderr_to_stdout: bool = False,
) -> str:
    """Run argv in its own process group; kill the whole group on timeout, and the process
    when the calling thread dies (DIE_WITH_PARENT). Returns stdout.

    stderr is kept as a bounded tail for error messages; stdout lines may be streamed to a
    callback (ffmpeg's -progress pipe:1), and `on_tick` runs every TICK_SECONDS while the
    process runs, in the calling thread, whether or not a line came: ffmpeg prints no progress
    at all until every output has begun (a storyboard sheet or a poster candidate may begin
    only near the end). A callback that raises stops the process.
    """
    process = subprocess.Popen(
        [*DIE_WITH_PARENT, *argv],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT if stderr_to_stdout else subprocess.PIPE,
        start_new_session=True,
        text=True,
        errors="replace",
    )
    try:
        if on_stdout_line is None and on_tick is None:
            stdout, stderr = process.communicate(timeout=timeout)
        else:
            stdout, stderr = _stream(process, on_stdout_line, on_tick, timeout)
    except subprocess.TimeoutExpired:
        kill_group(process)
        _, stderr = process.communicate()
        raise ProcessTimeout(Path(argv[0]).name, timeout, _tail(stderr)) from None
    except BaseException:
        kill_group(process)
        process.communicate()
        raise
    if process.returncode != 0:
        raise _failure(argv, process.returncode, _tail(stderr if not stderr_to_stdout else stdout))
    return stdout


def _failure(argv: Sequence[str], returncode: int, tail: str) -> MediaError:
    """What a failed ffmpeg/ffprobe run means: the worker's disk full (a code of its own: not
    the media's fault), else media it could not handle."""
    if NO_SPACE in tail:
        return MediaError(ProcessingErrorCode.DISK_FULL, DISK_FULL_MESSAGE, tail)
    return MediaError(
        ProcessingErrorCode.CORRUPT_MEDIA, f"{Path(argv[0]).name} failed (exit {returncode})", tail
    )


TICK_SECONDS = 0.25


def _stream(
    process: subprocess.Popen[str],
    on_line: Callable[[str], None] | None,
    on_tick: Callable[[], None] | None,
    timeout: float,
) -> tuple[str, str]:
    """Feed stdout lines to `on_line`, and call `on_tick` every TICK_SECONDS, in this thread,
    while threads read stdout and keep stderr's tail; a timer enforces the deadline by killing
    the group, which ends stdout."""
    stderr_tail: deque[str] = deque(maxlen=LOG_TAIL_LINES)
    lines: queue.Queue[str | None] = queue.Queue()

    def read_stdout() -> None:
        for line in process.stdout or []:
            lines.put(line)
        lines.put(None)

    readers = [
        threading.Thread(target=lambda: stderr_tail.extend(process.stderr or []), daemon=True),
        threading.Thread(target=read_stdout, daemon=True),
    ]
    timed_out = threading.Event()

    def expire() -> None:
        timed_out.set()
        kill_group(process)

    timer = threading.Timer(timeout, expire)
    for reader in readers:
        reader.start()
    timer.start()
    try:
        next_tick = time.monotonic() + TICK_SECONDS
        while True:
            try:
                line = lines.get(timeout=max(0.0, next_tick - time.monotonic()))
            except queue.Empty:
                line = ""
            if line is None:
                break
            if line and on_line is not None:
                on_line(line.rstrip("\n"))
            if time.monotonic() >= next_tick:
                next_tick = time.monotonic() + TICK_SECONDS
                if on_tick is not None:
                    on_tick()
        process.wait()
    finally:
        timer.cancel()
    for reader in readers:
        reader.join(timeout=5)
    if timed_out.is_set():
        raise subprocess.TimeoutExpired(process.args, timeout)
    return "", "".join(stderr_tail)


def kill_group(process: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def _tail(text: str | None) -> str:
    return "\n".join((text or "").strip().splitlines()[-LOG_TAIL_LINES:])


def _fraction(value: str | None) -> float:
    try:
        number = Fraction(value or "0")
    except (ValueError, ZeroDivisionError):
        return 0.0
    return float(number)


def _rotation(stream: dict) -> int:
    for side_data in stream.get("side_data_list", []):
        if "rotation" in side_data:
            return round(float(side_data["rotation"])) % 360
    tag = stream.get("tags", {}).get("rotate")
    return int(tag) % 360 if tag and tag.lstrip("-").isdigit() else 0


def hardened_input(
    path: Path | str,
    *,
    demuxers: str = ALLOWED_DEMUXERS,
    max_pixels: int | None = None,
    **options: Any,
) -> Any:
    """An ffmpeg-python input read only from a local file through the demuxer allowlist
    (AUDIO_DEMUXERS for recordings); `max_pixels` refuses larger pictures before decoding."""
    limits = {"max_pixels": max_pixels} if max_pixels else {}
    return ffmpeg_lib.input(
        str(path), protocol_whitelist="file", format_whitelist=demuxers, **limits, **options
    )


def compile_hardened(stream: Any, *, progress: bool = False, log_level: str = "error") -> list[str]:
    """argv for an ffmpeg-python graph with our global options first (no stdin, quiet, no
    allocation above MAX_ALLOC_BYTES) and, for `run(on_stdout_line=...)`, -progress last."""
    # Never read a terminal, say only what went wrong, overwrite our own temporary outputs.
    options = ["-nostdin", "-hide_banner", "-v", log_level, "-y"]
    argv = ffmpeg_lib.compile(stream, cmd=["ffmpeg", *options, "-max_alloc", str(MAX_ALLOC_BYTES)])
    return [*argv, *PROGRESS_OPTIONS] if progress else argv


def probe_json(
    path: Path | str,
    *,
    entries: str | None = None,
    select_streams: str | None = None,
    hardening: Sequence[str] = HARDENING,
    timeout: float = 30,
) -> dict[str, Any]:
    """ffprobe's JSON for a file, under the hardening rules: every stream and the format, or
    only `entries` (ffprobe's -show_entries syntax). MediaError when ffprobe fails."""
    argv = ["ffprobe", "-v", "error", *hardening]
    if select_streams:
        argv += ["-select_streams", select_streams]
    argv += ["-show_entries", entries] if entries else ["-show_format", "-show_streams"]
    output = run([*argv, "-print_format", "json", str(path)], timeout=timeout)
    return dict(json.loads(output or "{}"))


def probe(path: Path | str, *, timeout: float = 30) -> MediaInfo:
    """What the file is, read by ffprobe under the hardening rules; MediaError when unusable."""
    try:
        data = probe_json(path, timeout=timeout)
    except ProcessTimeout:
        raise
    except MediaError as error:
        raise MediaError(
            ProcessingErrorCode.UNSUPPORTED_FORMAT,
            "This file is not a video we can read (MP4, MOV, MKV or WebM).",
            error.log_tail,
        ) from None
    streams = data.get("streams", [])
    video = next(
        (
            s
            for s in streams
            if s.get("codec_type") == "video" and not s.get("disposition", {}).get("attached_pic")
        ),
        None,
    )
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    if video is None:
        raise MediaError(
            ProcessingErrorCode.NO_VIDEO_STREAM, "The file has no video picture (audio only?)."
        )
    fmt = data.get("format", {})
    duration = _fraction(fmt.get("duration")) or _fraction(video.get("duration"))
    fps = _fraction(video.get("avg_frame_rate")) or _fraction(video.get("r_frame_rate"))
    return MediaInfo(
        format_name=fmt.get("format_name", ""),
        duration=duration,
        width=int(video.get("width") or 0),
        height=int(video.get("height") or 0),
        fps=round(fps, 3),
        video_codec=video.get("codec_name", ""),
        audio_codec=(audio or {}).get("codec_name", ""),
        rotation=_rotation(video),
        has_audio=audio is not None,
        bit_rate=int(fmt.get("bit_rate") or 0),
    )


@contextlib.contextmanager
def _piped(argv: Sequence[str], *, timeout: float, feed: bool) -> Iterator[subprocess.Popen[bytes]]:
    """ffmpeg with its stdin (`feed`) or its stdout as a pipe for the caller, under the same
    rules as `run`: own process group, killed with its thread (DIE_WITH_PARENT), on timeout
    (ProcessTimeout) and when the caller stops early or fails; MediaError when ffmpeg fails."""
    process = subprocess.Popen(
        [*DIE_WITH_PARENT, *argv],
        stdin=subprocess.PIPE if feed else subprocess.DEVNULL,
        stdout=subprocess.DEVNULL if feed else subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    stderr_tail: deque[bytes] = deque(maxlen=LOG_TAIL_LINES)
    reader = threading.Thread(target=lambda: stderr_tail.extend(process.stderr or []), daemon=True)
    timed_out = threading.Event()

    def expire() -> None:
        timed_out.set()
        kill_group(process)  # type: ignore[arg-type]

    timer = threading.Timer(timeout, expire)
    reader.start()
    timer.start()
    try:
        yield process
        process.wait()
    finally:
        timer.cancel()
        if process.poll() is None:  # the caller stopped early or failed
            kill_group(process)  # type: ignore[arg-type]
            process.wait()
        for pipe in (process.stdin, process.stdout):
            if pipe is not None:
                with contextlib.suppress(BrokenPipeError):
                    pipe.close()
        reader.join(timeout=5)
    tail = _tail(b"".join(stderr_tail).decode("utf-8", "replace"))
    if timed_out.is_set():
        raise ProcessTimeout(Path(argv[0]).name, timeout, tail)
    if process.returncode != 0:
        raise _failure(argv, process.returncode, tail)


def read_frames(
    argv: Sequence[str], *, frame_bytes: int, timeout: float
) -> Generator[bytes, None, None]:
    """Run an ffmpeg argv that writes raw frames to stdout (`pipe:1`) and yield them one at a
    time, `frame_bytes` each, while they decode: nothing lands on disk and nothing is decoded
    twice (see _piped for the process rules)."""
    with _piped(argv, timeout=timeout, feed=False) as process:
        stdout = process.stdout
        if stdout is None:  # never: stdout is a pipe; for the type checker
            raise RuntimeError("ffmpeg's stdout is not a pipe")
        while frame := stdout.read(frame_bytes):
            if len(frame) < frame_bytes:
                break  # a partial last frame (killed, or a truncated file) is dropped
            yield frame


def write_frames(argv: Sequence[str], frames: Iterable[bytes], *, timeout: float) -> None:
    """Run an ffmpeg argv that reads raw frames from stdin (`pipe:0`) and feed it `frames` as
    they are made (the export's per-frame overlays; see _piped for the process rules)."""
    with _piped(argv, timeout=timeout, feed=True) as process:
        stdin = process.stdin
        if stdin is None:  # never: stdin is a pipe; for the type checker
            raise RuntimeError("ffmpeg's stdin is not a pipe")
        with contextlib.suppress(BrokenPipeError):  # ffmpeg stopped reading: its exit says why
            for frame in frames:
                stdin.write(frame)
            stdin.close()
