import uuid

from django.db import models


class JobState(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class JobKind(models.TextChoices):
    TRANSCODE = "transcode", "Transcode (the processing pipeline)"
    EXPORT = "export", "Export (drawings burned in, voice-overs mixed)"
    VOICE_OVER = "voice_over", "Voice-over (a recording normalised; options.annotation_id)"
    COMPARE_EXPORT = (
        "compare_export",
        "Comparison export (two videos in one picture; options.comparison_id)",
    )
    TRACK = "track", "Tracking (points followed through frames; options.annotation_id)"


class ProcessingJob(models.Model):
    """One run of ffmpeg work for a video: the processing pipeline, an export someone asked
    for, or a voice-over recorded on it. What it did, how often it tried, how it ended; exports
    and voice-overs also keep their options (and exports their file). One model so that
    claiming, heartbeats, the watchdog and metrics exist once."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    video = models.ForeignKey("videos.Video", on_delete=models.CASCADE, related_name="jobs")
    kind = models.CharField(
        max_length=16, choices=JobKind.choices, default=JobKind.TRANSCODE, db_index=True
    )
    requested_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    options = models.JSONField(default=dict, blank=True)
    progress = models.PositiveSmallIntegerField(default=0)
    output = models.CharField(max_length=500, blank=True, help_text="storage key of the result")
    output_size = models.BigIntegerField(default=0)
    state = models.CharField(
        max_length=16, choices=JobState.choices, default=JobState.QUEUED, db_index=True
    )
    step = models.CharField(max_length=32, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    request_id = models.CharField(max_length=128, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    error_code = models.CharField(max_length=64, blank=True)
    error_message = models.CharField(max_length=500, blank=True)
    log_tail = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "heartbeat_at"])]

    def __str__(self) -> str:
        return f"job {self.pk} for {self.video_id}: {self.state}"
