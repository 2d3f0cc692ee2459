"""Export and import of a video's annotations.

The JSON format ("video-coaching-annotations", version 1) is documented in the README:
{"format", "version", "video": {id, title, duration, fps, width, height},
 "annotations": [{"type", "timestamp", "duration", "frame", "author", "drawing_data",
                  "angle_degrees", "audio_url"}]}
Coordinates are fractions of the frame, times are seconds: any player can redraw them.
"comments" (optional, added without a version change: version 1 readers ignore it) lists the
threads and replies: {"id", "reply_to", "timestamp", "frame", "author", "text", "resolved",
"annotation_id"}; an import makes them the importer's, threads kept by "id"/"reply_to".
"""

import json
from typing import Any

from rest_framework import serializers

from accounts.models import User
from annotations.comments import comments_import
from annotations.drawing import measure_errors
from annotations.models import COMMENT_MAX_CHARS, Annotation, Comment
from annotations.serializers import DrawingDataSerializer
from annotations.services import annotation_create_drawing
from config.errors import ApplicationError
from config.fields import StrictFloatField
from processing.storyboard import vtt_time
from videos.models import Video
from videos.storage import media_url

FORMAT = "video-coaching-annotations"
VERSION = 1
MAX_IMPORT = 5000
COMMENT_CUE_SECONDS = 3.0


def export_document(
    video: Video, annotations: list[Annotation], comments: list[Comment] | None = None
) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "video": {
            "id": str(video.pk),
            "title": video.title,
            "duration": video.duration,
            "fps": video.fps,
            "width": video.width,
            "height": video.height,
        },
        "annotations": [
            {
                "type": annotation.type,
                "timestamp": annotation.timestamp,
                "duration": annotation.duration,
                "frame": annotation.frame,
                "author": annotation.author_username,
                "drawing_data": annotation.drawing_data,
                "angle_degrees": annotation.angle_degrees,
                "audio_url": media_url(annotation.audio) if annotation.audio else None,
            }
            for annotation in annotations
        ],
        "comments": [
            {
                "id": str(comment.pk),
                "reply_to": str(comment.parent_id) if comment.parent_id else None,
                "timestamp": comment.timestamp,
                "frame": comment.frame,
                "author": comment.author_username,
                "text": comment.text,
                "resolved": comment.resolved,
                "annotation_id": str(comment.annotation_id) if comment.annotation_id else None,
                "created_at": comment.created_at.isoformat(),
            }
            for comment in comments or []
        ],
    }


def export_vtt(
    video: Video, annotations: list[Annotation], comments: list[Comment] | None = None
) -> str:
    """A WebVTT metadata track: one cue per annotation and per comment, its JSON as the cue text
    (a comment on the whole video spans it; one at a moment shows for COMMENT_CUE_SECONDS)."""
    document = export_document(video, annotations, comments)
    cues = []
    for item in document["annotations"]:
        cues.append((item["timestamp"], item["timestamp"] + max(item["duration"], 0.001), item))
    for item in document["comments"]:
        start = item["timestamp"] or 0.0
        end = video.duration or 0.0 if item["timestamp"] is None else start + COMMENT_CUE_SECONDS
        cues.append((start, max(end, start + 0.001), {"type": "comment", **item}))
    cues.sort(key=lambda cue: cue[0])
    lines = ["WEBVTT", "", f"NOTE annotations of {video.pk}", ""]
    for index, (start, end, item) in enumerate(cues, start=1):
        payload = json.dumps(item, separators=(",", ":")).replace("-->", "--\\u003e")
        lines += [str(index), f"{vtt_time(start)} --> {vtt_time(end)}", payload, ""]
    return "\n".join(lines)


class ImportedDrawingSerializer(serializers.Serializer):
    timestamp = StrictFloatField(min_value=0)
    duration = StrictFloatField(min_value=0.04, max_value=3600, default=3.0)
    drawing_data = DrawingDataSerializer()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # The rules that depend on how long it stays (timer splits), as when drawn in the API.
        errors = measure_errors(attrs["drawing_data"], attrs["duration"])
        if errors:
            raise serializers.ValidationError({"drawing_data": errors})
        return attrs


class ImportedCommentSerializer(serializers.Serializer):
    id = serializers.CharField(max_length=64)
    reply_to = serializers.CharField(max_length=64, required=False, allow_null=True)
    timestamp = StrictFloatField(min_value=0, required=False, allow_null=True)
    text = serializers.CharField(max_length=COMMENT_MAX_CHARS, trim_whitespace=False)
    resolved = serializers.BooleanField(required=False, default=False)


def _checked_comments(video: Video, items: Any) -> list[dict[str, Any]]:
    if items is None:
        return []
    if not isinstance(items, list) or len(items) > MAX_IMPORT:
        raise ApplicationError(errors={"comments": [f"A list of at most {MAX_IMPORT} items."]})
    checked = [ImportedCommentSerializer(data=item) for item in items]
    errors: dict[str, Any] = {
        str(index): item.errors for index, item in enumerate(checked) if not item.is_valid()
    }
    if not errors:
        threads = {
            item.validated_data["id"] for item in checked if not item.validated_data.get("reply_to")
        }
        for index, item in enumerate(checked):
            data = item.validated_data
            if data.get("reply_to") and data["reply_to"] not in threads:
                errors[str(index)] = {"reply_to": ["Names no thread of this document."]}
            late = video.duration is not None and (data.get("timestamp") or 0) > video.duration
            if late:
                errors[str(index)] = {"timestamp": [f"The video is only {video.duration} s long."]}
    if errors:
        raise ApplicationError(errors={"comments": [json.dumps(errors, default=str)]})
    return [item.validated_data for item in checked]


def import_document(*, video: Video, author: User, document: Any) -> tuple[int, int]:
    """Validate every drawing and comment first, then create them all (nothing half-imported):
    returns how many drawings and comments. Voice-overs are skipped: their audio is not part of
    the document."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ApplicationError(errors={"format": [f'Expected "format": "{FORMAT}".']})
    version = document.get("version")
    if isinstance(version, bool) or version != VERSION:  # true == 1 in Python
        raise ApplicationError(errors={"version": [f"Only version {VERSION} can be imported."]})
    items = document.get("annotations")
    if not isinstance(items, list) or len(items) > MAX_IMPORT:
        raise ApplicationError(errors={"annotations": [f"A list of at most {MAX_IMPORT} items."]})
    drawings = [item for item in items if isinstance(item, dict) and item.get("type") == "drawing"]
    checked = [ImportedDrawingSerializer(data=item) for item in drawings]
    errors: dict[str, Any] = {
        str(index): item.errors for index, item in enumerate(checked) if not item.is_valid()
    }
    for index, item in enumerate(checked):  # times are checked before anything is created
        late = (
            video.duration is not None and item.validated_data.get("timestamp", 0) > video.duration
        )
        if str(index) not in errors and late:
            errors[str(index)] = {"timestamp": [f"The video is only {video.duration} s long."]}
    if errors:
        raise ApplicationError(errors={"annotations": [json.dumps(errors, default=str)]})
    notes = _checked_comments(video, document.get("comments"))
    for item in checked:
        annotation_create_drawing(video=video, author=author, **item.validated_data)
    comments_import(video=video, author=author, comments=notes)
    return len(drawings), len(notes)
