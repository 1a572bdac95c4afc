"""Playwright (Python) driving Debian's /usr/bin/chromium against live_server.

Playwright's own browser download cannot work on the intranet, so we point it at
the system chromium. Without chromium (a laptop) the tests skip and say why; CI
sets KAOHE_REQUIRE_BROWSER=1 so a missing browser fails instead.

Every browser test runs twice, at 375 x 812 (a phone) and at 1366 x 768 (an office
desktop): the autouse `viewport` fixture is parametrized, and every context a test
opens through `browser` (or the `page`/`phone` fixtures) gets that size whatever the
test asks for. Every such context records the requests its pages make, and the test
fails at teardown if any went to a host other than the live server (issue 13: the
site must never load anything from elsewhere).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Request, expect, sync_playwright
from pytest_django.live_server_helper import LiveServer

from kaohe.testing import PASSWORD, World

CHROMIUM = os.environ.get("KAOHE_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1366, "height": 768}
# URL schemes that never leave the machine.
LOCAL_SCHEMES = {"data", "blob", "about"}

# Playwright's sync API runs an event loop in this thread; the ORM calls the
# tests make around it are ordinary synchronous ones.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def foreign_requests(urls: list[str], origin: str) -> list[str]:
    """The URLs among `urls` that go anywhere but `origin` (scheme://host:port)."""
    own = urlsplit(origin)
    foreign = []
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme in LOCAL_SCHEMES:
            continue
        if (parts.scheme, parts.netloc) != (own.scheme, own.netloc):
            foreign.append(url)
    return foreign


def assert_only_own_host(urls: list[str], origin: str) -> None:
    foreign = foreign_requests(urls, origin)
    assert not foreign, f"pages requested hosts other than {origin}:\n" + "\n".join(foreign)


class RequestLog:
    """Every URL requested by the pages of the contexts it watches."""

    def __init__(self) -> None:
        self.urls: list[str] = []

    def watch(self, context: BrowserContext) -> None:
        context.on("request", self._record)

    def _record(self, request: Request) -> None:
        self.urls.append(request.url)


class GuardedBrowser:
    """The session's chromium, seen by one test: contexts at the test's viewport,
    Chinese by default, their requests recorded; closed and checked at teardown."""

    def __init__(self, browser: Browser, viewport: dict[str, int], log: RequestLog) -> None:
        self._browser, self._viewport, self.log = browser, viewport, log
        self.contexts: list[BrowserContext] = []

    def new_context(self, **options: Any) -> BrowserContext:
        # The width is the suite's choice, not the test's: each test runs at both.
        options["viewport"] = self._viewport
        options.setdefault("locale", "zh-CN")
        options.setdefault("device_scale_factor", 1)
        context = self._browser.new_context(**options)
        self.log.watch(context)
        self.contexts.append(context)
        return context

    def new_page(self, **options: Any) -> Page:
        return self.new_context(**options).new_page()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)

    def close_all(self) -> None:
        for context in self.contexts:
            with contextlib.suppress(Exception):  # already closed by the test
                context.close()


# A page's assertions wait up to 15 s (Playwright's default is 5): CI shares two cores
# between the live server, the browser and the suite, and a busy moment is not a bug.
expect.set_options(timeout=15_000)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        message = (
            f"chromium not found at {CHROMIUM}: install Debian's chromium to run browser tests"
        )
        if os.environ.get("KAOHE_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture(params=[PHONE, DESKTOP], ids=["375", "1366"], autouse=True)
def viewport(request: pytest.FixtureRequest) -> dict[str, int]:
    return cast(dict[str, int], request.param)


@pytest.fixture
def request_log() -> RequestLog:
    return RequestLog()


@pytest.fixture
def browser(
    chromium: Browser, viewport: dict[str, int], request_log: RequestLog, live_server: LiveServer
) -> Iterator[Browser]:
    guarded = GuardedBrowser(chromium, viewport, request_log)
    # Typed as Browser: tests call new_context/new_page on it as on the real one.
    yield cast(Browser, guarded)
    guarded.close_all()
    assert_only_own_host(request_log.urls, live_server.url)


@pytest.fixture
def page(browser: Browser) -> Page:
    return browser.new_context().new_page()


@pytest.fixture
def phone(page: Page) -> Page:
    """The older name of `page`, from when the suite ran at 375 px only."""
    return page


@pytest.fixture
def login(live_server: LiveServer, world: World) -> Callable[[Page, str], None]:
    def do(page: Page, username: str) -> None:
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")

    return do


def screenshot_path(name: str, page: Page | None = None) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    if page is not None and page.viewport_size:
        name = f"{name}-{page.viewport_size['width']}"
    return ARTIFACTS / f"{name}.png"


def screenshot(page: Page, name: str) -> Path:
    path = screenshot_path(name, page)
    page.screenshot(path=str(path), full_page=True)
    return path


def assert_fits(page: Page) -> None:
    """Nothing makes the page scroll sideways (wide tables scroll in their own box)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    size = page.viewport_size
    assert size is not None
    assert width <= size["width"], f"page is {width}px wide at {size['width']}px"


# The older name, from when the suite ran at 375 px only.
assert_fits_phone = assert_fits
