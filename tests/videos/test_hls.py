"""HLS and the storyboard through signed URLs: playlists rewritten per request, every URL in them
signed for exactly its own file, and playback end to end over HTTP on local storage and on S3."""

import json
import re
import subprocess
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from rest_framework.test import APIClient

from tests.conftest import bearer
from tests.factories import make_user, ready_video
from tests.videos.test_s3 import (
    cloudfront_verifies,
    s3_signature_verifies,
    s3_url_prefix,
    use_cloudfront,
)
from videos import hls
from videos.models import SharePermission
from videos.services import video_share
from videos.storage import verify_media_signature

LOCAL_URL = re.compile(r"^/media/(?P<expires>\d+)/(?P<signature>[0-9a-f]+)/(?P<key>[^?]+)$")
MASTER = """#EXTM3U
#EXT-X-VERSION:7
#EXT-X-STREAM-INF:BANDWIDTH=900000,RESOLUTION=426x240,CODECS="avc1.64001e,mp4a.40.2"
sd.m3u8

#EXT-X-STREAM-INF:BANDWIDTH=300000,RESOLUTION=214x120,CODECS="avc1.64000c,mp4a.40.2"
mobile.m3u8
"""
VARIANT = """#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:2
#EXT-X-MAP:URI="sd.m4s",BYTERANGE="812@0"
#EXTINF:2.000000,
#EXT-X-BYTERANGE:20000@812
sd.m4s
#EXT-X-ENDLIST
"""


def fake_sign(key: str) -> str:
    return f"https://signed.example/{key}?sig=1"


# --- The rewriting itself (pure) ---------------------------------------------------------------


def test_master_playlist_names_become_signed_urls():
    text = hls.rewrite_playlist(MASTER, key="videos/v1/hls/master.m3u8", sign=fake_sign)
    lines = text.splitlines()
    assert lines[3] == "https://signed.example/videos/v1/hls/sd.m3u8?sig=1"
    assert lines[6] == "https://signed.example/videos/v1/hls/mobile.m3u8?sig=1"
    assert lines[2] == MASTER.splitlines()[2]  # tags without URI are kept as they are


def test_variant_playlist_map_and_segments_are_signed():
    text = hls.rewrite_playlist(VARIANT, key="videos/v1/hls/sd.m3u8", sign=fake_sign)
    signed = "https://signed.example/videos/v1/hls/sd.m4s?sig=1"
    assert f'#EXT-X-MAP:URI="{signed}",BYTERANGE="812@0"' in text.splitlines()
    assert text.splitlines()[6] == signed
    assert "#EXT-X-BYTERANGE:20000@812" in text


def test_each_file_is_signed_once_per_playlist():
    signed: list[str] = []

    def sign(key: str) -> str:
        signed.append(key)
        return fake_sign(key)

    text = hls.rewrite(VARIANT, key="videos/v1/hls/sd.m3u8", sign=sign)
    assert signed == ["videos/v1/hls/sd.m4s"]
    assert text.count("https://signed.example/videos/v1/hls/sd.m4s?sig=1") == 2


@pytest.mark.parametrize(
    "name", ["../original", "../../v2/hls/sd.m4s", "sub/sd.m4s", "https://evil.example/x", ".."]
)
def test_names_outside_the_playlists_folder_are_refused(name):
    for text in (f"#EXTM3U\n{name}\n", f'#EXTM3U\n#EXT-X-MAP:URI="{name}"\n'):
        with pytest.raises(hls.DocumentError):
            hls.rewrite_playlist(text, key="videos/v1/hls/sd.m3u8", sign=fake_sign)


def test_storyboard_sprites_are_signed_and_keep_their_tile():
    vtt = "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nsheet-001.jpg#xywh=0,0,160,90\n"
    text = hls.rewrite_storyboard(vtt, key="videos/v1/storyboard/storyboard.vtt", sign=fake_sign)
    assert text.splitlines()[3] == (
        "https://signed.example/videos/v1/storyboard/sheet-001.jpg?sig=1#xywh=0,0,160,90"
    )
    assert text.splitlines()[2] == "00:00:00.000 --> 00:00:02.000"
    with pytest.raises(hls.DocumentError):
        hls.rewrite_storyboard(
            "WEBVTT\n\n../original#xywh=0,0,1,1\n", key="videos/v1/storyboard/s.vtt", sign=fake_sign
        )


# --- Served by the app -------------------------------------------------------------------------


def viewer_body(video) -> dict:
    """What a view-only athlete's API answer holds for `video`."""
    viewer = make_user("viewer1")
    video_share(video=video, user=viewer, permission=SharePermission.VIEW)
    body = bearer(APIClient(), viewer).get(f"/api/v1/videos/{video.pk}").json()
    assert body["original_url"] is None and body["hls_url"]
    return body


def uris(playlist: str) -> list[str]:
    """Every URI line and URI="..." attribute of a playlist, in order."""
    found = []
    for line in playlist.splitlines():
        if line.startswith("#"):
            found += re.findall(r'URI="([^"]*)"', line)
        elif line.strip():
            found.append(line.strip())
    return found


def url_expires(url: str) -> str:
    """The expiry of a local media URL (the app's own)."""
    match = LOCAL_URL.match(url)
    assert match, url
    return match["expires"]


def local_key(url: str, expires: str) -> str:
    """The key a local media URL opens; asserts its signature is for exactly that key."""
    match = LOCAL_URL.match(url)
    assert match, url
    assert match["expires"] == expires
    assert verify_media_signature(match["key"], int(expires), match["signature"])
    return match["key"]


def fetch_playlists(get, hls_url: str) -> tuple[str, dict[str, str]]:
    """The served master playlist and each variant's served text, keyed by its URL."""
    master = get(hls_url)
    variants = {url: get(url) for url in uris(master)}
    return master, variants


def django_get(client):
    def get(url: str) -> str:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"] == "application/vnd.apple.mpegurl"
        assert response["Cache-Control"] == "private, no-store"
        return response.content.decode()

    return get


@pytest.mark.django_db
def test_every_url_in_served_playlists_is_signed_for_its_own_file(athlete, clips, client):
    video = ready_video(athlete, clips["landscape"])
    body = viewer_body(video)
    expires = url_expires(body["hls_url"])
    master, variants = fetch_playlists(django_get(client), body["hls_url"])
    prefix = f"videos/{video.pk}/hls/"
    assert sorted(local_key(url, expires) for url in variants) == [
        f"{prefix}mobile.m3u8",
        f"{prefix}sd.m3u8",
    ]
    for url, text in variants.items():
        quality = local_key(url, expires).removeprefix(prefix).removesuffix(".m3u8")
        media = uris(text)
        assert len(media) >= 2 and "#EXT-X-MAP:URI=" in text and "#EXT-X-BYTERANGE:" in text
        assert {local_key(u, expires) for u in media} == {f"{prefix}{quality}.m4s"}
        assert client.get(media[0], HTTP_RANGE="bytes=0-99").status_code == 206
    assert "original" not in master + "".join(variants.values())


@pytest.mark.django_db
def test_served_storyboard_signs_each_sheet(athlete, clips, client):
    video = ready_video(athlete, clips["landscape"])
    body = viewer_body(video)
    expires = url_expires(body["storyboard_url"])
    text = client.get(body["storyboard_url"]).content.decode()
    sheets = [line.split("#")[0] for line in text.splitlines() if "#xywh=" in line]
    assert sheets
    for url in sheets:
        key = local_key(url, expires)
        assert re.fullmatch(rf"videos/{video.pk}/storyboard/sheet-\d+\.jpg", key)
        assert client.get(url).status_code == 200


def ffprobe_variant(url: str) -> dict:
    """Decode one variant over HTTP (every frame, through its byte ranges)."""
    out = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-protocol_whitelist",
            "http,tcp",
            "-count_frames",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=width,height,nb_read_frames",
            "-of",
            "json",
            url,
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    return json.loads(out)["streams"][0]


def http_get(base: str):
    def get(url: str) -> str:
        response = requests.get(base + url, timeout=10)
        assert response.status_code == 200, (url, response.text)
        return response.text

    return get


def plays_every_variant(server, video, body) -> list[str]:
    """Every variant of the app's hls_url decodes with ffprobe over HTTP; returns the media
    URLs the variants name."""
    _, variants = fetch_playlists(http_get(server.url), body["hls_url"])
    renditions = {(r.width, r.height) for r in video.renditions.all()}
    played = set()
    for url in variants:
        stream = ffprobe_variant(server.url + url)
        assert stream["nb_read_frames"] == "30", stream  # the 1 s clip at 30 fps, every frame
        played.add((stream["width"], stream["height"]))
    assert played == renditions and len(played) == 2
    return [uri for text in variants.values() for uri in uris(text)]


def test_hls_plays_end_to_end_on_local_storage(athlete, clips, asgi_server):
    video = ready_video(athlete, clips["landscape"])
    body = viewer_body(video)
    expires = url_expires(body["hls_url"])
    for url in plays_every_variant(asgi_server, video, body):
        assert local_key(url, expires).startswith(f"videos/{video.pk}/hls/")


def test_hls_plays_end_to_end_on_s3(athlete, clips, s3, settings, asgi_server):
    _, bucket = s3
    video = ready_video(athlete, clips["landscape"])
    body = viewer_body(video)
    expires = int(url_expires(body["hls_url"]))  # the master playlist is the app's
    for url in plays_every_variant(asgi_server, video, body):
        parts = urlsplit(url)
        assert url.startswith(s3_url_prefix(settings)) and parts.path.endswith(".m4s")
        assert parts.path.startswith(f"/{bucket}/videos/{video.pk}/hls/")
        resource = parts.path
        assert s3_signature_verifies(url, resource)
        assert not s3_signature_verifies(url, f"/{bucket}/videos/{video.pk}/original")
        assert abs(int(parse_qs(parts.query)["Expires"][0]) - expires) <= 1


@pytest.mark.django_db
def test_cloudfront_playlist_urls_verify_for_exactly_each_file(athlete, clips, s3, settings):
    video = ready_video(athlete, clips["landscape"])
    public_key = use_cloudfront(settings)
    body = viewer_body(video)
    expires = url_expires(body["hls_url"])
    _, variants = fetch_playlists(django_get(APIClient()), body["hls_url"])
    folder = f"https://cdn.example.com/videos/{video.pk}"
    assert len(variants) == 2
    for text in variants.values():
        media = uris(text)
        assert len(media) >= 2
        for url in media:
            parts = urlsplit(url)
            resource = f"{parts.scheme}://{parts.netloc}{parts.path}"
            assert re.fullmatch(rf"{folder}/hls/(sd|mobile)\.m4s", resource)
            assert parse_qs(parts.query)["Expires"] == [expires]
            assert cloudfront_verifies(public_key, url, resource)
            assert not cloudfront_verifies(public_key, url, f"{folder}/original")
            assert not cloudfront_verifies(public_key, url, f"{folder}/*")
