from django.urls import re_path

from processing import apis

VIDEO = r"videos/(?P<video_id>[0-9a-fA-F-]{36})"

urlpatterns = [
    re_path(rf"^{VIDEO}/exports/?$", apis.VideoExportListCreateApi.as_view(), name="video-exports"),
    re_path(
        rf"^{VIDEO}/exports/(?P<export_id>[0-9a-fA-F-]{{36}})/?$",
        apis.VideoExportDetailApi.as_view(),
        name="video-export",
    ),
]
