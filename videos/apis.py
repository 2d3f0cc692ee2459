"""The video API: one viewset whose actions validate, call a service or selector, and render."""

import time
from typing import Any, cast

from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle

from accounts.models import User
from accounts.selectors import user_by_username
from config.api import UUID_PATTERN
from config.errors import ApplicationError
from config.fields import StrictFloatField, StrictUUIDField
from config.parsers import DepthLimitedJSONParser
from config.ratelimit import UploadRateThrottle
from config.schema import ERRORS_READ, ERRORS_UPLOAD, ERRORS_WRITE
from videos import metrics, selectors, services, uploads
from videos.errors import ComparisonPermissionDenied, VideoNotFound, VideoNotReady
from videos.filters import VideoFilter
from videos.models import Comparison, ComparisonLayout, SharePermission, Video
from videos.permissions import ComparisonAccess, VideoAccess, can_edit_comparison
from videos.serializers import ComparisonOutputSerializer, VideoOutputSerializer
from videos.uploads import StreamedUploadMixin


class VideoUploadInputSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True, max_length=1000)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)


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


class VideoShareInputSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    permission = serializers.ChoiceField(choices=SharePermission.choices)


class VideoViewSet(StreamedUploadMixin, viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated, VideoAccess]
    serializer_class = VideoOutputSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = VideoFilter
    parser_classes = [DepthLimitedJSONParser, MultiPartParser, FormParser]
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self) -> QuerySet[Video]:
        return selectors.video_list(user=self.request.user)

    def get_object(self) -> Video:
        video = selectors.video_get(user=self.request.user, video_id=self.kwargs["pk"])
        self.check_object_permissions(self.request, video)
        return video

    def get_throttles(self) -> list[BaseThrottle]:
        uploads = [UploadRateThrottle()] if self.action == "create" else []
        return [*super().get_throttles(), *uploads]

    def _render(self, video: Video, status_code: int = status.HTTP_200_OK, **kw: Any) -> Response:
        video = selectors.video_get(user=self.request.user, video_id=video.pk)  # fresh rights
        return Response(self.get_serializer(video).data, status=status_code, **kw)

    @extend_schema(responses={200: VideoOutputSerializer(many=True), **ERRORS_READ})
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        request={"multipart/form-data": VideoUploadInputSerializer},
        responses={201: VideoOutputSerializer, **ERRORS_UPLOAD},
    )
    def create(self, request: Request) -> Response:
        started = time.perf_counter()
        try:
            video = self._ingest(request)
        except ApplicationError as error:
            metrics.UPLOAD_FAILURES.labels(method="plain", code=error.code).inc()
            raise
        metrics.UPLOADED_BYTES.labels(method="plain").inc(video.size)
        metrics.UPLOAD_DURATION.labels(method="plain").observe(time.perf_counter() - started)
        return self._render(
            video, status.HTTP_201_CREATED, headers={"Location": f"/api/v1/videos/{video.pk}"}
        )

    def _ingest(self, request: Request) -> Video:
        serializer = VideoUploadInputSerializer(data=uploads.upload_form(request))
        serializer.is_valid(raise_exception=True)
        upload: UploadedFile = serializer.validated_data["file"]
        owner = cast(User, request.user)
        try:
            uploads.check_quota(user=owner, incoming_bytes=upload.size or 0)
            return services.video_ingest(
                owner=owner,
                title=serializer.validated_data.get("title", ""),
                description=serializer.validated_data.get("description", ""),
                filename=upload.name or "",
                local_path=upload.temporary_file_path(),  # type: ignore[attr-defined]
                size=upload.size or 0,
                sha256=upload.sha256,  # type: ignore[attr-defined]
                scan=getattr(upload, "scan", None),  # scanned while it streamed
            )
        finally:
            upload.close()  # removes the temporary file unless storage moved it

    @extend_schema(responses={200: VideoOutputSerializer, **ERRORS_READ})
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        request=VideoUpdateInputSerializer, responses={200: VideoOutputSerializer, **ERRORS_WRITE}
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        video = self.get_object()
        serializer = VideoUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.video_update(video=video, **serializer.validated_data)
        return self._render(video)

    @extend_schema(responses={204: None, **ERRORS_WRITE})
    def destroy(self, request: Request, pk: str) -> Response:
        services.video_delete(video=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=VideoShareInputSerializer,
        responses={201: VideoShareInputSerializer, **ERRORS_WRITE},
    )
    @action(detail=True, methods=["post"])
    def shares(self, request: Request, pk: str) -> Response:
        video = self.get_object()
        serializer = VideoShareInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = user_by_username(username=serializer.validated_data["username"], active=True)
        if user is None:
            raise ApplicationError(errors={"username": ["No such user."]})
        share = services.video_share(
            video=video,
            user=user,
            permission=serializer.validated_data["permission"],
            by=cast(User, request.user),
        )
        body = {"username": user.username, "permission": share.permission}
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None, **ERRORS_WRITE})
    @action(detail=True, methods=["delete"], url_path=r"shares/(?P<username>[\w.@+-]+)")
    def unshare(self, request: Request, pk: str, username: str) -> Response:
        video = self.get_object()
        user = user_by_username(username=username)
        if user is None or not services.video_unshare(video=video, user=user):
            raise NotFound("This video is not shared with that user.")
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="motion per 0.5 s, cuts"),
            409: OpenApiResponse(description="not_ready: still being processed"),
            **ERRORS_READ,
        }
    )
    @action(detail=True, methods=["get"])
    def analysis(self, request: Request, pk: str) -> Response:
        video = self.get_object()
        if not video.analysis:
            raise VideoNotReady("The video is still being processed; its analysis is not ready.")
        return Response({"duration": video.duration, **video.analysis})

    @extend_schema(request=None, responses={202: VideoOutputSerializer, **ERRORS_WRITE})
    @action(detail=True, methods=["post"])
    def reprocess(self, request: Request, pk: str) -> Response:
        video = services.video_reprocess(video=self.get_object())
        return self._render(video, status.HTTP_202_ACCEPTED)


# --- Comparisons: /api/v1/comparisons --------------------------------------------------------


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know (a typo must not be silently ignored)."""

    def to_internal_value(self, data: Any) -> Any:
        unknown = set(data) - set(self.fields) if isinstance(data, dict) else set()
        if unknown:
            raise serializers.ValidationError(
                {name: ["This field cannot be set."] for name in sorted(unknown)}
            )
        return super().to_internal_value(data)


class PaneCreateSerializer(StrictSerializer):
    video_id = StrictUUIDField()
    sync = StrictFloatField(min_value=0, default=0.0)
    mirror = serializers.BooleanField(default=False)


class PaneUpdateSerializer(StrictSerializer):
    sync = StrictFloatField(min_value=0, required=False)
    mirror = serializers.BooleanField(required=False)


class ComparisonCreateSerializer(StrictSerializer):
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    left = PaneCreateSerializer()
    right = PaneCreateSerializer()
    layout = serializers.ChoiceField(
        choices=ComparisonLayout.choices, default=ComparisonLayout.SIDE_BY_SIDE
    )
    overlay_opacity = StrictFloatField(min_value=0, max_value=1, default=0.5)
    overlay_swapped = serializers.BooleanField(default=False)


class ComparisonUpdateSerializer(StrictSerializer):
    title = serializers.CharField(max_length=200, required=False)
    left = PaneUpdateSerializer(required=False)
    right = PaneUpdateSerializer(required=False)
    layout = serializers.ChoiceField(choices=ComparisonLayout.choices, required=False)
    overlay_opacity = StrictFloatField(min_value=0, max_value=1, required=False)
    overlay_swapped = serializers.BooleanField(required=False)


class ComparisonViewSet(viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated, ComparisonAccess]
    serializer_class = ComparisonOutputSerializer
    parser_classes = [DepthLimitedJSONParser]
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self) -> QuerySet[Comparison]:
        return selectors.comparison_list(user=self.request.user)

    def get_object(self) -> Comparison:
        comparison = selectors.comparison_get(
            user=self.request.user, comparison_id=self.kwargs["pk"]
        )
        self.check_object_permissions(self.request, comparison)
        return comparison

    def _render(self, comparison: Comparison, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.comparison_get(user=self.request.user, comparison_id=comparison.pk)
        return Response(self.get_serializer(fresh).data, status=status_code)

    def _pane(self, data: dict) -> services.PaneInput:
        try:
            video = selectors.video_get(user=self.request.user, video_id=data["video_id"])
        except VideoNotFound:
            raise VideoNotFound("No such ready video.") from None
        return services.PaneInput(video=video, sync=data["sync"], mirror=data["mirror"])

    @extend_schema(responses={200: ComparisonOutputSerializer(many=True), **ERRORS_READ})
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        request=ComparisonCreateSerializer,
        responses={201: ComparisonOutputSerializer, **ERRORS_WRITE},
    )
    def create(self, request: Request) -> Response:
        serializer = ComparisonCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        comparison = services.comparison_create(
            owner=cast(User, request.user),
            title=data.get("title", ""),
            left=self._pane(data["left"]),
            right=self._pane(data["right"]),
            layout=data["layout"],
            overlay_opacity=data["overlay_opacity"],
            overlay_swapped=data["overlay_swapped"],
        )
        response = self._render(comparison, status.HTTP_201_CREATED)
        response["Location"] = f"/api/v1/comparisons/{comparison.pk}"
        return response

    @extend_schema(responses={200: ComparisonOutputSerializer, **ERRORS_READ})
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        request=ComparisonUpdateSerializer,
        responses={200: ComparisonOutputSerializer, **ERRORS_WRITE},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        comparison = self.get_object()
        serializer = ComparisonUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        if "title" in changes and not can_edit_comparison(request.user, comparison):
            raise ComparisonPermissionDenied("Only the owner may rename this comparison.")
        services.comparison_update(comparison=comparison, changes=changes)
        return self._render(comparison)

    @extend_schema(responses={204: None, **ERRORS_WRITE})
    def destroy(self, request: Request, pk: str) -> Response:
        services.comparison_delete(comparison=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=VideoShareInputSerializer,
        responses={201: VideoShareInputSerializer, **ERRORS_WRITE},
    )
    @action(detail=True, methods=["post"])
    def shares(self, request: Request, pk: str) -> Response:
        comparison = self.get_object()
        serializer = VideoShareInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = user_by_username(username=serializer.validated_data["username"], active=True)
        if user is None:
            raise ApplicationError(errors={"username": ["No such user."]})
        share = services.comparison_share(
            comparison=comparison,
            user=user,
            permission=serializer.validated_data["permission"],
            by=cast(User, request.user),
        )
        body = {"username": user.username, "permission": share.permission}
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None, **ERRORS_WRITE})
    @action(detail=True, methods=["delete"], url_path=r"shares/(?P<username>[\w.@+-]+)")
    def unshare(self, request: Request, pk: str, username: str) -> Response:
        comparison = self.get_object()
        user = user_by_username(username=username)
        if user is None or not services.comparison_unshare(comparison=comparison, user=user):
            raise NotFound("This comparison is not shared with that user.")
        return Response(status=status.HTTP_204_NO_CONTENT)
