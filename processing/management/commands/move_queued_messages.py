"""Move Dramatiq messages left under an older Redis namespace into this instance's broker.

The broker namespace used to be `video-service` for every instance; it now derives from the
instance (settings.INSTANCE_NAME). `start.sh migrate` runs this before the new workers start,
so jobs queued (or delayed for a retry, or held by a worker that has since stopped) under the
old name are not stranded. Only messages about this instance's own rows move: another
instance still on the old name (sharing the Redis) keeps its jobs. Delivery is at least once: a
message is written to the new queue before it is removed from the old one, and the actors are
idempotent.
"""

import logging
from typing import Any

import dramatiq
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandParser
from django.db.models import Model
from dramatiq.brokers.redis import RedisBroker

from annotations.models import Annotation
from processing.models import ProcessingJob
from videos.models import Video

logger = logging.getLogger(__name__)


# actor -> the model its one argument names
SUBJECTS: dict[str, type[Model]] = {
    "process_video": Video,
    "export_video": ProcessingJob,
    "process_voice_over": Annotation,
}


def ours(message: dramatiq.Message) -> bool:
    model = SUBJECTS.get(message.actor_name)
    if model is None or len(message.args) != 1:
        return False
    try:
        return model._default_manager.filter(pk=message.args[0]).exists()
    except (ValueError, ValidationError):
        return False


def move_queued_messages(broker: RedisBroker, *, source: str) -> int:
    """Re-enqueue on `broker` the messages about our rows under `source`'s queues (dead letters
    stay); the number moved."""
    if source == broker.namespace:
        return 0
    client: Any = broker.client  # bytes in, bytes out (no decode_responses)
    moved_ids: list[bytes] = []
    for key in client.scan_iter(match=f"{source}:*.msgs", count=500):
        queue = key.decode()[len(source) + 1 : -len(".msgs")]
        if queue.endswith(".XQ"):
            continue
        for message_id, data in client.hgetall(key).items():
            message = dramatiq.Message.decode(data)
            if not ours(message):
                continue
            broker.declare_queue(message.queue_name.removesuffix(".DQ"))
            broker.enqueue(message)  # a delayed message keeps its queue (.DQ) and its eta
            client.hdel(key, message_id)
            client.lrem(f"{source}:{queue}", 0, message_id)
            moved_ids.append(message_id)
    # what a worker had claimed there is queued anew: the claims of the moved messages go
    if moved_ids:
        for key in client.scan_iter(match=f"{source}:__acks__.*", count=500):
            client.srem(key, *moved_ids)
    return len(moved_ids)


class Command(BaseCommand):
    help = "Move messages queued under an older broker namespace into this instance's queues."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--from",
            dest="source",
            default=settings.LEGACY_BROKER_NAMESPACE,
            help="the old namespace (default: %(default)s)",
        )

    def handle(self, *args: object, source: str, **options: object) -> None:
        broker = dramatiq.get_broker()
        if not isinstance(broker, RedisBroker):
            return  # namespaces are Redis's; another broker has nothing to move
        moved = move_queued_messages(broker, source=source)
        if moved:
            logger.warning(
                "moved queued messages to this instance's namespace",
                extra={"moved": moved, "from": source, "to": broker.namespace},
            )
