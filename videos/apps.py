from pathlib import Path

from django.apps import AppConfig
from django.conf import settings


class VideosConfig(AppConfig):
    name = "videos"
    verbose_name = "Videos"

    def ready(self) -> None:
        # Uploads spool here; on the media volume, a finished upload is renamed into place.
        if settings.FILE_UPLOAD_TEMP_DIR:
            Path(settings.FILE_UPLOAD_TEMP_DIR).mkdir(parents=True, exist_ok=True)
