from annotations.apis import (
    AnnotationViewSet,
    CommentViewSet,
    VideoAnnotationViewSet,
    VideoCommentViewSet,
)
from config.api import UUID_PATTERN, ApiRouter

router = ApiRouter()
router.register("annotations", AnnotationViewSet, basename="annotation")
router.register(
    rf"videos/(?P<video_id>{UUID_PATTERN})/annotations",
    VideoAnnotationViewSet,
    basename="video-annotations",
)
router.register("comments", CommentViewSet, basename="comment")
router.register(
    rf"videos/(?P<video_id>{UUID_PATTERN})/comments", VideoCommentViewSet, basename="video-comments"
)

urlpatterns = router.urls
