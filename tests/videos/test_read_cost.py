"""What the hot reads cost: queries per request (a regression fails here), the fast output
path against DRF's own rendering, and signed URLs shared across a page and across requests."""

import re
import time
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from annotations.models import Annotation
from annotations.serializers import AnnotationOutputSerializer
from config import caching
from tests.conftest import bearer
from tests.factories import make_user, make_video
from videos import selectors
from videos.models import Moderation, Rendition, Video, VideoShare
from videos.serializers import VideoOutputSerializer
from videos.storage import media_urls

pytestmark = pytest.mark.django_db

# JWT user, its role groups, then the view's own queries.
AUTH_QUERIES = 2


def ready_with_outputs(owner, title="Session") -> Video:
    video = make_video(owner, title=title, duration=30.0, fps=30.0, width=1920, height=1080)
    prefix = f"videos/{video.pk}/"
    Video.objects.filter(pk=video.pk).update(
        hls_master=prefix + "hls/master.m3u8",
        poster=prefix + "poster.jpg",
        storyboard=prefix + "storyboard/storyboard.vtt",
        analysis={"interval": 0.5, "motion": [0.1] * 60, "scene_cuts": []},
    )
    for quality, height in (("hd", 1080), ("sd", 720), ("mobile", 360)):
        Rendition.objects.create(
            video=video,
            quality=quality,
            width=height * 16 // 9,
            height=height,
            fps=30.0,
            bitrate=1_000_000,
            size=1000,
            codecs="avc1.640028,mp4a.40.2",
            file=prefix + f"renditions/{quality}.mp4",
            playlist=prefix + f"hls/{quality}.m3u8",
        )
    return video


@pytest.fixture
def library(db):
    """30 videos of an athlete (more than a page), each shared with a coach; staff sees all."""
    owner = make_user("athlete1", role="athlete")
    coach = make_user("coach1", role="coach")
    staff = make_user("staff1", role="staff")
    videos = [ready_with_outputs(owner, f"Session {index}") for index in range(30)]
    for video in videos:
        VideoShare.objects.create(video=video, user=coach, permission="annotate")
    hidden = videos[0]
    Video.objects.filter(pk=hidden.pk).update(moderation=Moderation.HIDDEN, moderation_reason="x")
    return {"owner": owner, "coach": coach, "staff": staff, "videos": videos}


def queries_for(client: APIClient, path: str) -> tuple[Any, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, response.content
    return response, [query["sql"] for query in captured.captured_queries]


@pytest.mark.parametrize("caller", ["owner", "coach", "staff"])
def test_video_list_takes_six_queries_whatever_the_page(library, caller):
    """User, groups, COUNT, the page, its shares, its renditions: never one per video."""
    client = bearer(APIClient(), library[caller])
    response, sql = queries_for(client, "/api/v1/videos")
    assert len(sql) == AUTH_QUERIES + 4, sql
    body = response.json()
    assert body["count"] == (29 if caller == "coach" else 30)  # the hidden one: not for coaches
    assert len(body["results"]) == 25
    assert all(len(video["renditions"]) == 3 for video in body["results"])
    # one row per video without DISTINCT (the share is an EXISTS subquery), no analysis JSON
    assert not any("DISTINCT" in query for query in sql)
    assert not any('"analysis"' in query for query in sql)
    response, sql = queries_for(client, "/api/v1/videos?page=2")
    assert len(sql) == AUTH_QUERIES + 4 and len(response.json()["results"]) == (
        4 if caller == "coach" else 5
    )


def test_video_detail_and_annotation_list_query_counts(library):
    staff = bearer(APIClient(), library["staff"])
    video = library["videos"][1]
    _, sql = queries_for(staff, f"/api/v1/videos/{video.pk}")
    assert len(sql) == AUTH_QUERIES + 3, sql  # the video with its owner, shares, renditions
    Annotation.objects.bulk_create(
        Annotation(
            video_id=video.pk,
            author_id=library["coach"].pk,
            author_username="coach1",
            type="drawing",
            timestamp=index,
            duration=3,
            drawing_data={"tool_type": "line", "points": [[0, 0], [1, 1]]},
        )
        for index in range(40)
    )
    response, sql = queries_for(staff, f"/api/v1/annotations?video_id={video.pk}")
    # the video (its access) and its shares, COUNT, the page, the video's latest calibration
    # (measurements in the answers), once per page whatever its size
    assert len(sql) == AUTH_QUERIES + 5, sql
    assert sum("calibration" in query for query in sql) == 1
    assert response.json()["count"] == 40


def test_the_analysis_still_answers_though_reads_defer_it(library):
    client = bearer(APIClient(), library["owner"])
    video = library["videos"][1]
    body = client.get(f"/api/v1/videos/{video.pk}/analysis").json()
    assert body["motion"] == [0.1] * 60 and body["duration"] == 30.0


class FakeRequest:
    def __init__(self, user) -> None:
        self.user = user


@pytest.mark.parametrize("caller", ["owner", "coach", "staff"])
def test_fast_output_equals_drf_rendering(library, caller):
    """The per-class plan renders exactly what DRF's generic path renders, for every field."""
    user = library[caller]
    videos = list(selectors.video_list(user=user))
    videos.append(make_video(library["owner"], title="bare"))  # nulls, no outputs
    for video in videos:
        fresh = selectors.video_get(user=library["owner"], video_id=video.pk)
        context = {"request": FakeRequest(user)}  # the fast path signs its URLs ahead into it
        fast = VideoOutputSerializer(context=context).to_representation(fresh)
        drf = VideoOutputSerializer(context=context).drf_representation(fresh)
        assert fast == drf
        assert list(fast) == list(drf)  # same key order too
    annotation = Annotation.objects.create(
        video_id=videos[1].pk,
        author_id=user.pk,
        author_username=user.username,
        type="drawing",
        timestamp=1.5,
        duration=3,
        drawing_data={"tool_type": "line", "points": [[0, 0], [1, 1]]},
    )
    serializer = AnnotationOutputSerializer()
    assert serializer.to_representation(annotation) == serializer.drf_representation(annotation)


def url_expiry(url: str) -> int:
    match = re.match(r"^/media/(\d+)/", url)
    assert match, url
    return int(match.group(1))


def test_a_page_signs_each_file_once_with_one_shared_expiry(library, settings):
    settings.MEDIA_URL_TTL = 3600
    client = bearer(APIClient(), library["owner"])
    first = client.get("/api/v1/videos").json()["results"]
    again = client.get("/api/v1/videos").json()["results"]
    assert first == again  # the same URLs for every request within half a TTL
    expiries = {url_expiry(video["poster_url"]) for video in first}
    expiries |= {url_expiry(r["url"]) for video in first for r in video["renditions"]}
    assert len(expiries) == 1
    left = expiries.pop() - time.time()
    assert 1800 - 5 <= left <= 3600 + 5  # valid between half the TTL and the whole TTL
    # and each still opens its own file only (the signature covers the key)
    assert first[0]["poster_url"] != first[1]["poster_url"]


def test_media_urls_cache_counts_hits_and_misses(settings):
    """On S3 the signed URLs come from the cache; here its accounting, with the cache itself."""
    from config.metrics import CACHE_HITS, CACHE_MISSES

    def count(counter) -> float:
        return counter.labels(cache="media_urls")._value.get()

    hits, misses = count(CACHE_HITS), count(CACHE_MISSES)
    signed: list[str] = []

    def sign(missing):
        signed.extend(key for key, _ in missing)
        return {item: f"signed:{item[0]}" for item in missing}

    wanted = [("a", False), ("b", False), ("a", False)]
    for _ in range(2):
        urls = caching.cached_many(
            "media_urls", wanted, cache_key=lambda i: f"t:{i[0]}", compute=sign, timeout=60
        )
        assert urls == {("a", False): "signed:a", ("b", False): "signed:b"}
    assert signed == ["a", "b"]  # signed once, then read from Redis
    assert count(CACHE_MISSES) - misses == 2 and count(CACHE_HITS) - hits == 2
    settings.CACHES_OFF = frozenset({"media_urls"})
    caching.cached_many(
        "media_urls", wanted, cache_key=lambda i: f"t:{i[0]}", compute=sign, timeout=60
    )
    assert signed == ["a", "b", "a", "b"]  # off: signed every time


def test_local_media_urls_skip_redis(settings):
    """Local signing is an HMAC: no cache round trip, and the same URL for a while."""
    from config.metrics import CACHE_HITS, CACHE_MISSES

    before = (
        CACHE_HITS.labels(cache="media_urls")._value.get(),
        CACHE_MISSES.labels(cache="media_urls")._value.get(),
    )
    first = media_urls([("videos/x/poster.jpg", False), ("videos/x/original", True)])
    assert (
        media_urls([("videos/x/poster.jpg", False)])[("videos/x/poster.jpg", False)]
        == first[("videos/x/poster.jpg", False)]
    )
    assert first[("videos/x/original", True)].endswith("?download=1")
    after = (
        CACHE_HITS.labels(cache="media_urls")._value.get(),
        CACHE_MISSES.labels(cache="media_urls")._value.get(),
    )
    assert after == before


def documents_counts() -> tuple[float, float]:
    from config.metrics import CACHE_HITS, CACHE_MISSES

    return (
        CACHE_HITS.labels(cache="documents")._value.get(),
        CACHE_MISSES.labels(cache="documents")._value.get(),
    )


def test_storyboard_is_rewritten_once_then_served_from_the_cache(library):
    """The same URL (shared expiry) twice: one rewrite; new outputs recorded: rewritten again."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from videos.services import video_record_storyboard

    owner = bearer(APIClient(), library["owner"])
    video = library["videos"][1]
    key = f"videos/{video.pk}/storyboard/storyboard.vtt"
    cue = "00:00:00.000 --> 00:00:01.000\n{}#xywh=0,0,160,90\n"
    default_storage.save(key, ContentFile(("WEBVTT\n\n" + cue.format("sheet-0.jpg")).encode()))
    url = owner.get(f"/api/v1/videos/{video.pk}").json()["storyboard_url"]
    hits, misses = documents_counts()
    first = owner.get(url)
    second = owner.get(url)
    assert first.status_code == second.status_code == 200
    assert first.content == second.content and b"/sheet-0.jpg#xywh=0,0,160,90" in first.content
    assert documents_counts() == (hits + 1, misses + 1)
    # processing replaces the storyboard: the cached text goes with it
    default_storage.delete(key)
    default_storage.save(key, ContentFile(("WEBVTT\n\n" + cue.format("sheet-9.jpg")).encode()))
    video_record_storyboard(video_id=video.pk, key=key)
    third = owner.get(url)
    assert b"/sheet-9.jpg#xywh=" in third.content
    assert documents_counts() == (hits + 1, misses + 2)


def test_a_missing_document_is_404_and_not_cached(library):
    owner = bearer(APIClient(), library["owner"])
    video = library["videos"][1]
    url = owner.get(f"/api/v1/videos/{video.pk}").json()["storyboard_url"]
    assert owner.get(url).status_code == 404
    assert owner.get(url).status_code == 404
