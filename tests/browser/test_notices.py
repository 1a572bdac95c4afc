"""A returned scheme notifies the unit, signed with the reviewer's name; the unit admin
finds it among their tasks on the home page; the office reminds everyone who has not
written today's log in one click. At 1366 px and at 375 px."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from kaohe.accounts.models import User
from kaohe.core.models import Notification
from kaohe.schemes import services
from kaohe.schemes.models import SchemeVersion
from kaohe.testing import World
from tests.browser.conftest import PHONE, assert_fits_phone, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS: dict[str, ViewportSize] = {
    "desktop": {"width": 1366, "height": 900},
    "phone": {"width": PHONE["width"], "height": PHONE["height"]},
}


@pytest.mark.parametrize("width", list(WIDTHS))
def test_a_returned_scheme_notifies_the_unit_and_the_office_reminds_in_one_click(
    browser: Browser,
    live_server: LiveServer,
    world: World,
    drafted: SchemeVersion,
    login: Callable[[Page, str], None],
    settings: Settings,
    width: str,
) -> None:
    settings.KAOHE_TODAY = dt.date(2026, 3, 2)
    User.objects.filter(username="region_admin").update(first_name="周考核")
    services.version_submit(actor=world.users["unit_admin"], version=drafted)
    version_url = f"{live_server.url}/schemes/{drafted.scheme_id}/v{drafted.number}/"

    office_ctx = browser.new_context(viewport=WIDTHS[width], locale="zh-CN")
    office = office_ctx.new_page()
    login(office, "region_admin")
    # The submission waits on the office's home page.
    expect(office.locator("#tasks")).to_contain_text("审核")
    office.goto(version_url)
    office.locator("#return-form input[name=comment]").fill("请补充量化评分标准")
    office.get_by_role("button", name="退回修改").click()
    expect(office.locator("#version-state")).to_have_text("退回修改")

    unit_ctx = browser.new_context(viewport=WIDTHS[width], locale="zh-CN")
    unit = unit_ctx.new_page()
    login(unit, "unit_admin")
    task = unit.locator("#tasks a", has_text="修改被退回的")
    expect(task).to_be_visible()
    expect(unit.locator("#unread-count")).to_have_text("1")
    if width == "phone":
        assert_fits_phone(unit)
    screenshot(unit, f"notices-home-tasks-{width}")
    unit.goto(f"{live_server.url}/notifications/")
    notice = unit.locator("main li", has_text="退回修改")
    expect(notice).to_contain_text("周考核")
    expect(notice).not_to_contain_text("region_admin")
    notice.locator("a").click()
    unit.wait_for_url(version_url)

    office.goto(f"{live_server.url}/logs/compliance/")
    button = office.get_by_role("button", name="提醒 4 人填写今日纪实")
    expect(button).to_be_visible()
    if width == "phone":
        assert_fits_phone(office)
    button.click()
    expect(office.locator(".messages")).to_contain_text("已提醒 4 人；另有 0 人今天已提醒过。")
    expect(office.locator("#remind-log")).to_contain_text("今天已没有需要提醒的人")
    screenshot(office, f"notices-reminded-{width}")
    assert Notification.objects.filter(text__contains="工作纪实").count() == 4
    office_ctx.close()
    unit_ctx.close()
