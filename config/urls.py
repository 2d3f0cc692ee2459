from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template import loader
from django.templatetags.static import static
from django.urls import include, path
from django.views import defaults
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts import pages as account_pages
from annotations import pages as annotation_pages
from config import health
from config.api import error_response
from config.db import POOL_RETRY_AFTER_SECONDS, pool_exhausted
from config.errors import ErrorCode
from videos import pages as video_pages
from videos import views as video_views

urlpatterns = [
    path("health", health.health, name="health"),
    path("favicon.ico", lambda request: redirect(static("favicon.svg"), permanent=True)),
    path("ready", health.ready, name="ready"),
    path("metrics", health.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/v1/", include("accounts.urls")),
    path("api/v1/", include("videos.urls")),
    path("api/v1/", include("annotations.urls")),
    path("api/v1/", include("processing.urls")),
    path("", video_pages.library, name="library"),
    path("upload", video_pages.upload, name="upload"),
    path("videos/<uuid:video_id>", annotation_pages.studio, name="studio"),
    path("compare/new", annotation_pages.compare_new, name="compare-new"),
    path("compare/<uuid:comparison_id>", annotation_pages.compare, name="compare"),
    path("notifications", account_pages.inbox, name="inbox"),
    path(
        "settings/notifications", account_pages.notification_settings, name="notification-settings"
    ),
    path("notifications/unsubscribe/<str:token>", account_pages.unsubscribe, name="unsubscribe"),
    path("invites/<str:token>", account_pages.invite, name="invite"),
    path("media/<int:expires>/<str:signature>/<path:key>", video_views.media, name="media"),
]


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith("/api/"):
        return error_response(ErrorCode.NOT_FOUND, "Not found.", 404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if pool_exhausted():  # every database connection busy: a moment's wait, not a bug
        return busy(request)
    if request.path.startswith("/api/"):
        return error_response(
            ErrorCode.SERVER_ERROR, "Something went wrong on our side; it was logged.", 500
        )
    return defaults.server_error(request)


def busy(request: HttpRequest) -> HttpResponse:
    detail = "The service is busy; try again in a few seconds."
    headers = {"Retry-After": str(POOL_RETRY_AFTER_SECONDS)}
    if request.path.startswith("/api/"):
        return error_response(ErrorCode.SERVICE_UNAVAILABLE, detail, 503, headers)
    # Rendered without the request, as Django's 500 page: its context would read the database.
    page = loader.get_template("503.html").render({"detail": detail})
    return HttpResponse(page, status=503, headers=headers)


handler404 = not_found
handler500 = server_error
