import django.db.models.deletion
from django.db import migrations, models

from accounts.roles import COMPARISON_STAFF_PERMISSIONS, grant_in_migration


def grant_comparison_moderation(apps, schema_editor):
    """Staff look at comparisons in the admin and delete them."""
    grant_in_migration(apps, "staff", COMPARISON_STAFF_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_notifications"),
        ("videos", "0006_tus_append_and_s3_multipart"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="comparison",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="videos.comparison",
            ),
        ),
        migrations.AlterField(
            model_name="notification",
            name="kind",
            field=models.CharField(
                choices=[
                    ("share", "A video or comparison was shared with you"),
                    ("comment", "A comment on your video"),
                    ("reply", "A reply on your video or thread"),
                    ("mention", "You were mentioned"),
                    ("annotation", "New drawings or voice-overs on your video"),
                    ("video_ready", "Your video is ready"),
                    ("video_failed", "Your video could not be processed"),
                    ("export_ready", "Your export is ready"),
                ],
                max_length=16,
            ),
        ),
        migrations.RunPython(grant_comparison_moderation, migrations.RunPython.noop),
    ]
