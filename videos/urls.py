from config.api import ApiRouter
from videos.apis import VideoViewSet

router = ApiRouter()
router.register("videos", VideoViewSet, basename="video")

urlpatterns = router.urls
