"""Finding people one works with, and inviting someone by email (a real SMTP server)."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import Invite, User
from tests.conftest import bearer
from tests.factories import PASSWORD, make_user
from videos.models import VideoShare

pytestmark = pytest.mark.django_db(databases="__all__")


def search(user, q: str):
    return bearer(APIClient(), user).get("/api/v1/users/search", {"q": q})


def usernames(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [person["username"] for person in response.json()["results"]]


def test_search_finds_only_people_one_works_with(coaching):
    users, _video = coaching
    make_user("coach_z", role="coach")  # works with nobody
    # The owner shared with coach_a and ath; they find the owner back; nobody finds strangers.
    assert usernames(search(users["owner"], "a")) == ["ath", "coach_a"]
    assert usernames(search(users["athlete"], "coach")) == ["coach_o"]
    assert (
        usernames(search(users["coach"], "ath")) == []
    )  # both shared by the owner: not each other
    assert usernames(search(users["stranger"], "coach")) == []
    assert usernames(search(users["athlete"], "stranger")) == []
    # Staff find everyone.
    assert set(usernames(search(users["staff"], "coach"))) == {
        "coach_o",
        "coach_a",
        "coach_z",
    }
    person = search(users["owner"], "ath").json()["results"][0]
    assert set(person) == {"id", "username", "role"}  # never an email address


def test_search_needs_a_query_and_a_user(coaching, api_client):
    users, _video = coaching
    assert search(users["owner"], "").status_code == 400
    assert api_client.get("/api/v1/users/search", {"q": "a"}).status_code == 401


def invite(user, video, email: str = "new.athlete@example.com"):
    return bearer(APIClient(), user).post(
        "/api/v1/invites", {"video_id": str(video.pk), "email": email}, format="json"
    )


def invite_link(smtp) -> str:
    body = smtp.messages[-1].get_body(("plain",)).get_content()
    found = re.search(r"http://testserver\S+", body)
    assert found, body
    return urlsplit(found.group(0)).path


def test_an_invite_link_makes_an_account_once_and_never_again(
    coaching, smtp, django_capture_on_commit_callbacks
):
    users, video = coaching
    with django_capture_on_commit_callbacks(execute=True):
        answer = invite(users["owner"], video)
    assert answer.status_code == 202
    [message] = smtp.messages
    assert message["To"] == "new.athlete@example.com"
    link = invite_link(smtp)

    browser = Client()
    assert browser.get(link).status_code == 200
    made = browser.post(link, {"username": "newbie", "password": PASSWORD})
    assert made.status_code == 302 and made["Location"] == f"/videos/{video.pk}"
    newbie = User.objects.get(username="newbie")
    assert newbie.email == "new.athlete@example.com" and newbie.role == "athlete"
    assert VideoShare.objects.get(video=video, user=newbie).permission == "view"
    assert browser.get(f"/videos/{video.pk}").status_code == 200  # signed in

    again = Client()
    assert again.get(link).status_code == 400
    assert again.post(link, {"username": "second", "password": PASSWORD}).status_code == 400
    assert not User.objects.filter(username="second").exists()


def test_opened_signed_in_the_share_goes_to_that_account(
    coaching, smtp, django_capture_on_commit_callbacks
):
    users, video = coaching
    # The address is the stranger's, but an address never selects an account: whoever opens it.
    with django_capture_on_commit_callbacks(execute=True):
        invite(users["owner"], video, email="stranger@example.com")
    link = invite_link(smtp)
    opener = make_user("opener", role="athlete")
    browser = Client()
    browser.force_login(opener)
    page = browser.get(link)
    assert page.status_code == 200 and b"opener" in page.content
    assert browser.post(link).status_code == 302
    assert VideoShare.objects.filter(video=video, user=opener).exists()
    assert not VideoShare.objects.filter(video=video, user=users["stranger"]).exists()
    assert Invite.objects.get().used_by == opener


def test_the_answer_is_the_same_whether_the_address_has_an_account(coaching, smtp):
    users, video = coaching
    known = invite(users["owner"], video, email="ath@example.com")
    unknown = invite(users["owner"], video, email="nobody-here@example.com")
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()


def test_who_may_invite(coaching, smtp):
    users, video = coaching
    assert invite(users["athlete"], video).status_code == 403  # may view, not share
    assert invite(users["coach"], video).status_code == 403
    assert invite(users["stranger"], video).status_code == 400  # "no such video"
    assert invite(users["owner"], video, email="not-an-address").status_code == 400
    assert Invite.objects.count() == 0
    assert invite(users["staff"], video).status_code == 202


def test_invites_are_rate_limited(coaching, smtp, settings):
    users, video = coaching
    settings.INVITE_RATE_LIMIT = "3/h"
    codes = [invite(users["owner"], video, f"p{i}@example.com").status_code for i in range(4)]
    assert codes == [202, 202, 202, 429]
    assert Invite.objects.count() == 3


def test_an_expired_or_tampered_link_does_nothing(
    coaching, smtp, django_capture_on_commit_callbacks
):
    users, video = coaching
    with django_capture_on_commit_callbacks(execute=True):
        invite(users["owner"], video)
    link = invite_link(smtp)
    assert Client().get(link[:-2] + "xx").status_code == 400
    Invite.objects.update(expires_at=Invite.objects.get().created_at - timedelta(seconds=1))
    assert Client().post(link, {"username": "late", "password": PASSWORD}).status_code == 400
    assert not User.objects.filter(username="late").exists()


def test_a_bad_username_or_password_keeps_the_invite_open(
    coaching, smtp, django_capture_on_commit_callbacks
):
    users, video = coaching
    with django_capture_on_commit_callbacks(execute=True):
        invite(users["owner"], video)
    link = invite_link(smtp)
    browser = Client()
    assert browser.post(link, {"username": "ath", "password": PASSWORD}).status_code == 400
    assert browser.post(link, {"username": "x y", "password": PASSWORD}).status_code == 400
    assert browser.post(link, {"username": "okname", "password": "1"}).status_code == 400
    assert Invite.objects.get().used_at is None
    assert browser.post(link, {"username": "okname", "password": PASSWORD}).status_code == 302


def invites_of(user, video):
    return bearer(APIClient(), user).get("/api/v1/invites", {"video_id": str(video.pk)})


def test_the_owner_lists_invites_and_takes_one_back(
    coaching, smtp, django_capture_on_commit_callbacks
):
    users, video = coaching
    with django_capture_on_commit_callbacks(execute=True):
        invite(users["owner"], video, email="first@example.com")
        invite(users["staff"], video, email="second@example.com")
    second_link = invite_link(smtp)
    listed = invites_of(users["owner"], video)
    assert listed.status_code == 200
    assert [(i["email"], i["state"], i["inviter"]) for i in listed.json()] == [
        ("second@example.com", "open", "mod"),
        ("first@example.com", "open", "coach_o"),
    ]
    second = listed.json()[0]["id"]
    owner = bearer(APIClient(), users["owner"])
    assert owner.delete(f"/api/v1/invites/{second}").status_code == 204
    assert invites_of(users["staff"], video).json()[0]["state"] == "revoked"
    # The link no longer works; taking it back twice says why.
    assert Client().post(second_link, {"username": "late", "password": PASSWORD}).status_code == 400
    assert not User.objects.filter(username="late").exists()
    again = owner.delete(f"/api/v1/invites/{second}")
    assert again.status_code == 409 and "revoked" in again.json()["detail"]


def test_a_used_invite_cannot_be_taken_back_and_shows_who_used_it(
    coaching, smtp, django_capture_on_commit_callbacks
):
    users, video = coaching
    with django_capture_on_commit_callbacks(execute=True):
        invite(users["owner"], video)
    Client().post(invite_link(smtp), {"username": "newbie", "password": PASSWORD})
    [used] = invites_of(users["owner"], video).json()
    assert used["state"] == "used" and used["used_by"] == "newbie"
    taken = bearer(APIClient(), users["owner"]).delete(f"/api/v1/invites/{used['id']}")
    assert taken.status_code == 409
    assert VideoShare.objects.filter(video=video, user__username="newbie").exists()


def test_only_the_owner_and_staff_see_or_revoke_invites(coaching, smtp):
    users, video = coaching
    invite(users["owner"], video)
    invite_id = Invite.objects.get().pk
    assert invites_of(users["athlete"], video).status_code == 403  # may view, not share
    assert invites_of(users["coach"], video).status_code == 403
    assert invites_of(users["stranger"], video).status_code == 400  # "no such video"
    assert bearer(APIClient(), users["stranger"]).get("/api/v1/invites").status_code == 400
    for name, code in (("athlete", 403), ("coach", 403), ("stranger", 404)):
        client = bearer(APIClient(), users[name])
        assert client.delete(f"/api/v1/invites/{invite_id}").status_code == code
    assert bearer(APIClient(), users["owner"]).delete("/api/v1/invites/nope").status_code == 404
    assert Invite.objects.get().state == "open"
    assert (
        bearer(APIClient(), users["staff"]).delete(f"/api/v1/invites/{invite_id}").status_code
        == 204
    )
