"""What each role may do, as Django permissions on its group."""

from typing import Any

from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission

from accounts.models import Role

STAFF_PERMISSIONS = [
    "videos.view_video",
    "videos.change_video",
    "videos.delete_video",
    "videos.view_rendition",
    "videos.view_videoshare",
    "processing.view_processingjob",
    "processing.change_processingjob",
    "annotations.view_annotation",
    "annotations.change_annotation",
    "annotations.delete_annotation",
    "accounts.add_user",
    "accounts.view_user",
    "accounts.change_user",
    "admin.view_logentry",
]
# Granted by accounts/0003 (videos/0004 reads STAFF_PERMISSIONS before comments exist).
COMMENT_STAFF_PERMISSIONS = [
    "annotations.view_comment",
    "annotations.change_comment",
    "annotations.delete_comment",
]
# Granted by accounts/0004: staff look at comparisons and delete them (nothing else to edit).
COMPARISON_STAFF_PERMISSIONS = [
    "videos.view_comparison",
    "videos.delete_comparison",
    "videos.view_comparisonshare",
]
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.STAFF: STAFF_PERMISSIONS + COMMENT_STAFF_PERMISSIONS + COMPARISON_STAFF_PERMISSIONS,
    Role.COACH: [],
    Role.ATHLETE: [],
}


def roles_sync_permissions() -> None:
    """Make every role group exist with exactly its permissions (idempotent)."""
    for role, dotted_names in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        permissions = [
            Permission.objects.get(content_type__app_label=app, codename=codename)
            for app, codename in (name.split(".") for name in dotted_names)
        ]
        group.permissions.set(permissions)


def grant_in_migration(apps: Any, role: str, dotted_names: list[str]) -> None:
    """For data migrations: give the role's group these permissions, creating them first
    (Django normally creates permissions only after every migration has run)."""
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    group, _ = apps.get_model("auth", "Group").objects.get_or_create(name=role)
    Permission = apps.get_model("auth", "Permission")
    for dotted in dotted_names:
        app_label, codename = dotted.split(".")
        group.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
