"""The rendition ladder: which outputs a source gets, and the one ffmpeg command that makes them."""

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from processing.ffmpeg import HARDENING, MAX_ALLOC_BYTES, MAX_PIXELS, MediaInfo

GOP_SECONDS = 2  # keyframes at least every 2 s: frame stepping and HLS cuts need them
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


def transcode_argv(
    source: Path, workdir: Path, info: MediaInfo, outputs: list[Output]
) -> list[str]:
    """One decode, a split filter graph, and per rendition one encode written twice by the tee
    muxer: a progressive MP4 (faststart) and an HLS fMP4 single file with byte-range playlist."""
    labels = [f"v{index}" for index in range(len(outputs))]
    chains = [f"[0:v:0]split={len(outputs)}" + "".join(f"[{label}]" for label in labels)]
    for label, output in zip(labels, outputs, strict=True):
        chain = f"[{label}]scale={output.width}:{output.height}:flags=bicubic,setsar=1"
        if info.fps and info.fps > output.fps + 0.01:
            chain += f",fps={output.fps}"
        chains.append(chain + f",format=yuv420p[o{label}]")
    argv = [
        "ffmpeg",
        "-nostdin",
        "-hide_banner",
        "-v",
        "error",
        "-y",
        "-max_alloc",
        str(MAX_ALLOC_BYTES),
        *HARDENING,
        "-max_pixels",
        str(MAX_PIXELS),
        "-i",
        str(source),
        "-filter_complex",
        ";".join(chains),
    ]
    for label, output in zip(labels, outputs, strict=True):
        gop = max(1, round(output.fps * GOP_SECONDS))
        maxrate = output.rung.maxrate_kbps
        argv += ["-map", f"[o{label}]"]
        if info.has_audio:
            argv += ["-map", "0:a:0", "-c:a", "aac", "-b:a", AUDIO_BITRATE, "-ac", "2"]
        argv += [
            "-c:v",
            "libx264",
            "-preset",
            settings.FFMPEG_PRESET,
            "-profile:v",
            "high",
            "-crf",
            "23",
            "-maxrate",
            f"{maxrate}k",
            "-bufsize",
            f"{maxrate * 2}k",
            "-g",
            str(gop),
            "-keyint_min",
            str(gop),
            "-sc_threshold",
            "0",
            "-force_key_frames",
            f"expr:gte(t,n_forced*{GOP_SECONDS})",
            "-map_metadata",
            "-1",
            "-map_chapters",
            "-1",
            "-sn",
            "-dn",
            "-f",
            "tee",
            f"[f=mp4:movflags=+faststart]{workdir / output.mp4}"
            f"|[f=hls:hls_time={GOP_SECONDS}:hls_playlist_type=vod:hls_segment_type=fmp4"
            f":hls_flags=single_file]{workdir / output.playlist}",
        ]
    return [*argv, "-progress", "pipe:1", "-nostats"]


def master_playlist(variants: list[tuple[Output, int, str]]) -> str:
    """variants: (output, peak bandwidth in bit/s, CODECS string)."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for output, bandwidth, codecs in variants:
        lines.append(
            f"#EXT-X-STREAM-INF:BANDWIDTH={bandwidth},RESOLUTION={output.width}x{output.height},"
            f'CODECS="{codecs}",FRAME-RATE={output.fps:.3f}'
        )
        lines.append(output.playlist)
    return "\n".join(lines) + "\n"


def codecs_string(profile: str, level: int, has_audio: bool) -> str:
    profile_idc = {"High": 100, "Main": 77, "Baseline": 66, "Constrained Baseline": 66}.get(
        profile, 100
    )
    video = f"avc1.{profile_idc:02x}00{level:02x}"
    return f"{video},mp4a.40.2" if has_audio else video
