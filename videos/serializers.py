"""Video output: what a client sees of a video, with signed media URLs and its own rights."""

from collections.abc import Iterator
from typing import Any

from django.db.models import Manager
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.output import FastOutput
from videos import permissions
from videos.models import SHOWN_STATE, Comparison, Rendition, Video
from videos.storage import MediaRequest, media_url, media_urls


def _signed(context: dict[str, Any], key: str, attachment: bool = False) -> str:
    """The URL signed ahead for this response (VideoOutputSerializer.sign_ahead), else now."""
    urls: dict[MediaRequest, str] = context.get("media_urls") or {}
    url = urls.get((key, attachment))
    return url if url is not None else media_url(key, attachment=attachment)


class RenditionOutputSerializer(FastOutput, serializers.ModelSerializer[Rendition]):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Rendition
        fields = ["quality", "width", "height", "fps", "bitrate", "size", "codecs", "url"]

    def get_url(self, rendition: Rendition) -> str:
        return _signed(self.context, rendition.file.name)


class VideoListOutputSerializer(serializers.ListSerializer):
    """A page of videos: every media URL of the page signed (or read from the cache) at once."""

    def to_representation(self, data: Any) -> list[dict[str, Any]]:
        videos = list(data.all() if isinstance(data, Manager) else data)
        child: VideoOutputSerializer = self.child  # type: ignore[assignment]
        child.sign_ahead(videos)
        return [child.to_representation(video) for video in videos]


class VideoOutputSerializer(FastOutput, serializers.ModelSerializer[Video]):
    code = serializers.CharField(source="status_code")
    message = serializers.CharField(source="status_message")
    owner = serializers.SerializerMethodField()
    shares = serializers.SerializerMethodField()
    renditions = serializers.SerializerMethodField()
    hls_url = serializers.SerializerMethodField()
    poster_url = serializers.SerializerMethodField()
    storyboard_url = serializers.SerializerMethodField()
    original_url = serializers.SerializerMethodField()
    permissions = serializers.SerializerMethodField()
    # True while processing once the first segments are out (hls_url then plays what exists).
    playable = serializers.BooleanField(read_only=True)

    class Meta:
        model = Video
        list_serializer_class = VideoListOutputSerializer
        fields = [
            "id",
            "title",
            "description",
            "original_filename",
            "size",
            "sha256",
            "status",
            "code",
            "message",
            "playable",
            *SHOWN_STATE,
            "owner",
            "shares",
            "renditions",
            "hls_url",
            "poster_url",
            "storyboard_url",
            "original_url",
            "permissions",
        ]

    @property
    def _user(self) -> Any:
        # read once per serializer: DRF's `context` walks up to the root on every access
        user = self.__dict__.get("_request_user")
        if user is None:
            user = self.__dict__["_request_user"] = self.context["request"].user
        return user

    def _media(self, video: Video) -> Iterator[MediaRequest]:
        """The files this user is shown URLs for (as the get_*_url methods below)."""
        for rendition in permissions.video_renditions(video):
            yield rendition.file.name, False
        for field in (video.hls_master, video.poster, video.storyboard):
            if field:
                yield field.name, False
        if video.original and permissions.can_edit(self._user, video):
            yield video.original.name, True

    def sign_ahead(self, videos: list[Video]) -> None:
        self.context["media_urls"] = media_urls(
            item for video in videos for item in self._media(video)
        )

    def to_representation(self, instance: Video) -> dict[str, Any]:
        if "media_urls" not in self.context:  # one video (detail): its own URLs at once
            self.sign_ahead([instance])
        return super().to_representation(instance)

    def get_owner(self, video: Video) -> dict[str, Any]:
        return {"id": video.owner_id, "username": video.owner.username}

    def get_shares(self, video: Video) -> list[dict[str, str]]:
        if not permissions.can_edit(self._user, video):
            return []
        return [
            {"username": share.user.username, "permission": share.permission}
            for share in permissions.video_shares(video)
        ]

    @extend_schema_field(RenditionOutputSerializer(many=True))
    def get_renditions(self, video: Video) -> list[dict[str, Any]]:
        renditions = self.__dict__.get("_renditions")
        if renditions is None:
            renditions = self.__dict__["_renditions"] = RenditionOutputSerializer(
                context=self.context
            )
        return [renditions.to_representation(item) for item in permissions.video_renditions(video)]

    def get_hls_url(self, video: Video) -> str | None:
        # Not for a failed run's leftovers: only what can be played now (live or final).
        if not (video.hls_master and video.playable):
            return None
        return _signed(self.context, video.hls_master.name)

    def get_poster_url(self, video: Video) -> str | None:
        return _signed(self.context, video.poster.name) if video.poster else None

    def get_storyboard_url(self, video: Video) -> str | None:
        return _signed(self.context, video.storyboard.name) if video.storyboard else None

    def get_original_url(self, video: Video) -> str | None:
        if not video.original or not permissions.can_edit(self._user, video):
            return None
        return _signed(self.context, video.original.name, attachment=True)

    def get_permissions(self, video: Video) -> dict[str, bool]:
        return {
            "can_annotate": permissions.can_annotate(self._user, video),
            "can_edit": permissions.can_edit(self._user, video),
        }


class ComparisonOutputSerializer(serializers.ModelSerializer[Comparison]):
    """A comparison with both videos as the video API shows them (signed URLs, frame rates)."""

    owner = serializers.SerializerMethodField()
    left = serializers.SerializerMethodField()
    right = serializers.SerializerMethodField()
    shares = serializers.SerializerMethodField()
    permissions = serializers.SerializerMethodField()

    class Meta:
        model = Comparison
        fields = [
            "id",
            "title",
            "owner",
            "layout",
            "overlay_opacity",
            "overlay_swapped",
            "left",
            "right",
            "shares",
            "permissions",
            "created_at",
            "updated_at",
        ]

    @property
    def _user(self) -> Any:
        return self.context["request"].user

    def get_owner(self, comparison: Comparison) -> dict[str, Any]:
        return {"id": comparison.owner_id, "username": comparison.owner.username}

    def _pane(self, comparison: Comparison, side: str) -> dict[str, Any]:
        return {
            "video_id": str(comparison.video(side).pk),
            "sync": comparison.sync(side),
            "mirror": getattr(comparison, f"{side}_mirror"),
            "video": VideoOutputSerializer(comparison.video(side), context=self.context).data,
        }

    def get_left(self, comparison: Comparison) -> dict[str, Any]:
        return self._pane(comparison, "left")

    def get_right(self, comparison: Comparison) -> dict[str, Any]:
        return self._pane(comparison, "right")

    def get_shares(self, comparison: Comparison) -> list[dict[str, str]]:
        if not permissions.can_edit_comparison(self._user, comparison):
            return []
        return [
            {"username": share.user.username, "permission": share.permission}
            for share in comparison.shares.all()
        ]

    def get_permissions(self, comparison: Comparison) -> dict[str, bool]:
        return {
            "can_annotate": permissions.can_annotate_comparison(self._user, comparison),
            "can_edit": permissions.can_edit_comparison(self._user, comparison),
        }
