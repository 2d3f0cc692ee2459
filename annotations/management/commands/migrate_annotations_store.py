"""Migrate the annotations store when it is a database of its own (MongoDB): its schema, and data
migrations such as 0002, which moves existing annotations onto the frame rule (a start time of
frame / video.fps, unrounded) there as on the default database."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from config.routers import ANNOTATIONS_DB


class Command(BaseCommand):
    help = "Run migrations on the annotations database when MONGODB_URL configures one."

    def handle(self, *args: object, **options: object) -> None:
        if ANNOTATIONS_DB in settings.DATABASES:
            call_command("migrate", database=ANNOTATIONS_DB, interactive=False, verbosity=1)
