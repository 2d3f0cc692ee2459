"""What readiness and metrics ask of the broker, for Redis (the default) and RabbitMQ alike.

RabbitMQ is asked over a connection of its own, opened and closed per question: the broker's
own connections are per thread and stay broken after RabbitMQ restarts, which must not make a
probe fail forever.
"""

import contextlib
from collections.abc import Iterator
from typing import Any

import dramatiq
from dramatiq.brokers.redis import RedisBroker


def broker_ping() -> None:
    """Raise unless the broker answers."""
    broker = dramatiq.get_broker()
    if isinstance(broker, RedisBroker):
        broker.client.ping()
        return
    with _rabbitmq(broker) as connection:
        connection.channel().close()


def queue_depths(queues: list[str]) -> dict[str, int]:
    """Messages per queue: waiting or being worked on (Redis), waiting (RabbitMQ's count)."""
    broker = dramatiq.get_broker()
    if isinstance(broker, RedisBroker):
        return {queue: broker.client.hlen(f"{broker.namespace}:{queue}.msgs") for queue in queues}
    with _rabbitmq(broker) as connection:
        return {queue: _ready(connection, queue) for queue in queues}


def _ready(connection: Any, queue: str) -> int:
    """Messages ready in a queue; 0 for one not declared yet (which closes its channel)."""
    from pika.exceptions import ChannelClosedByBroker

    try:
        declared = connection.channel().queue_declare(queue=queue, passive=True)
    except ChannelClosedByBroker as error:
        if error.reply_code == 404:
            return 0
        raise
    return int(declared.method.message_count)


@contextlib.contextmanager
def _rabbitmq(broker: dramatiq.Broker) -> Iterator[Any]:
    import pika  # RabbitMQ only; present through requirements/base.txt

    parameters = getattr(broker, "parameters", None)
    if parameters is None:
        raise RuntimeError(f"unexpected broker {type(broker).__name__}")
    connection = pika.BlockingConnection(parameters)
    try:
        yield connection
    finally:
        with contextlib.suppress(Exception):
            connection.close()
