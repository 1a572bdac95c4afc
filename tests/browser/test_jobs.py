"""Computing a quarter runs as a background job: the page shows a progress bar that
updates itself (htmx polling) until the job is done, then links to the result."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from kaohe.jobs.worker import run_queued_tasks
from kaohe.scoring.models import QuarterRun
from kaohe.testing import World
from tests.browser.conftest import PHONE, assert_fits_phone, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def test_the_quarter_job_shows_its_progress_then_the_result(
    browser: Browser,
    live_server: LiveServer,
    big: World,
    graded: QuarterRun,
    login: Callable[[Page, str], None],
    viewport: dict[str, int],
    settings: Settings,
) -> None:
    settings.TASKS = DATABASE  # queued until this test runs the worker
    ctx = browser.new_context(viewport=viewport, locale="zh-CN")
    page = ctx.new_page()
    login(page, "region_admin")
    page.goto(f"{live_server.url}/scoring/")
    page.locator("#plan-q1").get_by_role("button").click()
    job = page.locator(".job")
    expect(job.locator("progress")).to_be_visible()
    expect(job).to_contain_text("排队中")
    expect(job).to_contain_text("0%")
    if viewport == PHONE:
        assert_fits_phone(page)
    assert run_queued_tasks() == 1
    # The fragment polls itself: no reload.
    expect(job).to_contain_text("已完成", timeout=10_000)
    expect(job).to_contain_text("100%")
    screenshot(page, f"job-done-{viewport['width']}")
    page.get_by_role("link", name="查看结果").click()
    expect(page.locator("#run-state")).to_have_text("已计算")
    ctx.close()
