"""Scrubbing previews: sprite sheets of small frames and a WebVTT track pointing into them."""

import math
from pathlib import Path
from typing import Any

TILE_WIDTH = 160
COLUMNS = ROWS = 10  # at most 100 tiles a sheet


def tile_interval(duration: float) -> float:
    """Denser for short clips, coarser for long ones: 1 s to 10 s between tiles."""
    return min(10.0, max(1.0, duration / 100))


def vtt_time(seconds: float) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{int(hours):02d}:{int(minutes):02d}:{secs:06.3f}"


def tile_height(width: int, height: int) -> int:
    return max(2, round(TILE_WIDTH * height / max(width, 1) / 2) * 2)


def sheets_output(video: Any, folder: Path, *, width: int, height: int, duration: float) -> Any:
    """An output of the transcode's own decode: a tile every `tile_interval` seconds, 100 tiles
    to a JPEG sheet (sheet-001.jpg, ...)."""
    tiles = (
        video.filter("fps", f"1/{tile_interval(duration)}")
        .filter("scale", TILE_WIDTH, tile_height(width, height))
        .filter("tile", f"{COLUMNS}x{ROWS}")
    )
    return tiles.output(str(folder / "sheet-%03d.jpg"), **{"q:v": 5})


def storyboard_track(
    folder: Path, *, width: int, height: int, duration: float
) -> tuple[list[Path], str]:
    """The sheets ffmpeg wrote into `folder` and the WebVTT text pointing into them (sheet
    names are relative to the track)."""
    interval = tile_interval(duration)
    tile_h = tile_height(width, height)
    sheets = sorted(folder.glob("sheet-*.jpg"))
    tiles = max(1, math.ceil(duration / interval))
    lines = ["WEBVTT", ""]
    per_sheet = COLUMNS * ROWS
    for tile in range(tiles):
        sheet_index = tile // per_sheet
        if sheet_index >= len(sheets):
            break
        position = tile % per_sheet
        x, y = (position % COLUMNS) * TILE_WIDTH, (position // COLUMNS) * tile_h
        start, end = tile * interval, min(duration, (tile + 1) * interval)
        lines += [
            f"{vtt_time(start)} --> {vtt_time(end)}",
            f"{sheets[sheet_index].name}#xywh={x},{y},{TILE_WIDTH},{tile_h}",
            "",
        ]
    return sheets, "\n".join(lines)
