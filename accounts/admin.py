from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.models import LogEntry
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from accounts import services
from accounts.models import Role, User
from accounts.permissions import PRIVILEGED_FIELDS, may_grant_staff, may_manage_user


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Staff switch coaches and athletes between roles and (de)activate them; everything that
    grants administrative power, or touches staff and superusers, is for superusers
    (accounts.permissions). A staff member sees the others read-only."""

    list_display = ["username", "email", "role", "is_active", "date_joined"]
    list_filter = ["groups", "is_active", "is_staff"]
    actions = ["make_staff", "make_coach", "make_athlete", "deactivate"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="role")
    def role(self, obj: User) -> str:
        return obj.role or "-"

    # --- Per-object rules: the change form, the password form and delete all ask these -------

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or may_manage_user(request.user, obj))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or may_manage_user(request.user, obj))

    def has_grant_staff_permission(self, request: HttpRequest) -> bool:
        return may_grant_staff(request.user)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = list(super().get_readonly_fields(request, obj))
        if not may_grant_staff(request.user):
            readonly += [name for name in PRIVILEGED_FIELDS if name not in readonly]
        return readonly

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> "type[ModelForm[User]]":
        form = super().get_form(request, obj, change=change, **kwargs)
        if not may_grant_staff(request.user):
            # Read-only already; dropped here too, so no form a staff member posts can carry them.
            for name in PRIVILEGED_FIELDS:
                form.base_fields.pop(name, None)
        return form

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and not obj.is_active and "is_active" in form.changed_data:
            services.user_deactivate(user=obj)  # refresh tokens revoked, sockets closed

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        if change and form.changed_data:
            services.user_access_changed(user=form.instance)

    def delete_model(self, request: HttpRequest, obj: User) -> None:
        services.user_delete(user=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            services.user_delete(user=user)

    # --- Actions ------------------------------------------------------------------------------

    def _refused(self, request: HttpRequest, queryset: QuerySet[User]) -> bool:
        """All or nothing: one user the actor may not manage refuses the whole action."""
        refused = [user.username for user in queryset if not may_manage_user(request.user, user)]
        if refused:
            self.message_user(
                request,
                "Only a superuser may change staff or superusers "
                f"({', '.join(sorted(refused))}); nothing was changed.",
                messages.ERROR,
            )
        return bool(refused)

    def _assign(self, request: HttpRequest, queryset: QuerySet[User], role: Role) -> None:
        if self._refused(request, queryset):
            return
        for user in queryset:
            services.user_set_role(user=user, role=role)
            self.log_change(request, user, f"Role set to {role.value}.")
        self.message_user(
            request, f"{queryset.count()} user(s) are now {role.label}.", messages.SUCCESS
        )

    @admin.action(description="Set role: staff (superusers only)", permissions=["grant_staff"])
    def make_staff(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        if not may_grant_staff(request.user):  # hidden from staff already; refused if forced
            self.message_user(request, "Only a superuser may make someone staff.", messages.ERROR)
            return
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
        queryset = queryset.exclude(username=request.user.get_username())  # never yourself
        if self._refused(request, queryset):
            return
        for user in queryset:
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
