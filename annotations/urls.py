from annotations.apis import AnnotationViewSet, VideoAnnotationViewSet
from config.api import UUID_PATTERN, ApiRouter

router = ApiRouter()
router.register("annotations", AnnotationViewSet, basename="annotation")
router.register(
    rf"videos/(?P<video_id>{UUID_PATTERN})/annotations",
    VideoAnnotationViewSet,
    basename="video-annotations",
)

urlpatterns = router.urls
