"""Every write to videos: creation from an upload, lifecycle transitions, sharing, deletion."""

import logging
import unicodedata
import uuid
from dataclasses import asdict, dataclass
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.models import User
from config.errors import ApplicationError, PayloadTooLarge, ServiceUnavailable, Unprocessable
from processing import clamav, ffmpeg
from videos import storage
from videos.metrics import timed_storage
from videos.models import (
    IN_FLIGHT_STATUSES,
    Moderation,
    Rendition,
    ScanStatus,
    SharePermission,
    Video,
    VideoShare,
    VideoStatus,
)
from videos.permissions import may_receive_share

logger = logging.getLogger(__name__)

# Statuses from which a video may be (re)processed.
REPROCESSABLE = [VideoStatus.READY, VideoStatus.FAILED, VideoStatus.UPLOADED]


class LocalFile(File):
    """A finished upload on local disk. Local storage moves it into place (a rename on the same
    filesystem) instead of copying it; other storages stream it."""

    def __init__(self, path: str) -> None:
        super().__init__(open(path, "rb"), name=path)  # noqa: SIM115 - closed by File

    def temporary_file_path(self) -> str:
        return str(self.name)


class QuotaExceeded(PayloadTooLarge):
    code = "quota_exceeded"
    default_detail = "This upload would exceed your storage quota; delete some videos first."


def sanitise_filename(name: str) -> str:
    """Display text only: no path, no control or bidi characters, at most 255 characters."""
    name = PureWindowsPath(PurePosixPath(name or "").name).name
    name = unicodedata.normalize("NFC", name)
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    return name.strip()[:255] or "video"


def sanitise_text(value: str, *, max_length: int, multiline: bool = False) -> str:
    allowed = {"\n", "\t"} if multiline else set()
    value = unicodedata.normalize("NFC", value or "")
    value = "".join(ch for ch in value if ch in allowed or unicodedata.category(ch)[0] != "C")
    return value.strip()[:max_length]


def user_stored_bytes(*, user: User) -> int:
    stored = Video.objects.filter(owner=user).aggregate(total=Sum("size"))["total"] or 0
    pending = (
        Video.objects.filter(owner=user, status=VideoStatus.UPLOADING).aggregate(
            total=Sum("tus_upload__length")
        )["total"]
        or 0
    )
    return int(stored) + int(pending)


def check_quota(*, user: User, incoming_bytes: int) -> None:
    if user_stored_bytes(user=user) + incoming_bytes > settings.MAX_USER_STORAGE_BYTES:
        raise QuotaExceeded()


def check_upload_size(size: int) -> None:
    if size > settings.MAX_UPLOAD_BYTES:
        raise PayloadTooLarge(
            f"The file is larger than the {settings.MAX_UPLOAD_BYTES} bytes this service accepts."
        )
    if size == 0:
        raise Unprocessable("The file is empty.", code="empty_file")


def inspect_media(local_path: str) -> ffmpeg.MediaInfo:
    """Decide quickly whether a local file is a video we accept (ffprobe, hardened)."""
    try:
        info = ffmpeg.probe(local_path, timeout=30)
    except ffmpeg.MediaError as error:
        raise Unprocessable(error.message, code=error.code) from None
    if info.width <= 0 or info.height <= 0:
        raise Unprocessable("The video has no picture size.", code="unsupported_format")
    return info


class MalwareDetected(Unprocessable):
    code = "malware_detected"
    default_detail = "The file contains malware and was deleted."


def scan_local_file(path: str, size: int) -> tuple[ScanStatus, str]:
    """Scan with clamd when one is configured and answering.

    Returns the scan status to record: CLEAN/PARTIAL, INFECTED (with the signature), PENDING
    when clamd could not be reached (the worker retries; never clean), NOT_SCANNED without clamd.
    """
    try:
        verdict = clamav.scan_file(path, size=size)
    except clamav.ScannerUnavailable as error:
        logger.warning(
            "clamd unavailable at upload; the worker will scan", extra={"error": str(error)}
        )
        return ScanStatus.PENDING, ""
    return verdict.status, verdict.detail


def video_ingest(
    *,
    owner: User,
    title: str,
    description: str = "",
    filename: str,
    local_path: str,
    size: int,
    sha256: str,
    video_id: uuid.UUID | None = None,
) -> Video:
    """Turn a fully received upload (a file on local disk) into a video, or refuse it.

    Order: size, malware scan, content probe, then storage; a refused upload stores nothing.
    An infected upload is kept as a `rejected` video without its file, so the owner sees why.
    """
    check_upload_size(size)
    video = Video.objects.filter(pk=video_id).first() if video_id else None
    if video is None:
        video = Video(id=video_id or uuid.uuid4(), owner=owner)
    video.title = sanitise_text(title, max_length=200) or sanitise_filename(filename)
    video.description = sanitise_text(description, max_length=5000, multiline=True)
    video.original_filename = sanitise_filename(filename)
    video.size = size
    video.sha256 = sha256
    video.scan_status, video.scan_detail = scan_local_file(local_path, size)

    if video.scan_status == ScanStatus.INFECTED:
        video.status = VideoStatus.REJECTED
        video.status_code = MalwareDetected.code
        video.status_message = f"Malware found ({video.scan_detail}); the file was deleted."
        video.size = 0
        video.save()
        raise MalwareDetected(video.status_message)

    inspect_media(local_path)
    key = f"{storage.video_prefix(video.pk)}original"
    try:
        with timed_storage("save"), LocalFile(local_path) as local_file:
            default_storage.delete(key)  # a retried completion replaces, never suffixes
            video.original.name = default_storage.save(key, local_file)
    except OSError as error:
        raise ServiceUnavailable("Storage is unavailable; try the upload again.") from error
    video.status = VideoStatus.UPLOADED
    video.progress = 0
    with transaction.atomic():
        video.save()
        enqueue_processing(video_id=video.pk)
    return video


def enqueue_processing(*, video_id: uuid.UUID) -> None:
    """Send the processing message once the transaction commits.

    If the broker is down the video stays `uploaded`; the sweeper enqueues it later.
    """

    Video.objects.filter(pk=video_id).update(enqueued_at=None)
    transaction.on_commit(lambda: send_processing(video_id=video_id))


def send_processing(*, video_id: uuid.UUID) -> bool:
    # Imported here: processing.services imports this module (the watchdog re-sends videos).
    from processing.services import processing_send

    if not processing_send(video_id=video_id):
        return False  # logged there; the sweeper retries
    Video.objects.filter(pk=video_id).update(enqueued_at=timezone.now())
    return True


def videos_enqueue_stranded() -> int:
    """Re-send processing for uploaded videos whose message never reached the broker."""
    stranded = Video.objects.filter(status=VideoStatus.UPLOADED, enqueued_at__isnull=True)
    return sum(
        send_processing(video_id=video_id) for video_id in stranded.values_list("pk", flat=True)
    )


def video_transition(
    *, video_id: uuid.UUID | str, from_statuses: list[VideoStatus], to: VideoStatus, **fields: Any
) -> bool:
    """Move a video between statuses only if it is still in one of `from_statuses`."""
    updated = Video.objects.filter(pk=video_id, status__in=from_statuses).update(
        status=to, updated_at=timezone.now(), **fields
    )
    return updated == 1


def video_update(
    *, video: Video, title: str | None = None, description: str | None = None
) -> Video:
    fields = []
    if title is not None:
        cleaned = sanitise_text(title, max_length=200)
        if not cleaned:
            raise ApplicationError(errors={"title": ["The title cannot be empty."]})
        video.title = cleaned
        fields.append("title")
    if description is not None:
        video.description = sanitise_text(description, max_length=5000, multiline=True)
        fields.append("description")
    if fields:
        video.save(update_fields=[*fields, "updated_at"])
    return video


def video_delete(*, video: Video) -> None:
    """Remove every stored file of the video, its annotations and voice-overs, then the row."""
    from processing.services import jobs_cancel_for_video

    jobs_cancel_for_video(video_id=video.pk)
    try:
        storage.delete_prefix(storage.video_prefix(video.pk))
        storage.delete_prefix(storage.upload_prefix(video.pk))
    except OSError as error:
        raise ServiceUnavailable("Storage is unavailable; the video was kept.") from error
    for hook in VIDEO_DELETE_HOOKS:
        hook(video)
    video.delete()


# Other apps (annotations) register here what they must remove with a video.
VIDEO_DELETE_HOOKS: list[Any] = []


@transaction.atomic
def video_share(*, video: Video, user: User, permission: SharePermission) -> VideoShare:
    if user.pk == video.owner_id:
        raise ApplicationError(errors={"username": ["The owner already has every right."]})
    if not user.is_active:
        raise ApplicationError(errors={"username": ["No such user."]})
    if not may_receive_share(user, permission):
        raise ApplicationError(
            errors={"permission": ["Only coaches and staff can be given annotate."]}
        )
    share, _ = VideoShare.objects.update_or_create(
        video=video, user=user, defaults={"permission": permission}
    )
    return share


def video_unshare(*, video: Video, user: User) -> bool:
    deleted, _ = VideoShare.objects.filter(video=video, user=user).delete()
    return deleted > 0


def video_reprocess(*, video: Video) -> Video:
    if not video_transition(
        video_id=video.pk,
        from_statuses=REPROCESSABLE,
        to=VideoStatus.UPLOADED,
        progress=0,
        status_code="",
        status_message="",
    ):
        raise ApplicationError(
            "The video is being processed already, or cannot be processed.",
            code="conflict",
            status_code=409,
        )
    enqueue_processing(video_id=video.pk)
    video.refresh_from_db()
    return video


def video_hide(*, video: Video, reason: str) -> Video:
    """A moderator hides a video: only staff and its owner (who sees why) still see it."""
    reason = sanitise_text(reason, max_length=500)
    if not reason:
        raise ApplicationError(errors={"reason": ["Say why: the owner will read it."]})
    video.moderation, video.moderation_reason = Moderation.HIDDEN, reason
    video.save(update_fields=["moderation", "moderation_reason", "updated_at"])
    return video


def video_unhide(*, video: Video) -> Video:
    video.moderation, video.moderation_reason = Moderation.VISIBLE, ""
    video.save(update_fields=["moderation", "moderation_reason", "updated_at"])
    return video


# --- Lifecycle writes made by processing ---------------------------------------------------------
# The worker's changes to a video, one named write each. Transitions are conditional on the
# statuses they leave, so a late or duplicate delivery never moves a video backwards.


def video_mark_scanning(*, video_id: uuid.UUID | str) -> bool:
    return video_transition(
        video_id=video_id, from_statuses=[VideoStatus.UPLOADED], to=VideoStatus.SCANNING
    )


def video_record_scan(*, video_id: uuid.UUID | str, status: ScanStatus, detail: str) -> None:
    Video.objects.filter(pk=video_id).update(scan_status=status, scan_detail=detail[:300])


def video_reject_infected(*, video: Video, signature: str) -> None:
    """Malware found by the worker: the original goes, the video stays `rejected` to say why."""
    default_storage.delete(video.original.name)
    Video.objects.filter(pk=video.pk, status__in=IN_FLIGHT_STATUSES).update(
        status=VideoStatus.REJECTED,
        status_code=MalwareDetected.code,
        status_message=f"Malware found ({signature}); the file was deleted.",
        scan_status=ScanStatus.INFECTED,
        scan_detail=signature[:300],
        original="",
        size=0,
    )


def video_mark_processing(*, video_id: uuid.UUID | str) -> bool:
    return video_transition(
        video_id=video_id,
        from_statuses=list(IN_FLIGHT_STATUSES),
        to=VideoStatus.PROCESSING,
        progress=0,
    )


def video_record_probe(*, video_id: uuid.UUID | str, info: ffmpeg.MediaInfo) -> None:
    Video.objects.filter(pk=video_id).update(
        duration=info.duration,
        width=info.display_width,
        height=info.display_height,
        fps=info.fps,
        video_codec=info.video_codec,
        audio_codec=info.audio_codec,
        rotation=info.rotation,
    )


def video_set_progress(*, video_id: uuid.UUID | str, percent: int) -> bool:
    return bool(
        Video.objects.filter(pk=video_id, status=VideoStatus.PROCESSING).update(progress=percent)
    )


@dataclass(frozen=True)
class RenditionRecord:
    """One stored rendition as processing made it (keys in default storage)."""

    quality: str
    width: int
    height: int
    fps: float
    bitrate: int
    size: int
    codecs: str
    file: str
    playlist: str


def video_record_outputs(
    *, video: Video, renditions: list[RenditionRecord], hls_master_key: str
) -> None:
    """This run's renditions replace the video's (one per quality; others removed)."""
    for rendition in renditions:
        fields = asdict(rendition)
        Rendition.objects.update_or_create(
            video=video, quality=fields.pop("quality"), defaults=fields
        )
    Rendition.objects.filter(video=video).exclude(
        quality__in=[rendition.quality for rendition in renditions]
    ).delete()
    Video.objects.filter(pk=video.pk).update(hls_master=hls_master_key)


def video_record_storyboard(*, video_id: uuid.UUID | str, key: str) -> None:
    Video.objects.filter(pk=video_id).update(storyboard=key)


def video_record_analysis(*, video_id: uuid.UUID | str, analysis: dict[str, Any]) -> None:
    Video.objects.filter(pk=video_id).update(analysis=analysis)


def video_record_poster(*, video_id: uuid.UUID | str, key: str) -> None:
    Video.objects.filter(pk=video_id).update(poster=key)


def video_mark_ready(*, video_id: uuid.UUID | str) -> bool:
    return video_transition(
        video_id=video_id,
        from_statuses=[VideoStatus.PROCESSING],
        to=VideoStatus.READY,
        progress=100,
    )


def video_mark_failed(*, video_id: uuid.UUID | str, code: str, message: str) -> bool:
    """Processing gave up on the video (bad media, or its worker kept dying)."""
    return video_transition(
        video_id=video_id,
        from_statuses=list(IN_FLIGHT_STATUSES),
        to=VideoStatus.FAILED,
        status_code=code,
        status_message=message[:500],
    )
