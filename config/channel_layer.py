"""channels_redis's layer, made to ride out Redis trouble instead of dropping sockets.

Under load (200 listeners on two cores) or while Redis restarts, the layer's blocking pop raised
redis' TimeoutError or ConnectionError out of Channels' receive loop, which ended the consumer and
closed its socket (24 of 200 in the load suite). Here a failed receive waits and tries again:
nothing is lost by that (channels_redis keeps a popped message in a backup queue until it is
processed), and since a restarted Redis has forgotten every group, this process joins its sockets'
groups again before receiving more.
"""

import asyncio
import logging
from collections import defaultdict
from typing import Any

from channels_redis.core import RedisChannelLayer as BaseRedisChannelLayer
from prometheus_client import Counter
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

REDIS_TROUBLE = (RedisConnectionError, RedisTimeoutError, TimeoutError, OSError)
RETRY_FIRST_SECONDS = 0.1
RETRY_MAX_SECONDS = 2.0

RECEIVE_RETRIES = Counter(
    "realtime_receive_retries_total",
    "Channel-layer receives that failed on Redis and were tried again (sockets kept open).",
)


class RedisChannelLayer(BaseRedisChannelLayer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The groups this process's channels are in, to join again after Redis lost them.
        self.memberships: defaultdict[str, set[str]] = defaultdict(set)

    async def group_add(self, group: str, channel: str) -> None:
        await super().group_add(group, channel)
        self.memberships[channel].add(group)

    async def group_discard(self, group: str, channel: str) -> None:
        groups = self.memberships.get(channel)
        if groups is not None:
            groups.discard(group)
            if not groups:
                del self.memberships[channel]
        await super().group_discard(group, channel)

    async def receive(self, channel: str) -> dict[str, Any]:
        delay = RETRY_FIRST_SECONDS
        while True:
            try:
                return await super().receive(channel)
            except REDIS_TROUBLE:
                RECEIVE_RETRIES.inc()
                logger.warning("channel layer receive failed; trying again", exc_info=True)
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX_SECONDS)
                await self._rejoin()

    async def _rejoin(self) -> None:
        """Join every group again (idempotent); a Redis still down is tried at the next turn."""
        for channel, groups in list(self.memberships.items()):
            for group in list(groups):
                try:
                    await super().group_add(group, channel)
                except REDIS_TROUBLE:
                    return
