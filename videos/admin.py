"""Staff moderation of videos. Actions call the same services as the API (no second copy)."""

import csv
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from config.admin_deletes import ServiceDeletes
from config.errors import ApplicationError
from processing.models import ProcessingJob
from videos import services
from videos.models import SHOWN_STATE, Comparison, ComparisonShare, Rendition, Video, VideoStatus
from videos.storage import media_url


class RenditionInline(admin.TabularInline):
    model = Rendition
    extra = 0
    can_delete = False
    fields = readonly_fields = ("quality", "width", "height", "fps", "bitrate", "size", "codecs")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class JobInline(admin.TabularInline):
    model = ProcessingJob
    extra = 0
    can_delete = False
    fields = readonly_fields = (
        "kind",
        "state",
        "step",
        "attempts",
        "started_at",
        "finished_at",
        "error_code",
        "error_message",
        "log_tail",
    )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class OwnerRoleFilter(admin.SimpleListFilter):
    title = "owner role"
    parameter_name = "owner_role"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("staff", "Staff"), ("coach", "Coach"), ("athlete", "Athlete")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Video]) -> QuerySet[Video]:
        return queryset.filter(owner__groups__name=self.value()) if self.value() else queryset


@admin.register(Video)
class VideoAdmin(ServiceDeletes):
    noun = "video"
    list_display = [
        "thumbnail",
        "title",
        "owner",
        "status",
        "moderation",
        "duration_display",
        "size_display",
        "created_at",
    ]
    list_display_links = ["thumbnail", "title"]
    list_filter = ["status", "moderation", OwnerRoleFilter, "created_at"]
    search_fields = ["title", "owner__username", "=id"]
    list_select_related = ["owner"]
    date_hierarchy = "created_at"
    inlines = [RenditionInline, JobInline]
    actions = [
        "hide_videos",
        "unhide_videos",
        "reprocess_videos",
        "retry_failed",
        "delete_videos",
        "export_csv",
    ]
    readonly_fields = [
        "player",
        "id",
        "owner",
        "original_filename",
        "size",
        "sha256",
        "status",
        "status_code",
        "status_message",
        *SHOWN_STATE,
    ]
    fields = ["player", "title", "description", *readonly_fields[1:]]

    @admin.display(description="poster")
    def thumbnail(self, video: Video) -> str:
        if not video.poster:
            return "—"
        return format_html(
            '<img src="{}" alt="" style="height:48px">', media_url(video.poster.name)
        )

    @admin.display(description="duration", ordering="duration")
    def duration_display(self, video: Video) -> str:
        return f"{video.duration:.1f} s" if video.duration else "—"

    @admin.display(description="size", ordering="size")
    def size_display(self, video: Video) -> str:
        return filesizeformat(video.size) if video.size else "—"

    @admin.display(description="player")
    def player(self, video: Video) -> str:
        rendition = video.renditions.order_by("height").last()
        if rendition is None:
            return "No rendition yet."
        poster = media_url(video.poster.name) if video.poster else ""
        return format_html(
            '<video controls preload="metadata" style="max-width:640px" src="{}" poster="{}">'
            "</video>",
            media_url(rendition.file.name),
            poster,
        )

    def _delete(self, obj: Video) -> None:
        services.video_delete(video=obj)  # with every stored file, annotation and comparison

    @admin.action(description="Hide (with a reason the owner sees)", permissions=["change"])
    def hide_videos(
        self, request: HttpRequest, queryset: QuerySet[Video]
    ) -> TemplateResponse | None:
        reason = request.POST.get("reason", "")
        if "apply" in request.POST:
            try:
                for video in queryset:
                    services.video_hide(video=video, reason=reason)
                    self.log_change(request, video, f"Hidden. Reason: {video.moderation_reason}")
            except ApplicationError:
                error = "Say why: the owner will read it."
            else:
                self.message_user(request, f"Hid {queryset.count()} video(s).", messages.SUCCESS)
                return None
        else:
            error = ""
        return TemplateResponse(
            request,
            "admin/videos/hide_reason.html",
            {
                **self.admin_site.each_context(request),
                "videos": list(queryset),
                "reason": reason,
                "error": error,
                "opts": self.model._meta,
            },
        )

    @admin.action(description="Unhide", permissions=["change"])
    def unhide_videos(self, request: HttpRequest, queryset: QuerySet[Video]) -> None:
        for video in queryset:
            services.video_unhide(video=video)
            self.log_change(request, video, "Unhidden.")
        self.message_user(request, f"Unhid {queryset.count()} video(s).", messages.SUCCESS)

    @admin.action(description="Reprocess", permissions=["change"])
    def reprocess_videos(self, request: HttpRequest, queryset: QuerySet[Video]) -> None:
        self._reprocess(request, queryset, "Reprocessing requested.")

    @admin.action(description="Retry failed processing", permissions=["change"])
    def retry_failed(self, request: HttpRequest, queryset: QuerySet[Video]) -> None:
        self._reprocess(request, queryset.filter(status=VideoStatus.FAILED), "Failed job retried.")

    def _reprocess(self, request: HttpRequest, queryset: QuerySet[Video], note: str) -> None:
        done, skipped = 0, 0
        for video in queryset:
            try:
                services.video_reprocess(video=video)
            except ApplicationError:
                skipped += 1
                continue
            self.log_change(request, video, note)
            done += 1
        self.message_user(request, f"{done} queued, {skipped} skipped (busy or not processable).")

    @admin.action(
        description="Delete, with every stored file and annotation", permissions=["delete"]
    )
    def delete_videos(self, request: HttpRequest, queryset: QuerySet[Video]) -> None:
        self.delete_each(request, queryset, "{count} video(s) and their files")

    @admin.action(description="Export metadata as CSV", permissions=["view"])
    def export_csv(self, request: HttpRequest, queryset: QuerySet[Video]) -> HttpResponse:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="videos.csv"'
        writer = csv.writer(response)
        columns = [
            "id",
            "title",
            "owner",
            "status",
            "moderation",
            "moderation_reason",
            "duration",
            "width",
            "height",
            "size",
            "sha256",
            "scan_status",
            "created_at",
        ]
        writer.writerow(columns)
        for video in queryset.select_related("owner"):
            row = [getattr(video, column) for column in columns]
            row[2] = video.owner.username
            # A title starting with = + - @ would be a formula in a spreadsheet: defuse it.
            writer.writerow([f"'{v}" if isinstance(v, str) and v[:1] in "=+-@" else v for v in row])
        return response


class ComparisonShareInline(admin.TabularInline):
    model = ComparisonShare
    extra = 0
    can_delete = False
    fields = readonly_fields = ("user", "permission", "created_at")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Comparison)
class ComparisonAdmin(ServiceDeletes):
    """Comparisons are the owner's arrangement of two videos: staff look, open the page and
    delete (through the service, so pane drawings and exports go too); nothing else to edit."""

    list_display = ["title", "owner", "left", "right", "layout", "created_at"]
    list_filter = ["layout", "created_at"]
    search_fields = ["title", "owner__username", "=id", "=left_video__id", "=right_video__id"]
    list_select_related = ["owner", "left_video", "right_video"]
    date_hierarchy = "created_at"
    inlines = [ComparisonShareInline]
    actions = ["delete_comparisons"]
    readonly_fields = [
        "page",
        "id",
        "title",
        "owner",
        "left",
        "left_sync",
        "left_mirror",
        "right",
        "right_sync",
        "right_mirror",
        "layout",
        "overlay_opacity",
        "overlay_swapped",
        "created_at",
        "updated_at",
    ]
    fields = list(readonly_fields)

    def _video_link(self, video: Video) -> str:
        url = reverse("admin:videos_video_change", args=[video.pk])
        return format_html('<a href="{}">{}</a> ({})', url, video.title, video.get_status_display())

    @admin.display(description="left video", ordering="left_video__title")
    def left(self, comparison: Comparison) -> str:
        return self._video_link(comparison.left_video)

    @admin.display(description="right video", ordering="right_video__title")
    def right(self, comparison: Comparison) -> str:
        return self._video_link(comparison.right_video)

    @admin.display(description="page")
    def page(self, comparison: Comparison) -> str:
        return format_html('<a href="/compare/{}">Open the comparison page</a>', comparison.pk)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # made from two videos by their viewers, in the API or the pages

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    noun = "comparison"

    def _delete(self, obj: Comparison) -> None:
        services.comparison_delete(comparison=obj)  # with its drawings and exports

    @admin.action(description="Delete, with its drawings and exports", permissions=["delete"])
    def delete_comparisons(self, request: HttpRequest, queryset: QuerySet[Comparison]) -> None:
        self.delete_each(request, queryset, "{count} comparison(s) with their drawings")
