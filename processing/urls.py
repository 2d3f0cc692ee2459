from config.api import UUID_PATTERN, ApiRouter
from processing.apis import VideoExportViewSet

router = ApiRouter()
router.register(
    rf"videos/(?P<video_id>{UUID_PATTERN})/exports", VideoExportViewSet, basename="video-export"
)

urlpatterns = router.urls
