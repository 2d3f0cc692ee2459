import pytest
from rest_framework.test import APIClient

from accounts.services import user_deactivate
from tests.conftest import bearer
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def obtain(client: APIClient, username: str, password: str = PASSWORD):
    return client.post(
        "/api/v1/auth/token", {"username": username, "password": password}, format="json"
    )


def test_token_pair_then_me(api_client, coach):
    response = obtain(api_client, "coach1")
    assert response.status_code == 200
    assert set(response.json()) == {"access", "refresh"}
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    me = api_client.get("/api/v1/users/me")
    assert me.status_code == 200
    assert me.json() == {
        "id": coach.id,
        "username": "coach1",
        "email": "coach1@example.com",
        "role": "coach",
    }


def test_trailing_slash_optional_for_post_and_get(api_client, coach):
    assert obtain(api_client, "coach1").status_code == 200
    response = api_client.post(
        "/api/v1/auth/token/", {"username": "coach1", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    bearer(api_client, coach)
    assert api_client.get("/api/v1/users/me/").status_code == 200


@pytest.mark.parametrize("username,password", [("coach1", "wrong"), ("nobody", PASSWORD)])
def test_bad_credentials_are_401_invalid_credentials(api_client, coach, username, password):
    response = obtain(api_client, username, password)
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"
    assert response.json()["detail"]


def test_missing_fields_are_400_with_field_errors(api_client, db):
    response = api_client.post("/api/v1/auth/token", {"username": "x"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["errors"] == {"password": ["This field is required."]}


def test_refresh_rotates_and_old_refresh_is_rejected(api_client, coach):
    first = obtain(api_client, "coach1").json()
    rotated = api_client.post(
        "/api/v1/auth/token/refresh", {"refresh": first["refresh"]}, format="json"
    )
    assert rotated.status_code == 200
    assert set(rotated.json()) == {"access", "refresh"}
    assert rotated.json()["refresh"] != first["refresh"]

    reused = api_client.post(
        "/api/v1/auth/token/refresh", {"refresh": first["refresh"]}, format="json"
    )
    assert reused.status_code == 401
    assert reused.json()["code"] == "token_not_valid"
    # the new one still works
    again = api_client.post(
        "/api/v1/auth/token/refresh", {"refresh": rotated.json()["refresh"]}, format="json"
    )
    assert again.status_code == 200


def test_garbage_refresh_token_is_401(api_client, db):
    response = api_client.post(
        "/api/v1/auth/token/refresh", {"refresh": "not-a-jwt"}, format="json"
    )
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_logout_blacklists_the_refresh_token(api_client, coach):
    pair = obtain(api_client, "coach1").json()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['access']}")
    response = api_client.post("/api/v1/auth/logout", {"refresh": pair["refresh"]}, format="json")
    assert response.status_code == 204
    api_client.credentials()
    reused = api_client.post(
        "/api/v1/auth/token/refresh", {"refresh": pair["refresh"]}, format="json"
    )
    assert reused.status_code == 401


def test_logout_requires_authentication(api_client, coach):
    pair = obtain(api_client, "coach1").json()
    response = api_client.post("/api/v1/auth/logout", {"refresh": pair["refresh"]}, format="json")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    # and the token was not revoked
    still = api_client.post(
        "/api/v1/auth/token/refresh", {"refresh": pair["refresh"]}, format="json"
    )
    assert still.status_code == 200


def test_logout_refuses_someone_elses_refresh_token(api_client, coach, athlete):
    theirs = obtain(api_client, "athlete1").json()
    bearer(api_client, coach)
    response = api_client.post("/api/v1/auth/logout", {"refresh": theirs["refresh"]}, format="json")
    assert response.status_code == 400
    assert "refresh" in response.json()["errors"]
    api_client.credentials()
    still = api_client.post(
        "/api/v1/auth/token/refresh", {"refresh": theirs["refresh"]}, format="json"
    )
    assert still.status_code == 200


def test_deactivated_user_tokens_stop_at_once(api_client, coach):
    pair = obtain(api_client, "coach1").json()
    user_deactivate(user=coach)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['access']}")
    assert api_client.get("/api/v1/users/me").status_code == 401
    api_client.credentials()
    refreshed = api_client.post(
        "/api/v1/auth/token/refresh", {"refresh": pair["refresh"]}, format="json"
    )
    assert refreshed.status_code == 401
    assert obtain(api_client, "coach1").status_code == 401


def test_deactivation_by_flag_alone_also_stops_tokens(api_client, coach):
    """An admin unticking is_active (no service call) must still lock the account out."""
    pair = obtain(api_client, "coach1").json()
    coach.is_active = False
    coach.save(update_fields=["is_active"])
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['access']}")
    assert api_client.get("/api/v1/users/me").status_code == 401
    api_client.credentials()
    refreshed = api_client.post(
        "/api/v1/auth/token/refresh", {"refresh": pair["refresh"]}, format="json"
    )
    assert refreshed.status_code == 401


def test_deleted_user_tokens_stop_at_once(api_client, coach):
    pair = obtain(api_client, "coach1").json()
    coach.delete()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['access']}")
    assert api_client.get("/api/v1/users/me").status_code == 401
    api_client.credentials()
    refreshed = api_client.post(
        "/api/v1/auth/token/refresh", {"refresh": pair["refresh"]}, format="json"
    )
    assert refreshed.status_code == 401
