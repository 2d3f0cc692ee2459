"""Who may manage whom: the one place the rules for accounts live (admin and API both ask here).

Staff run the service for coaches and athletes: they may switch a user between those roles,
(de)activate them and create them. Anything that grants or touches administrative power (making
someone staff or superuser, editing groups or permissions directly, editing another staff member
or a superuser) is for superusers only.
"""

from django.contrib.auth.models import AnonymousUser
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from accounts.models import Role, User

# Fields of the user form only a superuser may set: each one grants administrative power.
PRIVILEGED_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")


def is_superuser(actor: User | AnonymousUser) -> bool:
    return bool(actor.is_authenticated and actor.is_active and actor.is_superuser)


def holds_admin_power(user: User) -> bool:
    """Staff (by flag or by role) and superusers: only a superuser may manage them."""
    return bool(user.is_superuser or user.is_staff or user.role == Role.STAFF)


def may_grant_staff(actor: User | AnonymousUser) -> bool:
    """Make someone staff or superuser, or edit groups and permissions directly."""
    return is_superuser(actor)


def may_manage_user(actor: User | AnonymousUser, target: User) -> bool:
    """Change, (de)activate, re-role, set the password of or delete `target`."""
    if is_superuser(actor):
        return True
    if not (actor.is_authenticated and actor.is_active and actor.is_staff_role):
        return False
    return not holds_admin_power(target)


def may_create_role(actor: User | AnonymousUser, role: str) -> bool:
    if role == Role.STAFF:
        return may_grant_staff(actor)
    return is_superuser(actor) or bool(
        actor.is_authenticated and actor.is_active and actor.is_staff_role
    )


class IsStaffRole(BasePermission):
    message = "Only staff may do this."

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_staff_role)
