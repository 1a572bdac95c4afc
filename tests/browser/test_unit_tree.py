"""The unit tree in a browser, at 375 and 1366 px: the top units on the page, a unit's
subordinate units loaded when its row is opened, the search for a unit deep in the
tree, and no serious axe-core violation with a row open."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from kaohe.testing import World
from tests.browser.conftest import assert_fits, screenshot
from tests.browser.test_accessibility import serious

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_row_opens_its_subordinate_units_and_a_deep_unit_is_found_by_search(
    page: Page, live_server: LiveServer, world: World, login: Callable[[Page, str], None]
) -> None:
    login(page, "region_admin")
    page.goto(f"{live_server.url}/org/units/")
    tree = page.locator("main .tree").first
    expect(tree).to_contain_text("区人力资源和社会保障局")
    expect(tree).to_contain_text("城关镇")
    expect(page.get_by_role("link", name="区就业服务中心")).to_have_count(0)
    page.get_by_text("下级单位 1 个").click()
    centre = page.get_by_role("link", name="区就业服务中心")
    expect(centre).to_be_visible()
    assert_fits(page)
    screenshot(page, "unit-tree-open")
    results = Axe().run(page).response
    assert not serious(results), "\n".join(serious(results))

    centre.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("区就业服务中心")

    page.goto(f"{live_server.url}/org/units/")
    page.get_by_role("search", name="查找单位").get_by_role("searchbox").fill("就业服务")
    page.get_by_role("search", name="查找单位").get_by_role("button", name="搜索").click()
    expect(page.get_by_role("link", name="区就业服务中心").first).to_be_visible()


def test_a_unit_admin_sees_only_the_top_of_their_subtree(
    page: Page, live_server: LiveServer, world: World, login: Callable[[Page, str], None]
) -> None:
    login(page, "unit_admin")
    page.goto(f"{live_server.url}/org/units/")
    expect(page.locator("main .tree").first).to_contain_text("区人力资源和社会保障局")
    expect(page.get_by_role("link", name="城关镇")).to_have_count(0)
    assert_fits(page)
