from config.api import ApiRouter
from videos.apis import ComparisonViewSet, VideoViewSet

router = ApiRouter()
router.register("videos", VideoViewSet, basename="video")
router.register("comparisons", ComparisonViewSet, basename="comparison")

urlpatterns = router.urls
