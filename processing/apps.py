from django.apps import AppConfig


class ProcessingConfig(AppConfig):
    name = "processing"
    verbose_name = "Processing"

    def ready(self) -> None:
        from config.metrics import register_scrape_time_collectors

        register_scrape_time_collectors()
