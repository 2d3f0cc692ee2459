"""Every write to annotations. Writes are ordered so a failure leaves no orphan: MongoDB does not
roll back a transaction here, and the audio files live in storage, outside any database."""

import logging
import math
import uuid
from typing import Any, cast

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import transaction
from prometheus_client import Counter

from accounts.models import User
from annotations import realtime
from annotations.drawing import angle_degrees, is_tracked, measure_errors
from annotations.errors import AnnotationErrorCode
from annotations.measure import entry_points
from annotations.models import Annotation, AnnotationType, AudioStatus
from config.errors import (
    ApplicationError,
    Conflict,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
    ServiceUnavailable,
    Unprocessable,
)
from processing import audio, ffmpeg
from videos import selectors as video_selectors
from videos.errors import ComparisonNotFound, VideoNotFound
from videos.models import Comparison, ScanStatus, Video, VideoStatus
from videos.permissions import can_annotate, can_annotate_comparison
from videos.storage import LocalFile, delete_prefix
from videos.uploads import scan_local_file

logger = logging.getLogger(__name__)

CREATED = Counter("annotations_created_total", "Annotations created, by type.", ["type"])


def annotation_prefix(video_id: uuid.UUID | str) -> str:
    """Voice-over files sit under the video's folder, so its signed URLs cover them."""
    return f"videos/{video_id}/voice-overs/"


def check_moment(video: Video, timestamp: float, *, field: str = "video_id") -> None:
    """Drawings, voice-overs and comments at a moment go on what can be played: all of a ready
    video, the published part of one still processing (`Video.available_seconds`)."""
    if not video.playable:
        raise ApplicationError(errors={field: ["The video is not ready to annotate yet."]})
    if video.status != VideoStatus.READY and timestamp > video.available_seconds + 1e-6:
        raise ApplicationError(
            errors={
                "timestamp": [
                    f"Only the first {video.available_seconds:.3f} s are processed so far."
                ]
            }
        )
    if video.duration is not None and timestamp > video.duration + 1e-6:
        raise ApplicationError(
            errors={"timestamp": [f"The video is only {video.duration:.3f} s long."]}
        )


DEFAULT_FPS = 30.0
FRAME_EPSILON = 1e-6
# Players keep media time in whole microseconds (browsers, AVPlayer's usual timescales): frame 1
# of a 29.97 fps clip starts at 33366.67 us and is reported as 0.033366 s.
MEDIA_CLOCK_TICK = 1e-6


def frame_rule(timestamp: float, fps: float | None) -> tuple[int, float]:
    """The frame on screen at `timestamp` and that frame's own start time, frame / fps, unrounded.

    Frames are counted at the source's rate as recorded on the video (video.fps), whichever
    rendition plays. The epsilon absorbs floating-point error (123 / 30 * 30 is a hair under 123),
    so frame_rule(frame / fps) gives back the same frame at any rate; a microsecond of slack
    before that takes a player's time truncated to whole microseconds to the frame it shows. The
    studio
    (static/src/studio/frames.js) and the export (a drawing shows from t >= its start) use the
    same rule, so a drawing is on screen from the very frame it was drawn on.
    """
    rate = fps if fps and fps > 0 else DEFAULT_FPS
    frame = max(0, math.floor((timestamp + MEDIA_CLOCK_TICK) * rate + FRAME_EPSILON))
    return frame, frame / rate


def frame_at(video: Video, timestamp: float) -> int:
    return frame_rule(timestamp, video.fps)[0]


def _geometry(video: Video, drawing_data: dict[str, Any]) -> float | None:
    if drawing_data["tool_type"] != "angle":
        return None
    return angle_degrees(drawing_data["points"], video.width or 1, video.height or 1)


def _annotation_new(
    *, video: Video, author: User, kind: AnnotationType, timestamp: float, **fields: Any
) -> Annotation:
    frame, start = frame_rule(timestamp, video.fps)
    return Annotation.objects.create(
        video_id=video.pk,
        author_id=author.pk,
        author_username=author.username,
        type=kind,
        timestamp=start,
        frame=frame,
        **fields,
    )


def _announce_created(annotation: Annotation) -> None:
    CREATED.labels(type=annotation.type).inc()
    realtime.publish_annotation(annotation, "annotation.created")


def annotation_create_drawing(
    *,
    video: Video,
    author: User,
    timestamp: float,
    duration: float,
    drawing_data: dict[str, Any],
    comparison: Comparison | None = None,
    side: str = "",
) -> Annotation:
    """A drawing on a video, or on a comparison's pane (`comparison` and `side`, with `video`
    that side's video: its own time, its own frame rate)."""
    check_moment(video, timestamp)
    annotation = _annotation_new(
        video=video,
        author=author,
        kind=AnnotationType.DRAWING,
        timestamp=timestamp,
        duration=duration,
        drawing_data=drawing_data,
        angle_degrees=_geometry(video, drawing_data),
        comparison_id=comparison.pk if comparison is not None else None,
        side=side if comparison is not None else "",
    )
    if is_tracked(drawing_data):
        _tracking_start(annotation, at=annotation.timestamp, points=drawing_data["points"])
        annotation.save(update_fields=["tracking"])
        _tracking_enqueue(annotation)
    _announce_created(annotation)
    _notify_owner(video, author)
    return annotation


def _notify_owner(video: Video, author: User) -> None:
    """New drawings or voice-overs on someone's video: grouped per person and video."""
    from accounts.notifications import NotificationKind, notify

    notify(recipient=video.owner, kind=NotificationKind.ANNOTATION, actor=author, video=video)


def annotation_update(
    *,
    annotation: Annotation,
    video: Video,
    timestamp: float | None = None,
    duration: float | None = None,
    drawing_data: dict[str, Any] | None = None,
    tracking_correction: dict[str, Any] | None = None,
) -> Annotation:
    if drawing_data is not None or duration is not None:
        errors = measure_errors(
            drawing_data or annotation.drawing_data or {"tool_type": "", "points": []},
            duration if duration is not None else annotation.duration,
        )
        if errors:
            raise ApplicationError(errors=cast(Any, {"drawing_data": errors}))
    fields = ["updated_at"]
    if timestamp is not None:
        check_moment(video, timestamp)
        annotation.frame, annotation.timestamp = frame_rule(timestamp, video.fps)
        fields += ["timestamp", "frame"]
    if duration is not None:
        annotation.duration = duration
        fields.append("duration")
    if drawing_data is not None:
        if annotation.type != AnnotationType.DRAWING:
            raise ApplicationError(errors={"drawing_data": ["A voice-over has no drawing."]})
        annotation.drawing_data = drawing_data
        annotation.angle_degrees = _geometry(video, drawing_data)
        fields += ["drawing_data", "angle_degrees"]
    tracked = is_tracked(annotation.drawing_data)
    if tracking_correction is not None:
        if not tracked or annotation.tracking is None:
            raise ApplicationError(
                errors={"tracking_correction": ["Only a tracked drawing can be corrected."]}
            )
        if len(fields) > 1:
            raise ApplicationError(
                errors={"tracking_correction": ["Correct a track alone, not with other changes."]}
            )
        _tracking_correct(annotation, fps=video.fps, **tracking_correction)
        fields.append("tracking")
    elif tracked and len(fields) > 1:  # moved, re-timed or redrawn: follow it again from its start
        points = annotation.drawing_data["points"]  # type: ignore[index]
        _tracking_start(annotation, at=annotation.timestamp, points=points)
        fields.append("tracking")
    elif annotation.tracking is not None and not tracked and len(fields) > 1:
        annotation.tracking = None  # `track` switched off
        fields.append("tracking")
    annotation.save(update_fields=fields)
    if "tracking" in fields and annotation.tracking is not None:
        _tracking_enqueue(annotation)
    realtime.publish_annotation(annotation, "annotation.updated")
    return annotation


# --- Tracking -------------------------------------------------------------------------------------
# A tracked drawing's points are followed through the frames by a ProcessingJob of kind `track`
# (processing.tracking). `tracking.revision` counts restarts: a correction or an edit starts a new
# revision, and the worker's writes are conditional on the revision it was started with, so a
# run overtaken by a correction never overwrites the newer positions.


def _tracking_start(
    annotation: Annotation,
    *,
    at: float,
    points: list[list[float]],
    kept: list[list[Any]] | None = None,
) -> None:
    """Tracking from time `at` with `points` there, queued; positions before `at` are `kept`.
    The caller saves the row, then calls _tracking_enqueue."""
    previous = annotation.tracking or {}
    annotation.tracking = {
        "state": "queued",
        "progress": 0,
        "positions": kept or [],
        "lost_at": None,
        "error": "",
        "revision": int(previous.get("revision", 0)) + 1,
        "start": {"t": at, "points": [list(point) for point in points]},
    }


def _tracking_enqueue(annotation: Annotation) -> None:
    """Send the tracking job once the saved row commits (at once outside a transaction)."""
    annotation_id = annotation.pk

    def enqueue() -> None:
        from processing.services import track_enqueue  # processing imports this module

        track_enqueue(annotation_id=annotation_id)

    transaction.on_commit(enqueue)


def _tracking_correct(
    annotation: Annotation, *, fps: float | None, t: float, point: int, x: float, y: float
) -> None:
    """The coach says where point `point` is at time `t`: keep what was tracked before that
    frame, put the point there, and track again from that frame on."""
    tracking = annotation.tracking or {}
    start = annotation.timestamp
    end = start + annotation.duration
    if not start - FRAME_EPSILON <= t <= end + FRAME_EPSILON:
        raise ApplicationError(
            errors={"tracking_correction": [f"t must be within {start:.3f} to {end:.3f} s."]}
        )
    count = len(annotation.drawing_data["points"])  # type: ignore[index]
    if point >= count:
        raise ApplicationError(
            errors={"tracking_correction": [f"This drawing has {count} tracked points."]}
        )
    positions = list(tracking.get("positions") or [])
    # The correction is on the frame shown at t (the frame rule); what was tracked before that
    # frame stays, and the other points start from where they were last tracked.
    _, at = frame_rule(t, fps)
    kept = [entry for entry in positions if float(entry[0]) < at - FRAME_EPSILON]
    if kept:
        points = [list(p) for p in entry_points(kept[-1])]
    else:
        points = [list(p) for p in tracking.get("start", {}).get("points") or []]
        points = points or [list(p) for p in annotation.drawing_data["points"]]  # type: ignore[index]
    points[point] = [x, y]
    _tracking_start(annotation, at=at, points=points, kept=kept)


def tracking_record(
    *,
    annotation_id: uuid.UUID | str,
    revision: int,
    positions: list[list[Any]],
    state: str,
    progress: int,
    lost_at: float | None = None,
    error: str = "",
) -> Annotation | None:
    """What the tracking job found so far (processing.tracking), if its revision is still the
    current one; announces it as `annotation.updated`. None when overtaken or deleted."""
    annotation = Annotation.objects.filter(pk=annotation_id).first()
    if annotation is None or (annotation.tracking or {}).get("revision") != revision:
        return None
    tracking = {
        **annotation.tracking,  # type: ignore[dict-item]
        "positions": positions,
        "state": state,
        "progress": progress,
        "lost_at": lost_at,
        "error": error[:300],
    }
    updated = Annotation.objects.filter(pk=annotation_id, tracking__revision=revision).update(
        tracking=tracking
    )
    if not updated:
        return None
    annotation.tracking = tracking
    if not annotation.hidden:  # a hidden drawing is staff's only: never announced to viewers
        realtime.publish_annotation(annotation, "annotation.updated")
    return annotation


def annotation_delete(*, annotation: Annotation, by: User | None = None) -> None:
    """Document first, then its files: a failure leaves at worst an unreferenced file under the
    video's folder (removed with the video), never a document pointing at nothing. A drawing
    deleted by a person (`by`) is kept aside for a while so they can undo it (annotation_restore).
    """
    keys = [key for key in (annotation.audio, annotation.audio_source) if key]
    annotation_id = str(annotation.pk)
    if by is not None and annotation.type == AnnotationType.DRAWING:
        cache.set(_deleted_key(annotation_id), _restorable(annotation, by), RESTORE_SECONDS)
    annotation.delete()
    for key in keys:
        default_storage.delete(key)
    realtime.publish_for_annotation(annotation, "annotation.deleted", {"id": annotation_id})


# --- Undoing a delete -----------------------------------------------------------------------------
# The studio's undo brings a deleted drawing back with the same id (its undo history and the
# other viewers' lists refer to it). The row is gone; what it held waits in the cache for the
# session, for the person who deleted it only.

RESTORE_SECONDS = 12 * 3600
RESTORED_FIELDS = (
    "video_id",
    "comparison_id",
    "side",
    "author_id",
    "author_username",
    "timestamp",
    "duration",
)


def _deleted_key(annotation_id: uuid.UUID | str) -> str:
    return f"annotations:deleted:{annotation_id}"


def _restorable(annotation: Annotation, by: User) -> dict[str, Any]:
    fields = {name: getattr(annotation, name) for name in RESTORED_FIELDS}
    fields["video_id"] = str(fields["video_id"])
    fields["comparison_id"] = str(fields["comparison_id"]) if fields["comparison_id"] else None
    return {
        "deleted_by": by.pk,
        "fields": fields,
        "drawing_data": annotation.drawing_data,
        "tracking": annotation.tracking,
    }


def annotation_restore(*, annotation_id: uuid.UUID | str, user: User) -> Annotation:
    """The drawing `user` deleted lately, back with its id, author and time (on the frame rule),
    if they may still annotate its video. Claimed by deleting the cache entry: restored once."""
    kept = cache.get(_deleted_key(annotation_id))
    if kept is None or Annotation.objects.filter(pk=annotation_id).exists():
        raise NotFound("Nothing to restore: it was not deleted lately, or is back already.")
    if kept["deleted_by"] != user.pk:
        raise PermissionDenied("Only the person who deleted this drawing may bring it back.")
    fields = kept["fields"]
    if fields.get("comparison_id"):
        try:
            comparison = video_selectors.comparison_get(
                user=user, comparison_id=fields["comparison_id"]
            )
        except ComparisonNotFound:
            raise NotFound("The comparison of this drawing is gone.") from None
        if not can_annotate_comparison(user, comparison):
            raise PermissionDenied("You may view this comparison but not draw on it.")
        video = comparison.video(fields["side"])
    else:
        try:
            video = video_selectors.video_get(user=user, video_id=fields["video_id"])
        except VideoNotFound:
            raise NotFound("The video of this drawing is gone.") from None
        if not can_annotate(user, video):
            raise PermissionDenied("You may view this video but not annotate it.")
    if not cache.delete(_deleted_key(annotation_id)):
        raise Conflict("This drawing is being restored already.")
    frame, start = frame_rule(fields["timestamp"], video.fps)
    annotation = Annotation.objects.create(
        id=annotation_id,
        type=AnnotationType.DRAWING,
        drawing_data=kept["drawing_data"],
        angle_degrees=_geometry(video, kept["drawing_data"]),
        **{**fields, "timestamp": start},
        frame=frame,
    )
    tracking = kept.get("tracking")
    if tracking and tracking.get("state") not in ("queued", "running"):
        # Followed to its end before the delete: back with its positions, nothing to redo.
        annotation.tracking = tracking
        annotation.save(update_fields=["tracking"])
    elif is_tracked(annotation.drawing_data):  # stopped half-way by the delete: followed again
        annotation.tracking = tracking  # a new revision: a job still running for the old one stops
        _tracking_start(annotation, at=annotation.timestamp, points=kept["drawing_data"]["points"])
        annotation.save(update_fields=["tracking"])
        _tracking_enqueue(annotation)
    _announce_created(annotation)
    return annotation


def annotations_delete_for_comparison(comparison: Comparison) -> None:
    """Called when a comparison is deleted: the drawings on its panes go too."""
    Annotation.objects.filter(comparison_id=comparison.pk).delete()


def annotations_delete_for_video(video: Video) -> None:
    """Called when a video is deleted: its annotations and voice-over files go too."""
    Annotation.objects.filter(video_id=video.pk).delete()
    delete_prefix(annotation_prefix(video.pk))


VOICE_OVER_MAX_SECONDS = 600


def voice_over_create(
    *, video: Video, author: User, timestamp: float, local_path: str, size: int
) -> Annotation:
    """Check the recording (malware, content, length), then store it: document first, file
    second, so a failed file save leaves no document behind (and never the reverse)."""
    check_moment(video, timestamp)
    if size == 0:
        raise Unprocessable("The recording is empty.", code=AnnotationErrorCode.EMPTY_FILE)
    if size > settings.VOICE_OVER_MAX_BYTES:
        raise PayloadTooLarge("The recording is larger than this service accepts.")
    scan_status, signature = scan_local_file(local_path, size)
    if scan_status == ScanStatus.INFECTED:
        raise Unprocessable(
            f"Malware found ({signature}); the file was deleted.",
            code=AnnotationErrorCode.MALWARE_DETECTED,
        )
    try:
        info = audio.inspect_audio(local_path)
    except ffmpeg.MediaError as error:
        raise Unprocessable(error.message, code=error.code) from None
    if info.duration > VOICE_OVER_MAX_SECONDS:
        raise Unprocessable(
            "A voice-over may be at most 10 minutes long.", code=AnnotationErrorCode.TOO_LONG
        )
    if video.duration is not None and timestamp + info.duration > video.duration + 0.5:
        raise Unprocessable(
            "The voice-over would run past the end of the video.", code=AnnotationErrorCode.TOO_LONG
        )
    if info.max_volume_db < audio.SILENCE_DB:
        raise Unprocessable(
            "The recording is silent; check the microphone.", code=AnnotationErrorCode.SILENT_AUDIO
        )

    annotation = _annotation_new(
        video=video,
        author=author,
        kind=AnnotationType.VOICE_OVER,
        timestamp=timestamp,
        duration=info.duration,
        audio_status=AudioStatus.PROCESSING,
    )
    key = f"{annotation_prefix(video.pk)}{annotation.pk}/source"
    try:
        with LocalFile(local_path) as recording:
            annotation.audio_source = default_storage.save(key, recording)
    except OSError as error:
        annotation.delete()
        raise ServiceUnavailable("Storage is unavailable; record again shortly.") from error
    annotation.save(update_fields=["audio_source"])
    enqueue_voice_over(annotation_id=annotation.pk)
    _announce_created(annotation)
    _notify_owner(video, author)
    return annotation


def enqueue_voice_over(*, annotation_id: uuid.UUID) -> None:
    # Imported here: processing.services and processing.voice_over import this module.
    from processing.services import voice_over_enqueue

    # Sent now (a job row and a message); if the broker is down the job stays queued.
    voice_over_enqueue(annotation_id=annotation_id)


def annotation_set_hidden(*, annotation: Annotation, hidden: bool) -> Annotation:
    """Moderation: a hidden annotation is seen by staff only; viewers' players drop it."""
    annotation.hidden = hidden
    annotation.save(update_fields=["hidden", "updated_at"])
    if hidden:
        realtime.publish_for_annotation(
            annotation, "annotation.deleted", {"id": str(annotation.pk)}
        )
    else:
        realtime.publish_annotation(annotation, "annotation.created")
    return annotation


def tracking_record_failed(
    *, annotation_id: uuid.UUID | str, revision: int, message: str
) -> Annotation | None:
    """Tracking failed (bad media, or its worker kept dying): what was found so far stays."""
    annotation = Annotation.objects.filter(pk=annotation_id).first()
    if annotation is None or annotation.tracking is None:
        return None
    return tracking_record(
        annotation_id=annotation_id,
        revision=revision,
        positions=list(annotation.tracking.get("positions") or []),
        state="failed",
        progress=int(annotation.tracking.get("progress") or 0),
        error=message,
    )


# --- Voice-over processing results ---------------------------------------------------------------
# What processing.voice_over records on the annotation; conditional on it still processing, so a
# late delivery never overwrites a result, and False when the annotation is gone.


def voice_over_mark_ready(
    *, annotation_id: uuid.UUID | str, audio_key: str, duration: float
) -> bool:
    return bool(
        Annotation.objects.filter(pk=annotation_id, audio_status=AudioStatus.PROCESSING).update(
            audio=audio_key, audio_status=AudioStatus.READY, duration=duration, audio_source=""
        )
    )


def voice_over_mark_failed(*, annotation_id: uuid.UUID | str, message: str) -> bool:
    return bool(
        Annotation.objects.filter(pk=annotation_id, audio_status=AudioStatus.PROCESSING).update(
            audio_status=AudioStatus.FAILED, audio_error=message[:300]
        )
    )
