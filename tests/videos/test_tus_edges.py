"""tus at the edges: hostile headers and ids, refused creations, leftovers, and the limits."""

from pathlib import Path

import pytest
import requests
from django.core.files.storage import default_storage

from tests.factories import stored_files
from tests.videos.test_tus import TUS, auth, create, patch
from videos.models import TusUpload, Video


def upload_folders() -> list[str]:
    root = Path(default_storage.location) / "uploads"  # type: ignore[attr-defined]
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


@pytest.mark.parametrize("header", ["Upload-Length", "Upload-Offset"])
def test_non_ascii_digits_are_400(asgi_server, athlete_user, header):
    location = create(asgi_server, athlete_user, 100).headers["Location"]
    if header == "Upload-Length":
        headers = {**TUS, **auth(athlete_user), "Upload-Length": "²"}
        response = requests.post(f"{asgi_server.url}/api/v1/uploads/", headers=headers, timeout=5)
    else:
        response = patch(asgi_server, athlete_user, location, 0, b"x", **{"Upload-Offset": "²"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


@pytest.mark.parametrize("method", ["HEAD", "PATCH", "DELETE"])
def test_a_36_character_id_that_is_not_a_uuid_is_404(asgi_server, athlete_user, method):
    url = f"{asgi_server.url}/api/v1/uploads/{'z' * 36}"
    response = requests.request(method, url, headers={**TUS, **auth(athlete_user)}, timeout=5)
    assert response.status_code == 404
    if method != "HEAD":
        assert response.json()["code"] == "not_found"


def test_refused_creation_with_upload_leaves_nothing(asgi_server, athlete_user):
    headers = {
        **TUS,
        **auth(athlete_user),
        "Upload-Length": "10",
        "Content-Type": "application/offset+octet-stream",
    }
    response = requests.post(
        f"{asgi_server.url}/api/v1/uploads", data=b"x" * 100, headers=headers, timeout=10
    )
    assert response.status_code == 413
    assert response.json()["code"] == "file_too_large"
    assert not Video.objects.exists()
    assert not TusUpload.objects.exists()
    assert stored_files() == []
    assert upload_folders() == []


def test_finished_and_terminated_uploads_leave_no_folders(asgi_server, athlete_user, clips):
    location = create(asgi_server, athlete_user, 100).headers["Location"]
    assert patch(asgi_server, athlete_user, location, 0, b"x" * 40).status_code == 204
    assert len(upload_folders()) == 1
    headers = {**TUS, **auth(athlete_user)}
    requests.delete(f"{asgi_server.url}{location}", headers=headers, timeout=5)
    content = Path(clips["landscape"]).read_bytes()
    location = create(asgi_server, athlete_user, len(content)).headers["Location"]
    assert patch(asgi_server, athlete_user, location, 0, content).status_code == 204
    assert upload_folders() == []


def test_patch_bytes_past_the_users_budget_are_429_and_kept(asgi_server, athlete_user, settings):
    settings.TUS_BYTES_PER_MINUTE = 1024 * 1024
    length = 3 * 1024 * 1024
    location = create(asgi_server, athlete_user, length).headers["Location"]
    response = patch(asgi_server, athlete_user, location, 0, b"x" * length)
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    kept = int(response.headers["Upload-Offset"])
    assert 0 < kept < length
    head = requests.head(
        f"{asgi_server.url}{location}", headers={**TUS, **auth(athlete_user)}, timeout=5
    )
    assert int(head.headers["Upload-Offset"]) == kept
    # the budget is spent: the next PATCH is refused before its body is read
    again = patch(asgi_server, athlete_user, location, kept, b"x" * 10)
    assert again.status_code == 429


def test_tus_requests_count_against_the_read_and_write_limits(asgi_server, athlete_user, settings):
    settings.READ_RATE_LIMIT = "2/m"
    location = create(asgi_server, athlete_user, 100).headers["Location"]
    headers = {**TUS, **auth(athlete_user)}
    for _ in range(2):
        assert (
            requests.head(f"{asgi_server.url}{location}", headers=headers, timeout=5).status_code
            == 200
        )
    limited = requests.head(f"{asgi_server.url}{location}", headers=headers, timeout=5)
    assert limited.status_code == 429
    assert "Retry-After" in limited.headers
