"""Events for the real-time channel: one group per video, sent after the write commits.

Every socket also joins its user's group. When who may see a video changes (a share revoked or
lowered, the video hidden or deleted, the user deactivated, deleted or re-roled), the service that
changed it sends `access.check` to the video's or the user's group; each socket then asks the
database again and closes (4403) or downgrades.
"""

import json
import logging
import time
import uuid
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from prometheus_client import Counter, Gauge, Histogram
from rest_framework.renderers import JSONRenderer

from annotations.serializers import AnnotationOutputSerializer

logger = logging.getLogger(__name__)

CONNECTED_CLIENTS = Gauge(
    "realtime_connected_clients",
    "WebSocket clients connected to video channels.",
    multiprocess_mode="livesum",
)
PUBLISHED = Counter("realtime_events_published_total", "Events published, by type.", ["event"])
BROADCAST_LATENCY = Histogram(
    "realtime_broadcast_latency_seconds",
    "From publishing an event to handing it to a connected client.",
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)

# The channel-layer message type of an access change (handled by VideoConsumer.access_check).
ACCESS_CHECK = "access.check"


def video_group(video_id: uuid.UUID | str) -> str:
    return f"video.{video_id}"


def comparison_group(comparison_id: uuid.UUID | str) -> str:
    return f"comparison.{comparison_id}"


def user_group(user_id: int | str) -> str:
    return f"user.{user_id}"


def _send_after_commit(group: str, message: dict[str, Any], label: str) -> None:
    """Best effort, after the write commits: a Redis hiccup must not fail the request that
    already stored the change; clients resync on reconnect."""

    def send() -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        stamped = {**message, "sent_at": time.time()} if "sent_at" in message else message
        try:
            async_to_sync(layer.group_send)(group, stamped)
        except Exception:  # the layer's errors vary; losing a live event is not data loss
            logger.warning("real-time publish failed", exc_info=True, extra={"event": label})

    transaction.on_commit(send)


def publish_access_check(
    *, video_id: uuid.UUID | str | None = None, user_id: int | str | None = None
) -> None:
    """Access to a video (or everything a user sees) changed: its sockets re-check it now."""
    PUBLISHED.labels(event=ACCESS_CHECK).inc()
    if video_id is not None:
        _send_after_commit(video_group(video_id), {"type": ACCESS_CHECK}, ACCESS_CHECK)
    if user_id is not None:
        _send_after_commit(user_group(user_id), {"type": ACCESS_CHECK}, ACCESS_CHECK)


def publish_comparison_access_check(*, comparison_id: uuid.UUID | str) -> None:
    """Who may see a comparison changed (deleted, a video of it hidden): its sockets re-check."""
    PUBLISHED.labels(event=ACCESS_CHECK).inc()
    _send_after_commit(comparison_group(comparison_id), {"type": ACCESS_CHECK}, ACCESS_CHECK)


def publish_comparison(comparison_id: uuid.UUID | str, event: str, payload: dict[str, Any]) -> None:
    """Broadcast to everyone on the comparison's channel (after commit, best effort)."""
    PUBLISHED.labels(event=event).inc()
    message = {"type": "broadcast", "event": event, "payload": payload, "sent_at": time.time()}
    _send_after_commit(comparison_group(comparison_id), message, event)


def publish_for_annotation(annotation: Any, event: str, payload: dict[str, Any]) -> None:
    """A drawing on a comparison's pane goes to the comparison's channel, any other annotation
    to its video's."""
    if getattr(annotation, "comparison_id", None):
        publish_comparison(annotation.comparison_id, event, payload)
    else:
        publish(annotation.video_id, event, payload)


def publish(video_id: uuid.UUID | str, event: str, payload: dict[str, Any]) -> None:
    """Broadcast to everyone watching the video (after commit, best effort)."""
    PUBLISHED.labels(event=event).inc()
    message = {"type": "broadcast", "event": event, "payload": payload, "sent_at": time.time()}
    _send_after_commit(video_group(video_id), message, event)


def as_json(data: Any) -> Any:
    """Plain JSON types only (UUIDs, datetimes as strings): the channel layer uses msgpack."""
    return json.loads(JSONRenderer().render(data))


def publish_annotation(annotation: Any, event: str) -> None:
    publish_for_annotation(annotation, event, as_json(AnnotationOutputSerializer(annotation).data))
