"""A 36-character path id that is not a UUID is a 404 `not_found` on every route, never a 500."""

import asyncio

import pytest
import requests
import websockets
from rest_framework.test import APIClient

from tests.conftest import bearer
from tests.factories import make_user

NOT_UUIDS = ["z" * 36, "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz", "-" * 36, "0" * 36]
METHODS = ["get", "put", "patch", "delete", "post"]


def id_routes() -> list[tuple[str, str]]:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    routes = []
    for path, operations in schema["paths"].items():
        if "{" not in path:
            continue
        for method in operations:
            if method in METHODS:
                routes.append((method, path))
    return routes


@pytest.mark.django_db
@pytest.mark.parametrize("bad_id", NOT_UUIDS)
def test_every_api_route_answers_404_not_found(bad_id):
    client = bearer(APIClient(), make_user("ids_coach", role="coach"))
    routes = id_routes()
    assert len(routes) >= 10
    for method, template in routes:
        path = template
        while "{" in path:
            start = path.index("{")
            path = path[:start] + bad_id + path[path.index("}", start) + 1 :]
        response = getattr(client, method)(path, {}, format="json")
        assert response.status_code == 404, (method, path, response.status_code)
        assert response.json()["code"] == "not_found", (method, path)


@pytest.mark.django_db
@pytest.mark.parametrize("bad_id", NOT_UUIDS)
def test_pages_and_media_paths_answer_404(client, bad_id):
    make_user("ids_page", role="coach")
    client.login(username="ids_page", password="correct horse battery staple")
    assert client.get(f"/videos/{bad_id}").status_code == 404


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("bad_id", NOT_UUIDS)
def test_tus_and_websocket_routes(asgi_server, bad_id):
    from rest_framework_simplejwt.tokens import RefreshToken

    user = make_user("ids_tus", role="coach")
    token = str(RefreshToken.for_user(user).access_token)
    headers = {"Tus-Resumable": "1.0.0", "Authorization": f"Bearer {token}"}
    for method in ["HEAD", "PATCH", "DELETE"]:
        response = requests.request(
            method, f"{asgi_server.url}/api/v1/uploads/{bad_id}", headers=headers, timeout=5
        )
        assert response.status_code == 404, method

    async def handshake() -> int:
        url = f"ws://127.0.0.1:{asgi_server.port}/ws/videos/{bad_id}/?token={token}"
        try:
            async with websockets.connect(url) as socket:
                await asyncio.wait_for(socket.recv(), 5)
        except websockets.ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else 1006
        except websockets.InvalidStatus as refused:
            return refused.response.status_code
        return 0

    # no route: the handshake is refused (403 from Channels), never a dropped connection
    assert asyncio.run(handshake()) in (403, 404)
