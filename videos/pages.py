"""The built-in browser pages for videos: the library and the upload page (session login).

The pages are shells: the browser code in static/src talks to the same REST API, tus endpoint and
real-time channel as any client, so there is one set of rules for every way in."""

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie
from rest_framework.settings import api_settings

from videos.models import VideoStatus
from videos.permissions import can_upload


def page_data(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    """What every page's script needs, handed over as JSON (json_script), never as inline code."""
    user = request.user
    return {
        "user": {"id": user.pk, "username": user.get_username(), "is_staff": user.is_staff},
        "api": "/api/v1",
        "tus_endpoint": "/api/v1/uploads",
        "csrf_cookie_name": settings.CSRF_COOKIE_NAME,
        "can_upload": can_upload(user),
        **extra,
    }


@login_required
@ensure_csrf_cookie
def library(request: HttpRequest) -> HttpResponse:
    statuses = [{"value": value, "label": label} for value, label in VideoStatus.choices]
    data = page_data(request, statuses=statuses, page_size=api_settings.PAGE_SIZE)
    return render(request, "videos/library.html", {"page": data})


@login_required
@ensure_csrf_cookie
def upload(request: HttpRequest) -> HttpResponse:
    data = page_data(
        request,
        max_upload_bytes=settings.MAX_UPLOAD_BYTES,
        chunk_bytes=settings.TUS_CLIENT_CHUNK_BYTES,
    )
    return render(request, "videos/upload.html", {"page": data})
