"""Error pages in the site's own style (no inline script or style: the CSP forbids them); the API
keeps its JSON error shape."""

import re
import uuid

import pytest
from django.test import RequestFactory

from config.urls import server_error
from tests.factories import make_user, make_video
from videos import services
from videos.models import VideoShare

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)


def assert_site_page_without_inline_code(html: str) -> None:
    assert 'class="site-header"' in html and "dist/app.css" in html  # base.html
    assert not INLINE_SCRIPT.search(html)
    assert "<style" not in html.lower() and " style=" not in html.lower()
    assert not re.search(r"\son[a-z]+=", html, re.IGNORECASE)  # no inline event handlers


def test_unknown_page_is_a_friendly_html_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "Page not found" in html
    assert_site_page_without_inline_code(html)
    assert "script-src" in response["Content-Security-Policy"]


def test_unknown_api_path_stays_json(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_server_error_page_and_api_shape():
    page = server_error(RequestFactory().get("/videos/x"))
    assert page.status_code == 500 and page["Content-Type"].startswith("text/html")
    html = page.content.decode()
    assert "Something went wrong" in html
    assert_site_page_without_inline_code(html)
    api = server_error(RequestFactory().get("/api/v1/videos"))
    assert api.status_code == 500 and b'"code":"server_error"' in api.content.replace(b" ", b"")


GONE = "This video is no longer available"


def test_a_hidden_video_studio_says_it_is_no_longer_available(client):
    owner, coach = make_user("owner"), make_user("coach", role="coach")
    video = make_video(owner)
    VideoShare.objects.create(video=video, user=coach, permission="view")
    client.force_login(coach)
    assert client.get(f"/videos/{video.pk}").status_code == 200
    services.video_hide(video=video, reason="Another athlete's face")
    response = client.get(f"/videos/{video.pk}")
    assert response.status_code == 404 and GONE in response.content.decode()
    assert_site_page_without_inline_code(response.content.decode())
    client.force_login(owner)  # the owner still has it
    assert client.get(f"/videos/{video.pk}").status_code == 200


def test_a_deleted_video_studio_says_it_is_no_longer_available(client):
    owner = make_user("owner")
    video = make_video(owner)
    client.force_login(owner)
    deleted_id = video.pk
    services.video_delete(video=video)
    for video_id in (deleted_id, uuid.uuid4()):
        response = client.get(f"/videos/{video_id}")
        assert response.status_code == 404 and GONE in response.content.decode()
