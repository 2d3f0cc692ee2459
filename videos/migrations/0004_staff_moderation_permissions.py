"""Staff moderate in the admin: give the staff role the permissions its actions need."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from accounts.roles import STAFF_PERMISSIONS  # noqa: E402 - a constant, not a model


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    staff, _ = Group.objects.get_or_create(name="staff")
    for dotted in STAFF_PERMISSIONS:
        app_label, codename = dotted.split(".")
        staff.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


class Migration(migrations.Migration):
    dependencies = [
        ("videos", "0003_video_analysis"),
        ("processing", "0001_initial"),
        ("annotations", "0001_initial"),
        ("accounts", "0002_roles"),
        ("admin", "0003_logentry_add_action_flag_choices"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
