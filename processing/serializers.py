"""Exports in the API: what a client may ask for, and what it gets back."""

from typing import Any

from rest_framework import serializers

from processing.models import ProcessingJob
from videos.models import Quality
from videos.storage import media_url


class ExportCreateSerializer(serializers.Serializer):
    quality = serializers.ChoiceField(
        choices=Quality.choices,
        error_messages={"invalid_choice": 'Choose a quality: "hd", "sd" or "mobile".'},
    )
    include_drawings = serializers.BooleanField(default=True)
    include_voice_overs = serializers.BooleanField(default=True)


class ExportOutputSerializer(serializers.ModelSerializer[ProcessingJob]):
    quality = serializers.SerializerMethodField()
    include_drawings = serializers.SerializerMethodField()
    include_voice_overs = serializers.SerializerMethodField()
    requested_by = serializers.SerializerMethodField()
    error = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    size = serializers.IntegerField(source="output_size")

    class Meta:
        model = ProcessingJob
        fields = [
            "id",
            "video_id",
            "quality",
            "include_drawings",
            "include_voice_overs",
            "requested_by",
            "state",
            "progress",
            "error",
            "url",
            "size",
            "created_at",
            "finished_at",
        ]

    def get_quality(self, job: ProcessingJob) -> str:
        return str(job.options.get("quality", ""))

    def get_include_drawings(self, job: ProcessingJob) -> bool:
        return bool(job.options.get("include_drawings", True))

    def get_include_voice_overs(self, job: ProcessingJob) -> bool:
        return bool(job.options.get("include_voice_overs", True))

    def get_requested_by(self, job: ProcessingJob) -> dict[str, Any] | None:
        user = job.requested_by
        return {"id": user.pk, "username": user.username} if user else None

    def get_error(self, job: ProcessingJob) -> dict[str, str] | None:
        if not job.error_code or job.state != "failed":
            return None
        return {"code": job.error_code, "message": job.error_message}

    def get_url(self, job: ProcessingJob) -> str | None:
        """A signed, expiring download link once the file exists."""
        if job.state != "succeeded" or not job.output:
            return None
        return media_url(job.output, attachment=True)


class CompareExportCreateSerializer(ExportCreateSerializer):
    include_voice_overs = serializers.BooleanField(default=False)
    include_video_drawings = serializers.BooleanField(default=False)
    audio = serializers.ChoiceField(
        choices=[("left", "Left"), ("right", "Right"), ("mix", "Both mixed")],
        default="mix",
        error_messages={"invalid_choice": 'Choose the sound: "left", "right" or "mix".'},
    )


class CompareExportOutputSerializer(ExportOutputSerializer):
    comparison_id = serializers.SerializerMethodField()
    audio = serializers.SerializerMethodField()
    include_video_drawings = serializers.SerializerMethodField()

    class Meta(ExportOutputSerializer.Meta):
        fields = [
            "id",
            "comparison_id",
            "quality",
            "audio",
            "include_drawings",
            "include_video_drawings",
            "include_voice_overs",
            "requested_by",
            "state",
            "progress",
            "error",
            "url",
            "size",
            "created_at",
            "finished_at",
        ]

    def get_comparison_id(self, job: ProcessingJob) -> str:
        return str(job.options.get("comparison_id", ""))

    def get_audio(self, job: ProcessingJob) -> str:
        return str(job.options.get("audio", "mix"))

    def get_include_video_drawings(self, job: ProcessingJob) -> bool:
        return bool(job.options.get("include_video_drawings", False))

    def get_include_voice_overs(self, job: ProcessingJob) -> bool:
        return bool(job.options.get("include_voice_overs", False))
