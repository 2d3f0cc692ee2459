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


# A frame counter anyone can read back with OpenCV: the top third of the picture is 8 blocks,
# black or white, the frame number in binary (least significant bit on the left); the rest is a
# flat grey at `level`, which tells two clips apart.
COUNTER_BITS = 8


def make_counter_clip(
    path: Path,
    *,
    seconds: float = 2.0,
    rate: int = 30,
    size: str = "320x180",
    level: int = 60,
    frequency: int = 440,
) -> Path:
    """A clip whose every frame shows its own number (see read_counter), with a tone."""
    if path.exists():
        return path
    width, height = (int(side) for side in size.split("x"))
    block = width // COUNTER_BITS
    band = height // 3
    bit = f"mod(floor(N/pow(2,floor(X/{block}))),2)"
    picture = (
        f"color=c=gray:size={size}:rate={rate}:duration={seconds},"
        f"geq=lum='if(lt(Y,{band}),255*{bit},{level})':cb=128:cr=128"
    )
    tone = f"sine=frequency={frequency}:duration={seconds}"
    return generate(
        path,
        *lavfi(picture),
        *lavfi(tone),
        *("-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", str(rate)),
        *("-c:a", "aac", "-b:a", "64k", "-shortest"),
    )


def read_counter(frame, x: int = 0, y: int = 0, width: int = 320, height: int = 180) -> int:
    """The frame number a counter clip shows in the pane at (x, y, width, height) of a BGR
    picture (OpenCV's)."""
    block = width / COUNTER_BITS
    row = y + height // 6
    number = 0
    for index in range(COUNTER_BITS):
        column = x + round(block * index + block / 2)
        if int(frame[row, column].mean()) > 128:
            number |= 1 << index
    return number


def pane_level(frame, x: int = 0, y: int = 0, width: int = 320, height: int = 180) -> int:
    """The grey level of a counter clip's lower part in the pane (0: black, nothing shown)."""
    return int(frame[y + height * 2 // 3 : y + height - 4, x + 4 : x + width - 4].mean())
