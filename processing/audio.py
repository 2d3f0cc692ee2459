"""Voice-over audio: inspect (an audio stream, no picture), measure loudness, normalise to AAC."""

import re
from dataclasses import dataclass
from pathlib import Path

from processing.errors import ProcessingErrorCode
from processing.ffmpeg import (
    AUDIO_DEMUXERS,
    AUDIO_HARDENING,
    MediaError,
    compile_hardened,
    hardened_input,
    probe_json,
    run,
)

SILENCE_DB = -60.0
TARGET_LOUDNESS = {"I": -16, "TP": -1.5, "LRA": 11}  # the loudnorm filter's targets


@dataclass(frozen=True)
class AudioInfo:
    duration: float
    codec: str
    max_volume_db: float


def inspect_audio(path: Path | str, *, timeout: float = 60) -> AudioInfo:
    """An audio file by its content: exactly audio, no video; its duration and peak level."""
    try:
        data = probe_json(path, hardening=AUDIO_HARDENING, timeout=timeout)
    except MediaError:
        raise MediaError(
            ProcessingErrorCode.UNSUPPORTED_FORMAT, "This file is not audio we can read."
        ) from None
    streams = data.get("streams", [])
    pictures = [
        s
        for s in streams
        if s.get("codec_type") == "video" and not s.get("disposition", {}).get("attached_pic")
    ]
    audio = [s for s in streams if s.get("codec_type") == "audio"]
    if pictures:
        raise MediaError(
            ProcessingErrorCode.NOT_AUDIO, "This is a video; a voice-over must be audio only."
        )
    if not audio:
        raise MediaError(ProcessingErrorCode.UNSUPPORTED_FORMAT, "This file has no audio.")
    duration = float(data.get("format", {}).get("duration") or audio[0].get("duration") or 0)
    return AudioInfo(
        duration=duration,
        codec=audio[0].get("codec_name", ""),
        max_volume_db=max_volume(path, timeout=timeout),
    )


def max_volume(path: Path | str, *, timeout: float) -> float:
    """The peak level, from the volumedetect filter's report (which ffmpeg logs at info)."""
    detect = (
        hardened_input(path, demuxers=AUDIO_DEMUXERS)["a:0"]
        .filter("volumedetect")
        .output("-", format="null")
    )
    log = run(compile_hardened(detect, log_level="info"), timeout=timeout, stderr_to_stdout=True)
    match = re.search(r"max_volume:\s*(-?[\d.]+|-inf) dB", log)
    if not match or match.group(1) == "-inf":
        return float("-inf")
    return float(match.group(1))


def normalise(source: Path, target: Path, *, timeout: float) -> None:
    """Loudness-normalised mono AAC in an M4A, ready to play over the video."""
    voice = (
        hardened_input(source, demuxers=AUDIO_DEMUXERS)["a:0"]
        .filter("loudnorm", **TARGET_LOUDNESS)
        .output(
            str(target),
            format="mp4",
            vn=None,
            sn=None,
            dn=None,
            map_metadata=-1,
            ar=48000,
            ac=1,
            movflags="+faststart",
            **{"c:a": "aac", "b:a": "128k"},
        )
    )
    run(compile_hardened(voice), timeout=timeout)
