from accounts.apis import AuthViewSet, UserViewSet
from config.api import ApiRouter

router = ApiRouter()
router.register("auth", AuthViewSet, basename="auth")
router.register("users", UserViewSet, basename="user")

urlpatterns = router.urls
