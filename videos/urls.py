from django.urls import re_path

from videos import apis

UUID = r"(?P<video_id>[0-9a-fA-F-]{36})"

urlpatterns = [
    re_path(r"^videos/?$", apis.VideoListCreateApi.as_view(), name="videos"),
    re_path(rf"^videos/{UUID}/?$", apis.VideoDetailApi.as_view(), name="video-detail"),
    re_path(rf"^videos/{UUID}/shares/?$", apis.VideoShareCreateApi.as_view(), name="video-shares"),
    re_path(
        rf"^videos/{UUID}/shares/(?P<username>[\w.@+-]+)/?$",
        apis.VideoShareDeleteApi.as_view(),
        name="video-share-detail",
    ),
    re_path(rf"^videos/{UUID}/analysis/?$", apis.VideoAnalysisApi.as_view(), name="video-analysis"),
    re_path(
        rf"^videos/{UUID}/reprocess/?$", apis.VideoReprocessApi.as_view(), name="video-reprocess"
    ),
]
