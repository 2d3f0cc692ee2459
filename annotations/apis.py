"""The annotations API: thin views over the services, with the video's access rules."""

from django.db.models import QuerySet
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations import exchange, services
from annotations.models import Annotation, AnnotationType
from annotations.serializers import (
    AnnotationOutputSerializer,
    AnnotationUpdateSerializer,
    DrawingCreateSerializer,
    VoiceOverCreateSerializer,
)
from config.errors import ApplicationError
from videos import permissions, selectors
from videos.models import Video
from videos.uploads import StreamedUploadMixin

MAX_DRAWING_BODY = 256 * 1024
ANNOTATION_PAGE_SIZE = 100  # a coach loads a whole session of notes at once


def _video_for(request: Request, video_id: object) -> Video:
    """The video if the caller may see it (else a field error: ids in bodies are input)."""
    try:
        return selectors.video_get(user=request.user, video_id=str(video_id))
    except permissions.VideoNotFound:
        raise ApplicationError(errors={"video_id": ["No such video."]}) from None


def _annotation_for(request: Request, annotation_id: str) -> tuple[Annotation, Video]:
    annotation = Annotation.objects.filter(pk=annotation_id).first()
    if annotation is None:
        raise NotFound("No such annotation.")
    try:
        video = selectors.video_get(user=request.user, video_id=annotation.video_id)
    except permissions.VideoNotFound:
        raise NotFound("No such annotation.") from None
    if annotation.hidden and not permissions.is_staff(request.user):
        raise NotFound("No such annotation.")
    return annotation, video


class DrawingCreateApi(APIView):
    parser_classes = [JSONParser]

    @extend_schema(request=DrawingCreateSerializer, responses={201: AnnotationOutputSerializer})
    def post(self, request: Request) -> Response:
        if len(request.body) > MAX_DRAWING_BODY:
            raise ApplicationError(errors={"drawing_data": ["The drawing is larger than 256 KiB."]})
        serializer = DrawingCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        video = _video_for(request, data["video_id"])
        if not permissions.can_annotate(request.user, video):
            raise permissions.VideoPermissionDenied("You may view this video but not annotate it.")
        annotation = services.annotation_create_drawing(
            video=video,
            author=request.user,  # type: ignore[arg-type]
            timestamp=data["timestamp"],
            duration=data["duration"],
            drawing_data=data["drawing_data"],
        )
        return Response(AnnotationOutputSerializer(annotation).data, status=status.HTTP_201_CREATED)


class AnnotationFilterSerializer(serializers.Serializer):
    video_id = serializers.UUIDField()
    author = serializers.CharField(max_length=150, required=False)
    type = serializers.ChoiceField(choices=AnnotationType.choices, required=False)


class AnnotationListApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("video_id", str, required=True),
            OpenApiParameter("author", str),
            OpenApiParameter("type", str),
        ],
        responses=AnnotationOutputSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        filters = AnnotationFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        video = _video_for(request, filters.validated_data["video_id"])
        annotations: QuerySet[Annotation] = Annotation.objects.filter(video_id=video.pk)
        if not permissions.is_staff(request.user):
            annotations = annotations.filter(hidden=False)
        if author := filters.validated_data.get("author"):
            annotations = annotations.filter(author_username=author)
        if kind := filters.validated_data.get("type"):
            annotations = annotations.filter(type=kind)
        paginator = PageNumberPagination()
        paginator.page_size = ANNOTATION_PAGE_SIZE
        page = paginator.paginate_queryset(annotations.order_by("timestamp", "created_at"), request)
        return paginator.get_paginated_response(AnnotationOutputSerializer(page, many=True).data)


class AnnotationDetailApi(APIView):
    parser_classes = [JSONParser]

    @extend_schema(responses=AnnotationOutputSerializer)
    def get(self, request: Request, annotation_id: str) -> Response:
        annotation, _ = _annotation_for(request, annotation_id)
        return Response(AnnotationOutputSerializer(annotation).data)

    @extend_schema(request=AnnotationUpdateSerializer, responses=AnnotationOutputSerializer)
    def patch(self, request: Request, annotation_id: str) -> Response:
        annotation, video = _annotation_for(request, annotation_id)
        if annotation.author_id != request.user.pk and not permissions.is_staff(request.user):
            raise permissions.VideoPermissionDenied("Only its author or staff may edit this.")
        serializer = AnnotationUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.annotation_update(annotation=annotation, video=video, **serializer.validated_data)
        return Response(AnnotationOutputSerializer(annotation).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, annotation_id: str) -> Response:
        annotation, video = _annotation_for(request, annotation_id)
        allowed = (
            annotation.author_id == request.user.pk
            or video.owner_id == request.user.pk
            or permissions.is_staff(request.user)
        )
        if not allowed:
            raise permissions.VideoPermissionDenied(
                "Only its author, the video's owner or staff may delete this."
            )
        services.annotation_delete(annotation=annotation)
        return Response(status=status.HTTP_204_NO_CONTENT)


class VoiceOverCreateApi(StreamedUploadMixin, APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=VoiceOverCreateSerializer, responses={201: AnnotationOutputSerializer})
    def post(self, request: Request) -> Response:
        serializer = VoiceOverCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        video = _video_for(request, data["video_id"])
        if not permissions.can_annotate(request.user, video):
            raise permissions.VideoPermissionDenied("You may view this video but not annotate it.")
        recording = data["audio_file"]
        try:
            annotation = services.voice_over_create(
                video=video,
                author=request.user,  # type: ignore[arg-type]
                timestamp=data["timestamp"],
                local_path=recording.temporary_file_path(),
                size=recording.size or 0,
            )
        finally:
            recording.close()
        return Response(AnnotationOutputSerializer(annotation).data, status=status.HTTP_201_CREATED)


def _visible_annotations(request: Request, video: Video) -> list[Annotation]:
    annotations = Annotation.objects.filter(video_id=video.pk)
    if not permissions.is_staff(request.user):
        annotations = annotations.filter(hidden=False)
    return list(annotations.order_by("timestamp", "created_at"))


class AnnotationExportApi(APIView):
    @extend_schema(responses={200: dict})
    def get(self, request: Request, video_id: str) -> Response:
        video = selectors.video_get(user=request.user, video_id=video_id)
        return Response(exchange.export_document(video, _visible_annotations(request, video)))


class AnnotationExportVttApi(APIView):
    @extend_schema(responses={(200, "text/vtt"): str})
    def get(self, request: Request, video_id: str) -> HttpResponse:
        video = selectors.video_get(user=request.user, video_id=video_id)
        text = exchange.export_vtt(video, _visible_annotations(request, video))
        response = HttpResponse(text, content_type="text/vtt; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="annotations-{video.pk}.vtt"'
        return response


class AnnotationImportApi(APIView):
    parser_classes = [JSONParser]

    @extend_schema(request=dict, responses={201: dict})
    def post(self, request: Request, video_id: str) -> Response:
        video = selectors.video_get(user=request.user, video_id=video_id)
        if not permissions.can_annotate(request.user, video):
            raise permissions.VideoPermissionDenied("You may view this video but not annotate it.")
        created = exchange.import_document(video=video, author=request.user, document=request.data)  # type: ignore[arg-type]
        return Response({"imported": created}, status=status.HTTP_201_CREATED)
