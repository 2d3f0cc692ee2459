"""The annotations API: thin viewsets over the services, with the video's access rules."""

import csv
from typing import Any, cast

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
from annotations import comments, exchange, measure, selectors, services
from annotations.models import Annotation, AnnotationType, Comment
from annotations.permissions import AnnotationAccess, CommentAccess
from annotations.serializers import (
    SIDES,
    AnnotationOutputSerializer,
    AnnotationUpdateSerializer,
    CommentCreateSerializer,
    CommentOutputSerializer,
    CommentUpdateSerializer,
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
from videos.errors import (
    ComparisonNotFound,
    ComparisonPermissionDenied,
    VideoNotFound,
    VideoPermissionDenied,
)
from videos.models import Comparison, Video
from videos.permissions import can_annotate, can_annotate_comparison
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
    """A video's own annotations (`video_id`) or a comparison's pane drawings (`comparison_id`,
    optionally one `side`)."""

    video_id = StrictUUIDField(required=False)
    comparison_id = StrictUUIDField(required=False)
    side = serializers.ChoiceField(choices=SIDES, required=False)

    def validate(self, attrs: dict) -> dict:
        if ("video_id" in attrs) == ("comparison_id" in attrs):
            raise serializers.ValidationError(
                {"video_id": ["Send video_id, or comparison_id for a comparison's drawings."]}
            )
        return attrs


def _video_for(request: Request, video_id: object) -> Video:
    """The video if the caller may see it (else a field error: ids in bodies are input)."""
    try:
        return video_selectors.video_get(
            user=request.user, video_id=str(video_id), renditions=False
        )
    except VideoNotFound:
        raise ApplicationError(errors={"video_id": ["No such video."]}) from None


def _comparison_for(request: Request, comparison_id: object) -> Comparison:
    """The comparison if the caller may see it (and both its videos); else a field error."""
    try:
        return video_selectors.comparison_get(user=request.user, comparison_id=str(comparison_id))
    except ComparisonNotFound:
        raise ApplicationError(errors={"comparison_id": ["No such comparison."]}) from None


def _pane_annotatable(request: Request, data: dict) -> tuple[Comparison, Video]:
    """The comparison and the video of the pane the caller draws on, if they may draw there."""
    comparison = _comparison_for(request, data["comparison_id"])
    if not can_annotate_comparison(request.user, comparison):
        raise ComparisonPermissionDenied("You may view this comparison but not draw on it.")
    video = comparison.video(data["side"])
    if data.get("video_id") is not None and data["video_id"] != video.pk:
        raise ApplicationError(errors={"video_id": [f"Not the {data['side']} pane's video."]})
    return comparison, video


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
        if "comparison_id" in query.validated_data:
            comparison = _comparison_for(self.request, query.validated_data["comparison_id"])
            return selectors.comparison_annotation_list(
                user=self.request.user,
                comparison=comparison,
                side=query.validated_data.get("side"),
            )
        self.video = _video_for(self.request, query.validated_data["video_id"])
        return selectors.annotation_list(user=self.request.user, video=self.video)

    def get_object(self) -> Annotation:
        annotation, self.video = selectors.annotation_get_for(
            user=self.request.user, annotation_id=self.kwargs["pk"]
        )
        self.comparison = selectors.annotation_comparison_for(
            user=self.request.user, annotation=annotation
        )
        self.check_object_permissions(self.request, annotation)
        return annotation

    def get_serializer_context(self) -> dict[str, Any]:
        # The video is at hand (fetched for its access rules): measurements need no second read.
        context = super().get_serializer_context()
        video = getattr(self, "video", None)
        if video is not None:
            basis = selectors.measure_basis(video.pk, video=video)
            context["measure_basis"] = {str(video.pk): basis}
        return context

    def get_throttles(self) -> list[BaseThrottle]:
        creates = self.action in ("drawing", "voice_over")
        return [*super().get_throttles(), *([AnnotationCreateThrottle()] if creates else [])]

    @extend_schema(
        parameters=[
            OpenApiParameter("video_id", OpenApiTypes.UUID),
            OpenApiParameter("comparison_id", OpenApiTypes.UUID),
            OpenApiParameter("side", OpenApiTypes.STR, enum=["left", "right"]),
        ],
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

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR, **ERRORS_READ})
    @action(detail=True, methods=["get"], url_path=r"series\.csv", url_name="series-csv")
    def series_csv(self, request: Request, pk: str) -> HttpResponse:
        """The drawing's measurement over time (tracked positions, speeds, angles, lengths)."""
        annotation = self.get_object()
        if annotation.type != AnnotationType.DRAWING or not annotation.drawing_data:
            raise ApplicationError("A voice-over has no measurement series.")
        basis = selectors.measure_basis(annotation.video_id, video=self.video)
        rows = measure.series_rows(
            annotation.drawing_data,
            annotation.tracking,
            timestamp=annotation.timestamp,
            duration=annotation.duration,
            width=basis.width,
            height=basis.height,
            fps=basis.fps,
            scale=basis.metres_per_pixel,
        )
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="series-{annotation.pk}.csv"'
        writer = csv.writer(response)
        writer.writerow(measure.SERIES_COLUMNS)
        for row in rows:
            writer.writerow([measure.spreadsheet_safe(cell) for cell in row])
        return response

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
        comparison = None
        if data.get("comparison_id") is not None:
            comparison, video = _pane_annotatable(request, data)
        else:
            video = _annotatable(request, data["video_id"])
        annotation = services.annotation_create_drawing(
            video=video,
            author=cast(User, request.user),
            timestamp=data["timestamp"],
            duration=data["duration"],
            drawing_data=data["drawing_data"],
            comparison=comparison,
            side=data.get("side", ""),
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

    def _comments(self, video: Video) -> list[Comment]:
        return selectors.comment_list(user=self.request.user, video=video)

    @extend_schema(
        parameters=[VIDEO_ID],
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT), **ERRORS_READ},
    )
    @action(detail=False, methods=["get"])
    def export(self, request: Request, video_id: str) -> Response:
        video = self._video()
        document = exchange.export_document(video, self._annotations(video), self._comments(video))
        return Response(document)

    @extend_schema(
        parameters=[VIDEO_ID],
        responses={(200, "text/vtt"): OpenApiTypes.STR, **ERRORS_READ},
    )
    @action(detail=False, methods=["get"], url_path=r"export\.vtt", url_name="export-vtt")
    def export_vtt(self, request: Request, video_id: str) -> HttpResponse:
        video = self._video()
        text = exchange.export_vtt(video, self._annotations(video), self._comments(video))
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
        drawings, notes = exchange.import_document(
            video=video, author=cast(User, request.user), document=request.data
        )
        return Response({"imported": drawings, "comments": notes}, status=status.HTTP_201_CREATED)


class VideoCommentViewSet(viewsets.GenericViewSet):
    """/api/v1/videos/{video_id}/comments: a video's threads, and writing a comment or reply."""

    permission_classes = [IsAuthenticated]
    serializer_class = CommentOutputSerializer
    pagination_class = AnnotationPagination
    parser_classes = [DepthLimitedJSONParser]

    def _video(self) -> Video:
        return video_selectors.video_get(user=self.request.user, video_id=self.kwargs["video_id"])

    @extend_schema(
        parameters=[VIDEO_ID],
        responses={200: CommentOutputSerializer(many=True), **ERRORS_READ},
    )
    def list(self, request: Request, video_id: str) -> Response:
        threads = selectors.comment_list(user=request.user, video=self._video())
        page: list[Comment] | None = self.paginate_queryset(threads)  # type: ignore[arg-type]
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        parameters=[VIDEO_ID],
        request=CommentCreateSerializer,
        responses={201: CommentOutputSerializer, **ERRORS_WRITE},
    )
    def create(self, request: Request, video_id: str) -> Response:
        video = self._video()
        serializer = CommentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = comments.comment_create(
            video=video, author=cast(User, request.user), **serializer.validated_data
        )
        return Response(self.get_serializer(comment).data, status=status.HTTP_201_CREATED)


class CommentViewSet(viewsets.GenericViewSet):
    """/api/v1/comments/{id}: edit (author), delete (author, owner, staff), resolve, reopen."""

    permission_classes = [IsAuthenticated, CommentAccess]
    serializer_class = CommentOutputSerializer
    parser_classes = [DepthLimitedJSONParser]
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self) -> QuerySet[Comment]:
        return Comment.objects.none()  # one comment at a time, through get_object

    def get_object(self) -> Comment:
        comment, self.video = selectors.comment_get_for(
            user=self.request.user, comment_id=self.kwargs["pk"]
        )
        self.check_object_permissions(self.request, comment)
        return comment

    @extend_schema(responses={200: CommentOutputSerializer, **ERRORS_READ})
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        request=CommentUpdateSerializer, responses={200: CommentOutputSerializer, **ERRORS_WRITE}
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        comment = self.get_object()
        serializer = CommentUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comments.comment_update(comment=comment, video=self.video, **serializer.validated_data)
        return Response(self.get_serializer(comment).data)

    @extend_schema(responses={204: None, **ERRORS_WRITE})
    def destroy(self, request: Request, pk: str) -> Response:
        comments.comment_delete(comment=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: CommentOutputSerializer, **ERRORS_WRITE})
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str) -> Response:
        comment = comments.comment_set_resolved(
            comment=self.get_object(), by=cast(User, request.user), resolved=True
        )
        return Response(self.get_serializer(comment).data)

    @extend_schema(request=None, responses={200: CommentOutputSerializer, **ERRORS_WRITE})
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str) -> Response:
        comment = comments.comment_set_resolved(
            comment=self.get_object(), by=cast(User, request.user), resolved=False
        )
        return Response(self.get_serializer(comment).data)
