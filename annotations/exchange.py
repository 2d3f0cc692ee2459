"""Export and import of a video's annotations.

The JSON format ("video-coaching-annotations", version 1) is documented in the README:
{"format", "version", "video": {id, title, duration, fps, width, height},
 "annotations": [{"type", "timestamp", "duration", "frame", "author", "drawing_data",
                  "angle_degrees", "audio_url"}]}
Coordinates are fractions of the frame, times are seconds: any player can redraw them.
"""

import json
from typing import Any

from rest_framework import serializers

from accounts.models import User
from annotations.models import Annotation
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


def export_document(video: Video, annotations: list[Annotation]) -> dict[str, Any]:
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
    }


def export_vtt(video: Video, annotations: list[Annotation]) -> str:
    """A WebVTT metadata track: one cue per annotation, its JSON as the cue text."""
    lines = ["WEBVTT", "", f"NOTE annotations of {video.pk}", ""]
    for index, item in enumerate(export_document(video, annotations)["annotations"], start=1):
        end = item["timestamp"] + max(item["duration"], 0.001)
        payload = json.dumps(item, separators=(",", ":")).replace("-->", "--\\u003e")
        lines += [str(index), f"{vtt_time(item['timestamp'])} --> {vtt_time(end)}", payload, ""]
    return "\n".join(lines)


class ImportedDrawingSerializer(serializers.Serializer):
    timestamp = StrictFloatField(min_value=0)
    duration = StrictFloatField(min_value=0.04, max_value=3600, default=3.0)
    drawing_data = DrawingDataSerializer()


def import_document(*, video: Video, author: User, document: Any) -> int:
    """Validate every drawing first, then create them all (nothing half-imported).
    Voice-overs are skipped: their audio is not part of the document."""
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
    for item in checked:
        annotation_create_drawing(video=video, author=author, **item.validated_data)
    return len(drawings)
