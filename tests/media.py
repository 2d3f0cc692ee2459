"""Tiny test media, generated with ffmpeg's lavfi sources and cached per session."""

import subprocess
from pathlib import Path

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def generate(path: Path, *args: str) -> Path:
    """Run ffmpeg with these arguments, writing `path` (the one place tests call ffmpeg)."""
    argv = ["ffmpeg", "-hide_banner", "-v", "error", "-nostdin", "-y", *args, str(path)]
    subprocess.run(argv, check=True, timeout=600)
    return path


def lavfi(source: str) -> list[str]:
    return ["-f", "lavfi", "-i", source]


def make_audio(
    path: Path, *, seconds: float = 1.0, frequency: int = 440, codec: tuple[str, ...] = ()
) -> Path:
    """A tone (or silence with frequency=0), audio only, encoded as `codec` says."""
    tone = f"sine=frequency={frequency}:duration={seconds}"
    source = tone if frequency else f"anullsrc=d={seconds}"
    return generate(path, *lavfi(source), *codec)


def make_clip(
    path: Path,
    *,
    seconds: float = 1.0,
    size: str = "320x240",
    rate: int = 30,
    audio: bool = True,
    rotate: int | None = None,
    container: str = "mp4",
    picture: str = "testsrc2",
    tone: str = "sine=frequency=440:duration={seconds}",
) -> Path:
    """A small H.264 clip from a lavfi `picture` source (testsrc2, color=c=gray, ...) with an
    AAC `tone` when `audio`; `rotate` adds a phone's display matrix."""
    if path.exists():
        return path
    joiner = ":" if "=" in picture else "="  # "testsrc2=size=..." but "color=c=gray:size=..."
    inputs = lavfi(f"{picture}{joiner}size={size}:rate={rate}:duration={seconds}")
    codecs = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    if audio:
        inputs += lavfi(tone.format(seconds=seconds))
        codecs += ["-c:a", "aac", "-b:a", "64k"]
    target = path.with_suffix(".unrotated" + path.suffix) if rotate is not None else path
    generate(target, *inputs, *codecs, "-f", "matroska" if container == "mkv" else container)
    if rotate is not None:
        # A phone's way: the pixels stay landscape, a display matrix says how to turn them.
        # (ffmpeg 5.1 writes the matrix from the rotate tag only when stream-copying.)
        generate(path, "-i", str(target), "-c", "copy", "-metadata:s:v:0", f"rotate={rotate}")
        target.unlink()
    return path


def concat_clip(path: Path, first: str, second: str, *, vfr: bool = False) -> Path:
    """Two lavfi picture sources one after the other in one H.264 stream (a scene cut, or a
    variable frame rate with `vfr`)."""
    timing = ["-fps_mode", "vfr"] if vfr else []
    return generate(
        path,
        *lavfi(first),
        *lavfi(second),
        "-filter_complex",
        "[0:v][1:v]concat=n=2:v=1[v]",
        "-map",
        "[v]",
        *timing,
        *("-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"),
    )
