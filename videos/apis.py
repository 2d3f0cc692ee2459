"""The video API: thin views that validate, call a service or selector, and render."""

import logging
import time

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from config.errors import ApplicationError
from config.ratelimit import enforce_rate_limit
from videos import metrics, permissions, selectors, services
from videos.models import SharePermission, VideoStatus
from videos.serializers import VideoOutputSerializer
from videos.uploads import StreamedUploadMixin

logger = logging.getLogger(__name__)


def _forbid_unless(allowed: bool, detail: str) -> None:
    if not allowed:
        raise permissions.VideoPermissionDenied(detail)


class VideoUploadInputSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True, max_length=1000)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)


class VideoListFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=VideoStatus.choices, required=False)
    owner = serializers.CharField(max_length=150, required=False)
    q = serializers.CharField(max_length=200, required=False)
    shared = serializers.BooleanField(required=False)


def check_may_upload(request: Request) -> None:
    if not permissions.can_upload(request.user):
        raise permissions.VideoPermissionDenied("Only coaches, athletes and staff may upload.")
    enforce_rate_limit(
        request, group="video-upload", key=str(request.user.pk), rate=settings.UPLOAD_RATE_LIMIT
    )


class VideoListCreateApi(StreamedUploadMixin, APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        parameters=[VideoListFilterSerializer], responses=VideoOutputSerializer(many=True)
    )
    def get(self, request: Request) -> Response:
        filters = VideoListFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        videos = selectors.video_list(user=request.user, filters=filters.validated_data)
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(videos, request, view=self)
        data = VideoOutputSerializer(page, many=True, context={"request": request}).data
        return paginator.get_paginated_response(data)

    @extend_schema(request=VideoUploadInputSerializer, responses={201: VideoOutputSerializer})
    def post(self, request: Request) -> Response:
        started = time.perf_counter()
        try:
            response = self._upload(request)
        except ApplicationError as error:
            metrics.UPLOAD_FAILURES.labels(method="plain", code=error.code).inc()
            raise
        metrics.UPLOADED_BYTES.labels(method="plain").inc(response.data["size"])
        metrics.UPLOAD_DURATION.labels(method="plain").observe(time.perf_counter() - started)
        return response

    def _upload(self, request: Request) -> Response:
        check_may_upload(request)
        serializer = VideoUploadInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload: UploadedFile = serializer.validated_data["file"]
        services.check_upload_size(upload.size or 0)
        services.check_quota(user=request.user, incoming_bytes=upload.size or 0)  # type: ignore[arg-type]
        try:
            video = services.video_ingest(
                owner=request.user,  # type: ignore[arg-type]
                title=serializer.validated_data.get("title", ""),
                description=serializer.validated_data.get("description", ""),
                filename=upload.name or "",
                local_path=upload.temporary_file_path(),  # type: ignore[attr-defined]
                size=upload.size or 0,
                sha256=upload.sha256,  # type: ignore[attr-defined]
            )
        finally:
            upload.close()  # removes the temporary file unless storage moved it
        video = selectors.video_get(user=request.user, video_id=video.pk)
        body = VideoOutputSerializer(video, context={"request": request}).data
        return Response(
            body, status=status.HTTP_201_CREATED, headers={"Location": f"/api/v1/videos/{video.pk}"}
        )


class VideoUpdateInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)

    def validate(self, attrs: dict) -> dict:
        unknown = set(self.initial_data) - set(self.fields)
        if unknown:
            raise serializers.ValidationError(
                {name: ["This field cannot be changed."] for name in sorted(unknown)}
            )
        return attrs


class VideoDetailApi(APIView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(responses=VideoOutputSerializer)
    def get(self, request: Request, video_id: str) -> Response:
        video = selectors.video_get(user=request.user, video_id=video_id)
        return Response(VideoOutputSerializer(video, context={"request": request}).data)

    @extend_schema(request=VideoUpdateInputSerializer, responses=VideoOutputSerializer)
    def patch(self, request: Request, video_id: str) -> Response:
        video = selectors.video_get(user=request.user, video_id=video_id)
        _forbid_unless(
            permissions.can_edit(request.user, video), "Only the owner may edit this video."
        )
        serializer = VideoUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.video_update(video=video, **serializer.validated_data)
        video = selectors.video_get(user=request.user, video_id=video_id)
        return Response(VideoOutputSerializer(video, context={"request": request}).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, video_id: str) -> Response:
        video = selectors.video_get(user=request.user, video_id=video_id)
        _forbid_unless(
            permissions.can_edit(request.user, video), "Only the owner may delete this video."
        )
        services.video_delete(video=video)
        return Response(status=status.HTTP_204_NO_CONTENT)


class VideoShareInputSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    permission = serializers.ChoiceField(choices=SharePermission.choices)


class VideoShareCreateApi(APIView):
    parser_classes = [JSONParser, FormParser]

    @extend_schema(request=VideoShareInputSerializer, responses={201: VideoShareInputSerializer})
    def post(self, request: Request, video_id: str) -> Response:
        video = selectors.video_get(user=request.user, video_id=video_id)
        _forbid_unless(
            permissions.can_edit(request.user, video), "Only the owner may share this video."
        )
        serializer = VideoShareInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = User.objects.filter(
            username=serializer.validated_data["username"], is_active=True
        ).first()
        if user is None:
            raise ApplicationError(errors={"username": ["No such user."]})
        share = services.video_share(
            video=video, user=user, permission=serializer.validated_data["permission"]
        )
        return Response(
            {"username": user.username, "permission": share.permission},
            status=status.HTTP_201_CREATED,
        )


class VideoShareDeleteApi(APIView):
    @extend_schema(responses={204: None})
    def delete(self, request: Request, video_id: str, username: str) -> Response:
        video = selectors.video_get(user=request.user, video_id=video_id)
        _forbid_unless(
            permissions.can_edit(request.user, video), "Only the owner may change sharing."
        )
        user = User.objects.filter(username=username).first()
        if user is None or not services.video_unshare(video=video, user=user):
            raise NotFound("This video is not shared with that user.")
        return Response(status=status.HTTP_204_NO_CONTENT)


class VideoAnalysisApi(APIView):
    @extend_schema(responses={200: dict})
    def get(self, request: Request, video_id: str) -> Response:
        video = selectors.video_get(user=request.user, video_id=video_id)
        if not video.analysis:
            raise ApplicationError(
                "The video is still being processed; its analysis is not ready.",
                code="not_ready",
                status_code=409,
            )
        return Response({"duration": video.duration, **video.analysis})


class VideoReprocessApi(APIView):
    @extend_schema(request=None, responses={202: VideoOutputSerializer})
    def post(self, request: Request, video_id: str) -> Response:
        video = selectors.video_get(user=request.user, video_id=video_id)
        _forbid_unless(permissions.can_edit(request.user, video), "Only the owner may reprocess.")
        video = services.video_reprocess(video=video)
        video = selectors.video_get(user=request.user, video_id=video_id)
        body = VideoOutputSerializer(video, context={"request": request}).data
        return Response(body, status=status.HTTP_202_ACCEPTED)
