"""Playwright (Python) driving Debian's /usr/bin/chromium against live_server.

Playwright's own browser download cannot work on the intranet, so we point it at
the system chromium. Without chromium (a laptop) the tests skip and say why; CI
sets KAOHE_REQUIRE_BROWSER=1 so a missing browser fails instead.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from pytest_django.live_server_helper import LiveServer

from kaohe.testing import PASSWORD, World

CHROMIUM = os.environ.get("KAOHE_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {"width": 375, "height": 812}

# Playwright's sync API runs an event loop in this thread; the ORM calls the
# tests make around it are ordinary synchronous ones.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
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


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, locale="zh-CN", device_scale_factor=1)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def login(live_server: LiveServer, world: World) -> Callable[[Page, str], None]:
    def do(page: Page, username: str) -> None:
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")

    return do


def screenshot_path(name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / f"{name}.png"


def screenshot(page: Page, name: str) -> Path:
    path = screenshot_path(name)
    page.screenshot(path=str(path), full_page=True)
    return path


def assert_fits_phone(page: Page) -> None:
    """Nothing makes the page scroll sideways at 375 px (tables scroll in their own box)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"page is {width}px wide at {PHONE['width']}px"
