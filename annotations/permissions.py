"""Who may change an annotation: the one place these rules live (seeing one follows its video's
rules, in the selectors)."""

from typing import Any

from django.contrib.auth.models import AnonymousUser
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from accounts.models import User
from annotations.models import Annotation, Comment
from videos.models import Comparison, Video
from videos.permissions import can_annotate, can_view, is_staff


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


# --- Comments --------------------------------------------------------------------------------
# Reading follows the video (anyone who may view it reads its comments, the selectors' rule).
# Starting a thread is for those who coach the video: its owner, staff and coaches with an
# `annotate` share (can_annotate). Anyone who may view it may reply: an athlete with a `view`
# share answers the coach's notes without being able to open threads of their own.


def can_start_thread(user: User | AnonymousUser, video: Video) -> bool:
    return can_annotate(user, video)


def can_reply(user: User | AnonymousUser, video: Video) -> bool:
    return can_view(user, video)


def can_edit_comment(user: User | AnonymousUser, comment: Comment) -> bool:
    return user.is_authenticated and comment.author_id == user.pk


def can_delete_comment(user: User | AnonymousUser, comment: Comment, video: Video) -> bool:
    return comment.author_id == user.pk or video.owner_id == user.pk or is_staff(user)


def can_resolve_comment(user: User | AnonymousUser, comment: Comment, video: Video) -> bool:
    """The thread's author, or anyone who could have started it (owner, staff, coaches)."""
    return (user.is_authenticated and comment.author_id == user.pk) or can_annotate(user, video)


class CommentAccess(BasePermission):
    """Object rule per viewset action; `view.video` is the comment's video."""

    def has_object_permission(self, request: Request, view: Any, comment: Comment) -> bool:
        user = request.user
        if view.action == "partial_update" and not can_edit_comment(user, comment):
            self.message = "Only its author may edit this comment."
            return False
        if view.action == "destroy" and not can_delete_comment(user, comment, view.video):
            self.message = "Only its author, the video's owner or staff may delete this."
            return False
        if view.action in ("resolve", "reopen") and not can_resolve_comment(
            user, comment, view.video
        ):
            self.message = "Only the thread's author, the video's owner or its coaches may do this."
            return False
        return True
