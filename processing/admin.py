from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from config.errors import ApplicationError
from processing.models import JobKind, JobState, ProcessingJob
from processing.services import export_retry
from videos.services import video_reprocess

if TYPE_CHECKING:  # a type of django-stubs only
    from django.contrib.admin.filters import _ListFilterChoices


class ErrorCodeFilter(admin.AllValuesFieldListFilter):
    """The error codes jobs have, with "none" for jobs without one (not an empty link)."""

    def choices(self, changelist: Any) -> Iterator["_ListFilterChoices"]:
        for choice in super().choices(changelist):
            if not choice["display"]:
                choice["display"] = "none"
            yield choice


@admin.register(ProcessingJob)
class ProcessingJobAdmin(admin.ModelAdmin):
    # Short columns: the table fits a 1440 px screen.
    list_display = [
        "video_title",
        "kind_name",
        "state",
        "step",
        "progress",
        "attempts",
        "error_code",
        "finished_at",
    ]
    list_filter = ["kind", "state", ("error_code", ErrorCodeFilter)]
    search_fields = ["=video__id", "video__title"]
    list_select_related = ["video"]
    actions = ["retry"]
    readonly_fields = [
        "video",
        "kind",
        "requested_by",
        "options",
        "output",
        "output_size",
        "progress",
        "state",
        "step",
        "attempts",
        "request_id",
        "created_at",
        "started_at",
        "finished_at",
        "heartbeat_at",
        "error_code",
        "error_message",
        "log_tail",
    ]

    @admin.display(description="video", ordering="video__title")
    def video_title(self, job: ProcessingJob) -> str:
        return job.video.title or str(job.video_id)

    @admin.display(description="kind", ordering="kind")
    def kind_name(self, job: ProcessingJob) -> str:
        return job.kind  # the short name; the filter explains each

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ProcessingJob | None = None) -> bool:
        return False

    @admin.action(
        description="Retry (reprocess the video of each failed job; export again)",
        permissions=["change"],
    )
    def retry(self, request: HttpRequest, queryset: QuerySet[ProcessingJob]) -> None:
        retried = 0
        for job in queryset.filter(state=JobState.FAILED).select_related("video"):
            if job.kind == JobKind.EXPORT:
                if not export_retry(job=job):
                    continue
            elif job.kind == JobKind.VOICE_OVER:
                continue  # a failed recording is recorded again by its author
            else:
                try:
                    video_reprocess(video=job.video)
                except ApplicationError:
                    continue
            self.log_change(request, job, "Retried.")
            retried += 1
        self.message_user(request, f"Retried {retried} job(s).", messages.SUCCESS)
