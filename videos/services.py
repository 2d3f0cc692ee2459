"""Every write to videos: creation from an upload, lifecycle transitions, sharing, deletion."""

import logging
import uuid
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import NotificationKind, User
from accounts.notifications import notify
from annotations import realtime
from annotations.realtime import publish_access_check
from config import caching
from config.errors import ApplicationError, Conflict, ServiceUnavailable
from config.text import clean_filename, clean_text
from processing import ffmpeg
from processing.clamav import ScanVerdict
from videos import resumable, s3_upload, storage, uploads
from videos.errors import MalwareDetected
from videos.metrics import timed_storage
from videos.models import (
    IN_FLIGHT_STATUSES,
    Comparison,
    ComparisonLayout,
    ComparisonShare,
    Moderation,
    Rendition,
    ScanStatus,
    SharePermission,
    TusUpload,
    Video,
    VideoShare,
    VideoStatus,
)
from videos.permissions import may_receive_share

logger = logging.getLogger(__name__)

# Statuses from which a video may be (re)processed.
REPROCESSABLE = [VideoStatus.READY, VideoStatus.FAILED, VideoStatus.UPLOADED]


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
    scan: ScanVerdict | None = None,
) -> Video:
    """Turn a fully received upload (a file on local disk) into a video, or refuse it.

    Order: size, malware scan, content probe, then storage; a refused upload stores nothing.
    An infected upload is kept as a `rejected` video without its file, so the owner sees why.
    `scan` is the verdict of a scan made while the bytes arrived; without it the file is
    scanned here.
    """
    uploads.check_upload_size(size)
    video = Video.objects.filter(pk=video_id).first() if video_id else None
    if video is None:
        video = Video(id=video_id or uuid.uuid4(), owner=owner)
    video.title = clean_text(title, max_length=200) or clean_filename(filename)
    video.description = clean_text(description, max_length=5000, multiline=True)
    video.original_filename = clean_filename(filename)
    video.size = size
    video.sha256 = sha256
    if scan is None:
        video.scan_status, video.scan_detail = uploads.scan_local_file(local_path, size)
    else:
        video.scan_status, video.scan_detail = scan.status, scan.detail

    if video.scan_status == ScanStatus.INFECTED:
        _reject_infected_upload(video)

    # recorded now: the worker takes it from the row instead of probing the same bytes again
    video_probe_fields(video, uploads.inspect_media(local_path))
    key = f"{storage.video_prefix(video.pk)}original"
    try:
        with timed_storage("save"), storage.LocalFile(local_path) as local_file:
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


def _reject_infected_upload(video: Video) -> None:
    video.status = VideoStatus.REJECTED
    video.status_code = MalwareDetected.code
    video.status_message = f"Malware found ({video.scan_detail}); the file was deleted."
    video.size = 0
    video.original = ""
    video.save()
    raise MalwareDetected(video.status_message)


def video_ingest_stored(
    *, video: Video, key: str, size: int, sha256: str, scan: ScanVerdict
) -> Video:
    """A finished upload already at its place in storage (a tus upload on S3, put together by
    S3): no local file to probe, so the worker's probe decides whether it is a video (bad media
    ends `failed` there, with the same codes). Infected: the object goes, the row says why."""
    video.size = size
    video.sha256 = sha256
    video.scan_status, video.scan_detail = scan.status, scan.detail
    if video.scan_status == ScanStatus.INFECTED:
        default_storage.delete(key)
        _reject_infected_upload(video)
    video.original.name = key
    video.status = VideoStatus.UPLOADED
    video.progress = 0
    with transaction.atomic():
        video.save()
        enqueue_processing(video_id=video.pk)
    return video


# --- Resumable uploads: the video row they create, finish or remove -----------------------------


@transaction.atomic
def upload_create(*, owner: User, length: int, metadata: dict[str, str]) -> TusUpload:
    """A video in `uploading` and its tus row; the length counts against the quota at once."""
    uploads.check_upload_size(length)
    uploads.check_quota(user=owner, incoming_bytes=length)
    filename = clean_filename(metadata.get("filename", ""))
    video = Video.objects.create(
        owner=owner,
        title=metadata.get("title") or filename,
        description=metadata.get("description", ""),
        original_filename=filename,
        size=0,
        status=VideoStatus.UPLOADING,
    )
    return TusUpload.objects.create(
        video=video,
        length=length,
        expires_at=timezone.now() + timedelta(seconds=settings.TUS_EXPIRATION_SECONDS),
    )


def upload_finish(*, upload_id: uuid.UUID, owner: User, scan: ScanVerdict | None = None) -> Video:
    """Ingest the finished upload as the video: on local storage its one file (renamed into
    place), on S3 its multipart upload (completed by S3 at the original's key). `scan` is the
    verdict of a scan made while it arrived (one PATCH); without one, the worker scans it
    (`pending`) before anything else. A refused upload leaves nothing but an infected video's
    `rejected` row."""
    upload = TusUpload.objects.select_related("video").get(pk=upload_id)
    video = upload.video
    scan = scan or uploads.scan_deferred()
    local_path = resumable.local_data_path(upload.pk)
    stored_key = ""
    try:
        if local_path is not None:
            sha256 = resumable.upload_sha256(upload, lambda: open(local_path, "rb"))  # noqa: SIM115
            return video_ingest(
                owner=owner,
                title=video.title,
                description=video.description,
                filename=video.original_filename,
                local_path=local_path,
                size=upload.length,
                sha256=sha256,
                video_id=video.pk,
                scan=scan,
            )
        stored_key = s3_upload.complete(upload)
        sha256 = resumable.upload_sha256(upload, lambda: default_storage.open(stored_key, "rb"))
        return video_ingest_stored(
            video=video, key=stored_key, size=upload.length, sha256=sha256, scan=scan
        )
    except ApplicationError:
        Video.objects.filter(pk=video.pk).exclude(status=VideoStatus.REJECTED).delete()
        if local_path is None and not stored_key:
            s3_upload.abort(upload)
        raise
    finally:
        resumable.hash_forget(upload_id)
        storage.delete_prefix(storage.upload_prefix(upload_id))


def upload_terminate(*, upload: TusUpload) -> None:
    resumable.hash_forget(upload.pk)
    if resumable.local_data_path(upload.pk) is None:
        s3_upload.abort(upload)
    storage.delete_prefix(storage.upload_prefix(upload.pk))
    Video.objects.filter(pk=upload.pk, status=VideoStatus.UPLOADING).delete()


def uploads_expire() -> int:
    """Remove unfinished uploads past their expiry, with their parts (a periodic job)."""
    expired = TusUpload.objects.filter(
        expires_at__lt=timezone.now(), video__status=VideoStatus.UPLOADING
    )
    count = 0
    for upload in expired.iterator():
        upload_terminate(upload=upload)
        count += 1
    return count


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
        cleaned = clean_text(title, max_length=200)
        if not cleaned:
            raise ApplicationError(errors={"title": ["The title cannot be empty."]})
        video.title = cleaned
        fields.append("title")
    if description is not None:
        video.description = clean_text(description, max_length=5000, multiline=True)
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
    for comparison in Comparison.objects.filter(
        Q(left_video_id=video.pk) | Q(right_video_id=video.pk)
    ):
        comparison_delete(comparison=comparison)
    for hook in VIDEO_DELETE_HOOKS:
        hook(video)
    video_id = video.pk
    video.delete()
    documents_forget(video_id=video_id)
    publish_access_check(video_id=video_id)  # open sockets on it close


# Other apps (annotations) register here what they must remove with a video.
VIDEO_DELETE_HOOKS: list[Any] = []


@transaction.atomic
def video_share(
    *, video: Video, user: User, permission: SharePermission, by: User | None = None
) -> VideoShare:
    if user.pk == video.owner_id:
        raise ApplicationError(errors={"username": ["The owner already has every right."]})
    if not user.is_active:
        raise ApplicationError(errors={"username": ["No such user."]})
    if not may_receive_share(user, permission):
        raise ApplicationError(
            errors={"permission": ["Only coaches and staff can be given annotate."]}
        )
    share, created = VideoShare.objects.update_or_create(
        video=video, user=user, defaults={"permission": permission}
    )
    publish_access_check(user_id=user.pk)  # lowered to view: their sockets stop annotating
    if created:
        notify(recipient=user, kind=NotificationKind.SHARE, actor=by, video=video)
    return share


def video_unshare(*, video: Video, user: User) -> bool:
    deleted, _ = VideoShare.objects.filter(video=video, user=user).delete()
    publish_access_check(user_id=user.pk)  # their open sockets on the video close
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
        raise Conflict("The video is being processed already, or cannot be processed.")
    enqueue_processing(video_id=video.pk)
    video.refresh_from_db()
    return video


def video_hide(*, video: Video, reason: str) -> Video:
    """A moderator hides a video: only staff and its owner (who sees why) still see it."""
    reason = clean_text(reason, max_length=500)
    if not reason:
        raise ApplicationError(errors={"reason": ["Say why: the owner will read it."]})
    video.moderation, video.moderation_reason = Moderation.HIDDEN, reason
    video.save(update_fields=["moderation", "moderation_reason", "updated_at"])
    publish_access_check(video_id=video.pk)  # only staff and the owner keep their sockets
    for comparison_id in Comparison.objects.filter(
        Q(left_video_id=video.pk) | Q(right_video_id=video.pk)
    ).values_list("pk", flat=True):
        realtime.publish_comparison_access_check(comparison_id=comparison_id)
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


def _probe_values(info: ffmpeg.MediaInfo) -> dict[str, Any]:
    return {
        "duration": info.duration,
        "width": info.display_width,
        "height": info.display_height,
        "fps": info.fps,
        "video_codec": info.video_codec,
        "audio_codec": info.audio_codec,
        "rotation": info.rotation,
    }


def video_probe_fields(video: Video, info: ffmpeg.MediaInfo) -> None:
    """Set what a probe found on a video not saved yet (the ingest's own probe)."""
    for field, value in _probe_values(info).items():
        setattr(video, field, value)


def video_record_probe(*, video_id: uuid.UUID | str, info: ffmpeg.MediaInfo) -> None:
    Video.objects.filter(pk=video_id).update(**_probe_values(info))


def video_recorded_probe(video: Video) -> ffmpeg.MediaInfo | None:
    """The probe recorded on the video (by its ingest, or an earlier run: the original never
    changes), as the worker's own probe would say it; None when none is recorded."""
    if not (video.duration and video.width and video.height and video.video_codec):
        return None
    turned = video.rotation % 180 != 0  # the row holds the upright (display) size
    return ffmpeg.MediaInfo(
        format_name="",
        duration=video.duration,
        width=video.height if turned else video.width,
        height=video.width if turned else video.height,
        fps=video.fps or 0.0,
        video_codec=video.video_codec,
        audio_codec=video.audio_codec,
        rotation=video.rotation,
        has_audio=bool(video.audio_codec),
        bit_rate=0,
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
    documents_forget(video_id=video.pk)


def video_record_storyboard(*, video_id: uuid.UUID | str, key: str) -> None:
    Video.objects.filter(pk=video_id).update(storyboard=key)
    documents_forget(video_id=video_id)


def documents_forget(*, video_id: uuid.UUID | str) -> None:
    """The rewritten playlists and storyboard of the video leave the `documents` cache (their
    files were just replaced, or are gone)."""
    caching.forget_matching(f"document:{storage.video_prefix(video_id)}*")


def video_record_analysis(*, video_id: uuid.UUID | str, analysis: dict[str, Any]) -> None:
    Video.objects.filter(pk=video_id).update(analysis=analysis)


def video_record_poster(*, video_id: uuid.UUID | str, key: str) -> None:
    Video.objects.filter(pk=video_id).update(poster=key)


def video_mark_ready(*, video_id: uuid.UUID | str) -> bool:
    done = video_transition(
        video_id=video_id,
        from_statuses=[VideoStatus.PROCESSING],
        to=VideoStatus.READY,
        progress=100,
    )
    if done:
        _notify_owner(video_id, NotificationKind.VIDEO_READY, "")
    return done


def _notify_owner(video_id: uuid.UUID | str, kind: NotificationKind, text: str) -> None:
    video = Video.objects.select_related("owner").filter(pk=video_id).first()
    if video is not None:
        notify(recipient=video.owner, kind=kind, video=video, text=text)


def video_mark_failed(*, video_id: uuid.UUID | str, code: str, message: str) -> bool:
    """Processing gave up on the video (bad media, or its worker kept dying)."""
    done = video_transition(
        video_id=video_id,
        from_statuses=list(IN_FLIGHT_STATUSES),
        to=VideoStatus.FAILED,
        status_code=code,
        status_message=message[:500],
    )
    if done:
        _notify_owner(video_id, NotificationKind.VIDEO_FAILED, message)
    return done


# --- Comparisons -----------------------------------------------------------------------------
# Two ready videos lined up at a sync point. The comparison's own drawings live with the
# annotations (comparison_id + side) and its exports with processing; both go when it goes.


@dataclass(frozen=True)
class PaneInput:
    video: Video
    sync: float = 0.0
    mirror: bool = False


def _check_sync(video: Video, sync: float, field: str) -> None:
    if sync < 0 or (video.duration is not None and sync > video.duration + 1e-6):
        length = f"{video.duration:.3f}" if video.duration is not None else "?"
        raise ApplicationError(
            errors={field: [f"The sync point must be within the video (0 to {length} s)."]}
        )


def _check_ready(video: Video) -> None:
    if video.status != VideoStatus.READY:
        # As for an unseen video: a comparison is made of finished videos only.
        from videos.errors import VideoNotFound

        raise VideoNotFound("No such ready video.")


def _check_opacity(opacity: float) -> None:
    if not 0 <= opacity <= 1:
        raise ApplicationError(errors={"overlay_opacity": ["Between 0 and 1."]})


def comparison_create(
    *,
    owner: User,
    title: str,
    left: PaneInput,
    right: PaneInput,
    layout: str = ComparisonLayout.SIDE_BY_SIDE,
    overlay_opacity: float = 0.5,
    overlay_swapped: bool = False,
) -> Comparison:
    """The caller has fetched both videos through the video selectors (so may view them)."""
    for pane in (left, right):
        _check_ready(pane.video)
    _check_sync(left.video, left.sync, "left")
    _check_sync(right.video, right.sync, "right")
    _check_opacity(overlay_opacity)
    cleaned = clean_text(title, max_length=200) or f"{left.video.title} / {right.video.title}"[:200]
    return Comparison.objects.create(
        owner=owner,
        title=cleaned,
        left_video=left.video,
        right_video=right.video,
        left_sync=left.sync,
        right_sync=right.sync,
        left_mirror=left.mirror,
        right_mirror=right.mirror,
        layout=layout,
        overlay_opacity=overlay_opacity,
        overlay_swapped=overlay_swapped,
    )


# Fields whose change everyone on the comparison's channel hears about (comparison.updated).
SHARED_VIEW_FIELDS = (
    "left_sync",
    "right_sync",
    "left_mirror",
    "right_mirror",
    "layout",
    "overlay_opacity",
    "overlay_swapped",
    "title",
)


def comparison_update(*, comparison: Comparison, changes: dict[str, Any]) -> Comparison:
    """`changes`: any of title, layout, overlay_opacity, overlay_swapped, and per side
    {"left"|"right": {"sync", "mirror"}}. The sync and layout are everyone's: the change goes
    out as `comparison.updated`."""
    fields: list[str] = []
    if "title" in changes:
        cleaned = clean_text(changes["title"], max_length=200)
        if not cleaned:
            raise ApplicationError(errors={"title": ["The title cannot be empty."]})
        comparison.title = cleaned
        fields.append("title")
    for side in ("left", "right"):
        pane = changes.get(side) or {}
        if "sync" in pane:
            _check_sync(comparison.video(side), pane["sync"], side)
            setattr(comparison, f"{side}_sync", pane["sync"])
            fields.append(f"{side}_sync")
        if "mirror" in pane:
            setattr(comparison, f"{side}_mirror", bool(pane["mirror"]))
            fields.append(f"{side}_mirror")
    if "layout" in changes:
        comparison.layout = changes["layout"]
        fields.append("layout")
    if "overlay_opacity" in changes:
        _check_opacity(changes["overlay_opacity"])
        comparison.overlay_opacity = changes["overlay_opacity"]
        fields.append("overlay_opacity")
    if "overlay_swapped" in changes:
        comparison.overlay_swapped = bool(changes["overlay_swapped"])
        fields.append("overlay_swapped")
    if fields:
        comparison.save(update_fields=[*fields, "updated_at"])
        realtime.publish_comparison(
            comparison.pk, "comparison.updated", comparison_settings(comparison)
        )
    return comparison


def comparison_settings(comparison: Comparison) -> dict[str, Any]:
    """What everyone looking at the comparison shares: its sync, layout and title (plain JSON)."""
    return {
        "id": str(comparison.pk),
        "title": comparison.title,
        "layout": comparison.layout,
        "overlay_opacity": comparison.overlay_opacity,
        "overlay_swapped": comparison.overlay_swapped,
        "left": {
            "video_id": str(comparison.left_video_id),
            "sync": comparison.left_sync,
            "mirror": comparison.left_mirror,
        },
        "right": {
            "video_id": str(comparison.right_video_id),
            "sync": comparison.right_sync,
            "mirror": comparison.right_mirror,
        },
        "updated_at": comparison.updated_at.isoformat() if comparison.updated_at else None,
    }


def comparison_delete(*, comparison: Comparison) -> None:
    """Its exports (jobs cancelled, files removed) and pane drawings, then the row; open sockets
    on it close."""
    from processing.services import jobs_cancel_for_comparison

    jobs_cancel_for_comparison(comparison_id=comparison.pk)
    try:
        storage.delete_prefix(comparison_prefix(comparison.pk))
    except OSError as error:
        raise ServiceUnavailable("Storage is unavailable; the comparison was kept.") from error
    for hook in COMPARISON_DELETE_HOOKS:
        hook(comparison)
    comparison_id = comparison.pk
    comparison.delete()
    realtime.publish_comparison_access_check(comparison_id=comparison_id)


def comparison_prefix(comparison_id: uuid.UUID | str) -> str:
    return f"comparisons/{comparison_id}/"


# Other apps (annotations) register here what they must remove with a comparison.
COMPARISON_DELETE_HOOKS: list[Any] = []


@transaction.atomic
def comparison_share(
    *, comparison: Comparison, user: User, permission: SharePermission, by: User | None = None
) -> ComparisonShare:
    """Sharing a comparison does not share its videos: the user sees it only while they may
    view both."""
    if user.pk == comparison.owner_id:
        raise ApplicationError(errors={"username": ["The owner already has every right."]})
    if not user.is_active:
        raise ApplicationError(errors={"username": ["No such user."]})
    if not may_receive_share(user, permission):
        raise ApplicationError(
            errors={"permission": ["Only coaches and staff can be given annotate."]}
        )
    share, created = ComparisonShare.objects.update_or_create(
        comparison=comparison, user=user, defaults={"permission": permission}
    )
    publish_access_check(user_id=user.pk)  # lowered to view: their sockets stop annotating
    if created:  # told only if they may see it (both videos), like a video share
        notify(recipient=user, kind=NotificationKind.SHARE, actor=by, comparison=comparison)
    return share


def comparison_unshare(*, comparison: Comparison, user: User) -> bool:
    deleted, _ = ComparisonShare.objects.filter(comparison=comparison, user=user).delete()
    publish_access_check(user_id=user.pk)  # their open sockets on the comparison close
    return deleted > 0
