"""WebSocket routes; the apps add theirs here."""

from django.urls import URLPattern

websocket_urlpatterns: list[URLPattern] = []
