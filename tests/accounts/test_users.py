import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from accounts.models import User
from tests.conftest import bearer

pytestmark = pytest.mark.django_db

NEW_USER = {
    "username": "newcoach",
    "password": "a long enough passphrase",
    "role": "coach",
    "email": "n@example.com",
}


def test_roles_exist_as_groups_with_permissions(db):
    assert set(Group.objects.values_list("name", flat=True)) >= {"staff", "coach", "athlete"}
    staff = Group.objects.get(name="staff")
    assert staff.permissions.filter(codename="add_user").exists()


def test_staff_creates_user_with_role(api_client, staff):
    response = bearer(api_client, staff).post("/api/v1/users", NEW_USER, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["username"] == "newcoach" and body["role"] == "coach"
    assert "password" not in body
    created = User.objects.get(username="newcoach")
    assert created.check_password("a long enough passphrase")
    assert not created.is_staff


def test_only_a_superuser_creates_staff(api_client, staff):
    payload = {**NEW_USER, "role": "staff"}
    refused = bearer(api_client, staff).post("/api/v1/users", payload, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    assert not User.objects.filter(username="newcoach").exists()
    root = User.objects.create_superuser("root", "root@example.com", "a long enough passphrase")
    created = bearer(APIClient(), root).post("/api/v1/users", payload, format="json")
    assert created.status_code == 201 and created.json()["role"] == "staff"
    assert User.objects.get(username="newcoach").is_staff


@pytest.mark.parametrize("role", ["coach", "athlete"])
def test_staff_creates_coaches_and_athletes(api_client, staff, role):
    payload = {**NEW_USER, "role": role}
    response = bearer(api_client, staff).post("/api/v1/users", payload, format="json")
    assert response.status_code == 201 and response.json()["role"] == role


@pytest.mark.parametrize("role", ["coach", "athlete"])
def test_non_staff_cannot_create_users(api_client, role):
    from tests.factories import make_user

    user = make_user(f"someone-{role}", role=role)
    response = bearer(api_client, user).post("/api/v1/users", NEW_USER, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not User.objects.filter(username="newcoach").exists()


def test_anonymous_cannot_create_users(api_client, db):
    response = api_client.post("/api/v1/users", NEW_USER, format="json")
    assert response.status_code == 401
    assert not User.objects.filter(username="newcoach").exists()


def test_user_creation_validates(api_client, staff):
    bearer(api_client, staff)
    response = api_client.post(
        "/api/v1/users",
        {"username": "bad name!", "password": "123", "role": "king", "email": "nope"},
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"username", "role", "email"}


def test_weak_password_is_a_field_error(api_client, staff):
    response = bearer(api_client, staff).post(
        "/api/v1/users", {**NEW_USER, "password": "12345678"}, format="json"
    )
    assert response.status_code == 400
    assert "password" in response.json()["errors"]
    assert not User.objects.filter(username="newcoach").exists()


def test_duplicate_username_is_a_field_error(api_client, staff):
    bearer(api_client, staff)
    assert api_client.post("/api/v1/users", NEW_USER, format="json").status_code == 201
    again = api_client.post("/api/v1/users", {**NEW_USER, "username": "NewCoach"}, format="json")
    assert again.status_code == 400
    assert "username" in again.json()["errors"]


def test_session_login_page(client, coach):
    from tests.factories import PASSWORD

    page = client.get("/accounts/login/")
    assert page.status_code == 200
    response = client.post("/accounts/login/", {"username": "coach1", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/api/v1/users/me").json()["username"] == "coach1"
