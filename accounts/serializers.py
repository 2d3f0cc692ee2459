"""Output shapes of the accounts app that more than one module renders (API, live channel)."""

from typing import Any

from rest_framework import serializers

from accounts.models import Notification, NotificationKind


def notification_path(notification: Notification) -> str:
    """Where the notification leads: the studio at its moment (and comment), the comparison
    page, or the library."""
    if notification.comparison_id is not None:
        return f"/compare/{notification.comparison_id}"
    if notification.video_id is None:
        return "/"
    query = []
    if notification.timestamp is not None:
        query.append(f"t={notification.timestamp:.3f}")
    if notification.comment_id is not None:
        query.append(f"comment={notification.comment_id}")
    return f"/videos/{notification.video_id}" + (f"?{'&'.join(query)}" if query else "")


def clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def notification_sentence(notification: Notification) -> str:
    """What happened, in words (plain text: pages and mails escape it themselves)."""
    who = notification.actor_username or "Someone"
    if notification.comparison is not None:
        title = f"the comparison “{notification.comparison.title}”"
    elif notification.video is not None:
        title = f"“{notification.video.title}”"
    else:
        title = "a video"
    at = f" at {clock(notification.timestamp)}" if notification.timestamp is not None else ""
    said = f": {notification.text}" if notification.text else ""
    match notification.kind:
        case NotificationKind.SHARE:
            return f"{who} shared {title} with you"
        case NotificationKind.COMMENT:
            return f"{who} commented on {title}{at}{said}"
        case NotificationKind.REPLY:
            return f"{who} replied on {title}{at}{said}"
        case NotificationKind.MENTION:
            return f"{who} mentioned you on {title}{at}{said}"
        case NotificationKind.ANNOTATION:
            things = (
                "drawing or voice-over" if notification.count == 1 else "drawings or voice-overs"
            )
            return f"{who} added {notification.count} {things} to {title}"
        case NotificationKind.VIDEO_READY:
            return f"{title} is ready to watch"
        case NotificationKind.VIDEO_FAILED:
            return f"{title} could not be processed{said}"
        case NotificationKind.EXPORT_READY:
            return f"Your export of {title} is ready to download"
    return title


class NotificationOutputSerializer(serializers.ModelSerializer[Notification]):
    actor = serializers.SerializerMethodField()
    video = serializers.SerializerMethodField()
    comparison = serializers.SerializerMethodField()
    read = serializers.SerializerMethodField()
    link = serializers.SerializerMethodField()
    sentence = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "actor",
            "video",
            "comparison",
            "comment_id",
            "timestamp",
            "text",
            "count",
            "read",
            "link",
            "sentence",
            "created_at",
            "updated_at",
        ]

    def get_actor(self, notification: Notification) -> dict[str, Any] | None:
        if not notification.actor_username:
            return None
        return {"id": notification.actor_id, "username": notification.actor_username}

    def get_video(self, notification: Notification) -> dict[str, Any] | None:
        if notification.video is None:
            return None
        return {"id": str(notification.video.pk), "title": notification.video.title}

    def get_comparison(self, notification: Notification) -> dict[str, Any] | None:
        if notification.comparison is None:
            return None
        return {"id": str(notification.comparison.pk), "title": notification.comparison.title}

    def get_read(self, notification: Notification) -> bool:
        return notification.read_at is not None

    def get_link(self, notification: Notification) -> str:
        return notification_path(notification)

    def get_sentence(self, notification: Notification) -> str:
        return notification_sentence(notification)
