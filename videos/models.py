import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from config.fastload import FastFromDb


class VideoStatus(models.TextChoices):
    UPLOADING = "uploading", "Uploading"
    UPLOADED = "uploaded", "Uploaded"
    SCANNING = "scanning", "Scanning"
    PROCESSING = "processing", "Processing"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"
    REJECTED = "rejected", "Rejected"


# Work under way: a video in one of these is processing's to move on.
IN_FLIGHT_STATUSES = (VideoStatus.UPLOADED, VideoStatus.SCANNING, VideoStatus.PROCESSING)


class ScanStatus(models.TextChoices):
    PENDING = "pending", "Not scanned yet"
    CLEAN = "clean", "Clean"
    PARTIAL = "partial", "Partially scanned (over the scanner's limits)"
    NOT_SCANNED = "not_scanned", "Not scanned (no scanner configured)"
    INFECTED = "infected", "Malware found"


class Moderation(models.TextChoices):
    VISIBLE = "visible", "Visible"
    HIDDEN = "hidden", "Hidden by a moderator"


class SharePermission(models.TextChoices):
    VIEW = "view", "View"
    ANNOTATE = "annotate", "Annotate"


def original_key(video: "Video", filename: str) -> str:
    """Server-generated storage key; the user's filename is display text only."""
    return f"videos/{video.pk}/original"


class Video(FastFromDb):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="videos"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=5000)
    original_filename = models.CharField(max_length=255, blank=True)
    original = models.FileField(upload_to=original_key, max_length=500, blank=True)
    size = models.BigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)

    status = models.CharField(
        max_length=16, choices=VideoStatus.choices, default=VideoStatus.UPLOADING, db_index=True
    )
    status_code = models.CharField(max_length=64, blank=True)
    status_message = models.CharField(max_length=500, blank=True)
    progress = models.PositiveSmallIntegerField(default=0)
    # Set once the processing message reached the broker; a sweeper re-sends when it is empty.
    enqueued_at = models.DateTimeField(null=True, blank=True)
    scan_status = models.CharField(
        max_length=16, choices=ScanStatus.choices, default=ScanStatus.PENDING
    )
    scan_detail = models.CharField(max_length=300, blank=True)

    # Media facts, filled by processing.
    duration = models.FloatField(null=True, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    fps = models.FloatField(null=True, blank=True)
    video_codec = models.CharField(max_length=32, blank=True)
    audio_codec = models.CharField(max_length=32, blank=True)
    rotation = models.SmallIntegerField(default=0)

    # Outputs, filled by processing (deterministic keys under videos/{id}/).
    hls_master = models.FileField(max_length=500, blank=True)
    poster = models.FileField(max_length=500, blank=True)
    storyboard = models.FileField(max_length=500, blank=True)
    # Motion energy per 0.5 s and scene cuts: {"interval", "motion": [...], "scene_cuts": [...]}.
    analysis = models.JSONField(null=True, blank=True)

    moderation = models.CharField(
        max_length=16, choices=Moderation.choices, default=Moderation.VISIBLE
    )
    moderation_reason = models.CharField(max_length=500, blank=True)

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__gte=0) & Q(progress__lte=100), name="video_progress_0_100"
            ),
            models.CheckConstraint(condition=Q(size__gte=0), name="video_size_not_negative"),
            models.CheckConstraint(
                condition=Q(moderation="visible") | ~Q(moderation_reason=""),
                name="video_hidden_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["owner", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.title} ({self.pk})"

    @property
    def playable(self) -> bool:
        """It can be watched: ready, or processing with its first HLS segments published (the
        live playlist grows as the encode goes on)."""
        if self.status == VideoStatus.READY:
            return True
        return self.status == VideoStatus.PROCESSING and bool(self.hls_master)

    @property
    def available_seconds(self) -> float:
        """How much of it can be played (and drawn on) now: all of it when ready; while it
        processes, the published part (its progress counts published media, rounded down)."""
        if self.status == VideoStatus.READY:
            return self.duration or 0.0
        if not self.playable or self.duration is None:
            return 0.0
        return self.duration * self.progress / 100


# What the API and the admin show of a video's processing and moderation (read-only in both).
SHOWN_STATE = (
    "progress",
    "scan_status",
    "scan_detail",
    "duration",
    "width",
    "height",
    "fps",
    "video_codec",
    "audio_codec",
    "rotation",
    "moderation",
    "moderation_reason",
    "created_at",
    "updated_at",
)


class Quality(models.TextChoices):
    HD = "hd", "HD"
    SD = "sd", "SD"
    MOBILE = "mobile", "Mobile"


class Rendition(FastFromDb):
    """One encoded rendition: a progressive MP4 that also backs its HLS variant."""

    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="renditions")
    quality = models.CharField(max_length=16, choices=Quality.choices)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    fps = models.FloatField(null=True, blank=True)
    bitrate = models.PositiveIntegerField(help_text="bits per second")
    size = models.BigIntegerField()
    codecs = models.CharField(max_length=64, blank=True)
    file = models.FileField(max_length=500)
    playlist = models.FileField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-height"]
        constraints = [
            models.UniqueConstraint(fields=["video", "quality"], name="rendition_unique_quality")
        ]

    def __str__(self) -> str:
        return f"{self.video_id} {self.quality} {self.width}x{self.height}"


class VideoShare(FastFromDb):
    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="shares")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="video_shares"
    )
    permission = models.CharField(max_length=16, choices=SharePermission.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["video", "user"], name="video_share_unique_user")
        ]

    def __str__(self) -> str:
        return f"{self.video_id} -> {self.user_id} ({self.permission})"


class TusUpload(models.Model):
    """The state of a resumable upload; its bytes are in `uploads/{id}/data` on local storage,
    in an S3 multipart upload (and a tail object under `uploads/{id}/`) on S3."""

    video = models.OneToOneField(
        Video, on_delete=models.CASCADE, primary_key=True, related_name="tus_upload"
    )
    length = models.BigIntegerField()
    offset = models.BigIntegerField(default=0)
    # On S3: the multipart upload the bytes go to, its parts so far and the bytes they hold
    # (the rest, under 5 MiB, waits in a tail object); unused on local storage.
    parts = models.PositiveIntegerField(default=0)
    s3_upload_id = models.CharField(max_length=1024, blank=True)
    part_bytes = models.BigIntegerField(default=0)
    # The sha256 of the bytes so far, as OpenSSL's state (videos.sha256_state): the next PATCH
    # goes on hashing where this one stopped, in whichever process it lands.
    sha256_state = models.BinaryField(null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(db_index=True)
    # A PATCH holds the lock while it streams; a heartbeat older than the stale limit frees it.
    lock_token = models.CharField(max_length=32, blank=True)
    lock_heartbeat = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(offset__gte=0) & Q(offset__lte=models.F("length")),
                name="tus_offset_within_length",
            )
        ]

    def __str__(self) -> str:
        return f"upload {self.video_id}: {self.offset}/{self.length}"


class ComparisonLayout(models.TextChoices):
    SIDE_BY_SIDE = "side_by_side", "Side by side"
    STACKED = "stacked", "Stacked"
    OVERLAY = "overlay", "Overlay"


class Side(models.TextChoices):
    LEFT = "left", "Left"
    RIGHT = "right", "Right"


class Comparison(models.Model):
    """Two ready videos shown together, lined up at a sync point: `left_sync` seconds into the
    left video is the same moment as `right_sync` seconds into the right one. Seen only by
    those who may see it (owner, shares, staff) while they may also view both videos."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comparisons"
    )
    title = models.CharField(max_length=200)
    # Deleting either video deletes the comparison (videos.services.video_delete does it first,
    # with the comparison's drawings and exports; the cascade is the database's safety net).
    left_video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="+")
    right_video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="+")
    left_sync = models.FloatField(default=0.0, help_text="seconds into the left video")
    right_sync = models.FloatField(default=0.0, help_text="seconds into the right video")
    left_mirror = models.BooleanField(default=False)
    right_mirror = models.BooleanField(default=False)
    layout = models.CharField(
        max_length=16, choices=ComparisonLayout.choices, default=ComparisonLayout.SIDE_BY_SIDE
    )
    overlay_opacity = models.FloatField(default=0.5)
    # Overlay: the left picture on top of the right one instead of under it.
    overlay_swapped = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(overlay_opacity__gte=0) & Q(overlay_opacity__lte=1),
                name="comparison_opacity_0_1",
            ),
            models.CheckConstraint(
                condition=Q(left_sync__gte=0) & Q(right_sync__gte=0),
                name="comparison_sync_not_negative",
            ),
        ]
        indexes = [models.Index(fields=["owner", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.title} ({self.pk})"

    def video(self, side: str) -> Video:
        return self.left_video if side == Side.LEFT else self.right_video

    def sync(self, side: str) -> float:
        return self.left_sync if side == Side.LEFT else self.right_sync


class ComparisonShare(models.Model):
    comparison = models.ForeignKey(Comparison, on_delete=models.CASCADE, related_name="shares")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comparison_shares"
    )
    permission = models.CharField(max_length=16, choices=SharePermission.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["comparison", "user"], name="comparison_share_unique_user"
            )
        ]

    def __str__(self) -> str:
        return f"{self.comparison_id} -> {self.user_id} ({self.permission})"
