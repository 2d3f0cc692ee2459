"""The processing pipeline for one video: scan (if the upload did not), probe, then outputs."""

import logging
import shutil
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage

from processing import clamav, ffmpeg
from videos.models import ScanStatus, Video, VideoStatus
from videos.services import video_transition

logger = logging.getLogger(__name__)


def _fail(video_id: str, code: str, message: str, status: VideoStatus = VideoStatus.FAILED) -> None:
    Video.objects.filter(pk=video_id).update(
        status=status, status_code=code, status_message=message[:500]
    )


def process_video(*, video_id: str) -> None:
    video = Video.objects.filter(pk=video_id).first()
    if video is None or video.status not in (VideoStatus.UPLOADED, VideoStatus.SCANNING):
        return  # deleted meanwhile, or another delivery already handled it
    workdir = Path(tempfile.mkdtemp(prefix=f"video-{video_id}-"))
    try:
        source = workdir / "input"  # no extension: the demuxer allowlist decides, not the name
        with default_storage.open(video.original.name, "rb") as remote, open(source, "wb") as local:
            shutil.copyfileobj(remote, local, 1024 * 1024)
        if video.scan_status == ScanStatus.PENDING:
            scan(video, source)
            video.refresh_from_db()
            if video.status != VideoStatus.SCANNING:
                return
        video_transition(
            video_id=video_id,
            from_statuses=[VideoStatus.UPLOADED, VideoStatus.SCANNING],
            to=VideoStatus.PROCESSING,
        )
        try:
            info = ffmpeg.probe(source)
        except ffmpeg.MediaError as error:
            _fail(video_id, error.code, error.message)
            return
        Video.objects.filter(pk=video_id).update(
            duration=info.duration,
            width=info.display_width,
            height=info.display_height,
            fps=info.fps,
            video_codec=info.video_codec,
            audio_codec=info.audio_codec,
            rotation=info.rotation,
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def scan(video: Video, source: Path) -> None:
    video_transition(
        video_id=video.pk, from_statuses=[VideoStatus.UPLOADED], to=VideoStatus.SCANNING
    )
    if not settings.CLAMAV_ADDRESS:
        Video.objects.filter(pk=video.pk).update(
            scan_status=ScanStatus.NOT_SCANNED, scan_detail="No virus scanner is configured."
        )
        return
    with open(source, "rb") as stream:
        result = clamav.scan_stream(stream, size=video.size)  # ScannerUnavailable: retried
    if not result.clean:
        default_storage.delete(video.original.name)
        Video.objects.filter(pk=video.pk).update(
            status=VideoStatus.REJECTED,
            status_code="malware_detected",
            status_message=f"Malware found ({result.signature}); the file was deleted.",
            scan_status=ScanStatus.INFECTED,
            scan_detail=result.signature,
            original="",
            size=0,
        )
        return
    Video.objects.filter(pk=video.pk).update(
        scan_status=ScanStatus.PARTIAL if result.partial else ScanStatus.CLEAN
    )
