"""Comments through the API: threads, replies, who may do what (both ways), mentions, moderation,
and the exchange formats. Also run against MongoDB (annotations' store) by `make test`."""

import pytest
from rest_framework.test import APIClient

from accounts.models import Notification
from annotations.comments import mentioned_usernames
from annotations.models import Comment
from tests.conftest import bearer
from videos.models import Video, VideoStatus

pytestmark = pytest.mark.django_db(databases="__all__")


def api(user) -> APIClient:
    return bearer(APIClient(), user)


def post(user, video, **body):
    return api(user).post(f"/api/v1/videos/{video.pk}/comments", body, format="json")


def test_a_thread_at_a_moment_with_a_reply_in_time_order(coaching):
    users, video = coaching
    late = post(users["coach"], video, text="Knees out here", timestamp=4.51)
    assert late.status_code == 201, late.json()
    body = late.json()
    assert body["timestamp"] == pytest.approx(135 / 30)  # snapped to the frame's start
    assert body["frame"] == 135
    assert body["author"]["username"] == "coach_a"
    whole = post(users["owner"], video, text="Good session overall")
    assert whole.status_code == 201 and whole.json()["timestamp"] is None
    early = post(users["owner"], video, text="Setup", timestamp=1)
    reply = post(users["athlete"], video, text="Like this?", parent_id=body["id"])
    assert reply.status_code == 201, reply.json()
    assert reply.json()["parent_id"] == body["id"]
    assert reply.json()["timestamp"] == body["timestamp"]  # a reply sits at its thread's moment

    listed = api(users["athlete"]).get(f"/api/v1/videos/{video.pk}/comments").json()
    ids = [item["id"] for item in listed["results"]]
    assert ids == [whole.json()["id"], early.json()["id"], body["id"], reply.json()["id"]]


def test_who_may_start_a_thread_and_who_may_only_reply(coaching):
    users, video = coaching
    refused = post(users["athlete"], video, text="Can I start one?", timestamp=2)
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    assert not Comment.objects.exists()
    for who in ("owner", "coach", "staff"):
        assert post(users[who], video, text=f"by {who}").status_code == 201
    thread = Comment.objects.filter(author_username="coach_a").get()
    assert post(users["athlete"], video, text="ok", parent_id=str(thread.pk)).status_code == 201
    # No replies to replies: one level of threads.
    reply = Comment.objects.get(text="ok")
    nested = post(users["owner"], video, text="deeper", parent_id=str(reply.pk))
    assert nested.status_code == 400 and "parent_id" in nested.json()["errors"]


def test_nobody_reads_or_writes_comments_on_a_video_they_cannot_see(coaching):
    users, video = coaching
    thread = post(users["coach"], video, text="Private note", timestamp=1).json()
    stranger = api(users["stranger"])
    assert stranger.get(f"/api/v1/videos/{video.pk}/comments").status_code == 404
    assert stranger.get(f"/api/v1/comments/{thread['id']}").status_code == 404
    assert post(users["stranger"], video, text="hi").status_code == 404
    replied = post(users["stranger"], video, text="hi", parent_id=thread["id"])
    assert replied.status_code == 404
    assert stranger.patch(f"/api/v1/comments/{thread['id']}", {"text": "x"}).status_code == 404
    assert stranger.delete(f"/api/v1/comments/{thread['id']}").status_code == 404
    assert stranger.post(f"/api/v1/comments/{thread['id']}/resolve").status_code == 404
    assert Comment.objects.get().text == "Private note"
    assert Comment.objects.count() == 1
    assert api(users["athlete"]).get(f"/api/v1/comments/{thread['id']}").status_code == 200


def test_edit_by_the_author_only_delete_by_author_owner_or_staff(coaching):
    users, video = coaching
    thread = post(users["coach"], video, text="First", timestamp=1).json()
    reply = post(users["athlete"], video, text="Answer", parent_id=thread["id"]).json()
    url = f"/api/v1/comments/{thread['id']}"
    assert api(users["owner"]).patch(url, {"text": "hijack"}, format="json").status_code == 403
    assert api(users["staff"]).patch(url, {"text": "hijack"}, format="json").status_code == 403
    edited = api(users["coach"]).patch(url, {"text": "First, edited"}, format="json")
    assert edited.status_code == 200 and edited.json()["edited"] is True
    assert Comment.objects.get(pk=thread["id"]).text == "First, edited"
    # The athlete may delete their reply but not the coach's thread.
    assert api(users["athlete"]).delete(url).status_code == 403
    assert Comment.objects.filter(pk=thread["id"]).exists()
    # The owner deletes the thread: the reply goes with it.
    assert api(users["owner"]).delete(url).status_code == 204
    assert not Comment.objects.filter(pk__in=[thread["id"], reply["id"]]).exists()


def test_resolve_and_reopen_a_thread(coaching):
    users, video = coaching
    thread = post(users["coach"], video, text="Fix the bar path", timestamp=3).json()
    reply = post(users["athlete"], video, text="Done", parent_id=thread["id"]).json()
    url = f"/api/v1/comments/{thread['id']}"
    assert api(users["athlete"]).post(f"{url}/resolve").status_code == 403
    assert Comment.objects.get(pk=thread["id"]).resolved is False
    assert api(users["coach"]).post(f"/api/v1/comments/{reply['id']}/resolve").status_code == 400
    resolved = api(users["owner"]).post(f"{url}/resolve")
    assert resolved.status_code == 200
    assert resolved.json()["resolved"] is True
    assert resolved.json()["resolved_by_username"] == "coach_o"
    reopened = api(users["coach"]).post(f"{url}/reopen")
    assert reopened.json()["resolved"] is False
    assert Comment.objects.get(pk=thread["id"]).resolved is False


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "   \n "}, "text"),
        ({"text": "x" * 5001}, "text"),
        ({"text": "late", "timestamp": 11}, "timestamp"),
        ({"text": "bad", "timestamp": "nan"}, "timestamp"),
        ({"text": "bad", "timestamp": True}, "timestamp"),
        ({"text": "bad", "parent_id": "00000000-0000-0000-0000-000000000000"}, "parent_id"),
        ({"text": "bad", "annotation_id": "00000000-0000-0000-0000-000000000000"}, "annotation_id"),
        ({"text": ["a"]}, "text"),
    ],
)
def test_bad_input_is_a_clear_400(coaching, body, field):
    users, video = coaching
    response = post(users["coach"], video, **body)
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "invalid"
    assert field in response.json()["errors"]
    assert not Comment.objects.exists()


def test_text_is_stored_plain_at_most_5000_characters(coaching):
    users, video = coaching
    text = "<script>alert(1)</script>\n" + "x" * (5000 - 26)
    response = post(users["coach"], video, text=text)
    assert response.status_code == 201
    assert response.json()["text"] == text  # plain text: the pages render it as text


def test_a_comment_about_a_drawing_takes_its_moment(coaching):
    users, video = coaching
    drawing = api(users["coach"]).post(
        "/api/v1/annotations/drawing",
        {
            "video_id": str(video.pk),
            "timestamp": 2.5,
            "drawing_data": {"tool_type": "line", "points": [[0.1, 0.1], [0.5, 0.5]]},
        },
        format="json",
    )
    comment = post(users["coach"], video, text="This line", annotation_id=drawing.json()["id"])
    assert comment.status_code == 201
    assert comment.json()["annotation_id"] == drawing.json()["id"]
    assert comment.json()["timestamp"] == pytest.approx(2.5)


def test_mentions_of_people_who_may_view_are_recognised_and_notified(coaching):
    users, video = coaching
    text = "@ath watch this, and @stranger too; cc @coach_o. mail a@coach_a.com @nobody"
    response = post(users["coach"], video, text=text, timestamp=1)
    assert response.status_code == 201
    mentioned = {m["username"] for m in response.json()["mentions"]}
    assert mentioned == {"ath", "coach_o"}  # the stranger may not view; a@coach_a is an address
    kinds = dict(Notification.objects.values_list("recipient__username", "kind"))
    assert kinds == {"ath": "mention", "coach_o": "mention"}  # the owner hears once, as mention
    assert not Notification.objects.filter(recipient=users["stranger"]).exists()


def test_mention_parsing():
    assert mentioned_usernames("@a.b. and @c-d, (@e) x@f @g@h") == ["a.b", "c-d", "e", "g@h"]


def test_replies_notify_the_thread_author_and_the_owner(coaching):
    users, video = coaching
    thread = post(users["coach"], video, text="Look", timestamp=1).json()
    assert Notification.objects.get(recipient=users["owner"]).kind == "comment"
    post(users["athlete"], video, text="Seen", parent_id=thread["id"])
    assert Notification.objects.get(recipient=users["coach"]).kind == "reply"
    assert Notification.objects.filter(recipient=users["owner"], kind="reply").count() == 1
    assert not Notification.objects.filter(recipient=users["athlete"]).exists()


def test_deleting_a_comment_removes_its_notifications(coaching):
    users, video = coaching
    thread = post(users["coach"], video, text="@ath secret", timestamp=1).json()
    assert Notification.objects.filter(comment_id=thread["id"]).count() == 2
    api(users["coach"]).delete(f"/api/v1/comments/{thread['id']}")
    assert not Notification.objects.filter(comment_id=thread["id"]).exists()


def test_hidden_comments_are_for_staff_only(coaching):
    from annotations.comments import comment_set_hidden

    users, video = coaching
    thread = post(users["coach"], video, text="Rude", timestamp=1).json()
    post(users["athlete"], video, text="reply", parent_id=thread["id"])
    comment_set_hidden(comment=Comment.objects.get(pk=thread["id"]), hidden=True)
    url = f"/api/v1/videos/{video.pk}/comments"
    assert api(users["athlete"]).get(url).json()["count"] == 0
    assert api(users["athlete"]).get(f"/api/v1/comments/{thread['id']}").status_code == 404
    assert api(users["staff"]).get(url).json()["count"] == 2


def test_export_and_import_carry_comments(coaching):
    users, video = coaching
    thread = post(users["coach"], video, text="Hips --> lower", timestamp=2).json()
    post(users["athlete"], video, text="Got it", parent_id=thread["id"])
    post(users["owner"], video, text="Whole video note")
    client = api(users["owner"])
    document = client.get(f"/api/v1/videos/{video.pk}/annotations/export").json()
    notes = document["comments"]
    assert [n["text"] for n in notes] == ["Whole video note", "Hips --> lower", "Got it"]
    assert notes[2]["reply_to"] == notes[1]["id"]
    vtt = client.get(f"/api/v1/videos/{video.pk}/annotations/export.vtt").content.decode()
    assert '"type":"comment"' in vtt and "Got it" in vtt
    assert "Hips --> lower" not in vtt  # "-->" would end a cue's payload early

    Comment.objects.all().delete()
    imported = client.post(f"/api/v1/videos/{video.pk}/annotations/import", document, format="json")
    assert imported.status_code == 201, imported.json()
    assert imported.json()["comments"] == 3
    again = api(users["owner"]).get(f"/api/v1/videos/{video.pk}/comments").json()["results"]
    assert [c["text"] for c in again] == ["Whole video note", "Hips --> lower", "Got it"]
    assert again[2]["parent_id"] == again[1]["id"]
    assert {c["author"]["username"] for c in again} == {"coach_o"}  # the importer writes them


def test_deleting_the_video_deletes_its_comments(coaching):
    from videos.services import video_delete

    users, video = coaching
    post(users["coach"], video, text="note", timestamp=1)
    video_delete(video=video)
    assert not Comment.objects.exists()


def test_staff_hide_and_delete_comments_in_the_admin(coaching, client):
    from accounts.roles import roles_sync_permissions

    roles_sync_permissions()  # see tests/admin/test_moderation.py
    users, video = coaching
    thread = post(users["coach"], video, text="Rude remark", timestamp=1).json()
    post(users["athlete"], video, text="reply", parent_id=thread["id"])
    client.force_login(users["staff"])
    listing = client.get("/admin/annotations/comment/")
    assert listing.status_code == 200 and b"Rude remark" in listing.content
    data = {"action": "hide", "_selected_action": [thread["id"]]}
    assert client.post("/admin/annotations/comment/", data).status_code == 302
    assert api(users["athlete"]).get(f"/api/v1/videos/{video.pk}/comments").json()["count"] == 0
    data = {"action": "delete_comments", "_selected_action": [thread["id"]]}
    assert client.post("/admin/annotations/comment/", data).status_code == 302
    assert not Comment.objects.exists()
    client.force_login(users["coach"])
    assert client.get("/admin/annotations/comment/").status_code == 302  # not staff: sign in


def test_a_moment_comment_goes_on_the_part_that_can_be_played(coaching):
    """As drawings: while a video processes, its published part takes comments at a moment;
    before anything plays, only comments on the whole video."""
    users, video = coaching
    Video.objects.filter(pk=video.pk).update(status=VideoStatus.PROCESSING, progress=40)
    early = post(users["coach"], video, text="At the start", timestamp=1.0)
    assert early.status_code == 400 and "not ready" in str(early.json()["errors"]["timestamp"])
    whole = post(users["coach"], video, text="Nice session overall")
    assert whole.status_code == 201, whole.json()
    Video.objects.filter(pk=video.pk).update(hls_master=f"videos/{video.pk}/live/master.m3u8")
    published = post(users["coach"], video, text="Hips here", timestamp=3.0)  # 40 % of 10 s
    assert published.status_code == 201, published.json()
    later = post(users["coach"], video, text="Too soon", timestamp=6.0)
    assert later.status_code == 400 and "processed so far" in str(later.json()["errors"])
    assert Comment.objects.count() == 2
