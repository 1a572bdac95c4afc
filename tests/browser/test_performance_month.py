"""The office publishes a month's unit ranking (issue 18): it enters the category's
scores and 民评 in the grid, computes the month, publishes it; a unit administrator
then finds the published ranking with their units marked, and their own result."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from kaohe.performance.models import PerformanceMonth, UnitMonthResult
from kaohe.performance.tests.helpers import setup_months
from kaohe.testing import World
from tests.browser.conftest import assert_fits, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_office_publishes_a_months_unit_ranking(
    browser: Browser, live_server: LiveServer, world: World, login: Callable[[Page, str], None]
) -> None:
    m = setup_months(world)
    office = browser.new_context().new_page()
    login(office, "region_admin")
    office.get_by_role("link", name="单位绩效考核", exact=True).click()
    office.get_by_role("link", name="2026年10月").click()
    office.locator("#month-categories").get_by_role("link", name="录入得分").first.click()
    grid = office.locator("#month-grid-table")
    for unit, invest, public in (
        (world.bureau, "35", "12"),
        (world.centre, "38.5", "13"),
        (world.town, "30", "11"),
    ):
        grid.locator(f"input[name=c-{unit.pk}-{m.ind['invest'].pk}]").fill(invest)
        grid.locator(f"input[name=p-{unit.pk}]").fill(public)
    # 民评 without what it rests on is refused, and nothing is saved.
    office.get_by_role("button", name="全部保存").click()
    expect(office.locator(".msg-error").first).to_contain_text("未保存")
    assert not UnitMonthResult.objects.exists()
    for unit in (world.bureau, world.centre, world.town):
        office.locator(f"#month-grid-table input[name=c-{unit.pk}-{m.ind['invest'].pk}]").fill(
            {world.bureau.pk: "35", world.centre.pk: "38.5", world.town.pk: "30"}[unit.pk]
        )
        office.locator(f"#month-grid-table input[name=p-{unit.pk}]").fill("12")
        office.locator(f"#month-grid-table input[name=e-{unit.pk}]").fill("10月群众满意度测评")
    office.get_by_role("button", name="全部保存").click()
    expect(office.locator(".msg-success")).to_contain_text("已保存3项得分")
    assert_fits(office)
    screenshot(office, "performance-grid")
    office.get_by_role("link", name="返回本月").click()
    office.get_by_role("button", name="计算本月得分").click()
    expect(office.locator(".msg-success")).to_contain_text("3个单位已评分并排名")
    office.get_by_role("button", name="发布排名").click()
    expect(office.locator("#month-state")).to_have_text("已公布")
    assert PerformanceMonth.objects.get(pk=m.month.pk).state == "published"

    unit = browser.new_context().new_page()
    login(unit, "unit_admin")
    unit.get_by_role("link", name="单位绩效考核", exact=True).click()
    unit.get_by_role("link", name="2026年10月").click()
    unit.get_by_role("link", name="本类别排名").first.click()
    ranking = unit.locator("#ranking")
    expect(ranking.locator("tbody tr").first).to_contain_text("区就业服务中心")
    expect(ranking.locator("tbody tr").first).to_contain_text("50.50")
    expect(ranking.locator("tr.own")).to_have_count(2)
    expect(unit.locator("#chart svg")).to_be_visible()
    assert_fits(unit)
    screenshot(unit, "performance-ranking")
    unit.get_by_role("link", name="返回本月").click()
    unit.get_by_role("link", name="区人力资源和社会保障局").click()
    expect(unit.locator("#unit-result")).to_contain_text("排第2名")
    assert_fits(unit)
