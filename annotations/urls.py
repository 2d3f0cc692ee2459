from django.urls import re_path

from annotations import apis

VIDEO = r"videos/(?P<video_id>[0-9a-fA-F-]{36})/annotations"

urlpatterns = [
    re_path(rf"^{VIDEO}/export/?$", apis.AnnotationExportApi.as_view(), name="annotations-export"),
    re_path(
        rf"^{VIDEO}/export\.vtt$", apis.AnnotationExportVttApi.as_view(), name="annotations-vtt"
    ),
    re_path(rf"^{VIDEO}/import/?$", apis.AnnotationImportApi.as_view(), name="annotations-import"),
    re_path(r"^annotations/?$", apis.AnnotationListApi.as_view(), name="annotations"),
    re_path(r"^annotations/drawing/?$", apis.DrawingCreateApi.as_view(), name="annotation-drawing"),
    re_path(
        r"^annotations/voice-over/?$",
        apis.VoiceOverCreateApi.as_view(),
        name="annotation-voice-over",
    ),
    re_path(
        r"^annotations/(?P<annotation_id>[0-9a-fA-F-]{36})/?$",
        apis.AnnotationDetailApi.as_view(),
        name="annotation-detail",
    ),
]
