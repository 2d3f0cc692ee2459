import time

import pytest
import requests
from asgiref.sync import async_to_sync
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from rest_framework.test import APIClient

from tests.conftest import bearer
from tests.factories import make_user, make_video
from videos.models import SharePermission
from videos.services import video_share
from videos.storage import media_url

pytestmark = pytest.mark.django_db
CONTENT = bytes(range(256)) * 40  # 10240 bytes


def streamed(response) -> bytes:
    """The streamed body, read the way the ASGI server reads it."""
    assert response.is_async  # a sync iterator would be read whole into memory under ASGI

    async def read() -> bytes:
        return b"".join([part async for part in response.streaming_content])

    return async_to_sync(read)()


@pytest.fixture
def video(athlete):
    return make_video(athlete, content=CONTENT)


def test_owner_gets_a_signed_original_url(video, athlete, client):
    body = bearer(APIClient(), athlete).get(f"/api/v1/videos/{video.pk}").json()
    url = body["original_url"]
    response = client.get(url)
    assert response.status_code == 200
    assert streamed(response) == CONTENT
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == "attachment"
    assert response["Accept-Ranges"] == "bytes"


@pytest.mark.parametrize(
    "header,start,end",
    [
        ("bytes=0-99", 0, 99),
        ("bytes=100-", 100, 10239),
        ("bytes=-50", 10190, 10239),
        ("bytes=5000-99999", 5000, 10239),
    ],
)
def test_range_requests(video, client, header, start, end):
    response = client.get(media_url(video.original.name), HTTP_RANGE=header)
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {start}-{end}/{len(CONTENT)}"
    assert streamed(response) == CONTENT[start : end + 1]


def test_unsatisfiable_range(video, client):
    response = client.get(media_url(video.original.name), HTTP_RANGE="bytes=20000-")
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(CONTENT)}"


def test_tampered_and_expired_urls_are_403(video, client, settings):
    url = media_url(video.original.name)
    tampered = url.replace(url.split("/")[3], "0" * 32)
    assert client.get(tampered).status_code == 403
    other_key = url.replace(str(video.pk), "00000000-0000-0000-0000-000000000000")
    assert client.get(other_key).status_code == 403
    expired = media_url(video.original.name, expires_in=-10)
    response = client.get(expired)
    assert response.status_code == 403
    assert response.json()["code"] == "invalid_signature"


def test_signature_covers_its_own_key_only(video, athlete, client):
    other = make_video(athlete, content=b"secret")
    url = media_url(video.original.name)
    forged = url.replace(f"videos/{video.pk}/original", f"videos/{other.pk}/original")
    assert client.get(forged).status_code == 403
    traversal = url.replace("original", "../" + str(other.pk) + "/original")
    assert client.get(traversal).status_code in (403, 404)
    sibling = url.replace(f"videos/{video.pk}/original", f"videos/{video.pk}/poster.jpg")
    assert client.get(sibling).status_code == 403


def store(video, field: str, key: str, content: bytes) -> None:
    getattr(video, field).name = default_storage.save(key, ContentFile(content))
    video.save(update_fields=[field])


def test_a_poster_signature_never_opens_the_original(video, athlete, client):
    """A view-only athlete keeps a poster URL's expiry and signature and swaps in the original's
    key (or any other file of the video): 403, and no other URL they are given opens it either."""
    prefix = f"videos/{video.pk}/"
    store(video, "poster", f"{prefix}poster.jpg", b"poster")
    store(video, "hls_master", f"{prefix}hls/master.m3u8", b"#EXTM3U\nsd.m3u8\n")
    store(video, "storyboard", f"{prefix}storyboard/storyboard.vtt", b"WEBVTT\n")
    viewer = make_user("viewer1")
    video_share(video=video, user=viewer, permission=SharePermission.VIEW)
    body = bearer(APIClient(), viewer).get(f"/api/v1/videos/{video.pk}").json()
    assert body["original_url"] is None
    given = [body["poster_url"], body["hls_url"], body["storyboard_url"]]
    assert client.get(body["poster_url"]).status_code == 200
    for url in given:
        path = url.split("?")[0]
        key = path.split("/", 4)[4]
        for forged in (path.replace(key, f"{prefix}original"), path.replace(key, f"{prefix}x")):
            for suffix in ("", "?download=1"):
                response = client.get(forged + suffix)
                assert response.status_code == 403, forged
                assert response.json()["code"] == "invalid_signature"


def test_expiry_is_the_configured_ttl(video, settings):
    settings.MEDIA_URL_TTL = 60
    expires = int(media_url(video.original.name).split("/")[2])
    assert 0 < expires - time.time() <= 61


def test_streams_through_the_asgi_server(athlete, asgi_server):
    """uvicorn in front, as in production: whole file, HEAD and a byte range."""
    content = bytes(range(256)) * 4096  # 1 MiB: several chunks
    url = asgi_server.url + media_url(make_video(athlete, content=content).original.name)
    assert requests.get(url, timeout=10).content == content
    head = requests.head(url, timeout=10)
    assert (head.status_code, head.headers["Content-Length"], head.content) == (
        200,
        str(len(content)),
        b"",
    )
    ranged = requests.get(url, headers={"Range": "bytes=300000-300009"}, timeout=10)
    assert ranged.status_code == 206 and ranged.content == content[300000:300010]


def test_signed_urls_have_the_media_routes_shape():
    """media_url formats the route itself (speed); it must be what the URLconf resolves."""
    from django.urls import resolve, reverse

    from videos.storage import _signature, media_url

    key = "videos/0b9c1c8e-4f7a-4a55-9d2f-3f1e2d0c4b5a/renditions/sd.mp4"
    url = media_url(key, expires=2_000_000_000)
    assert url == reverse(
        "media",
        kwargs={"expires": 2_000_000_000, "signature": _signature(key, 2_000_000_000), "key": key},
    )
    assert resolve(url).kwargs["key"] == key
