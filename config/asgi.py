import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from config.asgi_guard import AsgiGuard  # noqa: E402
from config.routing import websocket_urlpatterns  # noqa: E402
from videos.multipart import handle_plain_upload, is_plain_upload  # noqa: E402
from videos.tus import TusApp  # noqa: E402
from videos.uploads import TUS_PREFIX, upload_body_limit  # noqa: E402

tus_app = AuthMiddlewareStack(TusApp())


async def route_http(scope, receive, send):
    """Uploads (tus, plain multipart) stream outside Django's body handling; the rest is Django."""
    if scope["path"].startswith(TUS_PREFIX):
        await tus_app(scope, receive, send)
    elif is_plain_upload(scope):  # streamed into its file, then Django's view decides
        await handle_plain_upload(django_asgi_app, scope, receive, send)
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

# Everything loaded so far lives as long as the process: out of the collector's sight, the
# full collections that requests trigger no longer walk it (gc.freeze, as Instagram does).
gc.freeze()
gc.set_threshold(50_000, 20, 20)
