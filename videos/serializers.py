"""Video output: what a client sees of a video, with signed media URLs and its own rights."""

from typing import Any

from rest_framework import serializers

from videos import permissions
from videos.models import SHOWN_STATE, Rendition, Video
from videos.storage import media_url


class RenditionOutputSerializer(serializers.ModelSerializer[Rendition]):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Rendition
        fields = ["quality", "width", "height", "fps", "bitrate", "size", "codecs", "url"]

    def get_url(self, rendition: Rendition) -> str:
        return media_url(rendition.file.name)


class VideoOutputSerializer(serializers.ModelSerializer[Video]):
    code = serializers.CharField(source="status_code")
    message = serializers.CharField(source="status_message")
    owner = serializers.SerializerMethodField()
    shares = serializers.SerializerMethodField()
    renditions = RenditionOutputSerializer(many=True, read_only=True)
    hls_url = serializers.SerializerMethodField()
    poster_url = serializers.SerializerMethodField()
    storyboard_url = serializers.SerializerMethodField()
    original_url = serializers.SerializerMethodField()
    permissions = serializers.SerializerMethodField()
    # True while processing once the first segments are out (hls_url then plays what exists).
    playable = serializers.BooleanField(read_only=True)

    class Meta:
        model = Video
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
        return self.context["request"].user

    def get_owner(self, video: Video) -> dict[str, Any]:
        return {"id": video.owner_id, "username": video.owner.username}

    def get_shares(self, video: Video) -> list[dict[str, str]]:
        if not permissions.can_edit(self._user, video):
            return []
        return [
            {"username": share.user.username, "permission": share.permission}
            for share in video.shares.all()
        ]

    def get_hls_url(self, video: Video) -> str | None:
        # Not for a failed run's leftovers: only what can be played now (live or final).
        return media_url(video.hls_master.name) if video.hls_master and video.playable else None

    def get_poster_url(self, video: Video) -> str | None:
        return media_url(video.poster.name) if video.poster else None

    def get_storyboard_url(self, video: Video) -> str | None:
        return media_url(video.storyboard.name) if video.storyboard else None

    def get_original_url(self, video: Video) -> str | None:
        if not video.original or not permissions.can_edit(self._user, video):
            return None
        return media_url(video.original.name, attachment=True)

    def get_permissions(self, video: Video) -> dict[str, bool]:
        return {
            "can_annotate": permissions.can_annotate(self._user, video),
            "can_edit": permissions.can_edit(self._user, video),
        }
