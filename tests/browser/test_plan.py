"""The year plan at 375 and 1366 px: the office sees Q1 blocked by its open round and
by the units' missing entries, follows the link to the round, extends voting; a unit
head declares "no entries" on the entry page and the plan counts it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from kaohe.reviews.models import ReviewRound
from kaohe.testing import World
from tests.browser.conftest import PHONE, assert_fits_phone, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESKTOP = {"width": 1366, "height": 900}


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["375", "1366"])
def test_the_plan_shows_blockers_and_follows_the_steps(
    browser: Browser,
    live_server: LiveServer,
    big: World,
    q1: ReviewRound,
    settings: Settings,
    login: Callable[[Page, str], None],
    viewport: dict[str, int],
) -> None:
    settings.KAOHE_TODAY = dt.date(2026, 4, 12)  # voting ended on the 10th
    ctx = browser.new_context(viewport=viewport, locale="zh-CN")  # type: ignore[arg-type]
    office = ctx.new_page()
    login(office, "region_admin")
    office.get_by_role("link", name="考核日历").first.click()
    q1_card = office.locator("#plan-q1")
    expect(q1_card).to_contain_text("受阻")
    expect(q1_card).to_contain_text("仍在投票中")
    expect(q1_card).to_contain_text("3 个单位")
    if viewport == PHONE:
        assert_fits_phone(office)
    screenshot(office, f"plan-{viewport['width']}")

    # The round's page: voting is over, so the office extends it with a reason.
    q1_card.get_by_role("link", name="前往办理").first.click()
    expect(office.locator("#extend-form")).to_contain_text("2026-04-10 截止")
    office.get_by_label("新的投票截止日期").fill("2026-04-20")
    office.get_by_label("延期理由").fill("部分人员外出学习")
    office.get_by_role("button", name="延长投票期").click()
    expect(office.locator(".msg-success")).to_contain_text("2026-04-20")

    # A unit head declares no entries for the bureau; the plan counts it.
    head_ctx = browser.new_context(viewport=viewport, locale="zh-CN")  # type: ignore[arg-type]
    head = head_ctx.new_page()
    login(head, "unit_head")
    head.goto(f"{live_server.url}/schemes/entry/{big.bureau.pk}/2026/1/")
    head.get_by_label("理由").fill("本季度未安排专项任务")
    head.get_by_role("button", name="申报本季度无指标录入").click()
    expect(head.locator("#entry-declaration")).to_contain_text("理由：本季度未安排专项任务")
    office.goto(f"{live_server.url}/plan/2026/?quarter=1")
    expect(office.locator("#plan-q1")).to_contain_text("申报无录入 1 个")
    expect(office.locator("#plan-units")).to_contain_text("申报无录入")
