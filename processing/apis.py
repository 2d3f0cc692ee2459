"""Exports of a coached video: ask for one, follow it, download it (anyone who may view)."""

import uuid
from typing import cast

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from config.errors import ApplicationError
from processing import services
from processing.serializers import ExportCreateSerializer, ExportOutputSerializer
from videos import selectors


class VideoExportListCreateApi(APIView):
    @extend_schema(responses={200: ExportOutputSerializer(many=True)})
    def get(self, request: Request, video_id: str) -> Response:
        video = selectors.video_get(user=request.user, video_id=video_id)
        jobs = services.exports_for_video(video=video).select_related("requested_by")
        return Response(ExportOutputSerializer(jobs, many=True).data)

    @extend_schema(request=ExportCreateSerializer, responses={202: ExportOutputSerializer})
    def post(self, request: Request, video_id: str) -> Response:
        video = selectors.video_get(user=request.user, video_id=video_id)
        serializer = ExportCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = cast(User, request.user)  # the API's default permission: signed in
        job = services.export_request(user=user, video=video, **serializer.validated_data)
        return Response(ExportOutputSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class VideoExportDetailApi(APIView):
    @extend_schema(responses={200: ExportOutputSerializer})
    def get(self, request: Request, video_id: str, export_id: str) -> Response:
        video = selectors.video_get(user=request.user, video_id=video_id)
        try:
            job = services.exports_for_video(video=video).filter(pk=uuid.UUID(export_id)).first()
        except ValueError:
            job = None
        if job is None:
            raise ApplicationError(
                "No such export of this video.", code="not_found", status_code=404
            )
        return Response(ExportOutputSerializer(job).data)
