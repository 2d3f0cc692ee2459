"""config.fastload: rows loaded into instances as Django's own `from_db` would load them."""

from typing import Any

from django.db.models import Model
from django.db.models.signals import post_init

from accounts.models import User
from tests.factories import make_user, make_video
from videos.models import Rendition, Video, VideoShare
from videos.storage import media_url, verify_media_signature


def _as_django_loads(model: Any, pk: Any) -> Model:
    """The same row through Model.__init__ (Django's from_db, skipping our override)."""
    row = model.objects.filter(pk=pk).values_list(
        *(f.attname for f in model._meta.concrete_fields)
    )[0]
    instance = model(*row)
    instance._state.adding, instance._state.db = False, "default"
    return instance


def _fields(instance: Model) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def test_loaded_instances_equal_djangos(db):
    owner = make_user("owner", role="coach")
    viewer = make_user("viewer")
    video = make_video(owner, title="Snatch", description="side view")
    Rendition.objects.create(
        video=video, quality="sd", width=1280, height=720, fps=30.0, bitrate=3_000_000,
        size=1000, codecs="avc1", file=f"videos/{video.pk}/sd.mp4",
    )  # fmt: skip
    VideoShare.objects.create(video=video, user=viewer, permission="view")

    pairs: list[tuple[Any, Any]] = [(Video, video.pk), (User, owner.pk)]
    for model, pk in pairs:
        loaded = model.objects.get(pk=pk)
        assert _fields(loaded) == _fields(_as_django_loads(model, pk))
        assert loaded._state.adding is False and loaded._state.db == "default"

    rendition = Rendition.objects.get(video=video)
    assert rendition.file.name == f"videos/{video.pk}/sd.mp4"  # a FieldFile, as usual
    assert rendition.video.title == "Snatch"  # the foreign key still loads on access
    share = VideoShare.objects.select_related("user").get(video=video)
    assert share.user.username == "viewer"


def test_deferred_fields_load_when_read_and_saves_still_work(db, django_assert_num_queries):
    video = make_video(make_user("owner", role="coach"), title="Clean")
    loaded = Video.objects.defer("description").get(pk=video.pk)
    assert "description" not in loaded.__dict__
    with django_assert_num_queries(1):
        assert loaded.description == ""
    loaded.title = "Clean and jerk"
    loaded.save(update_fields=["title"])
    assert Video.objects.get(pk=video.pk).title == "Clean and jerk"


def test_a_model_with_init_receivers_loads_through_django(db):
    video = make_video(make_user("owner", role="coach"))
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance)

    post_init.connect(receiver, sender=Video)
    try:
        loaded = Video.objects.get(pk=video.pk)
    finally:
        post_init.disconnect(receiver, sender=Video)
    assert seen == [loaded]


def test_remembered_media_urls_still_verify(settings):
    url = media_url("videos/x/poster.jpg", expires=4_000_000_000)
    assert url == media_url("videos/x/poster.jpg", expires=4_000_000_000)
    _, _, expires, signature, *_ = url.split("/")
    assert verify_media_signature("videos/x/poster.jpg", int(expires), signature)
    settings.SECRET_KEY = "another-key-for-this-test-only-0123456789"
    assert media_url("videos/x/poster.jpg", expires=4_000_000_000) != url  # not a stale one
