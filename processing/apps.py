from django.apps import AppConfig

from config.metrics import register_scrape_time_collectors


class ProcessingConfig(AppConfig):
    name = "processing"
    verbose_name = "Processing"

    def ready(self) -> None:
        register_scrape_time_collectors()
