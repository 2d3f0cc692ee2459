"""Input validation for annotations (REST and WebSocket alike) and their output shape."""

import math
from typing import Any

from rest_framework import serializers

from annotations.drawing import MAX_POINTS, POINT_COUNTS
from annotations.models import Annotation
from config.fields import StrictFloatField, StrictUUIDField
from config.output import FastOutput
from videos.storage import media_url

HEX_COLOR = r"^#[0-9A-Fa-f]{6}\Z"  # \Z: "$" would also take a trailing newline


class DrawingDataSerializer(serializers.Serializer):
    tool_type = serializers.ChoiceField(choices=sorted(POINT_COUNTS))
    points = serializers.ListField(
        child=serializers.ListField(child=StrictFloatField(), min_length=2, max_length=2),
        max_length=MAX_POINTS,
        error_messages={"max_length": f"At most {MAX_POINTS} points."},
    )
    color = serializers.RegexField(
        HEX_COLOR,
        default="#FF3B30",
        trim_whitespace=False,
        error_messages={"invalid": 'Use a colour like "#FF3B30".'},
    )
    width = StrictFloatField(min_value=0.5, max_value=50, default=3)
    text = serializers.CharField(max_length=500, required=False, allow_blank=False)

    def validate_points(self, points: list[list[float]]) -> list[list[float]]:
        for x, y in points:
            if not (math.isfinite(x) and math.isfinite(y)):
                raise serializers.ValidationError("Coordinates must be finite numbers.")
            if not (0 <= x <= 1 and 0 <= y <= 1):
                raise serializers.ValidationError(
                    "Coordinates are fractions of the frame: each must be between 0 and 1."
                )
        return points

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        tool = attrs["tool_type"]
        fewest, most = POINT_COUNTS[tool]
        count = len(attrs["points"])
        if not fewest <= count <= most:
            wanted = str(fewest) if fewest == most else f"{fewest} to {most}"
            raise serializers.ValidationError(
                {"points": [f"A {tool} takes {wanted} points, not {count}."]}
            )
        if tool == "text" and not attrs.get("text"):
            raise serializers.ValidationError({"text": ["A text annotation needs its text."]})
        if tool != "text":
            attrs.pop("text", None)
        return attrs


class DrawingCreateSerializer(serializers.Serializer):
    video_id = StrictUUIDField()
    timestamp = StrictFloatField(min_value=0)
    duration = StrictFloatField(min_value=0.04, max_value=3600, default=3.0)
    drawing_data = DrawingDataSerializer()


class AnnotationUpdateSerializer(serializers.Serializer):
    timestamp = StrictFloatField(min_value=0, required=False)
    duration = StrictFloatField(min_value=0.04, max_value=3600, required=False)
    drawing_data = DrawingDataSerializer(required=False)


class VoiceOverCreateSerializer(serializers.Serializer):
    video_id = StrictUUIDField()
    timestamp = StrictFloatField(min_value=0)
    audio_file = serializers.FileField(allow_empty_file=True)


class AnnotationOutputSerializer(FastOutput, serializers.ModelSerializer[Annotation]):
    author = serializers.SerializerMethodField()
    audio_url = serializers.SerializerMethodField()

    class Meta:
        model = Annotation
        fields = [
            "id",
            "video_id",
            "type",
            "author",
            "timestamp",
            "duration",
            "frame",
            "drawing_data",
            "angle_degrees",
            "audio_status",
            "audio_url",
            "audio_error",
            "hidden",
            "created_at",
            "updated_at",
        ]

    def get_author(self, annotation: Annotation) -> dict[str, Any]:
        return {"id": annotation.author_id, "username": annotation.author_username}

    def get_audio_url(self, annotation: Annotation) -> str | None:
        return media_url(annotation.audio) if annotation.audio else None
