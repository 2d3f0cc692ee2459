"""Annotations on a video's timeline: drawings and voice-overs, in one collection.

They may live in MongoDB (another database), so they refer to videos and users by id, never by
foreign key; the author's username is kept beside the id so lists need no join across stores.
"""

import uuid

from django.db import models


class AnnotationType(models.TextChoices):
    DRAWING = "drawing", "Drawing"
    VOICE_OVER = "voice_over", "Voice-over"


class AudioStatus(models.TextChoices):
    PROCESSING = "processing", "Processing"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class Annotation(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    video_id = models.UUIDField(db_index=True)
    author_id = models.BigIntegerField(db_index=True)
    author_username = models.CharField(max_length=150)
    type = models.CharField(max_length=16, choices=AnnotationType.choices)
    timestamp = models.FloatField(help_text="seconds from the start of the video")
    duration = models.FloatField(help_text="seconds the annotation stays on screen")
    frame = models.PositiveIntegerField(default=0)
    drawing_data = models.JSONField(null=True, blank=True)
    angle_degrees = models.FloatField(null=True, blank=True)
    # A tracked drawing (tool `track`, or `track: true`): {state, progress, positions, lost_at,
    # revision, start}, written by processing.tracking through annotations.services.
    tracking = models.JSONField(null=True, blank=True)
    # Voice-overs: the upload as received, then the normalised M4A that clients play.
    audio_source = models.CharField(max_length=500, blank=True)
    audio = models.CharField(max_length=500, blank=True)
    audio_status = models.CharField(max_length=16, choices=AudioStatus.choices, blank=True)
    audio_error = models.CharField(max_length=300, blank=True)
    hidden = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["video_id", "timestamp", "created_at"]
        indexes = [models.Index(fields=["video_id", "timestamp"], name="annotation_video_time")]

    def __str__(self) -> str:
        return f"{self.type} at {self.timestamp:.3f}s on {self.video_id}"
