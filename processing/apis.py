"""Exports of a coached video: ask for one, follow it, download it (anyone who may view)."""

from typing import cast

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from config.api import UUID_PATTERN
from config.errors import ApplicationError, ErrorCode
from config.schema import ERRORS_READ, ERRORS_WRITE, error_responses
from processing import services
from processing.models import ProcessingJob
from processing.serializers import (
    CompareExportCreateSerializer,
    CompareExportOutputSerializer,
    ExportCreateSerializer,
    ExportOutputSerializer,
)
from videos import selectors
from videos.models import Comparison, Video

VIDEO_ID = OpenApiParameter("video_id", OpenApiTypes.UUID, OpenApiParameter.PATH)


@extend_schema_view(
    list=extend_schema(
        parameters=[VIDEO_ID], responses={200: ExportOutputSerializer(many=True), **ERRORS_READ}
    ),
    retrieve=extend_schema(
        parameters=[VIDEO_ID], responses={200: ExportOutputSerializer, **ERRORS_READ}
    ),
    create=extend_schema(
        parameters=[VIDEO_ID],
        request=ExportCreateSerializer,
        responses={202: ExportOutputSerializer, **ERRORS_WRITE, **error_responses(422)},
    ),
)
class VideoExportViewSet(viewsets.GenericViewSet):
    """/api/v1/videos/{video_id}/exports: the video's access rules decide (view is enough)."""

    serializer_class = ExportOutputSerializer
    lookup_value_regex = UUID_PATTERN
    pagination_class = None  # a video has a handful of exports

    def get_video(self) -> Video:
        return selectors.video_get(user=self.request.user, video_id=self.kwargs["video_id"])

    def get_queryset(self) -> QuerySet[ProcessingJob]:
        return services.exports_for_video(video=self.get_video()).select_related("requested_by")

    def list(self, request: Request, video_id: str) -> Response:
        return Response(self.get_serializer(self.get_queryset(), many=True).data)

    def retrieve(self, request: Request, video_id: str, pk: str) -> Response:
        job = self.get_queryset().filter(pk=pk).first()
        if job is None:
            raise ApplicationError(
                "No such export of this video.", code=ErrorCode.NOT_FOUND, status_code=404
            )
        return Response(self.get_serializer(job).data)

    def create(self, request: Request, video_id: str) -> Response:
        video = self.get_video()
        serializer = ExportCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = cast(User, request.user)  # the API's default permission: signed in
        job = services.export_request(user=user, video=video, **serializer.validated_data)
        return Response(self.get_serializer(job).data, status=status.HTTP_202_ACCEPTED)


COMPARISON_ID = OpenApiParameter("comparison_id", OpenApiTypes.UUID, OpenApiParameter.PATH)


@extend_schema_view(
    list=extend_schema(
        parameters=[COMPARISON_ID],
        responses={200: CompareExportOutputSerializer(many=True), **ERRORS_READ},
    ),
    retrieve=extend_schema(
        parameters=[COMPARISON_ID], responses={200: CompareExportOutputSerializer, **ERRORS_READ}
    ),
    create=extend_schema(
        parameters=[COMPARISON_ID],
        request=CompareExportCreateSerializer,
        responses={202: CompareExportOutputSerializer, **ERRORS_WRITE, **error_responses(422)},
    ),
)
class ComparisonExportViewSet(viewsets.GenericViewSet):
    """/api/v1/comparisons/{comparison_id}/exports: anyone who may see the comparison."""

    serializer_class = CompareExportOutputSerializer
    lookup_value_regex = UUID_PATTERN
    pagination_class = None

    def get_comparison(self) -> Comparison:
        return selectors.comparison_get(
            user=self.request.user, comparison_id=self.kwargs["comparison_id"]
        )

    def get_queryset(self) -> QuerySet[ProcessingJob]:
        comparison = self.get_comparison()
        return services.exports_for_comparison(comparison=comparison).select_related("requested_by")

    def list(self, request: Request, comparison_id: str) -> Response:
        return Response(self.get_serializer(self.get_queryset(), many=True).data)

    def retrieve(self, request: Request, comparison_id: str, pk: str) -> Response:
        job = self.get_queryset().filter(pk=pk).first()
        if job is None:
            raise ApplicationError(
                "No such export of this comparison.", code=ErrorCode.NOT_FOUND, status_code=404
            )
        return Response(self.get_serializer(job).data)

    def create(self, request: Request, comparison_id: str) -> Response:
        comparison = self.get_comparison()
        serializer = CompareExportCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        job = services.compare_export_request(
            user=cast(User, request.user), comparison=comparison, **serializer.validated_data
        )
        return Response(self.get_serializer(job).data, status=status.HTTP_202_ACCEPTED)
