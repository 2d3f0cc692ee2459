from django.apps import AppConfig


class ProcessingConfig(AppConfig):
    name = "processing"
    verbose_name = "Processing"

    def ready(self) -> None:
        from prometheus_client import REGISTRY

        from processing.metrics import SharedStateCollector

        REGISTRY.register(SharedStateCollector())
