"""The player and annotation studio page (session login)."""

import uuid

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie

from config.errors import ApplicationError
from videos.models import VideoStatus
from videos.pages import page_data
from videos.permissions import (
    can_annotate,
    can_annotate_comparison,
    can_edit,
    can_edit_comparison,
)
from videos.selectors import comparison_get, video_get, video_list

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


COMPARISON_GONE = (
    "This comparison is no longer available: it was never shared with you, or you can no "
    "longer see one of its videos."
)


@login_required
@ensure_csrf_cookie
def compare(request: HttpRequest, comparison_id: uuid.UUID) -> HttpResponse:
    """Two clips in lockstep from their sync point, with drawing on either pane."""
    try:
        comparison = comparison_get(user=request.user, comparison_id=comparison_id)
    except ApplicationError:
        return render(
            request,
            "404.html",
            {"heading": "Comparison not available", "message": COMPARISON_GONE},
            status=404,
        )
    data = page_data(
        request,
        comparison_id=str(comparison.pk),
        can_annotate=can_annotate_comparison(request.user, comparison),
        is_owner=can_edit_comparison(request.user, comparison),
        websocket_path=f"/ws/comparisons/{comparison.pk}/",
    )
    sides = [
        {"name": "left", "label": "Left", "video": comparison.left_video},
        {"name": "right", "label": "Right", "video": comparison.right_video},
    ]
    context = {"comparison": comparison, "sides": sides, "page": data}
    return render(request, "annotations/compare.html", context)


@login_required
@ensure_csrf_cookie
def compare_new(request: HttpRequest) -> HttpResponse:
    """ "Compare with…": pick the other clip (any ready video you may see, this one too)."""
    try:
        first = video_get(user=request.user, video_id=request.GET.get("left", ""))
    except ApplicationError:
        return render(
            request, "404.html", {"heading": "Video not available", "message": GONE}, status=404
        )
    choices = video_list(user=request.user).filter(status=VideoStatus.READY)[:200]
    data = page_data(request, left_video_id=str(first.pk))
    context = {"first": first, "choices": choices, "page": data}
    return render(request, "annotations/compare_new.html", context)
