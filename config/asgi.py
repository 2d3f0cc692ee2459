import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from config.asgi_guard import AsgiGuard  # noqa: E402
from config.routing import websocket_urlpatterns  # noqa: E402
from videos.tus import TusApp  # noqa: E402
from videos.uploads import TUS_PREFIX, upload_body_limit  # noqa: E402

tus_app = AuthMiddlewareStack(TusApp())


async def route_http(scope, receive, send):
    """Resumable uploads stream outside Django's view layer; everything else goes to Django."""
    if scope["path"].startswith(TUS_PREFIX):
        await tus_app(scope, receive, send)
    else:
        await django_asgi_app(scope, receive, send)


# Header and body sizes, slow senders and the concurrency cap, for Django and tus alike.
http_app = AsgiGuard(route_http, body_limit=upload_body_limit)

application = ProtocolTypeRouter(
    {
        "http": http_app,
        # Origins are checked in the consumer: required for cookie sessions, not for tokens.
        "websocket": AuthMiddlewareStack(URLRouter(websocket_urlpatterns)),
    }
)
