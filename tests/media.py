"""Tiny test media, generated with ffmpeg's lavfi sources and cached per session."""

import subprocess
from pathlib import Path

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def make_clip(
    path: Path,
    *,
    seconds: float = 1.0,
    size: str = "320x240",
    rate: int = 30,
    audio: bool = True,
    rotate: int | None = None,
    container: str = "mp4",
) -> Path:
    if path.exists():
        return path
    argv = [
        "ffmpeg",
        "-hide_banner",
        "-v",
        "error",
        "-nostdin",
        "-y",
        "-f",
        "lavfi",
        "-i",
        f"testsrc2=size={size}:rate={rate}:duration={seconds}",
    ]
    if audio:
        argv += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}"]
    argv += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    if audio:
        argv += ["-c:a", "aac", "-b:a", "64k"]
    target = path.with_suffix(".unrotated" + path.suffix) if rotate is not None else path
    argv += ["-f", "matroska" if container == "mkv" else container, str(target)]
    subprocess.run(argv, check=True, timeout=120)
    if rotate is not None:
        # A phone's way: the pixels stay landscape, a display matrix says how to turn them.
        # (ffmpeg 5.1 writes the matrix from the rotate tag only when stream-copying.)
        subprocess.run(
            [
                "ffmpeg",
                "-v",
                "error",
                "-nostdin",
                "-y",
                "-i",
                str(target),
                "-c",
                "copy",
                "-metadata:s:v:0",
                f"rotate={rotate}",
                str(path),
            ],
            check=True,
            timeout=60,
        )
        target.unlink()
    return path
