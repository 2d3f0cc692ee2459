"""Input validation for annotations (REST and WebSocket alike) and their output shape."""

import math
from typing import Any

from rest_framework import serializers

from annotations.drawing import (
    LENGTH_TOOLS,
    MAX_POINTS,
    MAX_SPLITS,
    POINT_COUNTS,
    measure_errors,
    segment_length,
)
from annotations.measure import speed_series, tracked_values
from annotations.models import COMMENT_MAX_CHARS, Annotation, Comment
from annotations.selectors import MeasureBasis, measure_basis
from config.fields import StrictFloatField, StrictIntegerField, StrictUUIDField
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
    # Measuring tools (annotations.drawing.measure_errors holds their rules).
    length_m = StrictFloatField(required=False)
    splits = serializers.ListField(child=StrictFloatField(), required=False, max_length=MAX_SPLITS)
    track = serializers.BooleanField(required=False)

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
        if tool != "calibration":
            attrs.pop("length_m", None)
        if tool == "track":
            attrs["track"] = True
        elif not attrs.get("track"):
            attrs.pop("track", None)
        errors = measure_errors(attrs, self.context.get("duration"))
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


SIDES = [("left", "Left"), ("right", "Right")]


class DrawingCreateSerializer(serializers.Serializer):
    """On a video (`video_id`), or on a comparison's pane (`comparison_id` and `side`; then
    `timestamp` is that side's video time, and `video_id`, if sent, must be that side's)."""

    video_id = StrictUUIDField(required=False)
    comparison_id = StrictUUIDField(required=False)
    side = serializers.ChoiceField(choices=SIDES, required=False)
    timestamp = StrictFloatField(min_value=0)
    duration = StrictFloatField(min_value=0.04, max_value=3600, default=3.0)
    drawing_data = DrawingDataSerializer()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("comparison_id") is None:
            if attrs.get("side"):
                raise serializers.ValidationError(
                    {"side": ["A side is for a drawing on a comparison (send comparison_id)."]}
                )
            if attrs.get("video_id") is None:
                raise serializers.ValidationError({"video_id": ["This field is required."]})
        elif not attrs.get("side"):
            raise serializers.ValidationError({"side": ['Say which pane: "left" or "right".']})
        # The drawing's own rules that depend on how long it stays (timer splits, tracking).
        errors = measure_errors(attrs["drawing_data"], attrs["duration"])
        if errors:
            raise serializers.ValidationError({"drawing_data": errors})
        return attrs


class TrackingCorrectionSerializer(serializers.Serializer):
    """Where a tracked point really is at time t: tracking resumes from there."""

    t = StrictFloatField(min_value=0)
    point = StrictIntegerField(min_value=0, max_value=2, default=0)
    x = StrictFloatField(min_value=0, max_value=1)
    y = StrictFloatField(min_value=0, max_value=1)


class AnnotationUpdateSerializer(serializers.Serializer):
    timestamp = StrictFloatField(min_value=0, required=False)
    duration = StrictFloatField(min_value=0.04, max_value=3600, required=False)
    drawing_data = DrawingDataSerializer(required=False)
    tracking_correction = TrackingCorrectionSerializer(required=False)


class VoiceOverCreateSerializer(serializers.Serializer):
    video_id = StrictUUIDField()
    timestamp = StrictFloatField(min_value=0)
    audio_file = serializers.FileField(allow_empty_file=True)


class AnnotationOutputSerializer(FastOutput, serializers.ModelSerializer[Annotation]):
    author = serializers.SerializerMethodField()
    audio_url = serializers.SerializerMethodField()
    metres_per_pixel = serializers.SerializerMethodField()
    length_px = serializers.SerializerMethodField()
    length_m = serializers.SerializerMethodField()
    tracking = serializers.SerializerMethodField()
    speed = serializers.SerializerMethodField()
    speed_peak = serializers.SerializerMethodField()
    speed_unit = serializers.SerializerMethodField()

    class Meta:
        model = Annotation
        fields = [
            "id",
            "video_id",
            "comparison_id",
            "side",
            "type",
            "author",
            "timestamp",
            "duration",
            "frame",
            "drawing_data",
            "angle_degrees",
            "metres_per_pixel",
            "length_px",
            "length_m",
            "tracking",
            "speed",
            "speed_peak",
            "speed_unit",
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

    # --- Measurements (annotations.measure), against the video's latest calibration -------------

    def _basis(self, annotation: Annotation) -> MeasureBasis:
        """Per video, once per answer (a list shares the root's context)."""
        cache = self.context.setdefault("measure_basis", {}) if self.context is not None else {}
        key = str(annotation.video_id)
        if key not in cache:
            cache[key] = measure_basis(annotation.video_id)
        return cache[key]

    def _speed(self, annotation: Annotation) -> tuple[list[list[float]], float | None, str] | None:
        data, tracking = annotation.drawing_data or {}, annotation.tracking or {}
        if data.get("tool_type") != "track" or not tracking.get("positions"):
            return None
        speeds = self.context.setdefault("speeds", {}) if self.context is not None else {}
        if annotation.pk not in speeds:
            basis = self._basis(annotation)
            speeds[annotation.pk] = speed_series(
                tracking["positions"], basis.width, basis.height, basis.metres_per_pixel
            )
        return speeds[annotation.pk]

    def get_metres_per_pixel(self, annotation: Annotation) -> float | None:
        if annotation.type != "drawing":
            return None
        return self._basis(annotation).metres_per_pixel

    def get_length_px(self, annotation: Annotation) -> float | None:
        data = annotation.drawing_data or {}
        if data.get("tool_type") not in LENGTH_TOOLS:
            return None
        basis = self._basis(annotation)
        return round(segment_length(data["points"], basis.width, basis.height), 3)

    def get_length_m(self, annotation: Annotation) -> float | None:
        length = self.get_length_px(annotation)
        if (annotation.drawing_data or {}).get("tool_type") == "calibration":
            return float(annotation.drawing_data["length_m"])  # type: ignore[index]
        scale = self._basis(annotation).metres_per_pixel
        return None if length is None or scale is None else round(length * scale, 6)

    def get_tracking(self, annotation: Annotation) -> dict[str, Any] | None:
        if annotation.tracking is None:
            return None
        shown = {
            key: annotation.tracking.get(key)
            for key in ("state", "progress", "positions", "lost_at", "error")
        }
        basis = self._basis(annotation)
        values, unit = tracked_values(
            (annotation.drawing_data or {}).get("tool_type", ""),
            shown["positions"] or [],
            basis.width,
            basis.height,
            basis.metres_per_pixel,
        )
        return {**shown, "values": values, "unit": unit}

    def get_speed(self, annotation: Annotation) -> list[list[float]] | None:
        speed = self._speed(annotation)
        return speed[0] if speed else None

    def get_speed_peak(self, annotation: Annotation) -> float | None:
        speed = self._speed(annotation)
        return speed[1] if speed else None

    def get_speed_unit(self, annotation: Annotation) -> str | None:
        speed = self._speed(annotation)
        return speed[2] if speed else None


class CommentCreateSerializer(serializers.Serializer):
    # Length is checked after cleaning, in the service (one message for both).
    text = serializers.CharField(max_length=COMMENT_MAX_CHARS * 2, trim_whitespace=False)
    timestamp = StrictFloatField(min_value=0, required=False, allow_null=True)
    annotation_id = StrictUUIDField(required=False, allow_null=True)
    parent_id = StrictUUIDField(required=False, allow_null=True)


class CommentUpdateSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=COMMENT_MAX_CHARS * 2, trim_whitespace=False)


class CommentOutputSerializer(serializers.ModelSerializer[Comment]):
    author = serializers.SerializerMethodField()

    class Meta:
        model = Comment
        fields = [
            "id",
            "video_id",
            "parent_id",
            "annotation_id",
            "author",
            "timestamp",
            "frame",
            "text",
            "mentions",
            "resolved",
            "resolved_by_username",
            "resolved_at",
            "edited",
            "hidden",
            "created_at",
            "updated_at",
        ]

    def get_author(self, comment: Comment) -> dict[str, Any]:
        return {"id": comment.author_id, "username": comment.author_username}
