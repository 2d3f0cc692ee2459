"""Events for the real-time channel: one group per video, sent after the write commits."""

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


def video_group(video_id: uuid.UUID | str) -> str:
    return f"video.{video_id}"


def publish(video_id: uuid.UUID | str, event: str, payload: dict[str, Any]) -> None:
    """Broadcast to everyone watching the video. Best effort: a Redis hiccup must not fail the
    REST request that already stored the change; clients resync on reconnect."""

    PUBLISHED.labels(event=event).inc()

    def send() -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        try:
            async_to_sync(layer.group_send)(
                video_group(video_id),
                {"type": "broadcast", "event": event, "payload": payload, "sent_at": time.time()},
            )
        except Exception:  # the layer's errors vary; losing a live event is not data loss
            logger.warning("real-time publish failed", exc_info=True, extra={"event": event})

    transaction.on_commit(send)


def as_json(data: Any) -> Any:
    """Plain JSON types only (UUIDs, datetimes as strings): the channel layer uses msgpack."""
    return json.loads(JSONRenderer().render(data))


def publish_annotation(annotation: Any, event: str) -> None:
    publish(annotation.video_id, event, as_json(AnnotationOutputSerializer(annotation).data))
