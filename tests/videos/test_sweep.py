from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.factories import make_video, stored_files
from videos.models import TusUpload, Video, VideoStatus
from videos.services import send_processing

pytestmark = pytest.mark.django_db


def test_expired_uploads_are_removed_with_their_parts(athlete):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    fresh = Video.objects.create(owner=athlete, title="fresh", status=VideoStatus.UPLOADING)
    stale = Video.objects.create(owner=athlete, title="stale", status=VideoStatus.UPLOADING)
    TusUpload.objects.create(video=fresh, length=10, expires_at=timezone.now() + timedelta(hours=1))
    TusUpload.objects.create(
        video=stale, length=10, offset=4, parts=1, expires_at=timezone.now() - timedelta(seconds=1)
    )
    default_storage.save(f"uploads/{stale.pk}/part-000000", ContentFile(b"abcd"))
    default_storage.save(f"uploads/{fresh.pk}/part-000000", ContentFile(b"abcd"))
    call_command("sweep_uploads")
    assert list(Video.objects.values_list("title", flat=True)) == ["fresh"]
    assert stored_files() == [f"uploads/{fresh.pk}/part-000000"]


def test_stranded_uploads_are_enqueued_when_the_broker_is_back(athlete, settings):
    import dramatiq
    from dramatiq.brokers.redis import RedisBroker

    video = make_video(athlete, status=VideoStatus.UPLOADED)
    assert video.enqueued_at is None  # as if Redis was down when the upload finished
    broker = dramatiq.get_broker()
    assert isinstance(broker, RedisBroker)
    queue_key = f"{broker.namespace}:processing.msgs"
    before = broker.client.hlen(queue_key)
    call_command("sweep_uploads")
    video.refresh_from_db()
    assert video.enqueued_at is not None
    assert broker.client.hlen(queue_key) == before + 1
    call_command("sweep_uploads")  # already sent: not sent twice
    assert broker.client.hlen(queue_key) == before + 1


def test_broker_down_keeps_the_video_uploaded(athlete, monkeypatch):
    from dramatiq.brokers.redis import RedisBroker

    from processing.actors import process_video
    from tests.services import free_port

    # A real broker client pointed at a port nobody listens on.
    unreachable = RedisBroker(url=f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=1)
    unreachable.declare_queue("processing")
    monkeypatch.setattr(process_video, "broker", unreachable)
    video = make_video(athlete, status=VideoStatus.UPLOADED)
    assert send_processing(video_id=video.pk) is False
    video.refresh_from_db()
    assert video.status == VideoStatus.UPLOADED and video.enqueued_at is None
