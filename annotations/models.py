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
    # A drawing on a comparison's pane: it belongs to the comparison (listed and exported with
    # it, never with the video), on the video of `side`, at that video's own time and frame.
    comparison_id = models.UUIDField(null=True, blank=True, db_index=True)
    side = models.CharField(max_length=8, blank=True)
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


COMMENT_MAX_CHARS = 5000


class Comment(models.Model):
    """A note at a moment of the video (or on the whole video), or a reply to one: one level of
    threads. Stored with the annotations (MongoDB when configured), so like them it refers to
    the video, the author, the annotation it is about and its thread by id."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    video_id = models.UUIDField(db_index=True)
    author_id = models.BigIntegerField(db_index=True)
    author_username = models.CharField(max_length=150)
    # A reply names its thread's first comment; a thread's first comment has none.
    parent_id = models.UUIDField(null=True, blank=True, db_index=True)
    annotation_id = models.UUIDField(null=True, blank=True)
    timestamp = models.FloatField(null=True, blank=True, help_text="seconds; empty: whole video")
    frame = models.PositiveIntegerField(null=True, blank=True)
    text = models.TextField(max_length=COMMENT_MAX_CHARS)
    # [{"id": user id, "username": ...}]: the people `@username` named who may view the video.
    mentions = models.JSONField(default=list, blank=True)
    resolved = models.BooleanField(default=False)
    resolved_by_username = models.CharField(max_length=150, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    edited = models.BooleanField(default=False)
    hidden = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["video_id", "created_at"]
        indexes = [models.Index(fields=["video_id", "created_at"], name="comment_video_created")]

    def __str__(self) -> str:
        where = "whole video" if self.timestamp is None else f"{self.timestamp:.3f}s"
        return f"comment by {self.author_username} at {where} on {self.video_id}"
