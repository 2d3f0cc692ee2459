"""Staff moderation of annotations, in whichever store holds them (MongoDB included)."""

import json
import uuid
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from annotations import comments, services
from annotations.models import Annotation, AnnotationType, Comment
from config.admin_deletes import ServiceDeletes
from videos.models import Video
from videos.storage import media_url


class ModerationActions(ServiceDeletes):
    """Hide, unhide and delete through the app's services (an annotation's audio files, a
    comment's replies and notifications go with it), one by one and logged (deleting:
    config.admin_deletes). Subclasses say how to hide and delete one item (`_hide`, `_delete`)
    and what the items are called (`noun`)."""

    def _hide(self, obj: Any, hidden: bool) -> None:
        raise NotImplementedError

    def _set_hidden(self, request: HttpRequest, queryset: QuerySet[Any], *, hidden: bool) -> None:
        done, verb = ("Hidden.", "Hid") if hidden else ("Unhidden.", "Unhid")
        for obj in queryset:
            self._hide(obj, hidden)
            self.log_change(request, obj, done)
        self.message_user(request, f"{verb} {len(queryset)} {self.noun}(s).", messages.SUCCESS)

    @admin.action(description="Hide from everyone but staff", permissions=["change"])
    def hide(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        self._set_hidden(request, queryset, hidden=True)

    @admin.action(description="Unhide", permissions=["change"])
    def unhide(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        self._set_hidden(request, queryset, hidden=False)

    def _delete_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        self.delete_each(request, queryset, f"{{count}} {self.noun}(s)")


class AnnotationChangeList(ChangeList):
    """The page's annotations with their videos' titles, read in one query: annotations may live
    in another database (MongoDB), so there is no join to select_related."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        self.result_list = list(self.result_list)
        ids = {annotation.video_id for annotation in self.result_list}
        titles = dict(Video.objects.filter(pk__in=ids).values_list("pk", "title"))
        for annotation in self.result_list:
            annotation.video_title = titles.get(annotation.video_id)


@admin.register(Annotation)
class AnnotationAdmin(ModerationActions):
    noun = "annotation"
    list_display = [
        "kind",
        "video_link",
        "author",
        "at",
        "duration",
        "hidden",
        "created_at",
    ]
    list_display_links = ["kind"]
    list_filter = ["type", "hidden", "audio_status"]
    search_fields = ["author_username"]
    search_help_text = "A video id, or part of an author's username."
    actions = ["hide", "unhide", "delete_annotations"]
    fields = [
        "type",
        "video_id",
        "author_username",
        "timestamp",
        "duration",
        "frame",
        "drawing_preview",
        "angle_degrees",
        "audio_player",
        "audio_status",
        "audio_error",
        "hidden",
        "created_at",
    ]
    readonly_fields = [field for field in fields if field != "hidden"]  # type: ignore[misc]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_changelist(self, request: HttpRequest, **kwargs: object) -> type[ChangeList]:
        return AnnotationChangeList

    @admin.display(description="tool", ordering="type")
    def kind(self, annotation: Annotation) -> str:
        if annotation.type == AnnotationType.VOICE_OVER:
            return "voice-over"
        return (annotation.drawing_data or {}).get("tool_type", "drawing")

    @admin.display(description="video")
    def video_link(self, annotation: Annotation) -> str:
        title = getattr(annotation, "video_title", None)
        if title is None:
            return format_html("<span>{}</span>", "(deleted video)")
        url = reverse("admin:videos_video_change", args=[annotation.video_id])
        return format_html('<a href="{}">{}</a>', url, title)

    @admin.display(description="author", ordering="author_username")
    def author(self, annotation: Annotation) -> str:
        return annotation.author_username

    @admin.display(description="at", ordering="timestamp")
    def at(self, annotation: Annotation) -> str:
        return f"{annotation.timestamp:.3f} s, frame {annotation.frame}"

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Annotation], search_term: str
    ) -> tuple[QuerySet[Annotation], bool]:
        # An exact id match: MongoDB's backend has no pattern lookups on UUID fields.
        try:
            return queryset.filter(video_id=uuid.UUID(search_term.strip())), False
        except ValueError:
            return super().get_search_results(request, queryset, search_term)

    @admin.display(description="drawing data")
    def drawing_preview(self, annotation: Annotation) -> str:
        if not annotation.drawing_data:
            return "—"
        return format_html("<pre>{}</pre>", json.dumps(annotation.drawing_data, indent=2))

    @admin.display(description="audio")
    def audio_player(self, annotation: Annotation) -> str:
        if not annotation.audio:
            return "—"
        return format_html(
            '<audio controls preload="none" src="{}"></audio>', media_url(annotation.audio)
        )

    def _hide(self, annotation: Annotation, hidden: bool) -> None:
        services.annotation_set_hidden(annotation=annotation, hidden=hidden)

    def _delete(self, annotation: Annotation) -> None:
        services.annotation_delete(annotation=annotation)

    @admin.action(description="Delete, with the audio files", permissions=["delete"])
    def delete_annotations(self, request: HttpRequest, queryset: QuerySet[Annotation]) -> None:
        self._delete_selected(request, queryset)


class CommentChangeList(AnnotationChangeList):
    """The same one-query lookup of video titles (comments live with the annotations)."""


@admin.register(Comment)
class CommentAdmin(ModerationActions):
    noun = "comment"
    list_display = ["excerpt", "video_link", "author", "at", "reply", "resolved", "hidden"]
    list_display_links = ["excerpt"]
    list_filter = ["hidden", "resolved"]
    search_fields = ["author_username"]
    search_help_text = "A video id, or part of an author's username."
    actions = ["hide", "unhide", "delete_comments"]
    fields = [
        "video_id",
        "author_username",
        "parent_id",
        "annotation_id",
        "timestamp",
        "frame",
        "text",
        "mentions",
        "resolved",
        "resolved_by_username",
        "edited",
        "hidden",
        "created_at",
    ]
    readonly_fields = [field for field in fields if field != "hidden"]  # type: ignore[misc]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_changelist(self, request: HttpRequest, **kwargs: object) -> type[ChangeList]:
        return CommentChangeList

    @admin.display(description="comment")
    def excerpt(self, comment: Comment) -> str:
        return comment.text if len(comment.text) <= 80 else comment.text[:79] + "…"

    video_link = AnnotationAdmin.video_link
    author = AnnotationAdmin.author

    @admin.display(description="at", ordering="timestamp")
    def at(self, comment: Comment) -> str:
        return "whole video" if comment.timestamp is None else f"{comment.timestamp:.3f} s"

    @admin.display(description="reply", boolean=True)
    def reply(self, comment: Comment) -> bool:
        return comment.parent_id is not None

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Comment], search_term: str
    ) -> tuple[QuerySet[Comment], bool]:
        try:
            return queryset.filter(video_id=uuid.UUID(search_term.strip())), False
        except ValueError:
            return super().get_search_results(request, queryset, search_term)

    def _hide(self, comment: Comment, hidden: bool) -> None:
        comments.comment_set_hidden(comment=comment, hidden=hidden)

    def _delete(self, comment: Comment) -> None:
        if Comment.objects.filter(pk=comment.pk).exists():  # its thread may have taken it
            comments.comment_delete(comment=comment)

    @admin.action(description="Delete, with replies", permissions=["delete"])
    def delete_comments(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        self._delete_selected(request, queryset)
