"""Who may change whom in the admin: staff manage coaches and athletes; only superusers grant or
touch administrative power. Every form and action both ways; denied posts change nothing."""

import pytest
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages

from accounts.models import User
from accounts.roles import roles_sync_permissions
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture
def people(db):
    roles_sync_permissions()  # see tests/admin/test_moderation.py
    root = User.objects.create_superuser("root", "root@example.com", PASSWORD)
    return {
        "root": root,
        "other_root": User.objects.create_superuser("root2", "r2@example.com", PASSWORD),
        "staff": make_user("moderator", role="staff"),
        "other_staff": make_user("moderator2", role="staff"),
        "coach": make_user("coach", role="coach"),
        "athlete": make_user("athlete", role="athlete"),
    }


def as_user(client, user):
    client.force_login(user)
    return client


def snapshot(user: User) -> dict:
    row = User.objects.get(pk=user.pk)
    return {
        "email": row.email,
        "password": row.password,
        "is_active": row.is_active,
        "is_staff": row.is_staff,
        "is_superuser": row.is_superuser,
        "groups": sorted(row.groups.values_list("name", flat=True)),
        "permissions": sorted(row.user_permissions.values_list("codename", flat=True)),
    }


def change_form_data(user: User, **extra) -> dict:
    joined = user.date_joined
    return {
        "username": user.username,
        "email": "changed@example.com",
        "is_active": "on",
        "date_joined_0": joined.strftime("%Y-%m-%d"),
        "date_joined_1": joined.strftime("%H:%M:%S"),
        **extra,
    }


def escalation(people) -> dict:
    return {
        "is_staff": "on",
        "is_superuser": "on",
        "groups": [Group.objects.get(name="staff").pk],
        "user_permissions": [],
    }


def action(client, name, users):
    return client.post(
        "/admin/accounts/user/", {"action": name, "_selected_action": [u.pk for u in users]}
    )


def texts(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- The change form -------------------------------------------------------------------------


def test_staff_cannot_make_a_coach_superuser_or_staff(client, people):
    coach = people["coach"]
    before = snapshot(coach)
    response = as_user(client, people["staff"]).post(
        f"/admin/accounts/user/{coach.pk}/change/", change_form_data(coach, **escalation(people))
    )
    assert response.status_code == 302  # the allowed part (email) is saved ...
    after = snapshot(coach)
    assert after["email"] == "changed@example.com"
    # ... and nothing that grants power
    assert {k: after[k] for k in ("is_staff", "is_superuser", "groups", "permissions")} == {
        k: before[k] for k in ("is_staff", "is_superuser", "groups", "permissions")
    }


def test_staff_change_form_shows_privileged_fields_read_only(client, people):
    page = as_user(client, people["staff"]).get(
        f"/admin/accounts/user/{people['coach'].pk}/change/"
    )
    html = page.content.decode()
    assert page.status_code == 200 and 'name="email"' in html
    for name in ("is_staff", "is_superuser", "groups", "user_permissions"):
        assert f'name="{name}"' not in html


def test_superuser_may_make_a_coach_superuser(client, people):
    coach = people["coach"]
    response = as_user(client, people["root"]).post(
        f"/admin/accounts/user/{coach.pk}/change/", change_form_data(coach, **escalation(people))
    )
    assert response.status_code == 302
    after = snapshot(coach)
    assert after["is_superuser"] and after["is_staff"] and "staff" in after["groups"]


@pytest.mark.parametrize("target", ["other_staff", "root", "staff"])
def test_staff_cannot_edit_staff_or_superusers(client, people, target):
    user = people[target]
    before = snapshot(user)
    client = as_user(client, people["staff"])
    page = client.get(f"/admin/accounts/user/{user.pk}/change/")
    assert page.status_code == 200 and 'name="email"' not in page.content.decode()  # view only
    response = client.post(
        f"/admin/accounts/user/{user.pk}/change/", change_form_data(user, **escalation(people))
    )
    assert response.status_code == 403
    assert snapshot(user) == before


def test_superuser_may_edit_staff(client, people):
    user = people["staff"]
    data = change_form_data(user, groups=[Group.objects.get(name="coach").pk])
    response = as_user(client, people["root"]).post(f"/admin/accounts/user/{user.pk}/change/", data)
    assert response.status_code == 302
    after = snapshot(user)
    assert after["email"] == "changed@example.com" and after["groups"] == ["coach"]


def test_staff_may_deactivate_a_coach_through_the_form(client, people):
    coach = people["coach"]
    data = change_form_data(coach)
    del data["is_active"]
    response = as_user(client, people["staff"]).post(
        f"/admin/accounts/user/{coach.pk}/change/", data
    )
    assert response.status_code == 302 and not snapshot(coach)["is_active"]


# --- The password form -----------------------------------------------------------------------

NEW_PASSWORD = {"password1": "another long passphrase", "password2": "another long passphrase"}


@pytest.mark.parametrize("target", ["other_staff", "root"])
def test_staff_cannot_set_the_password_of_staff_or_superusers(client, people, target):
    user = people[target]
    before = snapshot(user)
    client = as_user(client, people["staff"])
    url = f"/admin/accounts/user/{user.pk}/password/"
    assert client.get(url).status_code == 403
    assert client.post(url, NEW_PASSWORD).status_code == 403
    assert snapshot(user) == before


def test_staff_may_set_a_coach_password_and_superuser_a_staff_password(client, people):
    coach, staff = people["coach"], people["staff"]
    as_user(client, staff).post(f"/admin/accounts/user/{coach.pk}/password/", NEW_PASSWORD)
    assert User.objects.get(pk=coach.pk).check_password(NEW_PASSWORD["password1"])
    as_user(client, people["root"]).post(f"/admin/accounts/user/{staff.pk}/password/", NEW_PASSWORD)
    assert User.objects.get(pk=staff.pk).check_password(NEW_PASSWORD["password1"])


# --- The add form ----------------------------------------------------------------------------

ADD = {
    "username": "newcomer",
    "usable_password": "true",
    "password1": "a long enough passphrase",
    "password2": "a long enough passphrase",
}


def test_staff_add_form_cannot_create_a_superuser(client, people):
    response = as_user(client, people["staff"]).post(
        "/admin/accounts/user/add/", {**ADD, "is_superuser": "on", "is_staff": "on"}
    )
    assert response.status_code == 302
    created = User.objects.get(username="newcomer")
    assert not created.is_superuser and not created.is_staff and not created.groups.exists()


def test_superuser_add_form_creates_a_user(client, people):
    response = as_user(client, people["root"]).post("/admin/accounts/user/add/", ADD)
    assert response.status_code == 302 and User.objects.filter(username="newcomer").exists()


# --- Actions ---------------------------------------------------------------------------------


def test_staff_cannot_use_make_staff(client, people):
    coach = people["coach"]
    before = snapshot(coach)
    client = as_user(client, people["staff"])
    listing = client.get("/admin/accounts/user/").content.decode()
    assert 'value="make_staff"' not in listing and 'value="make_coach"' in listing
    response = action(client, "make_staff", [coach])
    assert response.status_code == 302 and texts(response)  # told, not silently ignored
    assert snapshot(coach) == before


def test_superuser_may_make_staff(client, people):
    coach = people["coach"]
    action(as_user(client, people["root"]), "make_staff", [coach])
    after = snapshot(coach)
    assert after["is_staff"] and after["groups"] == ["staff"]


@pytest.mark.parametrize("name", ["make_coach", "make_athlete", "deactivate"])
@pytest.mark.parametrize("target", ["other_staff", "root"])
def test_staff_actions_on_staff_or_superusers_change_nothing(client, people, name, target):
    selection = [people["athlete"], people[target]]  # all or nothing: the athlete is kept too
    before = [snapshot(user) for user in selection]
    response = action(as_user(client, people["staff"]), name, selection)
    assert response.status_code == 302
    assert any("Only a superuser" in text for text in texts(response))
    assert [snapshot(user) for user in selection] == before


@pytest.mark.parametrize(
    ("name", "check"),
    [
        ("make_coach", lambda row: row["groups"] == ["coach"] and not row["is_staff"]),
        ("make_athlete", lambda row: row["groups"] == ["athlete"]),
        ("deactivate", lambda row: not row["is_active"]),
    ],
)
def test_superuser_actions_on_staff(client, people, name, check):
    action(as_user(client, people["root"]), name, [people["other_staff"]])
    assert check(snapshot(people["other_staff"]))


@pytest.mark.parametrize(
    ("name", "check"),
    [
        ("make_coach", lambda row: row["groups"] == ["coach"]),
        ("make_athlete", lambda row: row["groups"] == ["athlete"]),
        ("deactivate", lambda row: not row["is_active"]),
    ],
)
def test_staff_actions_on_coaches_and_athletes(client, people, name, check):
    action(as_user(client, people["staff"]), name, [people["coach"], people["athlete"]])
    assert check(snapshot(people["coach"])) and check(snapshot(people["athlete"]))


# --- Deleting ---------------------------------------------------------------------------------


def test_staff_cannot_delete_users(client, people):
    coach = people["coach"]
    client = as_user(client, people["staff"])
    assert (
        client.post(f"/admin/accounts/user/{coach.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    action(client, "delete_selected", [coach])
    assert User.objects.filter(pk=coach.pk).exists()


def test_superuser_deletes_users(client, people):
    client = as_user(client, people["root"])
    response = client.post(f"/admin/accounts/user/{people['coach'].pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    client.post(
        "/admin/accounts/user/",
        {"action": "delete_selected", "_selected_action": [people["athlete"].pk], "post": "yes"},
    )
    assert not User.objects.filter(pk__in=[people["coach"].pk, people["athlete"].pk]).exists()
