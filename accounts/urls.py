from accounts.apis import AuthViewSet, InviteViewSet, NotificationViewSet, UserViewSet
from config.api import ApiRouter

router = ApiRouter()
router.register("auth", AuthViewSet, basename="auth")
router.register("users", UserViewSet, basename="user")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("invites", InviteViewSet, basename="invite")

urlpatterns = router.urls
