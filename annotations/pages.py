"""The player and annotation studio page (session login)."""

import uuid

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie

from config.errors import ApplicationError
from videos.pages import page_data
from videos.permissions import can_annotate, can_edit
from videos.selectors import video_get

GONE = "This video is no longer available, or it was never shared with you."


@login_required
@ensure_csrf_cookie
def studio(request: HttpRequest, video_id: uuid.UUID) -> HttpResponse:
    try:
        video = video_get(user=request.user, video_id=video_id)
    except ApplicationError:
        # Hidden, deleted, never shared: one answer, so a refusal says nothing about which.
        return render(
            request,
            "404.html",
            {"heading": "Video not available", "message": GONE},
            status=404,
        )
    data = page_data(
        request,
        video_id=str(video.pk),
        can_annotate=can_annotate(request.user, video),
        is_owner=can_edit(request.user, video),
        websocket_path=f"/ws/videos/{video.pk}/",
    )
    return render(request, "annotations/studio.html", {"video": video, "page": data})
