"""/ready names the dependency that is down (a private Redis stopped, the database behind a
proxy the test closes) and recovers by itself when it returns; /health stays up throughout."""

import pytest
import requests
from django.db import connection

from tests.reliability.proxy import TcpProxy
from tests.reliability.stack import PrivateRedis, wait_for, web_server

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def failing(url: str) -> list[str]:
    answer = requests.get(f"{url}/ready", timeout=30)
    checks = answer.json()["checks"]
    failed = sorted(name for name, result in checks.items() if result != "ok")
    assert (answer.status_code == 200) == (not failed)
    return failed


def test_ready_names_what_is_down_and_recovers(tmp_path):
    db = connection.settings_dict
    redis = PrivateRedis(tmp_path / "redis")
    redis.start()
    try:
        with TcpProxy(int(db["PORT"] or 5432)) as database:
            database_url = f"postgres://{db['USER']}@127.0.0.1:{database.port}/{db['NAME']}"
            with web_server(tmp_path, DATABASE_URL=database_url, REDIS_URL=redis.url) as url:
                assert failing(url) == []

                redis.stop()
                assert failing(url) == ["broker", "redis"]
                assert requests.get(f"{url}/health", timeout=10).status_code == 200
                redis.start()
                wait_for(lambda: failing(url) == [], 60, "/ready after Redis returned")

                database.down()
                assert failing(url) == ["database"]
                database.up()
                wait_for(lambda: failing(url) == [], 60, "/ready after the database returned")
    finally:
        redis.stop()
