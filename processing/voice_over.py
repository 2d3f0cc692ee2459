"""Normalise a voice-over recording into the M4A clients play, and record its duration."""

import shutil
import tempfile
import time
from pathlib import Path

from django.core.files.storage import default_storage

from annotations import realtime
from annotations.models import Annotation, AudioStatus
from annotations.services import annotation_prefix
from processing import audio, ffmpeg, metrics
from processing.pipeline import TransientError
from videos.storage import LocalFile


def process_voice_over(*, annotation_id: str) -> None:
    annotation = Annotation.objects.filter(pk=annotation_id).first()
    if annotation is None or annotation.audio_status != AudioStatus.PROCESSING:
        return  # deleted meanwhile, or done by an earlier delivery
    started = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix=f"voice-{annotation_id}-"))
    try:
        source, target = workdir / "input", workdir / "voice.m4a"
        try:
            with (
                default_storage.open(annotation.audio_source, "rb") as remote,
                open(source, "wb") as local,
            ):
                shutil.copyfileobj(remote, local, 1024 * 1024)
        except OSError as error:
            raise TransientError(str(error)) from error
        try:
            audio.normalise(source, target, timeout=300)
            info = audio.inspect_audio(target)
        except ffmpeg.MediaError as error:
            Annotation.objects.filter(pk=annotation_id).update(
                audio_status=AudioStatus.FAILED, audio_error=error.message[:300]
            )
            return
        key = f"{annotation_prefix(annotation.video_id)}{annotation_id}.m4a"
        default_storage.delete(key)
        stored = default_storage.save(key, LocalFile(str(target)))
        updated = Annotation.objects.filter(pk=annotation_id).update(
            audio=stored, audio_status=AudioStatus.READY, duration=info.duration, audio_source=""
        )
        if not updated:  # deleted while we worked: leave nothing behind
            default_storage.delete(stored)
            return
        default_storage.delete(annotation.audio_source)
        metrics.STEP_DURATION.labels(step="voice_over").observe(time.perf_counter() - started)
        annotation.refresh_from_db()
        realtime.publish_annotation(annotation, "voiceover.ready")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
