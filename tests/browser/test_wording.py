"""Issue 13's wording defects, seen in the browser at 375 and 1366 px: the annual page
names rank tiers and prints scores to two places; the audit log reads in Chinese; a
cadre's annual explanation states the weights' role; the supervisor reads the logs of
the unit they oversee; the holidays banner reaches the region admin only."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from kaohe.scoring.models import AnnualRun, QuarterRun
from kaohe.testing import World
from tests.attacks.test_wording_crawl import _logs, _year
from tests.browser.conftest import PHONE, assert_fits_phone, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [PHONE, {"width": 1366, "height": 900}]


def _page(browser: Browser, viewport: dict[str, int]) -> Page:
    context = browser.new_context(viewport=viewport, locale="zh-CN")  # type: ignore[arg-type]
    return context.new_page()


def _fits(page: Page, viewport: dict[str, int]) -> None:
    if viewport == PHONE:
        assert_fits_phone(page)


@pytest.mark.parametrize("viewport", WIDTHS, ids=["375", "1366"])
def test_the_year_reads_in_chinese_for_the_office_and_the_cadre(
    browser: Browser,
    live_server: LiveServer,
    big: World,
    graded: QuarterRun,
    login: Callable[[Page, str], None],
    viewport: dict[str, int],
) -> None:
    _year(big, graded)
    run = AnnualRun.objects.get(region=big.region, year=2026)
    office = _page(browser, viewport)
    login(office, "region_admin")
    office.goto(f"{live_server.url}/scoring/years/{run.pk}/?tier=staff")
    expect(office.get_by_role("heading", name="一般干部")).to_be_visible()
    text = office.locator("main").inner_text()
    assert "deputy_section_chief" not in text and "staff" not in text
    assert re.search(r"最高 \d+\.\d\d，最低 \d+\.\d\d", text), text
    assert not re.search(r"\d\.\d{3,}", text)
    _fits(office, viewport)
    screenshot(office, f"annual-tiers-{viewport['width']}")

    office.goto(f"{live_server.url}/audit/")
    expect(office.locator("select[name=action] option", has_text="登录").first).to_be_attached()
    assert "auth.login" not in office.locator("main").inner_text()
    _fits(office, viewport)

    cadre = _page(browser, viewport)
    login(cadre, "cadre")
    cadre.goto(f"{live_server.url}/scoring/mine/")
    cadre.locator("a[href*='/scoring/mine/year/']").first.click()
    expect(cadre.locator("#explanation")).to_contain_text("按单位主要领导以外干部的权重计算")
    _fits(cadre, viewport)
    screenshot(cadre, f"annual-explanation-{viewport['width']}")


@pytest.mark.parametrize("viewport", WIDTHS, ids=["375", "1366"])
def test_the_supervisor_reads_the_towns_logs_and_only_the_admin_sees_the_holidays(
    browser: Browser,
    live_server: LiveServer,
    world: World,
    login: Callable[[Page, str], None],
    settings: Settings,
    viewport: dict[str, int],
) -> None:
    settings.KAOHE_TODAY = dt.date(2026, 11, 16)  # 2027's holidays are not known yet
    _logs(world)  # 2 March 2026, one of them the town cadre's
    page = _page(browser, viewport)
    login(page, "supervisor")
    expect(page.locator("main")).not_to_contain_text("法定节假日尚未公布")
    page.goto(
        f"{live_server.url}/logs/compliance/?unit={world.town.pk}&start=2026-03-01&end=2026-03-31"
    )
    expect(page.locator("main")).not_to_contain_text("法定节假日尚未公布")
    page.get_by_role("link", name="赵磊").click()
    expect(page.locator("main")).to_contain_text("上午走访企业，下午整理台账。")
    _fits(page, viewport)
    screenshot(page, f"supervisor-feed-{viewport['width']}")

    admin = _page(browser, viewport)
    login(admin, "region_admin")
    expect(admin.locator("main")).to_contain_text("2027 年的法定节假日尚未公布")
    admin.get_by_role("link", name="录入节假日").click()
    expect(admin).to_have_url(re.compile(r"/admin/core/workdayoverride/$"))
