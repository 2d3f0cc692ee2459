from django.urls import re_path

from accounts import apis

# `/?$`: the trailing slash is optional for every method (a redirect would drop a POST body).
urlpatterns = [
    re_path(r"^auth/token/?$", apis.TokenObtainApi.as_view(), name="auth-token"),
    re_path(r"^auth/token/refresh/?$", apis.TokenRefreshApi.as_view(), name="auth-token-refresh"),
    re_path(r"^auth/logout/?$", apis.LogoutApi.as_view(), name="auth-logout"),
    re_path(r"^users/me/?$", apis.MeApi.as_view(), name="users-me"),
    re_path(r"^users/?$", apis.UserCreateApi.as_view(), name="users"),
]
