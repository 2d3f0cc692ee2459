"""Existing annotations moved onto the frame rule (annotations.services.frame_rule): the start
time stored is the frame's own time, frame / fps, unrounded. Before, the studio sent the time
rounded to 4 decimals, which could land after the frame's start (2.116666 -> 2.1167), so a
drawing showed only from the next frame.

Runs wherever the annotations live: the default database, or MongoDB through
`manage.py migrate_annotations_store` (the router sends this app's migrations there). The videos'
frame rates are read from the default database in both cases."""

from typing import Any

from django.db import DEFAULT_DB_ALIAS, migrations

from annotations.services import frame_rule


def snap_to_frames(apps: Any, schema_editor: Any) -> None:
    Annotation = apps.get_model("annotations", "Annotation")
    Video = apps.get_model("videos", "Video")
    store = schema_editor.connection.alias
    rates = dict(Video.objects.using(DEFAULT_DB_ALIAS).values_list("pk", "fps"))
    for annotation in Annotation.objects.using(store).only("pk", "video_id", "timestamp", "frame"):
        frame, start = frame_rule(annotation.timestamp, rates.get(annotation.video_id))
        if (frame, start) != (annotation.frame, annotation.timestamp):
            annotation.frame, annotation.timestamp = frame, start
            annotation.save(using=store, update_fields=["frame", "timestamp"])


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0001_initial"),
        ("videos", "0003_video_analysis"),
    ]

    operations = [migrations.RunPython(snap_to_frames, migrations.RunPython.noop, elidable=True)]
