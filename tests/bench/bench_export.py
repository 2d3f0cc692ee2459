"""Export benchmark: a coached 1080p clip (20 drawings, 2 voice-overs) against plain transcodes.

On a generated 1080p30 clip with audio (30 s by default), in one process and one run:
  (a) the processing pipeline on it (ladder + HLS, poster, storyboard, analysis, storage);
  (b) a bare re-encode of its HD rendition with the export's encoder settings and no overlays;
  (c) the export at HD: 20 drawings burned in, 2 voice-overs mixed, stored.
Prints the times, the export's real-time factor and its ratio to (a) and (b).
"""

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path


def generate(path: Path, *args: str) -> Path:
    subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-y", *args, str(path)], check=True)
    return path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=30)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-export-"))
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
            "MEDIA_ROOT": str(work / "media"),
            "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12"),
            "BROKER_NAMESPACE": f"bench-{os.getpid()}",
            "CLAMAV_ADDRESS": "",
            "LOG_LEVEL": "WARNING",
        }
    )
    import django

    django.setup()
    from django.conf import settings
    from django.core.files.storage import default_storage
    from django.core.management import call_command

    from accounts.models import Role
    from accounts.services import user_create
    from annotations.services import annotation_create_drawing, voice_over_create
    from processing import ffmpeg, pipeline
    from processing.export import run_export
    from processing.models import JobKind, ProcessingJob
    from processing.voice_over import process_voice_over
    from videos.models import Video
    from videos.services import video_ingest

    try:
        seconds = args.seconds
        clip = generate(
            work / "clip.mp4",
            *("-f", "lavfi", "-i", f"testsrc2=size=1920x1080:rate=30:duration={seconds}"),
            *("-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds},volume=0.2"),
            *("-c:v", "libx264", "-preset", "ultrafast", "-crf", "18", "-pix_fmt", "yuv420p"),
            *("-c:a", "aac"),
        )
        call_command("migrate", verbosity=0)
        coach = user_create(username="bench", password="bench-pass-123!", role=Role.COACH)
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
        video = Video.objects.get(pk=video.pk)
        hd = video.renditions.get(quality="hd")

        tools = ["pen", "line", "arrow", "rectangle", "ellipse", "angle", "text"]
        for index in range(20):
            tool = tools[index % len(tools)]
            points = {
                "pen": [[0.1 + i / 100, 0.2 + (i % 7) / 50] for i in range(60)],
                "angle": [[0.3, 0.3], [0.5, 0.6], [0.7, 0.3]],
                "text": [[0.1, 0.8]],
            }.get(tool, [[0.2, 0.2], [0.6, 0.7]])
            annotation_create_drawing(
                video=video,
                author=coach,
                timestamp=index * (seconds - 3) / 20,
                duration=3.0,
                drawing_data={
                    "tool_type": tool,
                    "points": points,
                    "color": "#FF3B30",
                    "width": 6,
                    **({"text": "Knees out"} if tool == "text" else {}),
                },
            )
        for index, at in enumerate((seconds * 0.2, seconds * 0.6)):
            voice = generate(
                work / f"voice-{index}.wav",
                *("-f", "lavfi", "-i", "sine=frequency=700:duration=4", "-c:a", "pcm_s16le"),
            )
            annotation = voice_over_create(
                video=video,
                author=coach,
                timestamp=at,
                local_path=str(voice),
                size=voice.stat().st_size,
            )
            process_voice_over(annotation_id=str(annotation.pk))

        # (b) a bare re-encode of the HD rendition, the export's encoder settings, no overlays
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
        bare = time.perf_counter() - started

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

        print(f"export benchmark: {seconds} s 1080p30 clip, 20 drawings, 2 voice-overs, at HD")
        print(f"  (a) processing pipeline (ladder, HLS, ...): {transcode:7.2f} s")
        print(f"  (b) bare HD re-encode, no overlays       : {bare:7.2f} s  (1.00)")
        print(f"  (c) export, drawings + voices + storage  : {exported:7.2f} s")
        print(f"      = {exported / bare:.2f}x (b), {exported / transcode:.2f}x (a)")
        print(f"  export real-time factor: {seconds / exported:.2f} media s per wall s")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
