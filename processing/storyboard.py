"""Scrubbing previews: sprite sheets of small frames and a WebVTT track pointing into them."""

import math
from pathlib import Path

from processing import ffmpeg

TILE_WIDTH = 160
COLUMNS = ROWS = 10  # at most 100 tiles a sheet


def tile_interval(duration: float) -> float:
    """Denser for short clips, coarser for long ones: 1 s to 10 s between tiles."""
    return min(10.0, max(1.0, duration / 100))


def vtt_time(seconds: float) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{int(hours):02d}:{int(minutes):02d}:{secs:06.3f}"


def make_storyboard(
    video_path: Path, out_dir: Path, *, width: int, height: int, duration: float
) -> tuple[list[Path], str]:
    """Render the sheets with ffmpeg; return them and the VTT text (sheet names are relative)."""
    interval = tile_interval(duration)
    tile_height = max(2, round(TILE_WIDTH * height / width / 2) * 2)
    tiles = (
        ffmpeg.hardened_input(video_path)
        .video.filter("fps", f"1/{interval}")
        .filter("scale", TILE_WIDTH, tile_height)
        .filter("tile", f"{COLUMNS}x{ROWS}")
        .output(str(out_dir / "sheet-%03d.jpg"), **{"q:v": 5})
    )
    ffmpeg.run(ffmpeg.compile_hardened(tiles), timeout=max(120.0, duration * 2))
    sheets = sorted(out_dir.glob("sheet-*.jpg"))
    tiles = max(1, math.ceil(duration / interval))
    lines = ["WEBVTT", ""]
    per_sheet = COLUMNS * ROWS
    for tile in range(tiles):
        sheet_index = tile // per_sheet
        if sheet_index >= len(sheets):
            break
        position = tile % per_sheet
        x, y = (position % COLUMNS) * TILE_WIDTH, (position // COLUMNS) * tile_height
        start, end = tile * interval, min(duration, (tile + 1) * interval)
        lines += [
            f"{vtt_time(start)} --> {vtt_time(end)}",
            f"{sheets[sheet_index].name}#xywh={x},{y},{TILE_WIDTH},{tile_height}",
            "",
        ]
    return sheets, "\n".join(lines)
