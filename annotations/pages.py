"""The player and annotation studio page (session login)."""

import uuid

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie

from config.errors import ApplicationError
from videos.pages import page_data
from videos.permissions import can_annotate, can_edit
from videos.selectors import video_get


@login_required
@ensure_csrf_cookie
def studio(request: HttpRequest, video_id: uuid.UUID) -> HttpResponse:
    try:
        video = video_get(user=request.user, video_id=video_id)
    except ApplicationError:
        raise Http404("No such video, or it is not shared with you.") from None
    data = page_data(
        request,
        video_id=str(video.pk),
        can_annotate=can_annotate(request.user, video),
        is_owner=can_edit(request.user, video),
        websocket_path=f"/ws/videos/{video.pk}/",
    )
    return render(request, "annotations/studio.html", {"video": video, "page": data})
