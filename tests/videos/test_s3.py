"""Storage on a real S3-compatible server (moto's server mode on loopback), and CloudFront URLs."""

import base64
import hashlib
import hmac
import json
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import bearer
from videos import storage
from videos.models import Video

pytestmark = pytest.mark.django_db
CREDENTIALS = {"access_key": "testing", "secret_key": "testing", "region_name": "us-east-1"}


def keys(client, bucket) -> list[str]:
    return sorted(o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", []))


def test_upload_goes_to_the_bucket_and_delete_empties_it(api_client, athlete, clips, s3):
    client, bucket = s3
    content = Path(clips["landscape"]).read_bytes()
    response = bearer(api_client, athlete).post(
        "/api/v1/videos",
        {"file": SimpleUploadedFile("a.mp4", content), "title": "t"},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    video_id = response.json()["id"]
    assert keys(client, bucket) == [f"videos/{video_id}/original"]
    stored = client.get_object(Bucket=bucket, Key=f"videos/{video_id}/original")["Body"].read()
    assert stored == content
    # the API hands out a presigned URL that works and expires
    url = response.json()["original_url"]
    assert "X-Amz-Expires=" in url or "Expires=" in url
    assert requests.get(url, timeout=10).content == content
    assert api_client.delete(f"/api/v1/videos/{video_id}").status_code == 204
    assert keys(client, bucket) == []
    assert not Video.objects.filter(pk=video_id).exists()


def test_multipart_upload_above_the_threshold(s3):
    client, bucket = s3
    content = bytes(range(256)) * (6 * 1024 * 4)  # 6 MiB
    name = default_storage.save("videos/big/original", ContentFile(content))
    head = client.head_object(Bucket=bucket, Key=name)
    assert head["ContentLength"] == len(content)
    assert head["ETag"].strip('"').endswith("-2")  # two parts: it really went multipart
    assert (
        hashlib.sha256(client.get_object(Bucket=bucket, Key=name)["Body"].read()).digest()
        == hashlib.sha256(content).digest()
    )
    assert storage.delete_prefix("videos/big/") == 1


def _cloudfront_b64decode(value: str) -> bytes:
    return base64.b64decode(value.replace("-", "+").replace("_", "=").replace("~", "/"))


def use_cloudfront(settings, domain: str = "cdn.example.com") -> rsa.RSAPublicKey:
    """S3 behind CloudFront with a fresh key pair; returns the public key to verify with."""
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    options = {
        **settings.STORAGES["default"]["OPTIONS"],
        "custom_domain": domain,
        "cloudfront_key_id": "K2JCJMDEHXQW5F",
        "cloudfront_key": pem,
    }
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": options},
    }
    return private_key.public_key()


def cloudfront_verifies(public_key: rsa.RSAPublicKey, url: str, resource: str) -> bool:
    """Whether `url`'s canned-policy signature is valid for `resource` (a URL without query)."""
    query = parse_qs(urlsplit(url).query)
    policy = json.dumps(
        {
            "Statement": [
                {
                    "Resource": resource,
                    "Condition": {"DateLessThan": {"AWS:EpochTime": int(query["Expires"][0])}},
                }
            ]
        },
        separators=(",", ":"),
    ).encode()
    signature = _cloudfront_b64decode(query["Signature"][0])
    try:
        public_key.verify(signature, policy, padding.PKCS1v15(), hashes.SHA1())
    except InvalidSignature:
        return False
    return query["Key-Pair-Id"] == ["K2JCJMDEHXQW5F"]


def test_cloudfront_signed_urls_verify_with_the_public_key(s3, settings):
    public_key = use_cloudfront(settings)
    settings.MEDIA_URL_TTL = 600
    url = storage.media_url("videos/abc/poster.jpg")
    parts = urlsplit(url)
    assert parts.netloc == "cdn.example.com" and parts.path == "/videos/abc/poster.jpg"
    assert cloudfront_verifies(public_key, url, "https://cdn.example.com/videos/abc/poster.jpg")
    # for exactly that file: neither the original nor the folder
    assert not cloudfront_verifies(public_key, url, "https://cdn.example.com/videos/abc/original")
    assert not cloudfront_verifies(public_key, url, "https://cdn.example.com/videos/abc/*")
    expires = int(parse_qs(parts.query)["Expires"][0])
    assert 0 < expires - time.time() <= 601


def test_cloudfront_url_expires_exactly_when_asked(s3, settings):
    public_key = use_cloudfront(settings)
    expires = int(time.time()) + 123
    url = storage.media_url("videos/abc/hls/sd.m4s", expires=expires)
    assert parse_qs(urlsplit(url).query)["Expires"] == [str(expires)]
    assert cloudfront_verifies(public_key, url, "https://cdn.example.com/videos/abc/hls/sd.m4s")


def test_playlists_and_storyboards_stay_on_the_app_with_s3(s3, settings):
    """Their text names sibling files; the app serves them rewritten (tests/videos/test_hls.py)."""
    for key in ("videos/abc/hls/master.m3u8", "videos/abc/storyboard/storyboard.vtt"):
        assert storage.media_url(key).startswith("/media/")
    assert storage.media_url("videos/abc/hls/sd.m4s").startswith(s3_url_prefix(settings))


def s3_signature_verifies(url: str, resource: str) -> bool:
    """Whether a presigned GET (query-string auth, as botocore signs for this endpoint) is valid
    for `resource` ("/bucket/key"). moto's server does not check signatures: we do, with the
    test credentials."""
    query = parse_qs(urlsplit(url).query)
    assert query["AWSAccessKeyId"] == [CREDENTIALS["access_key"]]
    string_to_sign = f"GET\n\n\n{query['Expires'][0]}\n{resource}".encode()
    digest = hmac.new(CREDENTIALS["secret_key"].encode(), string_to_sign, hashlib.sha1).digest()
    return hmac.compare_digest(base64.b64encode(digest).decode(), query["Signature"][0])


def test_presigned_urls_are_for_exactly_one_key(s3, settings):
    _, bucket = s3
    expires = int(time.time()) + 300
    url = storage.media_url("videos/abc/poster.jpg", expires=expires)
    assert parse_qs(urlsplit(url).query)["Expires"][0] in (str(expires), str(expires + 1))
    assert s3_signature_verifies(url, f"/{bucket}/videos/abc/poster.jpg")
    assert not s3_signature_verifies(url, f"/{bucket}/videos/abc/original")


def s3_url_prefix(settings) -> str:
    options = settings.STORAGES["default"]["OPTIONS"]
    return f"{options['endpoint_url']}/{options['bucket_name']}/"
