"""Voice-over audio: inspect (an audio stream, no picture), measure loudness, normalise to AAC."""

import json
import re
from dataclasses import dataclass
from pathlib import Path

from processing.ffmpeg import AUDIO_HARDENING, MediaError, run

SILENCE_DB = -60.0
TARGET_LOUDNESS = "loudnorm=I=-16:TP=-1.5:LRA=11"


@dataclass(frozen=True)
class AudioInfo:
    duration: float
    codec: str
    max_volume_db: float


def inspect_audio(path: Path | str, *, timeout: float = 60) -> AudioInfo:
    """An audio file by its content: exactly audio, no video; its duration and peak level."""
    try:
        output = run(
            [
                "ffprobe",
                "-v",
                "error",
                *AUDIO_HARDENING,
                "-print_format",
                "json",
                "-show_format",
                "-show_streams",
                str(path),
            ],
            timeout=timeout,
        )
    except MediaError:
        raise MediaError("unsupported_format", "This file is not audio we can read.") from None
    data = json.loads(output or "{}")
    streams = data.get("streams", [])
    pictures = [
        s
        for s in streams
        if s.get("codec_type") == "video" and not s.get("disposition", {}).get("attached_pic")
    ]
    audio = [s for s in streams if s.get("codec_type") == "audio"]
    if pictures:
        raise MediaError("not_audio", "This is a video; a voice-over must be audio only.")
    if not audio:
        raise MediaError("unsupported_format", "This file has no audio.")
    duration = float(data.get("format", {}).get("duration") or audio[0].get("duration") or 0)
    return AudioInfo(
        duration=duration,
        codec=audio[0].get("codec_name", ""),
        max_volume_db=max_volume(path, timeout=timeout),
    )


def max_volume(path: Path | str, *, timeout: float) -> float:
    log = run(
        [
            "ffmpeg",
            "-nostdin",
            "-hide_banner",
            "-v",
            "info",
            *AUDIO_HARDENING,
            "-i",
            str(path),
            "-map",
            "0:a:0",
            "-af",
            "volumedetect",
            "-f",
            "null",
            "-",
        ],
        timeout=timeout,
        stderr_to_stdout=True,
    )
    match = re.search(r"max_volume:\s*(-?[\d.]+|-inf) dB", log)
    if not match or match.group(1) == "-inf":
        return float("-inf")
    return float(match.group(1))


def normalise(source: Path, target: Path, *, timeout: float) -> None:
    """Loudness-normalised mono AAC in an M4A, ready to play over the video."""
    run(
        [
            "ffmpeg",
            "-nostdin",
            "-hide_banner",
            "-v",
            "error",
            "-y",
            *AUDIO_HARDENING,
            "-i",
            str(source),
            "-map",
            "0:a:0",
            "-vn",
            "-sn",
            "-dn",
            "-map_metadata",
            "-1",
            "-af",
            TARGET_LOUDNESS,
            "-ar",
            "48000",
            "-ac",
            "1",
            "-c:a",
            "aac",
            "-b:a",
            "128k",
            "-movflags",
            "+faststart",
            "-f",
            "mp4",
            str(target),
        ],
        timeout=timeout,
    )
