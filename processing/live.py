"""Live HLS: the segments the encoder has finished, published to storage while it goes on, so a
video is playable seconds after its upload, whatever its length.

ffmpeg writes each rendition's live HLS beside the final outputs (processing.ladder: an EVENT
playlist, an fMP4 init section, one file per segment, the playlist renamed into place once a
segment is complete). `LivePublisher.poll` stores every segment ffmpeg lists and not yet stored,
then that rendition's playlist naming only stored segments: a reader never sees a name whose file
is missing. Once every rendition has a segment, the live master playlist is stored and
`on_playable(master_key)` runs. When ffmpeg ends its playlist (ENDLIST) the published playlist
becomes VOD. The final byte-range HLS replaces all of this at the end (processing.pipeline).

Everything lands in the video's hls/ folder under names with ladder.LIVE, plain files beside the
playlists that name them (videos.hls serves them rewritten, each URL signed for its own file).
"""

import logging
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage

from processing import ladder
from videos import storage
from videos.storage import LocalFile

logger = logging.getLogger(__name__)

LIVE_MASTER = "live.m3u8"


@dataclass
class LiveRendition:
    output: ladder.Output
    segments: list[tuple[float, str]] = field(default_factory=list)  # stored: (seconds, name)
    codecs: str = ""
    ended: bool = False  # its VOD playlist (ENDLIST) is published

    @property
    def seconds(self) -> float:
        return sum(duration for duration, _ in self.segments)


def parse_media_playlist(text: str) -> tuple[list[tuple[float, str]], bool]:
    """ffmpeg's live media playlist: its segments (seconds, file name) and whether it ended."""
    segments: list[tuple[float, str]] = []
    duration: float | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#EXTINF:"):
            duration = float(line.removeprefix("#EXTINF:").split(",", 1)[0])
        elif line and not line.startswith("#") and duration is not None:
            segments.append((duration, os.path.basename(line)))
            duration = None
    return segments, "#EXT-X-ENDLIST" in text


def media_playlist(init: str, segments: list[tuple[float, str]], *, ended: bool) -> str:
    """The published playlist: EVENT while the encode goes on (segments only added), VOD with
    ENDLIST once it is done. TARGETDURATION stays GOP_SECONDS while live, as HLS requires."""
    longest = max([ladder.GOP_SECONDS, *(round(d) for d, _ in segments)])
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:7",
        f"#EXT-X-TARGETDURATION:{longest}",
        "#EXT-X-MEDIA-SEQUENCE:0",
        f"#EXT-X-PLAYLIST-TYPE:{'VOD' if ended else 'EVENT'}",
        "#EXT-X-INDEPENDENT-SEGMENTS",
        f'#EXT-X-MAP:URI="{init}"',
    ]
    for duration, name in segments:
        lines += [f"#EXTINF:{duration:.6f},", name]
    if ended:
        lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


def codecs_from_init(init: bytes, *, has_audio: bool) -> str:
    """The CODECS string from the init section's avcC box (profile, constraints, level)."""
    at = init.find(b"avcC")
    if at < 0 or len(init) < at + 8:
        return ladder.codecs_string("High", 40, has_audio)
    video = f"avc1.{init[at + 5]:02x}{init[at + 6]:02x}{init[at + 7]:02x}"
    return f"{video},mp4a.40.2" if has_audio else video


def replace_file(key: str, data: bytes) -> None:
    """Write `key` in place, so a reader gets the old text or the new one and never a 404.
    Storage.save would pick another name for an existing key (file_overwrite is off on S3)."""
    if isinstance(default_storage, FileSystemStorage):
        path = Path(default_storage.path(key))
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.tmp")
        temporary.write_bytes(data)
        os.replace(temporary, path)
    else:  # S3: one PUT replaces the object at once
        default_storage._save(key, ContentFile(data))  # type: ignore[attr-defined]


def is_live_file(name: str) -> bool:
    return name == LIVE_MASTER or ladder.LIVE in name


def delete_hls_files(video_id: object, *, live: bool) -> None:
    """Delete the video's live HLS files (an earlier attempt's, or once the final HLS is in
    place) or its final ones (replaced by this run's), leaving the other kind alone."""
    prefix = f"{storage.video_prefix(video_id)}hls/"
    try:
        _, files = default_storage.listdir(prefix)
    except FileNotFoundError:
        return
    for name in files:
        if is_live_file(name) == live:
            default_storage.delete(f"{prefix}{name}")


class LivePublisher:
    """Publishes the live HLS of one transcode; `poll` often while it runs, once after."""

    def __init__(
        self,
        *,
        video_id: object,
        out_dir: Path,
        outputs: list[ladder.Output],
        has_audio: bool,
        on_playable: Callable[[str], None],
    ) -> None:
        self.prefix = f"{storage.video_prefix(video_id)}hls/"
        self.out_dir = out_dir
        self.has_audio = has_audio
        self.on_playable = on_playable
        self.renditions = [LiveRendition(output) for output in outputs]
        self.master_key = ""

    @property
    def seconds(self) -> float:
        """Media seconds every rendition has published (what a viewer can play and draw on)."""
        return min(rendition.seconds for rendition in self.renditions)

    def poll(self) -> None:
        for rendition in self.renditions:
            self._publish(rendition)
        if not self.master_key and all(rendition.segments for rendition in self.renditions):
            self._publish_master()

    def _publish(self, rendition: LiveRendition) -> None:
        output = rendition.output
        try:
            text = (self.out_dir / output.live_playlist).read_text()
        except FileNotFoundError:
            return  # no segment finished yet
        listed, ended = parse_media_playlist(text)
        new = listed[len(rendition.segments) :]
        if not new and ended == rendition.ended:
            return
        if not rendition.segments:
            init = (self.out_dir / output.live_init).read_bytes()
            rendition.codecs = codecs_from_init(init, has_audio=self.has_audio)
            replace_file(f"{self.prefix}{output.live_init}", init)
        for duration, name in new:
            key = f"{self.prefix}{name}"
            if default_storage.exists(key):  # left by an attempt that died: never renamed
                default_storage.delete(key)
            # ffmpeg is done with a listed segment: on local storage this is a rename.
            default_storage.save(key, LocalFile(str(self.out_dir / name)))
            rendition.segments.append((duration, name))
        rendition.ended = ended
        text = media_playlist(output.live_init, rendition.segments, ended=ended)
        replace_file(f"{self.prefix}{output.live_playlist}", text.encode())

    def _publish_master(self) -> None:
        variants = [(r.output, ladder.peak_bandwidth(r.output), r.codecs) for r in self.renditions]
        key = f"{self.prefix}{LIVE_MASTER}"
        replace_file(key, ladder.master_playlist(variants, live=True).encode())
        self.master_key = key
        self.on_playable(key)


def published_percent(seconds: float, duration: float) -> int:
    """Whole percent of `duration` published, rounded down (never claims more than there is)."""
    return max(0, min(99, math.floor(seconds / max(duration, 0.001) * 100)))
