"""What each role may do, as Django permissions on its group."""

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
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.STAFF: STAFF_PERMISSIONS + COMMENT_STAFF_PERMISSIONS,
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
