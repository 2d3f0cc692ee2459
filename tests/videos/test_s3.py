"""Storage on a real S3-compatible server (moto's server mode on loopback), and CloudFront URLs."""

import base64
import hashlib
import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
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


def test_cloudfront_signed_urls_verify_with_the_public_key(s3, settings):
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    options = {
        **settings.STORAGES["default"]["OPTIONS"],
        "custom_domain": "cdn.example.com",
        "cloudfront_key_id": "K2JCJMDEHXQW5F",
        "cloudfront_key": pem,
    }
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": options},
    }
    settings.MEDIA_URL_TTL = 600
    url = storage.media_url("videos/abc/hls/master.m3u8")
    parts = urlsplit(url)
    assert parts.netloc == "cdn.example.com" and parts.path == "/videos/abc/hls/master.m3u8"
    query = parse_qs(parts.query)
    assert query["Key-Pair-Id"] == ["K2JCJMDEHXQW5F"]
    expires = int(query["Expires"][0])
    policy = json.dumps(
        {
            "Statement": [
                {
                    "Resource": "https://cdn.example.com/videos/abc/hls/master.m3u8",
                    "Condition": {"DateLessThan": {"AWS:EpochTime": expires}},
                }
            ]
        },
        separators=(",", ":"),
    ).encode()
    private_key.public_key().verify(
        _cloudfront_b64decode(query["Signature"][0]), policy, padding.PKCS1v15(), hashes.SHA1()
    )
    import time

    assert 0 < expires - time.time() <= 601
