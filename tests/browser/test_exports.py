"""Search from the header, the annual rankings paged to their end with "of M", and an
Excel download, at 375 px and at 1366 px."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from kaohe.core.workbooks import Limits, open_upload
from kaohe.scoring.models import RunState
from kaohe.scoring.tests.test_exports import annual_run, quarter_run
from kaohe.testing import World
from tests.browser.conftest import PHONE, assert_fits_phone, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture(params=[PHONE, DESKTOP], ids=["375", "1366"])
def screen(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(viewport=request.param, locale="zh-CN", accept_downloads=True)
    yield context.new_page()
    context.close()


def _width(page: Page) -> int:
    return int(page.viewport_size["width"]) if page.viewport_size else 0


def _fits(page: Page) -> None:
    if _width(page) == PHONE["width"]:
        assert_fits_phone(page)


def test_search_from_the_header_finds_a_person_and_a_unit(
    screen: Page, live_server: LiveServer, world: World, login: Callable[[Page, str], None]
) -> None:
    login(screen, "region_admin")
    box = screen.get_by_role("searchbox", name="查找人员和单位")
    expect(box).to_be_visible()
    found = box.bounding_box()
    assert found is not None and found["x"] + found["width"] <= _width(screen)
    box.fill("建国")
    box.press("Enter")
    expect(screen.locator("#people-results")).to_contain_text("王建国")
    expect(screen.locator("#people-results")).to_contain_text("区人力资源和社会保障局")
    _fits(screen)
    screenshot(screen, f"search-{_width(screen)}")
    screen.get_by_role("link", name="王建国").click()
    expect(screen.locator("h1")).to_contain_text("王建国")
    screen.get_by_role("searchbox", name="查找人员和单位").fill("城关")
    screen.get_by_role("searchbox", name="查找人员和单位").press("Enter")
    screen.locator("#unit-results").get_by_role("link", name="城关镇").click()
    expect(screen.locator("h1")).to_contain_text("城关镇")


def test_the_annual_rankings_page_to_the_end_and_download(
    screen: Page,
    live_server: LiveServer,
    world: World,
    login: Callable[[Page, str], None],
    tmp_path: Path,
) -> None:
    run = annual_run(world, staff=120, state=RunState.PUBLISHED)
    login(screen, "region_admin")
    screen.goto(f"{live_server.url}/scoring/years/{run.pk}/")
    screen.get_by_role("link", name="一般干部（120）").click()
    expect(screen.locator("#ranking")).to_contain_text("名次（共 120 人）")
    screen.get_by_role("link", name="下一页").click()
    screen.get_by_role("link", name="下一页").click()
    expect(screen.locator("#ranking")).to_contain_text("第 3 页，共 3 页")
    expect(screen.locator("#ranking")).to_contain_text("新人119")
    _fits(screen)
    screenshot(screen, f"annual-rankings-{_width(screen)}")
    with screen.expect_download() as info:
        screen.get_by_role("link", name="下载考核结果及排名（Excel）").click()
    download = info.value
    assert download.suggested_filename == "测试区-2026年度-考核结果及排名.xlsx"
    path = tmp_path / "annual.xlsx"
    download.save_as(path)
    with (
        path.open("rb") as file,
        open_upload(
            file, size=path.stat().st_size, limits=Limits(max_bytes=10**7, max_rows=1000)
        ) as book,
    ):
        rows = [values for _n, values in book.rows()]
    assert len(rows) == 1 + 2 + 120 and rows[0][0] == "职级层次"


def test_a_cadre_reads_rank_n_of_m(
    screen: Page, live_server: LiveServer, world: World, login: Callable[[Page, str], None]
) -> None:
    quarter_run(world, state=RunState.PUBLISHED)
    login(screen, "cadre")
    screen.goto(f"{live_server.url}/scoring/mine/")
    expect(screen.locator("main")).to_contain_text("单位内第 3 名 / 共 3 人")
    screen.get_by_role("link", name="查看说明").first.click()
    expect(screen.locator("main")).to_contain_text("排第 3 名 / 共 3 人")
    _fits(screen)
