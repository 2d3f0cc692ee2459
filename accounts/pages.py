"""The pages of the conversation around videos: the inbox, email settings, one-click unsubscribe
(signed link, no sign-in) and accepting an invitation. Plain forms: they work without scripts;
the header's badge (static/src/header.js) keeps the unread count live on every page."""

from typing import cast

from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from accounts import invites, mail, notifications, selectors
from accounts.models import NotificationKind, User
from accounts.serializers import notification_path, notification_sentence
from config.errors import ApplicationError

INBOX_PAGE_SIZE = 100


@login_required
@require_http_methods(["GET", "POST"])
def inbox(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)  # login_required
    if request.method == "POST":
        notifications.notifications_mark_read(user=user, everything=True)
        return redirect("inbox")
    items = [
        {
            "id": item.pk,
            "sentence": notification_sentence(item),
            "link": notification_path(item),
            "read": item.read_at is not None,
            "when": item.updated_at,
        }
        for item in selectors.notification_list(user=user)[:INBOX_PAGE_SIZE]
    ]
    unread = selectors.notification_unread_count(user=user)
    return render(request, "accounts/inbox.html", {"items": items, "unread": unread})


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)  # login_required
    if request.method == "POST":
        wanted = set(request.POST.getlist("email"))
        notifications.preferences_update(
            user=user, email={kind.value: kind.value in wanted for kind in NotificationKind}
        )
        return redirect(reverse("notification-settings") + "?saved=1")
    email = notifications.preferences_get(user=user)
    kinds = [
        {"value": kind.value, "label": kind.label, "on": email[kind.value]}
        for kind in NotificationKind
    ]
    context = {"kinds": kinds, "has_email": bool(user.email), "saved": "saved" in request.GET}
    return render(request, "accounts/notification_settings.html", context)


@csrf_exempt  # the signed link is the credential; mail clients POST it (RFC 8058) without one
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    found = mail.unsubscribe_read(token)
    if found is None:
        context = {"heading": "Link not valid", "message": "This unsubscribe link is not valid."}
        return render(request, "404.html", context, status=400)
    user, kinds = found
    labels = [NotificationKind(kind).label for kind in kinds]
    if request.method == "POST":
        notifications.preferences_update(user=user, email=dict.fromkeys(kinds, False))
        return render(request, "accounts/unsubscribe.html", {"labels": labels, "done": True})
    return render(request, "accounts/unsubscribe.html", {"labels": labels, "done": False})


INVITE_GONE = "This invitation link is not valid any more: it was used, it expired, or it is wrong."


@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest, token: str) -> HttpResponse:
    """Signed in: accept into this account. Signed out: make an athlete account (or sign in
    first, and come back)."""
    found = invites.invite_open(token)
    if found is None:
        gone = {"heading": "Invitation not valid", "message": INVITE_GONE}
        return render(request, "404.html", gone, status=400)
    context: dict[str, object] = {"invite": found, "errors": {}, "username": ""}
    user = request.user
    if request.method == "POST":
        try:
            if isinstance(user, User) and user.is_authenticated:
                invites.invite_accept_signed_in(invite=found, user=user)
            else:
                username = request.POST.get("username", "").strip()[:150]
                context["username"] = username
                user = invites.invite_accept_new_account(
                    invite=found, username=username, password=request.POST.get("password", "")
                )
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        except ApplicationError as error:
            context["errors"] = error.errors or {"invite": [error.detail]}
            return render(request, "accounts/invite.html", context, status=400)
        return redirect("studio", video_id=found.video_id)
    return render(request, "accounts/invite.html", context)
