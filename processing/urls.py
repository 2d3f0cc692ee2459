from config.api import UUID_PATTERN, ApiRouter
from processing.apis import ComparisonExportViewSet, VideoExportViewSet

router = ApiRouter()
router.register(
    rf"videos/(?P<video_id>{UUID_PATTERN})/exports", VideoExportViewSet, basename="video-export"
)
router.register(
    rf"comparisons/(?P<comparison_id>{UUID_PATTERN})/exports",
    ComparisonExportViewSet,
    basename="comparison-export",
)

urlpatterns = router.urls
