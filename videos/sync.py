"""The sync math of a comparison, pure (no Django): the page (static/src/compare/sync.js) and
the export follow the same rules, and tests check both.

A comparison lines up `left_sync` seconds of the left video with `right_sync` seconds of the
right one. On the shared timeline (seconds from the earlier start) the sync point falls at
`max(left_sync, right_sync)`; each side starts at `offset = sync_at - its sync` (one of the two
offsets is 0) and shows its own time `t - offset`. The timeline lasts from the earlier start to
the later end. Before its offset, or after its end, a side shows black.

"One frame" on the shared timeline is one frame of the higher-rate clip (capped at 60 fps):
stepping moves both sides by that much time, each showing its own frame under the studio's
frame rule (`floor(time * fps + 1e-6)`), so a 60 fps clip beside a 30 fps one steps 1:1 in time.
"""

import math
from dataclasses import dataclass

MAX_FPS = 60.0
DEFAULT_FPS = 30.0
FRAME_EPSILON = 1e-6


@dataclass(frozen=True)
class Pane:
    sync: float
    duration: float
    fps: float


@dataclass(frozen=True)
class Timeline:
    sync_at: float
    left_offset: float
    right_offset: float
    duration: float
    fps: float

    def offset(self, side: str) -> float:
        return self.left_offset if side == "left" else self.right_offset


def timeline(left: Pane, right: Pane) -> Timeline:
    sync_at = max(left.sync, right.sync)
    left_offset, right_offset = sync_at - left.sync, sync_at - right.sync
    duration = max(left_offset + left.duration, right_offset + right.duration)
    return Timeline(sync_at, left_offset, right_offset, duration, shared_fps(left.fps, right.fps))


def shared_fps(left_fps: float | None, right_fps: float | None) -> float:
    rates = [rate for rate in (left_fps, right_fps) if rate and rate > 0]
    return min(MAX_FPS, max(rates)) if rates else DEFAULT_FPS


def frame_at(time: float, fps: float | None) -> int:
    rate = fps if fps and fps > 0 else DEFAULT_FPS
    return max(0, math.floor(time * rate + FRAME_EPSILON))


def side_time(shared_time: float, offset: float, duration: float) -> float | None:
    """The side's own time at a shared time; None while it has not started or has ended."""
    own = shared_time - offset
    if own < -FRAME_EPSILON or own >= duration:
        return None
    return max(0.0, own)


def side_frame(shared_time: float, offset: float, duration: float, fps: float | None) -> int | None:
    """The side's frame on screen at a shared time (None: black)."""
    own = side_time(shared_time, offset, duration)
    return None if own is None else frame_at(own, fps)
