"""Token, logout and user endpoints. Thin: validate, call a service, render."""

from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import AuthenticationFailed, ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.tokens import RefreshToken

from accounts import services
from accounts.models import Role, User
from accounts.permissions import IsStaffRole
from config.ratelimit import client_ip, enforce_rate_limit


class UserOutputSerializer(serializers.ModelSerializer[User]):
    role = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = User
        fields = ["id", "username", "email", "role"]


_TokenPairSerializer = inline_serializer(
    "TokenPair", fields={"access": serializers.CharField(), "refresh": serializers.CharField()}
)


class _PublicTokenApi(APIView):
    """Token endpoints take credentials in the body, never a session or a bearer header."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    def get_authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'  # so a refused credential is a 401, not a 403


class TokenObtainInputSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)


class TokenObtainApi(_PublicTokenApi):
    @extend_schema(
        request=TokenObtainInputSerializer, responses={200: _TokenPairSerializer}, auth=[]
    )
    def post(self, request: Request) -> Response:
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
                "No active account found with these credentials.", code="invalid_credentials"
            )
        refresh = RefreshToken.for_user(user)
        services.user_record_login(user=user)
        return Response({"access": str(refresh.access_token), "refresh": str(refresh)})


class _RefreshSerializer(TokenRefreshSerializer):
    def validate(self, attrs: dict[str, Any]) -> dict[str, str]:
        try:
            return super().validate(attrs)
        except User.DoesNotExist as exc:  # the user was deleted after the token was issued
            raise AuthenticationFailed(
                "No active account found for the given token.", code="no_active_account"
            ) from exc


class TokenRefreshApi(_PublicTokenApi):
    @extend_schema(request=_RefreshSerializer, responses={200: _TokenPairSerializer}, auth=[])
    def post(self, request: Request) -> Response:
        serializer = _RefreshSerializer(data=request.data)
        try:
            serializer.is_valid(raise_exception=True)
        except TokenError as exc:
            raise InvalidToken(exc.args[0]) from exc
        return Response(serializer.validated_data)


class LogoutInputSerializer(serializers.Serializer):
    refresh = serializers.CharField()


class LogoutApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=LogoutInputSerializer, responses={204: None})
    def post(self, request: Request) -> Response:
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


class MeApi(APIView):
    @extend_schema(responses={200: UserOutputSerializer})
    def get(self, request: Request) -> Response:
        return Response(UserOutputSerializer(request.user).data)  # type: ignore[arg-type]


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


class UserCreateApi(APIView):
    permission_classes = [IsStaffRole]

    @extend_schema(request=UserCreateInputSerializer, responses={201: UserOutputSerializer})
    def post(self, request: Request) -> Response:
        serializer = UserCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            user = services.user_create(**serializer.validated_data)
        except DjangoValidationError as exc:
            raise ValidationError({"password": list(exc.messages)}) from exc
        return Response(UserOutputSerializer(user).data, status=status.HTTP_201_CREATED)
