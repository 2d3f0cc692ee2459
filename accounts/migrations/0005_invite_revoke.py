from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_comparison_notifications'),
        ('videos', '0006_tus_append_and_s3_multipart'),
    ]

    operations = [
        migrations.AddField(
            model_name='invite',
            name='revoked_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name='invite',
            index=models.Index(fields=['video', '-created_at'], name='invite_by_video'),
        ),
    ]
