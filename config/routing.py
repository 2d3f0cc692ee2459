"""WebSocket routes."""

from channels.generic.websocket import AsyncWebsocketConsumer
from django.urls import re_path

from accounts.consumers import AccountConsumer
from annotations.comparison_consumers import ComparisonConsumer
from annotations.consumers import VideoConsumer
from config.api import UUID_PATTERN


class NoSuchRoute(AsyncWebsocketConsumer):
    """Any other path: the handshake is refused (403), where Channels' router would raise and
    uvicorn answer 500."""

    async def connect(self) -> None:
        await self.close()


websocket_urlpatterns = [
    # A UUID exactly: 36 dashes would reach the lookup and drop the socket with 1011.
    re_path(rf"^ws/videos/(?P<video_id>{UUID_PATTERN})/$", VideoConsumer.as_asgi()),
    re_path(rf"^ws/comparisons/(?P<comparison_id>{UUID_PATTERN})/$", ComparisonConsumer.as_asgi()),
    re_path(r"^ws/me/$", AccountConsumer.as_asgi()),
    re_path(r"", NoSuchRoute.as_asgi()),
]
