"""Export benchmark: a coached 1080p clip (20 drawings, 2 voice-overs) against plain transcodes.

On a generated 1080p30 clip with audio (30 s by default), in one process and one run:
  (a) the processing pipeline on it (ladder + HLS, poster, storyboard, analysis, storage);
  (b) a bare re-encode of its HD rendition with the export's encoder settings and no overlays;
  (c) the export at HD: 20 drawings burned in, 2 voice-overs mixed, stored.
Prints the times, the export's real-time factor and its ratio to (a) and (b).
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.bench.common import make_source_clip, setup_django, workdir
from tests.media import make_audio

if TYPE_CHECKING:
    from accounts.models import User
    from videos.models import Video

# main() sets Django up on the run's temporary database first, so the functions below import
# the project's modules (which need settings and the app registry) where they use them.

TOOLS = ["pen", "line", "arrow", "rectangle", "ellipse", "angle", "text"]


def time_pipeline(clip: Path, work: Path, coach: User) -> tuple[Video, float]:
    """(a) ingest the clip and run the processing pipeline on it in this process."""
    from processing import pipeline
    from videos.models import Video
    from videos.services import video_ingest

    video = video_ingest(
        owner=coach,
        title="bench",
        filename="clip.mp4",
        local_path=str(shutil.copy(clip, work / "upload.mp4")),
        size=clip.stat().st_size,
        sha256="",
    )
    started = time.perf_counter()
    pipeline.process_video(video_id=str(video.pk))
    transcode = time.perf_counter() - started
    return Video.objects.get(pk=video.pk), transcode


def drawing_data(index: int) -> dict[str, Any]:
    """The index-th of the coach's drawings, cycling through the tools."""
    tool = TOOLS[index % len(TOOLS)]
    points = {
        "pen": [[0.1 + i / 100, 0.2 + (i % 7) / 50] for i in range(60)],
        "angle": [[0.3, 0.3], [0.5, 0.6], [0.7, 0.3]],
        "text": [[0.1, 0.8]],
    }.get(tool, [[0.2, 0.2], [0.6, 0.7]])
    return {
        "tool_type": tool,
        "points": points,
        "color": "#FF3B30",
        "width": 6,
        **({"text": "Knees out"} if tool == "text" else {}),
    }


def add_drawings(video: Video, coach: User, seconds: int) -> None:
    """20 drawings of 3 s each, spread over the clip."""
    from annotations.services import annotation_create_drawing

    for index in range(20):
        annotation_create_drawing(
            video=video,
            author=coach,
            timestamp=index * (seconds - 3) / 20,
            duration=3.0,
            drawing_data=drawing_data(index),
        )


def add_voice_overs(video: Video, coach: User, work: Path, seconds: int) -> None:
    """Two 4 s voice-overs, at 20 % and 60 % of the clip, processed as the worker would; on a
    clip under 10 s they are shortened to 40 % of it, so the second ends within the video."""
    from annotations.services import voice_over_create
    from processing.voice_over import process_voice_over

    length = min(4, round(seconds * 0.4, 1))
    for index, at in enumerate((seconds * 0.2, seconds * 0.6)):
        voice = make_audio(
            work / f"voice-{index}.wav", seconds=length, frequency=700, codec=("-c:a", "pcm_s16le")
        )
        annotation = voice_over_create(
            video=video,
            author=coach,
            timestamp=at,
            local_path=str(voice),
            size=voice.stat().st_size,
        )
        process_voice_over(annotation_id=str(annotation.pk))


def time_bare_reencode(video: Video, work: Path) -> float:
    """(b) a bare re-encode of the HD rendition, the export's encoder settings, no overlays."""
    from django.conf import settings
    from django.core.files.storage import default_storage

    from processing import ffmpeg

    hd = video.renditions.get(quality="hd")
    started = time.perf_counter()
    ffmpeg.run(
        [
            *(
                "ffmpeg",
                "-nostdin",
                "-v",
                "error",
                "-y",
                "-i",
                default_storage.path(hd.file.name),
            ),
            *("-c:v", "libx264", "-preset", settings.FFMPEG_PRESET, "-crf"),
            *(str(settings.EXPORT_CRF), "-c:a", "aac", "-b:a", "160k"),
            *("-movflags", "+faststart", str(work / "bare.mp4")),
        ],
        timeout=3600,
    )
    return time.perf_counter() - started


def time_export(video: Video, coach: User) -> float:
    """(c) the export at HD with the drawings burned in and the voice-overs mixed, stored."""
    from processing.export import run_export
    from processing.models import JobKind, ProcessingJob

    job = ProcessingJob.objects.create(
        video=video,
        kind=JobKind.EXPORT,
        requested_by=coach,
        options={"quality": "hd", "include_drawings": True, "include_voice_overs": True},
    )
    started = time.perf_counter()
    run_export(job_id=str(job.pk))
    exported = time.perf_counter() - started
    job.refresh_from_db()
    assert job.state == "succeeded", job.error_message
    return exported


def print_report(seconds: int, transcode: float, bare: float, exported: float) -> None:
    print(f"export benchmark: {seconds} s 1080p30 clip, 20 drawings, 2 voice-overs, at HD")
    print(f"  (a) processing pipeline (ladder, HLS, ...): {transcode:7.2f} s")
    print(f"  (b) bare HD re-encode, no overlays       : {bare:7.2f} s  (1.00)")
    print(f"  (c) export, drawings + voices + storage  : {exported:7.2f} s")
    print(f"      = {exported / bare:.2f}x (b), {exported / transcode:.2f}x (a)")
    print(f"  export real-time factor: {seconds / exported:.2f} media s per wall s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=30)
    seconds = parser.parse_args().seconds
    with workdir("bench-export-") as work:
        setup_django(work)
        from django.core.management import call_command

        from accounts.models import Role
        from accounts.services import user_create

        clip = make_source_clip(work / "clip.mp4", seconds, audio_filter="volume=0.2")
        call_command("migrate", verbosity=0)
        coach = user_create(username="bench", password="bench-pass-123!", role=Role.COACH)
        video, transcode = time_pipeline(clip, work, coach)
        add_drawings(video, coach, seconds)
        add_voice_overs(video, coach, work, seconds)
        bare = time_bare_reencode(video, work)
        exported = time_export(video, coach)
        print_report(seconds, transcode, bare, exported)


if __name__ == "__main__":
    main()
