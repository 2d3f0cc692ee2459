from django.apps import AppConfig


class AnnotationsConfig(AppConfig):
    name = "annotations"
    verbose_name = "Annotations"

    def ready(self) -> None:
        from annotations.comments import comments_delete_for_video
        from annotations.services import (
            annotations_delete_for_comparison,
            annotations_delete_for_video,
        )
        from videos.services import COMPARISON_DELETE_HOOKS, VIDEO_DELETE_HOOKS

        VIDEO_DELETE_HOOKS.append(annotations_delete_for_video)
        VIDEO_DELETE_HOOKS.append(comments_delete_for_video)
        COMPARISON_DELETE_HOOKS.append(annotations_delete_for_comparison)
