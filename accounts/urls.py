from accounts.apis import AuthViewSet, NotificationViewSet, UserViewSet
from config.api import ApiRouter

router = ApiRouter()
router.register("auth", AuthViewSet, basename="auth")
router.register("users", UserViewSet, basename="user")
router.register("notifications", NotificationViewSet, basename="notification")

urlpatterns = router.urls
