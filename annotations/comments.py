"""Every write to comments: threads at a moment of the video, replies, mentions, resolving.

Who may do what is in annotations.permissions (can_start_thread, can_reply, ...); what people hear
about it is accounts.notifications. Events go to the video's live channel after commit.
"""

import re
import uuid
from typing import Any

from django.db.models import Q
from django.utils import timezone

from accounts import notifications
from accounts.models import User
from accounts.notifications import NotificationKind
from annotations import realtime
from annotations.models import COMMENT_MAX_CHARS, Annotation, Comment
from annotations.permissions import can_reply, can_start_thread
from annotations.services import check_moment, frame_rule
from config.errors import ApplicationError, PermissionDenied
from config.text import clean_text
from videos.models import Video
from videos.permissions import can_view

# `@name` where a username may stand: not inside an address (a@b) or another mention. Usernames
# take letters, digits and @ . + - _; a trailing dot ends a sentence, not the name.
MENTION = re.compile(r"(?<![\w@.+-])@([\w.@+-]{1,150})")


def mentioned_usernames(text: str) -> list[str]:
    names = []
    for match in MENTION.finditer(text):
        name = match.group(1).rstrip(".")
        if name and name not in names:
            names.append(name)
    return names


def _mentions(video: Video, text: str, author: User) -> list[User]:
    """The people named with `@username` who may view the video (others stay plain text)."""
    names = mentioned_usernames(text)[:50]
    if not names:
        return []
    people = User.objects.filter(username__in=names, is_active=True).prefetch_related("groups")
    return [person for person in people if person.pk != author.pk and can_view(person, video)]


def _clean(text: str) -> str:
    cleaned = clean_text(text, max_length=COMMENT_MAX_CHARS + 1, multiline=True)
    if not cleaned:
        raise ApplicationError(errors={"text": ["Write something."]})
    if len(cleaned) > COMMENT_MAX_CHARS:
        raise ApplicationError(errors={"text": [f"At most {COMMENT_MAX_CHARS} characters."]})
    return cleaned


def comment_payload(comment: Comment) -> dict[str, Any]:
    from annotations.serializers import CommentOutputSerializer

    return realtime.as_json(CommentOutputSerializer(comment).data)


def comment_create(
    *,
    video: Video,
    author: User,
    text: str,
    timestamp: float | None = None,
    annotation_id: uuid.UUID | None = None,
    parent_id: uuid.UUID | None = None,
) -> Comment:
    """A new thread (owners, staff, coaches who may annotate) or a reply to one (anyone who may
    view the video). A reply takes its thread's moment; a thread about an annotation takes the
    annotation's moment unless it names its own."""
    text = _clean(text)
    parent = None
    if parent_id is not None:
        parent = Comment.objects.filter(pk=parent_id, video_id=video.pk, hidden=False).first()
        if parent is None:
            raise ApplicationError(errors={"parent_id": ["No such comment on this video."]})
        if parent.parent_id is not None:
            raise ApplicationError(errors={"parent_id": ["Reply to the thread's first comment."]})
        if not can_reply(author, video):
            raise PermissionDenied("You may not reply on this video.")
        timestamp, annotation_id = parent.timestamp, parent.annotation_id
    elif not can_start_thread(author, video):
        raise PermissionDenied(
            "Only the video's owner, staff and coaches who may annotate start threads; reply "
            "to one instead."
        )
    if annotation_id is not None and parent is None:
        about = Annotation.objects.filter(pk=annotation_id, video_id=video.pk, hidden=False).first()
        if about is None:
            raise ApplicationError(errors={"annotation_id": ["No such annotation on this video."]})
        if timestamp is None:
            timestamp = about.timestamp
    frame = None
    if timestamp is not None and parent is None:
        check_moment(video, timestamp, field="timestamp")  # as drawings: the playable part
        frame, timestamp = frame_rule(timestamp, video.fps)
    elif parent is not None:
        frame = parent.frame
    mentioned = _mentions(video, text, author)
    comment = Comment.objects.create(
        video_id=video.pk,
        author_id=author.pk,
        author_username=author.username,
        parent_id=parent.pk if parent else None,
        annotation_id=annotation_id,
        timestamp=timestamp,
        frame=frame,
        text=text,
        mentions=[{"id": person.pk, "username": person.username} for person in mentioned],
    )
    realtime.publish(video.pk, "comment.created", comment_payload(comment))
    _notify_comment(comment=comment, video=video, author=author, parent=parent, mentioned=mentioned)
    return comment


def _notify_comment(
    *,
    comment: Comment,
    video: Video,
    author: User,
    parent: Comment | None,
    mentioned: list[User],
) -> None:
    """One notification per person: a mention says more than a comment on your video."""
    told: set[int] = {author.pk}

    def tell(person: User, kind: NotificationKind) -> None:
        notifications.notify(
            recipient=person, kind=kind, video=video, actor=author, comment=comment
        )

    for person in mentioned:
        tell(person, NotificationKind.MENTION)
        told.add(person.pk)
    if parent is not None and parent.author_id not in told:
        thread_author = User.objects.filter(pk=parent.author_id).first()
        if thread_author is not None:
            tell(thread_author, NotificationKind.REPLY)
        told.add(parent.author_id)
    if video.owner_id not in told:
        tell(video.owner, NotificationKind.REPLY if parent else NotificationKind.COMMENT)


def comment_update(*, comment: Comment, video: Video, text: str) -> Comment:
    """The author rewrites the text; new mentions are told, earlier ones are not told again."""
    author = User.objects.get(pk=comment.author_id)
    comment.text = _clean(text)
    before = {mention["id"] for mention in comment.mentions}
    mentioned = _mentions(video, comment.text, author)
    comment.mentions = [{"id": person.pk, "username": person.username} for person in mentioned]
    comment.edited = True
    comment.save(update_fields=["text", "mentions", "edited", "updated_at"])
    realtime.publish(video.pk, "comment.updated", comment_payload(comment))
    for person in mentioned:
        if person.pk not in before:
            notifications.notify(
                recipient=person,
                kind=NotificationKind.MENTION,
                video=video,
                actor=author,
                comment=comment,
            )
    return comment


def comment_delete(*, comment: Comment) -> None:
    """A thread's first comment takes its replies with it."""
    ids = [str(comment.pk)]
    if comment.parent_id is None:
        replies = Comment.objects.filter(parent_id=comment.pk)
        ids += [str(pk) for pk in replies.values_list("pk", flat=True)]
        replies.delete()
    video_id = comment.video_id
    comment.delete()
    notifications.notifications_forget_comments(comment_ids=ids)
    realtime.publish(video_id, "comment.deleted", {"id": ids[0], "ids": ids})


def comment_set_resolved(*, comment: Comment, by: User, resolved: bool) -> Comment:
    if comment.parent_id is not None:
        raise ApplicationError(errors={"id": ["Resolve the thread, not a reply."]})
    comment.resolved = resolved
    comment.resolved_by_username = by.username if resolved else ""
    comment.resolved_at = timezone.now() if resolved else None
    comment.save(update_fields=["resolved", "resolved_by_username", "resolved_at", "updated_at"])
    realtime.publish(comment.video_id, "comment.resolved", comment_payload(comment))
    return comment


def comment_set_hidden(*, comment: Comment, hidden: bool) -> Comment:
    """Moderation: a hidden comment (with its replies) is seen by staff only."""
    comment.hidden = hidden
    comment.save(update_fields=["hidden", "updated_at"])
    if hidden:
        notifications.notifications_forget_comments(comment_ids=[str(comment.pk)])
        realtime.publish(comment.video_id, "comment.deleted", {"id": str(comment.pk)})
    else:
        realtime.publish(comment.video_id, "comment.created", comment_payload(comment))
    return comment


def comments_delete_for_video(video: Video) -> None:
    Comment.objects.filter(Q(video_id=video.pk)).delete()


def comments_import(*, video: Video, author: User, comments: list[dict[str, Any]]) -> None:
    """Imported threads and replies (validated by annotations.exchange), written as `author`'s;
    a reply follows its thread by the document's ids. Nobody is notified of an import."""
    new_ids: dict[str, uuid.UUID] = {}
    created = []
    for item in sorted(comments, key=lambda item: bool(item.get("reply_to"))):
        parent = new_ids.get(item.get("reply_to") or "")
        frame, timestamp = None, item.get("timestamp")
        if timestamp is not None:
            frame, timestamp = frame_rule(timestamp, video.fps)
        comment = Comment.objects.create(
            video_id=video.pk,
            author_id=author.pk,
            author_username=author.username,
            parent_id=parent,
            timestamp=timestamp,
            frame=frame,
            text=_clean(item["text"]),
            resolved=bool(item.get("resolved")) and parent is None,
            resolved_by_username=author.username if item.get("resolved") else "",
        )
        if parent is None:
            new_ids[item["id"]] = comment.pk
        created.append(comment)
    for comment in created:
        realtime.publish(video.pk, "comment.created", comment_payload(comment))
