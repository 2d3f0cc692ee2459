"""Browser tests: Playwright for Python driving Debian's Chromium against the real ASGI app.

The app runs under uvicorn in a thread (tests.services.AsgiServer), with a real Dramatiq worker
thread on the test broker, so an upload goes through scanning and transcoding as in production.
"""

import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.factories import PASSWORD

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
]
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS", "test-artifacts"))
DESKTOP = {"width": 1366, "height": 850}
PHONE = {"width": 390, "height": 844}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def browser():
    """Chromium for one test module. Playwright's sync API keeps an event loop in this thread
    while it runs, so Django's async-safety check is relaxed for exactly that long (the tests'
    own ORM calls are synchronous and safe), and both end with the module: later tests get a
    thread without a loop, and subprocesses never inherit the relaxed setting."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def coaching(tmp_path):
    """A 4 s clip processed by the real pipeline, owned by ana, shared with a coach who may
    annotate and a viewer (tests/pages/studio.py)."""
    from tests.pages.studio import studio_coaching

    return studio_coaching(tmp_path)


@pytest.fixture
def live(asgi_server):
    """The running app: `live.url` is its base URL."""
    return asgi_server


@pytest.fixture
def worker(transactional_db):
    """A real Dramatiq worker (one thread) on the test broker, as `make run` starts one."""
    import dramatiq

    broker = dramatiq.get_broker()
    broker.flush_all()
    worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=100)
    worker.start()
    yield worker
    worker.stop(timeout=10_000)
    broker.flush_all()


class PageErrors:
    """Console errors and uncaught exceptions of every page opened through `open_page`."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        self.lock = threading.Lock()
        self.allowed: list[re.Pattern[str]] = []

    def allow(self, pattern: str) -> None:
        """An error a test provokes on purpose (e.g. a 413 it asked for)."""
        self.allowed.append(re.compile(pattern))

    def add(self, message: str) -> None:
        if not any(pattern.search(message) for pattern in self.allowed):
            with self.lock:
                self.messages.append(message)


@pytest.fixture
def page_errors() -> Iterator[PageErrors]:
    errors = PageErrors()
    yield errors
    assert errors.messages == [], "the pages logged errors:\n" + "\n".join(errors.messages)


@pytest.fixture
def open_page(browser, live, page_errors):
    """open_page(user, viewport=DESKTOP) -> a signed-in Playwright page in its own context."""
    contexts = []

    def _open(user=None, *, viewport=None, **context_options):
        context = browser.new_context(
            viewport=viewport or DESKTOP, base_url=live.url, **context_options
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.on(
            "console",
            lambda message: (
                message.type == "error"
                and page_errors.add(f"console: {message.text} ({message.location.get('url', '')})")
            ),
        )
        page.on("pageerror", lambda error: page_errors.add(f"pageerror: {error}"))
        if user is not None:
            login(page, user.username)
        return page

    yield _open
    for context in contexts:
        context.close()


def login(page, username: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"^(?!.*/accounts/login/).*$"))


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/ (kept by CI for a person to look at)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
