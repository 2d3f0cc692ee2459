"""Mail through Django's SMTP backend to a real SMTP server (aiosmtpd) started by the test:
digests, working links to the moment, one-click unsubscribe per kind, preferences."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.mail import digests_send_due
from accounts.models import Notification
from tests.conftest import bearer

pytestmark = pytest.mark.django_db(databases="__all__")
LATER = timedelta(minutes=5)


def comment(user, video, text: str, **extra) -> dict:
    response = bearer(APIClient(), user).post(
        f"/api/v1/videos/{video.pk}/comments", {"text": text, **extra}, format="json"
    )
    assert response.status_code == 201, response.json()
    return response.json()


def links(message) -> list[str]:
    return re.findall(r"http://testserver\S+", message.get_body(("plain",)).get_content())


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_mention_arrives_with_a_link_to_its_moment(coaching, smtp):
    users, video = coaching
    note = comment(users["coach"], video, "@ath hips lower <b>here</b>", timestamp=4)
    assert digests_send_due() == 0  # it waits a little for others to join it
    assert smtp.envelopes == []
    assert digests_send_due(now=timezone.now() + LATER) == 2  # the athlete and the owner
    by_recipient = {m["To"]: m for m in smtp.messages}
    message = by_recipient["ath@example.com"]
    assert (
        message["Subject"].strip()  # an encoded header decodes with its folding space
        == "coach_a mentioned you on “Front squat” at 0:04: @ath hips lower <b>here</b>"
    )
    html = message.get_body(("html",)).get_content()
    assert "&lt;b&gt;here&lt;/b&gt;" in html and "<b>here" not in html
    studio = links(message)[0]
    assert studio == f"http://testserver/videos/{video.pk}?t=4.000&comment={note['id']}"
    page = signed_in(users["athlete"]).get(urlsplit(studio).path + "?" + urlsplit(studio).query)
    assert page.status_code == 200
    # Sent once: nothing is due any more.
    assert digests_send_due(now=timezone.now() + LATER) == 0
    assert len(smtp.envelopes) == 2


def test_several_notifications_close_together_are_one_digest(coaching, smtp):
    users, video = coaching
    for second in (1, 2, 3):
        comment(users["coach"], video, f"note {second}", timestamp=second)
    comment(users["staff"], video, "a staff note")
    assert digests_send_due(now=timezone.now() + LATER) == 1  # the owner only
    [message] = smtp.messages
    assert message["To"] == "coach_o@example.com"
    assert message["Subject"] == "4 new notifications"
    body = message.get_body(("plain",)).get_content()
    for text in ("note 1", "note 2", "note 3", "a staff note"):
        assert text in body


def test_one_click_unsubscribe_stops_that_kind_only(coaching, smtp):
    users, video = coaching
    comment(users["coach"], video, "@ath first")
    digests_send_due(now=timezone.now() + LATER)
    message = next(m for m in smtp.messages if m["To"] == "ath@example.com")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    header = message["List-Unsubscribe"].strip().strip("<>")
    unsubscribe = next(link for link in links(message) if "/unsubscribe/" in link)
    assert urlsplit(unsubscribe).path == urlsplit(header).path  # one kind in this mail

    anonymous = Client(enforce_csrf_checks=True)  # no session, no CSRF token: the link is enough
    page = anonymous.get(urlsplit(unsubscribe).path)
    assert page.status_code == 200 and b"Unsubscribe" in page.content
    done = anonymous.post(urlsplit(header).path, {"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and b"no more emails" in done.content

    smtp.envelopes.clear()
    comment(users["coach"], video, "@ath second")  # a mention: unsubscribed
    owners = bearer(APIClient(), users["owner"]).post(
        f"/api/v1/videos/{video.pk}/comments", {"text": "@ath from the owner"}, format="json"
    )
    assert owners.status_code == 201
    assert not Notification.objects.filter(recipient=users["athlete"], email_pending=True).exists()
    prefs = bearer(APIClient(), users["athlete"]).get("/api/v1/users/me/notifications").json()
    assert prefs["email"]["mention"] is False and prefs["email"]["reply"] is True
    digests_send_due(now=timezone.now() + LATER)
    assert "ath@example.com" not in [m["To"] for m in smtp.messages]


def test_a_tampered_unsubscribe_link_changes_nothing(coaching, smtp):
    users, video = coaching
    comment(users["coach"], video, "@ath hello")
    digests_send_due(now=timezone.now() + LATER)
    message = next(m for m in smtp.messages if m["To"] == "ath@example.com")
    link = urlsplit(next(link for link in links(message) if "/unsubscribe/" in link)).path
    forged = link.replace("/unsubscribe/", "/unsubscribe/x")
    assert Client().post(forged).status_code == 400
    prefs = bearer(APIClient(), users["athlete"]).get("/api/v1/users/me/notifications").json()
    assert all(prefs["email"].values())


def test_preferences_api_both_ways(coaching, smtp):
    users, video = coaching
    client = bearer(APIClient(), users["owner"])
    answer = client.patch(
        "/api/v1/users/me/notifications", {"email": {"comment": False}}, format="json"
    )
    assert answer.status_code == 200 and answer.json()["email"]["comment"] is False
    bad = client.patch("/api/v1/users/me/notifications", {"email": {"spam": True}}, format="json")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"
    assert (
        client.patch("/api/v1/users/me/notifications", {"email": "no"}, format="json").status_code
        == 400
    )
    comment(users["coach"], video, "no mail for the owner")
    assert Notification.objects.get(recipient=users["owner"]).email_pending is False
    assert digests_send_due(now=timezone.now() + LATER) == 0
    assert APIClient().get("/api/v1/users/me/notifications").status_code == 401


def test_the_settings_page_saves_preferences(coaching):
    users, _video = coaching
    client = signed_in(users["athlete"])
    page = client.get("/settings/notifications")
    assert page.status_code == 200 and b'value="mention" checked' in page.content
    saved = client.post("/settings/notifications", {"email": ["share", "reply"]}, follow=True)
    assert b"Saved." in saved.content
    prefs = bearer(APIClient(), users["athlete"]).get("/api/v1/users/me/notifications").json()
    assert prefs["email"] == {
        "share": True,
        "comment": False,
        "reply": True,
        "mention": False,
        "annotation": False,
        "video_ready": False,
        "video_failed": False,
        "export_ready": False,
    }
    assert Client().get("/settings/notifications").status_code == 302  # sign in first


def test_a_mail_server_down_keeps_the_mail_for_the_next_sweep(coaching, settings, smtp):
    users, video = coaching
    comment(users["coach"], video, "@ath kept")
    settings.EMAIL_PORT = 1  # nothing listens there
    assert digests_send_due(now=timezone.now() + LATER) == 0
    assert Notification.objects.filter(email_pending=True).count() == 2
    settings.EMAIL_PORT = smtp.port
    assert digests_send_due(now=timezone.now() + LATER) == 2
    assert {m["To"] for m in smtp.messages} == {"ath@example.com", "coach_o@example.com"}
