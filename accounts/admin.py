from django.contrib import admin, messages
from django.contrib.admin.models import LogEntry
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts import services
from accounts.models import Role, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "email", "role", "is_active", "date_joined"]
    list_filter = ["groups", "is_active", "is_staff"]
    actions = ["make_staff", "make_coach", "make_athlete", "deactivate"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="role")
    def role(self, obj: User) -> str:
        return obj.role or "-"

    def _assign(self, request: HttpRequest, queryset: QuerySet[User], role: Role) -> None:
        for user in queryset:
            services.user_set_role(user=user, role=role)
            self.log_change(request, user, f"Role set to {role.value}.")
        self.message_user(
            request, f"{queryset.count()} user(s) are now {role.label}.", messages.SUCCESS
        )

    @admin.action(description="Set role: staff", permissions=["change"])
    def make_staff(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        self._assign(request, queryset, Role.STAFF)

    @admin.action(description="Set role: coach", permissions=["change"])
    def make_coach(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        self._assign(request, queryset, Role.COACH)

    @admin.action(description="Set role: athlete", permissions=["change"])
    def make_athlete(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        self._assign(request, queryset, Role.ATHLETE)

    @admin.action(
        description="Deactivate (their tokens stop working at once)", permissions=["change"]
    )
    def deactivate(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset.exclude(username=request.user.get_username()):  # never yourself
            services.user_deactivate(user=user)
            self.log_change(request, user, "Deactivated; refresh tokens revoked.")
        self.message_user(request, "Deactivated.", messages.SUCCESS)


@admin.register(LogEntry)
class ModerationLogAdmin(admin.ModelAdmin):
    """Every moderation action: who, what, when, why (the reason is in the message)."""

    list_display = [
        "action_time",
        "user",
        "content_type",
        "object_repr",
        "action_flag",
        "change_message",
    ]
    list_filter = ["action_flag", "content_type", "user"]
    search_fields = ["object_repr", "change_message", "user__username"]
    date_hierarchy = "action_time"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: LogEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: LogEntry | None = None) -> bool:
        return False
