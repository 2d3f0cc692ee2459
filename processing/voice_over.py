"""Normalise a voice-over recording into the M4A clients play, and record its duration.

A ProcessingJob of kind `voice_over` (options.annotation_id) runs it: claimed, heartbeated,
retried and watched like the pipeline's; the annotation changes through annotations.services.
"""

import logging
import shutil
import time
from functools import partial
from pathlib import Path

from django.core.files.storage import default_storage

from annotations import realtime
from annotations.models import Annotation, AudioStatus
from annotations.services import annotation_prefix, voice_over_mark_failed, voice_over_mark_ready
from processing import audio, metrics
from processing.jobs import JobRun, job_live_or_create, job_run
from processing.models import JobKind, ProcessingJob
from videos.storage import LocalFile

logger = logging.getLogger(__name__)


def process_voice_over(*, annotation_id: str) -> None:
    annotation = Annotation.objects.filter(pk=annotation_id).first()
    if annotation is None:  # deleted meanwhile, or a message of another instance sharing the broker
        logger.warning(
            "voice-over for an unknown annotation; acknowledged, nothing done",
            extra={"annotation_id": str(annotation_id)},
        )
        return
    if annotation.audio_status != AudioStatus.PROCESSING:
        return  # done by an earlier delivery
    job = voice_over_job(annotation)
    # Cancelled means the video is being deleted: its voice-over files go with its folder.
    with job_run(
        job,
        prefix="voice",
        crashed_message="Processing the recording stopped {stops} times without finishing.",
        on_failed=partial(_failed, annotation_id=str(annotation_id)),
    ) as run:
        if run is not None:
            normalise(annotation, run)


def voice_over_job(annotation: Annotation) -> ProcessingJob:
    """The annotation's live job (created when it was enqueued), or a new one."""
    return job_live_or_create(
        video_id=annotation.video_id,
        kind=JobKind.VOICE_OVER,
        options={"annotation_id": str(annotation.pk)},
    )


def normalise(annotation: Annotation, run: JobRun) -> None:
    started = time.perf_counter()
    run.step("download")
    source, target = run.workdir / "input", run.workdir / "voice.m4a"
    with default_storage.open(annotation.audio_source, "rb") as remote, open(source, "wb") as local:
        shutil.copyfileobj(remote, local, 1024 * 1024)
    run.step("normalise")
    audio.normalise(source, target, timeout=300)
    info = audio.inspect_audio(target)
    run.step("store")
    stored = _store(annotation, target)
    if not voice_over_mark_ready(
        annotation_id=annotation.pk, audio_key=stored, duration=info.duration
    ):  # deleted while we worked: leave nothing behind
        default_storage.delete(stored)
        return
    default_storage.delete(annotation.audio_source)
    metrics.STEP_DURATION.labels(step="voice_over").observe(time.perf_counter() - started)
    run.succeed()
    annotation.refresh_from_db()
    realtime.publish_annotation(annotation, "voiceover.ready")


def _store(annotation: Annotation, target: Path) -> str:
    key = f"{annotation_prefix(annotation.video_id)}{annotation.pk}.m4a"
    default_storage.delete(key)
    return default_storage.save(key, LocalFile(str(target)))


def _failed(job: ProcessingJob, code: str, message: str, *, annotation_id: str) -> None:
    voice_over_mark_failed(annotation_id=annotation_id, message=message)
