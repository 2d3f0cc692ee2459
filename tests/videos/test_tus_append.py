"""How tus keeps its bytes: appended to one file on local storage, parts of one S3 multipart
upload on S3 (small PATCHes wait in a tail object until they make a 5 MiB part), sha256 while
receiving, and which uploads clamd scans as they arrive."""

import hashlib
import os
import uuid
from pathlib import Path

import requests

from tests.factories import stored_files
from tests.media import EICAR
from tests.videos.test_tus import TUS, auth, create, patch
from videos import resumable, sha256_state
from videos.models import ScanStatus, TusUpload, Video, VideoStatus

MIB = 1024 * 1024


def video_id(location: str) -> str:
    return location.rstrip("/").rsplit("/", 1)[1]


def test_patches_append_to_one_file_renamed_into_place(asgi_server, athlete_user, clips):
    content = Path(clips["landscape"]).read_bytes()
    location = create(asgi_server, athlete_user, len(content)).headers["Location"]
    third = len(content) // 3
    pieces = [content[:third], content[third : 2 * third], content[2 * third :]]
    offset = 0
    for number, piece in enumerate(pieces[:2], start=1):
        assert patch(asgi_server, athlete_user, location, offset, piece).status_code == 204
        offset += len(piece)
        assert stored_files("uploads/") == [f"uploads/{video_id(location)}/data"]
        assert TusUpload.objects.get().offset == number * third
        data = Path(asgi_server_media(video_id(location)))
        assert data.read_bytes() == content[:offset]
    inode = os.stat(asgi_server_media(video_id(location))).st_ino
    assert patch(asgi_server, athlete_user, location, offset, pieces[2]).status_code == 204
    video = Video.objects.get(pk=video_id(location))
    assert video.status == VideoStatus.UPLOADED
    assert video.sha256 == hashlib.sha256(content).hexdigest()
    assert os.stat(video.original.path).st_ino == inode  # renamed, never copied
    assert stored_files() == [f"videos/{video.pk}/original"]
    # In several PATCHes: not scanned as it arrived; the worker scans it first.
    assert video.scan_status == ScanStatus.PENDING


def asgi_server_media(upload_id: str) -> str:
    return str(resumable.local_data_path(upload_id))  # type: ignore[arg-type]


def test_an_interrupted_patchs_uncommitted_bytes_are_cut_off(asgi_server, athlete_user):
    location = create(asgi_server, athlete_user, 100).headers["Location"]
    assert patch(asgi_server, athlete_user, location, 0, b"a" * 30).status_code == 204
    # Bytes a dead PATCH wrote past the committed offset are not the upload's.
    with open(asgi_server_media(video_id(location)), "ab") as data:
        data.write(b"GARBAGE")
    assert patch(asgi_server, athlete_user, location, 30, b"b" * 20).status_code == 204
    assert Path(asgi_server_media(video_id(location))).read_bytes() == b"a" * 30 + b"b" * 20


def test_checksum_mismatch_keeps_nothing_of_the_body(asgi_server, athlete_user):
    location = create(asgi_server, athlete_user, 100).headers["Location"]
    assert patch(asgi_server, athlete_user, location, 0, b"a" * 30).status_code == 204
    wrong = {"Upload-Checksum": "sha256 " + "A" * 43 + "="}
    assert patch(asgi_server, athlete_user, location, 30, b"b" * 20, **wrong).status_code == 460
    assert TusUpload.objects.get().offset == 30
    assert patch(asgi_server, athlete_user, location, 30, b"c" * 20).status_code == 204
    assert Path(asgi_server_media(video_id(location))).read_bytes() == b"a" * 30 + b"c" * 20


def test_sha256_goes_on_in_another_process_from_the_saved_state(asgi_server, athlete_user, clips):
    content = Path(clips["landscape"]).read_bytes()
    location = create(asgi_server, athlete_user, len(content)).headers["Location"]
    half = len(content) // 2 + 7  # not on a 64-byte block
    assert patch(asgi_server, athlete_user, location, 0, content[:half]).status_code == 204
    state = TusUpload.objects.get().sha256_state
    assert state is not None and len(bytes(state)) == sha256_state.CTX_SIZE
    # As if the next PATCH went to another process: only the database knows the hash.
    resumable.hash_forget(uuid.UUID(video_id(location)))
    assert patch(asgi_server, athlete_user, location, half, content[half:]).status_code == 204
    assert Video.objects.get().sha256 == hashlib.sha256(content).hexdigest()


def test_without_libcrypto_another_process_hashes_the_file(
    asgi_server, athlete_user, clips, monkeypatch
):
    monkeypatch.setattr(sha256_state, "available", lambda: False)
    content = Path(clips["landscape"]).read_bytes()
    location = create(asgi_server, athlete_user, len(content)).headers["Location"]
    half = len(content) // 2
    assert patch(asgi_server, athlete_user, location, 0, content[:half]).status_code == 204
    assert TusUpload.objects.get().sha256_state is None
    resumable.hash_forget(uuid.UUID(video_id(location)))
    assert patch(asgi_server, athlete_user, location, half, content[half:]).status_code == 204
    assert Video.objects.get().sha256 == hashlib.sha256(content).hexdigest()


def test_resumable_sha256_matches_hashlib_across_saved_states():
    data = os.urandom(3 * MIB + 13)
    hasher = sha256_state.ResumableSha256()
    for start in range(0, len(data), 1_000_003):
        hasher = sha256_state.ResumableSha256(hasher.state())
        hasher.update(data[start : start + 1_000_003])
    assert hasher.hexdigest() == hashlib.sha256(data).hexdigest()
    assert hasher.hexdigest() == hasher.hexdigest()  # hexdigest does not spoil the state


def test_one_patch_upload_is_scanned_while_it_arrives(asgi_server, athlete_user, clips):
    content = Path(clips["landscape"]).read_bytes()
    location = create(asgi_server, athlete_user, len(content)).headers["Location"]
    assert patch(asgi_server, athlete_user, location, 0, content).status_code == 204
    assert Video.objects.get().scan_status == ScanStatus.CLEAN


def test_eicar_in_several_patches_goes_to_the_worker_scan(asgi_server, athlete_user):
    """Not scanned at upload (the worker scans `pending` videos before anything else), so the
    last PATCH does not wait for a second pass; the content probe still refuses it here."""
    location = create(asgi_server, athlete_user, len(EICAR)).headers["Location"]
    assert patch(asgi_server, athlete_user, location, 0, EICAR[:20]).status_code == 204
    last = patch(asgi_server, athlete_user, location, 20, EICAR[20:])
    assert last.status_code == 422
    assert last.json()["code"] == "unsupported_format"
    assert not Video.objects.exists()
    assert stored_files() == []


# --- S3 ------------------------------------------------------------------------------------


def bucket_keys(client, bucket) -> list[str]:
    return sorted(o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", []))


def test_s3_patches_become_parts_with_small_ones_waiting_in_a_tail(asgi_server, athlete_user, s3):
    client, bucket = s3
    content = os.urandom(13 * MIB + 5)
    location = create(asgi_server, athlete_user, len(content)).headers["Location"]
    upload_id = video_id(location)
    # 3 MiB: under S3's 5 MiB, so it waits in a tail object.
    assert patch(asgi_server, athlete_user, location, 0, content[: 3 * MIB]).status_code == 204
    upload = TusUpload.objects.get()
    assert (upload.offset, upload.parts, upload.part_bytes) == (3 * MIB, 0, 0)
    assert bucket_keys(client, bucket) == [f"uploads/{upload_id}/tail-{3 * MIB}"]
    # 4 MiB more: tail + body make the first part (7 MiB); no tail left.
    assert (
        patch(asgi_server, athlete_user, location, 3 * MIB, content[3 * MIB : 7 * MIB]).status_code
        == 204
    )
    upload.refresh_from_db()
    assert (upload.offset, upload.parts, upload.part_bytes) == (7 * MIB, 1, 7 * MIB)
    assert upload.s3_upload_id
    assert bucket_keys(client, bucket) == []
    # The rest: the last part may be any size; S3 puts the parts together at the original's key.
    last = patch(asgi_server, athlete_user, location, 7 * MIB, content[7 * MIB :])
    assert last.status_code == 204, last.text
    video = Video.objects.get(pk=upload_id)
    assert video.status == VideoStatus.UPLOADED
    assert video.size == len(content)
    assert video.sha256 == hashlib.sha256(content).hexdigest()
    assert bucket_keys(client, bucket) == [f"videos/{upload_id}/original"]
    stored = client.get_object(Bucket=bucket, Key=f"videos/{upload_id}/original")["Body"].read()
    assert stored == content
    assert client.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def test_s3_sha256_without_the_running_hash_reads_the_original(
    asgi_server, athlete_user, s3, monkeypatch
):
    monkeypatch.setattr(sha256_state, "available", lambda: False)
    content = os.urandom(6 * MIB)
    location = create(asgi_server, athlete_user, len(content)).headers["Location"]
    assert patch(asgi_server, athlete_user, location, 0, content[: 5 * MIB]).status_code == 204
    resumable.hash_forget(uuid.UUID(video_id(location)))
    assert (
        patch(asgi_server, athlete_user, location, 5 * MIB, content[5 * MIB :]).status_code == 204
    )
    assert Video.objects.get().sha256 == hashlib.sha256(content).hexdigest()


def test_s3_termination_aborts_the_multipart_upload(asgi_server, athlete_user, s3):
    client, bucket = s3
    location = create(asgi_server, athlete_user, 20 * MIB).headers["Location"]
    assert patch(asgi_server, athlete_user, location, 0, b"x" * (6 * MIB)).status_code == 204
    assert len(client.list_multipart_uploads(Bucket=bucket).get("Uploads", [])) == 1
    response = requests.delete(
        f"{asgi_server.url}{location}", headers={**TUS, **auth(athlete_user)}, timeout=10
    )
    assert response.status_code == 204
    assert client.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    assert bucket_keys(client, bucket) == []
    assert not Video.objects.exists()


def test_s3_one_patch_eicar_is_rejected_and_the_object_deleted(asgi_server, athlete_user, s3):
    client, bucket = s3
    location = create(asgi_server, athlete_user, len(EICAR)).headers["Location"]
    response = patch(asgi_server, athlete_user, location, 0, EICAR)
    assert response.status_code == 422
    assert response.json()["code"] == "malware_detected"
    assert Video.objects.get().status == VideoStatus.REJECTED
    assert bucket_keys(client, bucket) == []


def test_a_stale_lock_whose_writer_still_holds_the_file_is_409(asgi_server, athlete_user):
    """The database lock went stale but its writer is alive (a stalled connection) and holds
    the file's lock: a takeover must not write under it."""
    import fcntl
    from datetime import timedelta

    from django.utils import timezone

    location = create(asgi_server, athlete_user, 100).headers["Location"]
    assert patch(asgi_server, athlete_user, location, 0, b"a" * 10).status_code == 204
    TusUpload.objects.update(
        lock_token="stalled", lock_heartbeat=timezone.now() - timedelta(seconds=30)
    )
    with open(asgi_server_media(video_id(location)), "ab") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        refused = patch(asgi_server, athlete_user, location, 10, b"b" * 10)
        assert refused.status_code == 409
        assert refused.json()["code"] == "upload_locked"
        assert TusUpload.objects.get().offset == 10
    # The writer let go: the next PATCH takes over.
    TusUpload.objects.update(
        lock_token="stalled", lock_heartbeat=timezone.now() - timedelta(seconds=30)
    )
    assert patch(asgi_server, athlete_user, location, 10, b"b" * 10).status_code == 204
    assert Path(asgi_server_media(video_id(location))).read_bytes() == b"a" * 10 + b"b" * 10


def test_s3_a_long_patch_is_cut_into_parts_as_it_streams(asgi_server, athlete_user, s3, settings):
    """One long PATCH: parts of about PART_BYTES go out while it streams, what is left waits as
    the tail (or is a part when it is large enough); S3 ends with the exact bytes."""
    from videos import s3_upload

    settings.CLAMAV_ADDRESS = ""
    client, bucket = s3
    content = os.urandom(2 * s3_upload.PART_BYTES + 5 * MIB + 1)
    location = create(asgi_server, athlete_user, len(content) + 3 * MIB).headers["Location"]
    first = patch(asgi_server, athlete_user, location, 0, content)
    assert first.status_code == 204, first.text
    upload = TusUpload.objects.get()
    assert upload.parts >= 2  # sent while it streamed
    assert upload.offset == len(content)
    tail = len(content) - upload.part_bytes  # under S3's minimum part: waits for the next PATCH
    assert 0 <= tail < s3_upload.MIN_PART_BYTES
    rest = os.urandom(3 * MIB)
    assert patch(asgi_server, athlete_user, location, len(content), rest).status_code == 204
    video = Video.objects.get()
    stored = client.get_object(Bucket=bucket, Key=f"videos/{video.pk}/original")["Body"].read()
    assert stored == content + rest
    assert video.sha256 == hashlib.sha256(content + rest).hexdigest()
    assert video.scan_status == ScanStatus.NOT_SCANNED
