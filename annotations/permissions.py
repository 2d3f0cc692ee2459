"""Who may change an annotation: the one place these rules live (seeing one follows its video's
rules, in the selectors)."""

from typing import Any

from django.contrib.auth.models import AnonymousUser
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from accounts.models import User
from annotations.models import Annotation
from videos.models import Comparison, Video
from videos.permissions import is_staff


def can_edit_annotation(user: User | AnonymousUser, annotation: Annotation) -> bool:
    return annotation.author_id == user.pk or is_staff(user)


def can_delete_annotation(
    user: User | AnonymousUser,
    annotation: Annotation,
    video: Video,
    comparison: Comparison | None = None,
) -> bool:
    """A pane drawing's "owner" is the comparison's owner, not its video's."""
    owner_id = comparison.owner_id if comparison is not None else video.owner_id
    return annotation.author_id == user.pk or owner_id == user.pk or is_staff(user)


class AnnotationAccess(BasePermission):
    """Object rule per viewset action; `view.video` is the annotation's video."""

    def has_object_permission(self, request: Request, view: Any, annotation: Annotation) -> bool:
        if view.action == "partial_update" and not can_edit_annotation(request.user, annotation):
            self.message = "Only its author or staff may edit this."
            return False
        if view.action == "destroy" and not can_delete_annotation(
            request.user, annotation, view.video, getattr(view, "comparison", None)
        ):
            self.message = "Only its author, the video's owner or staff may delete this."
            return False
        return True
