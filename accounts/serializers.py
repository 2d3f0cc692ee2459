"""Output shapes of the accounts app that more than one module renders (API, live channel)."""

from typing import Any

from rest_framework import serializers

from accounts.models import Notification


def notification_path(notification: Notification) -> str:
    """Where the notification leads: the studio at its moment (and comment), or the library."""
    if notification.video_id is None:
        return "/"
    query = []
    if notification.timestamp is not None:
        query.append(f"t={notification.timestamp:.3f}")
    if notification.comment_id is not None:
        query.append(f"comment={notification.comment_id}")
    return f"/videos/{notification.video_id}" + (f"?{'&'.join(query)}" if query else "")


class NotificationOutputSerializer(serializers.ModelSerializer[Notification]):
    actor = serializers.SerializerMethodField()
    video = serializers.SerializerMethodField()
    read = serializers.SerializerMethodField()
    link = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "actor",
            "video",
            "comment_id",
            "timestamp",
            "text",
            "count",
            "read",
            "link",
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

    def get_read(self, notification: Notification) -> bool:
        return notification.read_at is not None

    def get_link(self, notification: Notification) -> str:
        return notification_path(notification)
