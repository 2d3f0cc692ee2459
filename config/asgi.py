import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from config.routing import websocket_urlpatterns  # noqa: E402
from videos.tus import TusApp  # noqa: E402
from videos.uploads import UploadSizeGuard  # noqa: E402

TUS_PREFIX = "/api/v1/uploads"
tus_app = AuthMiddlewareStack(TusApp())
django_app = UploadSizeGuard(django_asgi_app)


async def http_app(scope, receive, send):
    """Resumable uploads stream outside Django's view layer; everything else goes to Django."""
    if scope["path"].startswith(TUS_PREFIX):
        await tus_app(scope, receive, send)
    else:
        await django_app(scope, receive, send)


application = ProtocolTypeRouter(
    {
        "http": http_app,
        # Origins are checked in the consumer: required for cookie sessions, not for tokens.
        "websocket": AuthMiddlewareStack(URLRouter(websocket_urlpatterns)),
    }
)
