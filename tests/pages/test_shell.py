"""The pages' shell: sign-in, the policy that forbids inline code, the bundles served."""

import pytest

from tests.factories import make_user
from tests.pages.conftest import login

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_sign_in_reaches_the_library_under_a_strict_policy(open_page, live):
    make_user("ana", role="athlete")
    page = open_page()
    response = page.goto("/")
    assert "/accounts/login/" in page.url  # pages need a session
    login(page, "ana")
    response = page.goto("/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert page.get_by_test_id("library").count() == 1
    assert page.locator("script:not([src]):not([type='application/json'])").count() == 0


def test_wrong_password_is_said_in_words(open_page):
    make_user("ana", role="athlete")
    page = open_page()
    login_page = page.goto("/accounts/login/")
    assert login_page.ok
    page.get_by_label("Username").fill("ana")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").inner_text().startswith("Your username and password")
