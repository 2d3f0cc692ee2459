"""Deleting in the admin through the app's services, for every model whose delete does more
than remove a row (stored files, drawings, exports, notifications).

Django's bulk delete would skip the services, so it is taken away; the single delete view, the
queryset delete and the "Delete, with …" actions all call `_delete` one object at a time. A
service may refuse (storage unavailable: the object is kept, `ServiceUnavailable`): the page then
says so and which objects stayed, instead of a 500, and only what was really deleted is logged.
"""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from config.errors import ApplicationError


class ServiceDeletes(admin.ModelAdmin):
    noun = "item"

    def _delete(self, obj: Any) -> None:
        raise NotImplementedError

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self._delete(obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            self._delete(obj)

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        try:
            return super().delete_view(request, object_id, extra_context)
        except ApplicationError as error:
            self.message_user(request, f"Not deleted: {error.detail}", messages.ERROR)
            return HttpResponseRedirect(request.path.removesuffix("delete/") + "change/")

    def delete_each(self, request: HttpRequest, queryset: QuerySet[Any], done: str) -> None:
        """The "Delete, with …" actions: each through the service, logged once deleted; `done`
        says what went ("{count} video(s) and their files")."""
        gone, kept, reason = [], 0, ""
        for obj in list(queryset):
            pk = obj.pk
            try:
                self._delete(obj)
            except ApplicationError as error:
                kept, reason = kept + 1, error.detail
                continue
            obj.pk = pk  # Django clears it on delete; the log entry names it
            gone.append(obj)
        if gone:
            self.log_deletions(request, gone)  # type: ignore[arg-type] # it only iterates
        if gone or not kept:
            self.message_user(request, f"Deleted {done.format(count=len(gone))}.", messages.SUCCESS)
        if kept:
            self.message_user(request, f"Kept {kept} {self.noun}(s): {reason}", messages.ERROR)
