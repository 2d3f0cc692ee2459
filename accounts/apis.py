"""Token, logout and user endpoints as viewsets. Thin: validate, call a service, render."""

import uuid
from typing import Any, cast

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import AuthenticationFailed, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.tokens import RefreshToken

from accounts import invites, notifications, selectors, services
from accounts.errors import AccountErrorCode
from accounts.models import Invite, Notification, NotificationKind, Role, User
from accounts.permissions import IsStaffRole, may_create_role
from accounts.serializers import NotificationOutputSerializer
from config.api import UUID_PATTERN
from config.errors import ApplicationError, NotFound, PermissionDenied
from config.fields import StrictIntegerField, StrictUUIDField
from config.ratelimit import client_ip, enforce_rate_limit
from config.schema import ERRORS_PUBLIC, ERRORS_READ, error_responses
from videos.errors import VideoNotFound
from videos.models import Video
from videos.permissions import can_edit
from videos.selectors import video_get


class UserOutputSerializer(serializers.ModelSerializer[User]):
    role = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = User
        fields = ["id", "username", "email", "role"]


_TokenPairSerializer = inline_serializer(
    "TokenPair", fields={"access": serializers.CharField(), "refresh": serializers.CharField()}
)


class TokenObtainInputSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)


class _RefreshSerializer(TokenRefreshSerializer):
    def validate(self, attrs: dict[str, Any]) -> dict[str, str]:
        try:
            return super().validate(attrs)
        except User.DoesNotExist as exc:  # the user was deleted after the token was issued
            raise AuthenticationFailed(
                "No active account found for the given token.",
                code=AccountErrorCode.NO_ACTIVE_ACCOUNT,
            ) from exc


class LogoutInputSerializer(serializers.Serializer):
    refresh = serializers.CharField()


class AuthViewSet(viewsets.ViewSet):
    """/api/v1/auth/...: tokens take credentials in the body, never a session or a bearer
    header (so a stale header cannot turn a sign-in into a 401); logout needs one."""

    # None: a method the route does not take, answered 405 whoever asks.
    PUBLIC_ACTIONS = {"token", "refresh", None}

    def get_permissions(self) -> list[BasePermission]:
        return [AllowAny()] if self.action in self.PUBLIC_ACTIONS else [IsAuthenticated()]

    def perform_authentication(self, request: Request) -> None:
        if self.action not in self.PUBLIC_ACTIONS:
            super().perform_authentication(request)

    def get_authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'  # so a refused credential is a 401, not a 403

    @extend_schema(
        request=TokenObtainInputSerializer,
        responses={200: _TokenPairSerializer, **ERRORS_PUBLIC},
        auth=[],
    )
    @action(detail=False, methods=["post"])
    def token(self, request: Request) -> Response:
        raw_username = request.data.get("username") if hasattr(request.data, "get") else None
        rate = settings.TOKEN_RATE_LIMIT
        enforce_rate_limit(request, group="auth-token-ip", key=client_ip(request), rate=rate)
        if isinstance(raw_username, str) and raw_username:
            enforce_rate_limit(
                request, group="auth-token-user", key=raw_username.lower()[:150], rate=rate
            )
        serializer = TokenObtainInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(request, **serializer.validated_data)
        if user is None:
            raise AuthenticationFailed(
                "No active account found with these credentials.",
                code=AccountErrorCode.INVALID_CREDENTIALS,
            )
        refresh = RefreshToken.for_user(user)
        services.user_record_login(user=user)
        return Response({"access": str(refresh.access_token), "refresh": str(refresh)})

    @extend_schema(
        request=_RefreshSerializer,
        responses={200: _TokenPairSerializer, **ERRORS_PUBLIC},
        auth=[],
    )
    @action(detail=False, methods=["post"], url_path="token/refresh")
    def refresh(self, request: Request) -> Response:
        serializer = _RefreshSerializer(data=request.data)
        try:
            serializer.is_valid(raise_exception=True)
        except TokenError as exc:
            raise InvalidToken(exc.args[0]) from exc
        return Response(serializer.validated_data)

    @extend_schema(
        request=LogoutInputSerializer, responses={204: None, **error_responses(400, 401, 429)}
    )
    @action(detail=False, methods=["post"])
    def logout(self, request: Request) -> Response:
        serializer = LogoutInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            token = RefreshToken(serializer.validated_data["refresh"])
        except TokenError as exc:
            raise ValidationError({"refresh": [str(exc.args[0])]}) from exc
        if str(token.get("user_id")) != str(request.user.pk):
            raise ValidationError({"refresh": ["This refresh token belongs to another account."]})
        token.blacklist()
        return Response(status=status.HTTP_204_NO_CONTENT)


class UserCreateInputSerializer(serializers.Serializer):
    username = serializers.RegexField(
        r"^[\w.@+-]+\Z",
        max_length=150,
        error_messages={"invalid": "Use letters, digits and @ . + - _ only."},
    )
    password = serializers.CharField(max_length=4096, trim_whitespace=False, write_only=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    role = serializers.ChoiceField(choices=Role.choices)

    def validate_username(self, value: str) -> str:
        if User.objects.filter(username__iexact=value).exists():
            raise serializers.ValidationError("A user with that username already exists.")
        return value


class PreferencesSerializer(serializers.Serializer):
    email = serializers.DictField(child=serializers.BooleanField())

    def validate_email(self, value: dict[str, bool]) -> dict[str, bool]:
        unknown = sorted(set(value) - set(NotificationKind.values))
        if unknown:
            raise serializers.ValidationError(f"Unknown kinds: {', '.join(unknown)}.")
        return value


class UserSearchSerializer(serializers.Serializer):
    q = serializers.CharField(min_length=1, max_length=150)


class PersonSerializer(serializers.ModelSerializer[User]):
    """What one person may see of another: never the email address."""

    role = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = User
        fields = ["id", "username", "role"]


class UserViewSet(viewsets.GenericViewSet):
    """/api/v1/users: staff create accounts; everyone reads their own at /users/me."""

    serializer_class = UserOutputSerializer

    def get_permissions(self) -> list[BasePermission]:
        return [IsStaffRole()] if self.action == "create" else [IsAuthenticated()]

    @extend_schema(
        request=UserCreateInputSerializer,
        responses={201: UserOutputSerializer, **error_responses(400, 401, 403, 429)},
    )
    def create(self, request: Request) -> Response:
        serializer = UserCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if not may_create_role(request.user, serializer.validated_data["role"]):
            raise PermissionDenied("Only a superuser may create staff users.")
        try:
            user = services.user_create(**serializer.validated_data)
        except DjangoValidationError as exc:
            raise ValidationError({"password": list(exc.messages)}) from exc
        return Response(UserOutputSerializer(user).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: UserOutputSerializer, **error_responses(401, 429)})
    @action(detail=False, methods=["get"])
    def me(self, request: Request) -> Response:
        return Response(UserOutputSerializer(request.user).data)  # type: ignore[arg-type]

    @extend_schema(
        methods=["GET"], responses={200: PreferencesSerializer, **error_responses(401, 429)}
    )
    @extend_schema(
        methods=["PATCH"],
        request=PreferencesSerializer,
        responses={200: PreferencesSerializer, **error_responses(400, 401, 429)},
    )
    @action(detail=False, methods=["get", "patch"], url_path="me/notifications")
    def notification_preferences(self, request: Request) -> Response:
        """Which kinds of notification the caller gets by email: {"email": {kind: bool}}."""
        user = cast(User, request.user)
        if request.method == "PATCH":
            serializer = PreferencesSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            email = notifications.preferences_update(
                user=user, email=serializer.validated_data["email"]
            )
        else:
            email = notifications.preferences_get(user=user)
        return Response({"email": email})

    @extend_schema(
        parameters=[UserSearchSerializer],
        responses={
            200: inline_serializer("PeopleFound", fields={"results": PersonSerializer(many=True)}),
            **error_responses(400, 401, 429),
        },
    )
    @action(detail=False, methods=["get"])
    def search(self, request: Request) -> Response:
        """People the caller works with (shares either way; staff: everyone), by username."""
        query = UserSearchSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        people = selectors.user_search(user=cast(User, request.user), q=query.validated_data["q"])
        return Response({"results": PersonSerializer(people, many=True).data})


class NotificationPagination(PageNumberPagination):
    page_size = 30
    unread = 0  # set by the view before paginating

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        response.data["unread"] = self.unread
        return response


class NotificationReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=StrictIntegerField(min_value=1, max_value=2**63 - 1), max_length=500, required=False
    )
    all = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("all") and not attrs.get("ids"):
            raise serializers.ValidationError({"ids": ['Name the ids, or send "all": true.']})
        return attrs


class NotificationViewSet(viewsets.GenericViewSet):
    """/api/v1/notifications: the caller's inbox, newest first, with the unread count."""

    permission_classes = [IsAuthenticated]
    serializer_class = NotificationOutputSerializer
    pagination_class = NotificationPagination

    def get_queryset(self) -> QuerySet[Notification]:
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return selectors.notification_list(user=cast(User, self.request.user))

    @extend_schema(responses={200: NotificationOutputSerializer(many=True), **ERRORS_READ})
    def list(self, request: Request) -> Response:
        paginator = cast(NotificationPagination, self.paginator)
        paginator.unread = selectors.notification_unread_count(user=cast(User, request.user))
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        request=NotificationReadSerializer,
        responses={
            200: inline_serializer(
                "NotificationsRead",
                fields={"marked": serializers.IntegerField(), "unread": serializers.IntegerField()},
            ),
            **error_responses(400, 401, 429),
        },
    )
    @action(detail=False, methods=["post"])
    def read(self, request: Request) -> Response:
        serializer = NotificationReadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = cast(User, request.user)
        marked = notifications.notifications_mark_read(
            user=user,
            ids=serializer.validated_data.get("ids"),
            everything=serializer.validated_data["all"],
        )
        unread = selectors.notification_unread_count(user=user)
        return Response({"marked": marked, "unread": unread})


class InviteInputSerializer(serializers.Serializer):
    video_id = StrictUUIDField()
    email = serializers.EmailField(max_length=254)


INVITE_ANSWER = "If this address can receive mail, an invitation is on its way."


class InviteListQuerySerializer(serializers.Serializer):
    video_id = StrictUUIDField()


class InviteOutputSerializer(serializers.ModelSerializer[Invite]):
    state = serializers.ChoiceField(choices=["open", "used", "revoked", "expired"], read_only=True)
    inviter = serializers.CharField(source="inviter.username", read_only=True)
    used_by = serializers.CharField(source="used_by.username", read_only=True, default=None)

    class Meta:
        model = Invite
        fields = [
            "id",
            "email",
            "permission",
            "state",
            "inviter",
            "created_at",
            "expires_at",
            "used_at",
            "used_by",
            "revoked_at",
        ]


class InviteViewSet(viewsets.ViewSet):
    """/api/v1/invites: invite someone to a video by email (its owner or staff). The answer is
    the same whether or not the address belongs to an account. The owner and staff list a
    video's invitations and take back one nobody used yet."""

    permission_classes = [IsAuthenticated]
    lookup_value_regex = UUID_PATTERN

    def _editable_video(self, video_id: uuid.UUID | str, field: str | None = None) -> Video:
        user = cast(User, self.request.user)
        try:
            video = video_get(user=user, video_id=video_id)
        except VideoNotFound:
            if field:
                raise ApplicationError(errors={field: ["No such video."]}) from None
            raise
        if not can_edit(user, video):
            raise PermissionDenied("Only the video's owner or staff may invite people to it.")
        return video

    @extend_schema(
        parameters=[InviteListQuerySerializer],
        responses={200: InviteOutputSerializer(many=True), **error_responses(400, 401, 403)},
    )
    def list(self, request: Request) -> Response:
        query = InviteListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        video = self._editable_video(query.validated_data["video_id"], field="video_id")
        found = selectors.invites_of_video(video=video)
        return Response(InviteOutputSerializer(found, many=True).data)

    @extend_schema(
        parameters=[OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH)],
        responses={204: None, **error_responses(401, 403, 404, 409)},
    )
    def destroy(self, request: Request, pk: str) -> Response:
        invite = selectors.invite_get(invite_id=pk)
        if invite is None:
            raise NotFound("No such invitation.")
        try:
            self._editable_video(invite.video_id)
        except VideoNotFound:
            raise NotFound("No such invitation.") from None
        invites.invite_revoke(invite=invite)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=InviteInputSerializer,
        responses={
            202: inline_serializer("InviteSent", fields={"detail": serializers.CharField()}),
            **error_responses(400, 401, 403, 429),
        },
    )
    def create(self, request: Request) -> Response:
        user = cast(User, request.user)
        enforce_rate_limit(
            request, group="invite-user", key=str(user.pk), rate=settings.INVITE_RATE_LIMIT
        )
        serializer = InviteInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        email = serializer.validated_data["email"]
        video = self._editable_video(serializer.validated_data["video_id"], field="video_id")
        enforce_rate_limit(
            request, group="invite-address", key=email.lower(), rate=settings.INVITE_RATE_LIMIT
        )
        invites.invite_create(inviter=user, video=video, email=email)
        return Response({"detail": INVITE_ANSWER}, status=status.HTTP_202_ACCEPTED)
