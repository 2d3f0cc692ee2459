"""The rendition ladder: which outputs a source gets, and the one ffmpeg command that makes them."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ffmpeg as ffmpeg_lib
from django.conf import settings

from processing.ffmpeg import MAX_PIXELS, MediaInfo, compile_hardened, hardened_input

GOP_SECONDS = 2  # keyframes at least every 2 s: frame stepping and HLS cuts need them
# The live playlist's first segment is half a second (one extra keyframe at 0.5 s): the first
# picture is published once half a second of media is encoded rather than two seconds.
FIRST_SEGMENT_SECONDS = 0.5
LIVE = "-live"  # the live (EVENT) HLS of a rendition: its playlist, init section and segments
AUDIO_BITRATE = "128k"


@dataclass(frozen=True)
class Rung:
    quality: str
    short_side: int
    maxrate_kbps: int
    max_fps: int


@dataclass(frozen=True)
class Output:
    rung: Rung
    width: int
    height: int
    fps: float

    @property
    def mp4(self) -> str:
        return f"{self.rung.quality}.mp4"

    @property
    def playlist(self) -> str:
        return f"{self.rung.quality}.m3u8"

    @property
    def segments(self) -> str:
        return f"{self.rung.quality}.m4s"

    @property
    def live_playlist(self) -> str:
        return f"{self.rung.quality}{LIVE}.m3u8"

    @property
    def live_init(self) -> str:
        return f"{self.rung.quality}{LIVE}-init.mp4"

    @property
    def live_segment_pattern(self) -> str:
        return f"{self.rung.quality}{LIVE}-%05d.m4s"


def configured_ladder() -> list[Rung]:
    """VIDEO_LADDER: "quality:short_side:maxrate_kbps:max_fps,..." (a setting)."""
    rungs = []
    for item in settings.VIDEO_LADDER.split(","):
        quality, short_side, maxrate, max_fps = item.strip().split(":")
        rungs.append(Rung(quality, int(short_side), int(maxrate), int(max_fps)))
    return sorted(rungs, key=lambda rung: -rung.short_side)


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)


def plan_outputs(info: MediaInfo, ladder: list[Rung] | None = None) -> list[Output]:
    """Rungs no larger than the source (never upscaled), aspect kept, even sizes; at least one."""
    ladder = ladder or configured_ladder()
    width, height = info.display_width, info.display_height
    source_short = min(width, height)
    chosen = [rung for rung in ladder if rung.short_side <= source_short] or [ladder[-1]]
    outputs = []
    for rung in chosen:
        short = min(rung.short_side, source_short)
        scale = short / source_short
        out_w, out_h = _even(width * scale), _even(height * scale)
        fps = min(info.fps or rung.max_fps, rung.max_fps)
        outputs.append(Output(rung, out_w, out_h, round(fps, 3)))
    return outputs


def frame_rate(fps: float) -> str:
    """The rate for ffmpeg's fps filter as a fraction: NTSC rates (probed as 29.97, 59.94,
    23.976...) are exactly N * 1000 / 1001, so their frames keep their own times."""
    ntsc = round(fps * 1.001)
    if abs(fps - ntsc / 1.001) < 0.0015 and abs(fps - round(fps)) > 0.0015:
        return f"{ntsc * 1000}/1001"
    return f"{fps:g}"


def transcode_argv(
    source: Path,
    workdir: Path,
    info: MediaInfo,
    outputs: list[Output],
    *,
    extras: Sequence[Callable[[Any], Any]] = (),
) -> list[str]:
    """One decode, a split filter graph, and per rendition one encode written three times by the
    tee muxer: a progressive MP4 (faststart), an HLS fMP4 single file with a byte-range VOD
    playlist (the final form), and a live HLS: an EVENT playlist with one file per segment, each
    listed once complete, which processing.live publishes while the encode goes on.

    Every rendition is constant-frame-rate at its planned rate (the fps filter): phones record
    a variable frame rate, and the studio and the export count frame k at k / video.fps, which
    holds only when the frames are evenly spaced. On a constant-rate source at that rate the
    filter passes every frame through unchanged.

    `extras` make more outputs of the same decoded picture: each gets a branch of the smallest
    rendition's picture (scaled, at its frame rate; the source's full-size frames would cost
    each of them a scale of every frame) and returns an ffmpeg-python output: the storyboard,
    poster candidates, motion frames."""
    stream = hardened_input(source, max_pixels=MAX_PIXELS)
    split = stream["v:0"].split()
    encodes = []
    extra_branches: list[Any] = []
    for index, output in enumerate(outputs):
        scaled = split[index].filter("scale", output.width, output.height, flags="bicubic")
        scaled = scaled.filter("setsar", 1)
        if info.fps:
            scaled = scaled.filter("fps", frame_rate(output.fps))
        if extras and index == len(outputs) - 1:
            branches = scaled.split()
            scaled = branches[0]
            extra_branches = [branches[offset] for offset in range(1, len(extras) + 1)]
        streams = [scaled.filter("format", "yuv420p")]
        if info.has_audio:
            streams.append(stream["a:0"])
        encodes.append(
            # The tee muxer's target is one string: ffmpeg-python passes it through as a filename.
            streams[0].output(
                *streams[1:],
                f"[f=mp4:movflags=+faststart]{workdir / output.mp4}"
                f"|[f=hls:hls_time={GOP_SECONDS}:hls_playlist_type=vod:hls_segment_type=fmp4"
                f":hls_flags=single_file]{workdir / output.playlist}"
                f"|[{live_hls_options(workdir, output)}]{workdir / output.live_playlist}",
                format="tee",
                **encode_options(output, has_audio=info.has_audio),
            )
        )
    for branch, make_output in zip(extra_branches, extras, strict=True):
        encodes.append(make_output(branch))
    return compile_hardened(ffmpeg_lib.merge_outputs(*encodes), progress=True)


def live_hls_options(workdir: Path, output: Output) -> str:
    """The tee slave options of a rendition's live HLS (files beside its playlist in `workdir`)."""
    return (
        f"f=hls:hls_time={GOP_SECONDS}:hls_init_time={FIRST_SEGMENT_SECONDS}"
        ":hls_playlist_type=event:hls_segment_type=fmp4:hls_flags=independent_segments+temp_file"
        f":hls_fmp4_init_filename={output.live_init}"
        f":hls_segment_filename={workdir / output.live_segment_pattern}"
    )


def key_frame_times() -> str:
    """Forced keyframes at 0 and FIRST_SEGMENT_SECONDS, then every GOP_SECONDS (2, 4, 6...)."""
    first = FIRST_SEGMENT_SECONDS
    return f"expr:if(lt(n_forced,2),gte(t,n_forced*{first}),gte(t,(n_forced-1)*{GOP_SECONDS}))"


def encode_options(output: Output, *, has_audio: bool) -> dict[str, str | int | None]:
    """One rendition's encoder settings: H.264 with a fixed GOP (HLS cuts and frame stepping),
    capped bitrate, AAC stereo, nothing of the source's metadata, chapters or subtitles."""
    gop = max(1, round(output.fps * GOP_SECONDS))
    maxrate = output.rung.maxrate_kbps
    audio = {"c:a": "aac", "b:a": AUDIO_BITRATE, "ac": 2} if has_audio else {}
    return {
        **audio,
        "c:v": "libx264",
        "preset": settings.FFMPEG_PRESET,
        "profile:v": "high",
        "crf": 23,
        "maxrate": f"{maxrate}k",
        "bufsize": f"{maxrate * 2}k",
        "g": gop,
        "keyint_min": gop,
        "sc_threshold": 0,
        "force_key_frames": key_frame_times(),
        "map_metadata": -1,
        "map_chapters": -1,
        "sn": None,
        "dn": None,
    }


def peak_bandwidth(output: Output) -> int:
    """BANDWIDTH of a variant (bit/s): the video's cap with headroom, plus the audio."""
    return int(output.rung.maxrate_kbps * 1000 * 1.1) + 128_000


def master_playlist(variants: list[tuple[Output, int, str]], *, live: bool = False) -> str:
    """variants: (output, peak bandwidth in bit/s, CODECS string); `live` names the live
    (EVENT) variant playlists instead of the final byte-range ones."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for output, bandwidth, codecs in variants:
        lines.append(
            f"#EXT-X-STREAM-INF:BANDWIDTH={bandwidth},RESOLUTION={output.width}x{output.height},"
            f'CODECS="{codecs}",FRAME-RATE={output.fps:.3f}'
        )
        lines.append(output.live_playlist if live else output.playlist)
    return "\n".join(lines) + "\n"


def codecs_string(profile: str, level: int, has_audio: bool) -> str:
    profile_idc = {"High": 100, "Main": 77, "Baseline": 66, "Constrained Baseline": 66}.get(
        profile, 100
    )
    video = f"avc1.{profile_idc:02x}00{level:02x}"
    return f"{video},mp4a.40.2" if has_audio else video
