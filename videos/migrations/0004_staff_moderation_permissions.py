"""Staff moderate in the admin: give the staff role the permissions its actions need."""

from django.db import migrations

from accounts.roles import STAFF_PERMISSIONS, grant_in_migration


def grant(apps, schema_editor):
    grant_in_migration(apps, "staff", STAFF_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("videos", "0003_video_analysis"),
        ("processing", "0001_initial"),
        ("annotations", "0001_initial"),
        ("accounts", "0002_roles"),
        ("admin", "0003_logentry_add_action_flag_choices"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
