import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property

from config.fastload import FastFromDb


class Role(models.TextChoices):
    """Each role is a Django group of the same name (created by migration 0002)."""

    STAFF = "staff", "Staff"
    COACH = "coach", "Coach"
    ATHLETE = "athlete", "Athlete"


class User(FastFromDb, AbstractUser):
    """Our own user model from the first migration, so it can grow without a painful swap."""

    class Meta:
        db_table = "accounts_user"

    @cached_property
    def role(self) -> str | None:
        """The user's role: the name of their role group (superusers count as staff).

        Cached per instance: permission checks ask it many times per request.
        """
        names = {group.name for group in self.groups.all()}
        for role in Role:
            if role.value in names:
                return role.value
        return Role.STAFF.value if self.is_superuser else None

    @property
    def is_staff_role(self) -> bool:
        return self.role == Role.STAFF


class NotificationKind(models.TextChoices):
    SHARE = "share", "A video or comparison was shared with you"
    COMMENT = "comment", "A comment on your video"
    REPLY = "reply", "A reply on your video or thread"
    MENTION = "mention", "You were mentioned"
    ANNOTATION = "annotation", "New drawings or voice-overs on your video"
    VIDEO_READY = "video_ready", "Your video is ready"
    VIDEO_FAILED = "video_failed", "Your video could not be processed"
    EXPORT_READY = "export_ready", "Your export is ready"


class Notification(models.Model):
    """Something that happened for one person. Stored in the default database (with the users
    and videos it points at); comments are referred to by id (they may live in MongoDB)."""

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=16, choices=NotificationKind.choices)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_username = models.CharField(max_length=150, blank=True)
    video = models.ForeignKey(
        "videos.Video", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # A comparison shared with you (its videos are not: the link leads to the comparison page).
    comparison = models.ForeignKey(
        "videos.Comparison", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    comment_id = models.UUIDField(null=True, blank=True, db_index=True)
    timestamp = models.FloatField(null=True, blank=True)
    text = models.CharField(max_length=300, blank=True)
    # Grouped events (drawings on your video): how many this one stands for.
    count = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # Waiting for the digest job to mail it (the recipient wants mail of this kind).
    email_pending = models.BooleanField(default=False)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-updated_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "-updated_at"], name="notification_inbox"),
            models.Index(
                fields=["recipient", "created_at"],
                condition=models.Q(email_pending=True),
                name="notification_email_pending",
            ),
        ]
        constraints = [models.CheckConstraint(condition=Q(count__gte=1), name="notification_count")]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}"


class NotificationPreference(models.Model):
    """What a person wants by email; everything is on until they turn it off."""

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, primary_key=True, related_name="notification_preference"
    )
    email_off = models.JSONField(default=list, blank=True, help_text="kinds not to mail")

    def __str__(self) -> str:
        return f"preferences of {self.user_id}"


INVITE_STATES = [("open", "open"), ("used", "used"), ("revoked", "revoked"), ("expired", "expired")]


class Invite(models.Model):
    """An invitation by email to a video: a signed, expiring, single-use link. The address never
    selects an account (addresses are not unique): the link makes a new athlete account, or,
    opened while signed in, gives the share to whoever opened it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField()
    inviter = models.ForeignKey(User, on_delete=models.CASCADE, related_name="invites_sent")
    video = models.ForeignKey("videos.Video", on_delete=models.CASCADE, related_name="+")
    permission = models.CharField(max_length=16, default="view")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Taken back by the video's owner or staff before anyone used it: the link stops working.
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["video", "-created_at"], name="invite_by_video")]

    def __str__(self) -> str:
        return f"invite to {self.video_id} ({self.state})"

    @property
    def state(self) -> str:
        """open, used, revoked or expired (as of now)."""
        if self.used_at is not None:
            return "used"
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= timezone.now() else "open"
