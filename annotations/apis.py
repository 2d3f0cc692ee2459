"""The annotations API: thin viewsets over the services, with the video's access rules."""

from typing import cast

from django.db.models import QuerySet
from django.http import HttpResponse
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle

from accounts.models import User
from annotations import exchange, selectors, services
from annotations.models import Annotation, AnnotationType
from annotations.permissions import AnnotationAccess
from annotations.serializers import (
    AnnotationOutputSerializer,
    AnnotationUpdateSerializer,
    DrawingCreateSerializer,
    VoiceOverCreateSerializer,
)
from config.api import UUID_PATTERN
from config.errors import ApplicationError
from config.fields import StrictUUIDField
from config.parsers import DepthLimitedJSONParser
from config.ratelimit import AnnotationCreateThrottle
from config.schema import ERRORS_READ, ERRORS_UPLOAD, ERRORS_WRITE, error_responses
from videos import selectors as video_selectors
from videos.errors import VideoNotFound, VideoPermissionDenied
from videos.models import Video
from videos.permissions import can_annotate
from videos.uploads import StreamedUploadMixin

MAX_DRAWING_BODY = 256 * 1024


class AnnotationPagination(PageNumberPagination):
    page_size = 100  # a coach loads a whole session of notes at once


class AnnotationFilter(filters.FilterSet):
    author = filters.CharFilter(field_name="author_username", max_length=150)
    type = filters.ChoiceFilter(choices=AnnotationType.choices)

    class Meta:
        model = Annotation
        fields: list[str] = []


class AnnotationVideoQuerySerializer(serializers.Serializer):
    video_id = StrictUUIDField()


def _video_for(request: Request, video_id: object) -> Video:
    """The video if the caller may see it (else a field error: ids in bodies are input)."""
    try:
        return video_selectors.video_get(
            user=request.user, video_id=str(video_id), renditions=False
        )
    except VideoNotFound:
        raise ApplicationError(errors={"video_id": ["No such video."]}) from None


def _annotatable(request: Request, video_id: object) -> Video:
    video = _video_for(request, video_id)
    if not can_annotate(request.user, video):
        raise VideoPermissionDenied("You may view this video but not annotate it.")
    return video


class AnnotationViewSet(StreamedUploadMixin, viewsets.GenericViewSet):
    """/api/v1/annotations: a video's annotations, one annotation, and creating drawings and
    voice-overs (the video is named in the body or the query)."""

    permission_classes = [IsAuthenticated, AnnotationAccess]
    serializer_class = AnnotationOutputSerializer
    pagination_class = AnnotationPagination
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = AnnotationFilter
    parser_classes = [DepthLimitedJSONParser]
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self) -> QuerySet[Annotation]:
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular reading the types
            return Annotation.objects.none()
        query = AnnotationVideoQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        video = _video_for(self.request, query.validated_data["video_id"])
        return selectors.annotation_list(user=self.request.user, video=video)

    def get_object(self) -> Annotation:
        annotation, self.video = selectors.annotation_get_for(
            user=self.request.user, annotation_id=self.kwargs["pk"]
        )
        self.check_object_permissions(self.request, annotation)
        return annotation

    def get_throttles(self) -> list[BaseThrottle]:
        creates = self.action in ("drawing", "voice_over")
        return [*super().get_throttles(), *([AnnotationCreateThrottle()] if creates else [])]

    @extend_schema(
        parameters=[OpenApiParameter("video_id", OpenApiTypes.UUID, required=True)],
        responses={200: AnnotationOutputSerializer(many=True), **error_responses(400, 401, 429)},
    )
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(responses={200: AnnotationOutputSerializer, **ERRORS_READ})
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        request=AnnotationUpdateSerializer,
        responses={200: AnnotationOutputSerializer, **ERRORS_WRITE},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        annotation = self.get_object()
        serializer = AnnotationUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.annotation_update(
            annotation=annotation, video=self.video, **serializer.validated_data
        )
        return Response(self.get_serializer(annotation).data)

    @extend_schema(responses={204: None, **ERRORS_WRITE})
    def destroy(self, request: Request, pk: str) -> Response:
        services.annotation_delete(annotation=self.get_object(), by=cast(User, request.user))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=None,
        responses={201: AnnotationOutputSerializer, **ERRORS_WRITE},
    )
    @action(detail=True, methods=["post"])
    def restore(self, request: Request, pk: str) -> Response:
        """Undo a delete: the drawing the caller deleted lately, back with the same id."""
        annotation = services.annotation_restore(annotation_id=pk, user=cast(User, request.user))
        return Response(self.get_serializer(annotation).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=DrawingCreateSerializer,
        responses={201: AnnotationOutputSerializer, **ERRORS_WRITE},
    )
    @action(detail=False, methods=["post"])
    def drawing(self, request: Request) -> Response:
        if len(request.body) > MAX_DRAWING_BODY:
            raise ApplicationError(errors={"drawing_data": ["The drawing is larger than 256 KiB."]})
        serializer = DrawingCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        annotation = services.annotation_create_drawing(
            video=_annotatable(request, data["video_id"]),
            author=cast(User, request.user),
            timestamp=data["timestamp"],
            duration=data["duration"],
            drawing_data=data["drawing_data"],
        )
        body = self.get_serializer(annotation).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        request={"multipart/form-data": VoiceOverCreateSerializer},
        responses={201: AnnotationOutputSerializer, **ERRORS_UPLOAD, **error_responses(404)},
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="voice-over",
        parser_classes=[MultiPartParser, FormParser],
    )
    def voice_over(self, request: Request) -> Response:
        serializer = VoiceOverCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        video = _annotatable(request, data["video_id"])
        recording = data["audio_file"]
        try:
            annotation = services.voice_over_create(
                video=video,
                author=cast(User, request.user),
                timestamp=data["timestamp"],
                local_path=recording.temporary_file_path(),
                size=recording.size or 0,
            )
        finally:
            recording.close()
        body = self.get_serializer(annotation).data
        return Response(body, status=status.HTTP_201_CREATED)


VIDEO_ID = OpenApiParameter("video_id", OpenApiTypes.UUID, OpenApiParameter.PATH)


class VideoAnnotationViewSet(viewsets.ViewSet):
    """/api/v1/videos/{video_id}/annotations/...: the exchange formats of a video's notes."""

    def _video(self) -> Video:
        return video_selectors.video_get(user=self.request.user, video_id=self.kwargs["video_id"])

    def _annotations(self, video: Video) -> list[Annotation]:
        return list(selectors.annotation_list(user=self.request.user, video=video))

    @extend_schema(
        parameters=[VIDEO_ID],
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT), **ERRORS_READ},
    )
    @action(detail=False, methods=["get"])
    def export(self, request: Request, video_id: str) -> Response:
        video = self._video()
        return Response(exchange.export_document(video, self._annotations(video)))

    @extend_schema(
        parameters=[VIDEO_ID],
        responses={(200, "text/vtt"): OpenApiTypes.STR, **ERRORS_READ},
    )
    @action(detail=False, methods=["get"], url_path=r"export\.vtt", url_name="export-vtt")
    def export_vtt(self, request: Request, video_id: str) -> HttpResponse:
        video = self._video()
        text = exchange.export_vtt(video, self._annotations(video))
        response = HttpResponse(text, content_type="text/vtt; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="annotations-{video.pk}.vtt"'
        return response

    @extend_schema(
        parameters=[VIDEO_ID],
        request=OpenApiTypes.OBJECT,
        responses={201: OpenApiResponse(OpenApiTypes.OBJECT), **ERRORS_WRITE},
    )
    @action(
        detail=False, methods=["post"], url_path="import", parser_classes=[DepthLimitedJSONParser]
    )
    def import_document(self, request: Request, video_id: str) -> Response:
        video = self._video()
        if not can_annotate(request.user, video):
            raise VideoPermissionDenied("You may view this video but not annotate it.")
        created = exchange.import_document(
            video=video, author=cast(User, request.user), document=request.data
        )
        return Response({"imported": created}, status=status.HTTP_201_CREATED)
