"""Fixtures shared by the video tests."""

import pytest

from tests.factories import make_user


@pytest.fixture
def athlete_user(transactional_db):
    return make_user("tus_athlete", role="athlete")
