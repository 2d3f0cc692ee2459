"""WebSocket routes."""

from django.urls import re_path

from annotations.consumers import VideoConsumer

websocket_urlpatterns = [
    re_path(r"^ws/videos/(?P<video_id>[0-9a-fA-F-]{36})/$", VideoConsumer.as_asgi()),
]
