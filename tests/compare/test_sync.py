"""The sync math (videos.sync), which the export follows and static/src/compare/sync.js mirrors."""

import pytest

from videos.sync import Pane, frame_at, shared_fps, side_frame, side_time, timeline


def test_the_later_sync_point_sets_the_shared_timeline():
    shared = timeline(Pane(sync=1.0, duration=3.0, fps=30), Pane(sync=0.5, duration=2.0, fps=24))
    assert shared.sync_at == 1.0
    assert (shared.left_offset, shared.right_offset) == (0.0, 0.5)
    assert shared.duration == 3.0  # the left ends last
    assert shared.fps == 30
    flipped = timeline(Pane(sync=0.2, duration=1.0, fps=60), Pane(sync=2.2, duration=5.0, fps=25))
    assert (flipped.left_offset, flipped.right_offset) == pytest.approx((2.0, 0.0))
    assert flipped.duration == pytest.approx(5.0)
    assert flipped.offset("left") == pytest.approx(2.0)


def test_the_sync_moments_show_together():
    shared = timeline(Pane(sync=1.0, duration=3.0, fps=30), Pane(sync=0.5, duration=2.0, fps=24))
    assert side_time(shared.sync_at, shared.left_offset, 3.0) == pytest.approx(1.0)
    assert side_time(shared.sync_at, shared.right_offset, 2.0) == pytest.approx(0.5)
    assert side_frame(shared.sync_at, shared.left_offset, 3.0, 30) == 30
    assert side_frame(shared.sync_at, shared.right_offset, 2.0, 24) == 12


def test_black_before_a_side_starts_and_after_it_ends():
    assert side_frame(0.49, 0.5, 2.0, 24) is None
    assert side_frame(0.5, 0.5, 2.0, 24) == 0
    assert side_frame(2.49, 0.5, 2.0, 24) == 47
    assert side_frame(2.5, 0.5, 2.0, 24) is None


def test_one_shared_frame_is_one_frame_of_the_faster_clip():
    """Stepping 60 fps beside 30 fps moves 1/60 s: the 60 fps side a frame each step, the 30 fps
    side every other step."""
    step = 1 / shared_fps(30, 60)
    steps = [(frame_at(n * step, 60), frame_at(n * step, 30)) for n in range(5)]
    assert steps == [(0, 0), (1, 0), (2, 1), (3, 1), (4, 2)]


def test_rates_are_capped_and_defaulted():
    assert shared_fps(120, 30) == 60
    assert shared_fps(None, 25) == 25
    assert shared_fps(None, None) == 30


def test_frame_rule_is_the_studios():
    # 123 / 30 * 30 is a hair under 123 in floating point: still frame 123
    assert frame_at(123 / 30, 30) == 123
    assert frame_at(0.0, 24) == 0 and frame_at(1 / 24 - 1e-3, 24) == 0
