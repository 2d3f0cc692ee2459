"""The subprocess door: timeouts kill the whole process group; hostile inputs are refused."""

import os
import time

import pytest

from processing import ffmpeg


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); it has exited for our purpose.
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split()[2] != "Z"


def test_a_hanging_command_times_out_and_its_group_is_killed(tmp_path):
    pidfile = tmp_path / "child.pid"
    # A parent that starts a child and both hang (as ffmpeg waiting on a stuck input would).
    argv = ["sh", "-c", f"sleep 60 & echo $! > {pidfile}; sleep 60"]
    started = time.monotonic()
    with pytest.raises(ffmpeg.ProcessTimeout) as raised:
        ffmpeg.run(argv, timeout=1)
    assert raised.value.code == "transcode_timeout"
    assert time.monotonic() - started < 10
    child = int(pidfile.read_text())
    for _ in range(50):
        if not alive(child):
            break
        time.sleep(0.05)
    assert not alive(child)


def test_streaming_mode_times_out_too(tmp_path):
    lines: list[str] = []
    with pytest.raises(ffmpeg.ProcessTimeout):
        ffmpeg.run(["sh", "-c", "echo one; sleep 60"], timeout=1, on_stdout_line=lines.append)
    assert lines == ["one"]


def test_failure_keeps_a_log_tail():
    with pytest.raises(ffmpeg.MediaError) as raised:
        ffmpeg.run(["sh", "-c", "echo boom >&2; exit 3"], timeout=5)
    assert raised.value.code == "corrupt_media"
    assert "boom" in raised.value.log_tail


def test_ffconcat_script_renamed_mp4_is_refused(tmp_path):
    target = tmp_path / "target.mp4"
    target.write_bytes(b"\x00" * 100)
    script = tmp_path / "evil.mp4"
    script.write_text(f"ffconcat version 1.0\nfile '{target}'\n")
    with pytest.raises(ffmpeg.MediaError) as raised:
        ffmpeg.probe(script)
    assert raised.value.code == "unsupported_format"


def test_every_built_command_carries_the_hardening(tmp_path):
    """The graphs built with ffmpeg-python still read through the allowlists, under limits."""
    from django.conf import settings as django_settings

    from processing import export, ladder

    info = ffmpeg.MediaInfo("mov,mp4", 4.0, 640, 360, 30.0, "h264", "aac", 0, True, 0)
    argvs = [
        ladder.transcode_argv(tmp_path / "in", tmp_path, info, ladder.plan_outputs(info)),
        export.export_argv(
            tmp_path / "in",
            tmp_path / "out.mp4",
            info=info,
            overlays=[],
            voices=[export.Voice(tmp_path / "voice", 1.0, 1.0)],
        ),
    ]
    for argv in argvs:
        assert argv[:8] == [
            "ffmpeg",
            "-nostdin",
            "-hide_banner",
            "-v",
            "error",
            "-y",
            "-max_alloc",
            str(ffmpeg.MAX_ALLOC_BYTES),
        ]
        assert argv[-3:] == ["-progress", "pipe:1", "-nostats"]
        source = argv.index(str(tmp_path / "in"))
        opening = argv[argv.index("-max_alloc") + 2 : source]
        assert opening[opening.index("-protocol_whitelist") + 1] == "file"
        assert opening[opening.index("-format_whitelist") + 1] == ffmpeg.ALLOWED_DEMUXERS
    assert argvs[0][argvs[0].index("-max_pixels") + 1] == str(ffmpeg.MAX_PIXELS)
    voice = argvs[1].index(str(tmp_path / "voice"))
    assert argvs[1][voice - 5 : voice] == [
        "-format_whitelist",
        ffmpeg.AUDIO_DEMUXERS,
        "-protocol_whitelist",
        "file",
        "-i",
    ]
    assert django_settings.FFMPEG_PRESET in argvs[0]


def test_ticks_come_without_output_and_a_raising_tick_stops_the_process():
    """ffmpeg prints no progress until every output has begun: the live HLS publisher and the
    heartbeat run on ticks instead, and a tick that raises (a cancelled job) ends the process."""

    class Stop(Exception):
        pass

    ticks = []

    def tick() -> None:
        ticks.append(1)
        if len(ticks) == 3:
            raise Stop

    with pytest.raises(Stop):
        ffmpeg.run(["sleep", "60"], timeout=120, on_tick=tick)
    assert len(ticks) == 3


def test_lines_still_reach_their_callback_with_ticks():
    lines: list[str] = []
    ffmpeg.run(
        ["printf", "a=1\\nb=2\\n"], timeout=30, on_stdout_line=lines.append, on_tick=lambda: None
    )
    assert lines == ["a=1", "b=2"]


def test_reading_frames_yields_whole_frames_then_reports_a_failure():
    """read_frames (the tracker's decoder pipe): whole frames only, then ffmpeg's exit."""
    argv = ["sh", "-c", "printf abcdefg; echo 'No space left on device' >&2; exit 1"]
    frames = []
    with pytest.raises(ffmpeg.MediaError) as raised:
        for frame in ffmpeg.read_frames(argv, frame_bytes=3, timeout=5):
            frames.append(frame)
    assert frames == [b"abc", b"def"]  # the partial "g" is dropped
    assert raised.value.code == "disk_full"


def test_a_reader_that_stops_early_leaves_no_process(tmp_path):
    pidfile = tmp_path / "pid"
    argv = ["sh", "-c", f"echo $$ > {pidfile}; yes abc"]
    frames = ffmpeg.read_frames(argv, frame_bytes=4, timeout=30)
    assert next(frames) == b"abc\n"
    frames.close()  # the consumer is done (a lost point): ffmpeg must not decode on
    assert not alive(int(pidfile.read_text()))


def test_reading_and_writing_frames_time_out(tmp_path):
    with pytest.raises(ffmpeg.ProcessTimeout):
        list(ffmpeg.read_frames(["sh", "-c", "sleep 60"], frame_bytes=4, timeout=1))

    def endless():
        while True:
            yield b"x" * 65536

    with pytest.raises(ffmpeg.ProcessTimeout):
        ffmpeg.write_frames(["sh", "-c", "sleep 60"], endless(), timeout=1)


def test_writing_frames_to_a_failing_process_reports_it():
    with pytest.raises(ffmpeg.MediaError) as raised:
        ffmpeg.write_frames(["sh", "-c", "echo bad >&2; exit 2"], iter([b"x"] * 1000), timeout=5)
    assert raised.value.code == "corrupt_media" and "bad" in raised.value.log_tail
