"""A unit admin imports a roster and sees the new people; pages work at 375 px."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from kaohe.org.models import Person
from kaohe.testing import World, roster_row, roster_xlsx
from tests.browser.conftest import assert_fits, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def roster_file(tmp_path: Path) -> Path:
    path = tmp_path / "名册.xlsx"
    path.write_bytes(
        roster_xlsx(
            [
                roster_row("N100", "周海燕", 性别="女", 起始日期="2026-02-01"),
                roster_row(
                    "N101",
                    "郑子豪",
                    unit="S001",
                    职级="二级科员",
                    人员类别="专业技术类",
                    状态="新录用",
                    起始日期="2026-02-01",
                ),
            ]
        )
    )
    return path


def test_a_unit_admin_imports_a_roster_and_sees_the_new_people(
    phone: Page,
    live_server: LiveServer,
    world: World,
    login: Callable[[Page, str], None],
    tmp_path: Path,
) -> None:
    login(phone, "unit_admin")
    phone.get_by_role("link", name="名册导入").first.click()
    expect(phone.get_by_role("heading", name="名册导入")).to_be_visible()
    phone.set_input_files("input[type=file]", str(roster_file(tmp_path)))
    phone.get_by_role("button", name="导入").click()
    expect(phone.locator(".msg-success")).to_contain_text("新增人员 2 人")
    expect(phone.locator("#imported")).to_contain_text("周海燕")
    assert_fits(phone)
    screenshot(phone, "roster-import-done")

    phone.get_by_role("link", name="周海燕").click()
    expect(phone.get_by_role("heading", name="周海燕")).to_be_visible()
    expect(phone.locator("table")).to_contain_text("区人力资源和社会保障局")

    phone.goto(f"{live_server.url}/org/units/{world.centre.pk}/?date=2026-03-01")
    expect(phone.locator("table")).to_contain_text("郑子豪")
    expect(phone.locator("table")).to_contain_text("新录用")
    assert_fits(phone)
    assert Person.objects.filter(staff_no__in=["N100", "N101"]).count() == 2


def test_a_bad_roster_lists_its_errors_and_imports_nothing(
    phone: Page, world: World, login: Callable[[Page, str], None], tmp_path: Path
) -> None:
    path = tmp_path / "bad.xlsx"
    path.write_bytes(
        roster_xlsx([roster_row("N200", "错误行", 职级="科员", 起始日期="2026-02-01")])
    )
    login(phone, "unit_admin")
    phone.get_by_role("link", name="名册导入").first.click()
    phone.set_input_files("input[type=file]", str(path))
    phone.get_by_role("button", name="导入").click()
    expect(phone.locator("#import-errors")).to_contain_text("第 2 行 职级：“科员”不存在")
    assert not Person.objects.filter(staff_no="N200").exists()


@pytest.mark.parametrize(
    "persona", ["region_admin", "unit_admin", "unit_head", "cadre", "supervisor"]
)
def test_the_home_page_works_at_375_px(
    phone: Page, world: World, login: Callable[[Page, str], None], persona: str
) -> None:
    login(phone, persona)
    expect(phone.get_by_role("heading", level=1)).to_contain_text("您好")
    expect(phone.get_by_role("link", name="单位").first).to_be_visible()
    assert_fits(phone)
    screenshot(phone, f"home-{persona}")


def test_the_unit_tree_and_language_switch_work_on_a_phone(
    phone: Page, live_server: LiveServer, world: World, login: Callable[[Page, str], None]
) -> None:
    login(phone, "region_admin")
    phone.goto(f"{live_server.url}/org/units/")
    expect(phone.locator(".tree").first).to_contain_text("城关镇")
    assert_fits(phone)
    screenshot(phone, "unit-tree")
    phone.select_option("select[name=language]", "en")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Units")
    phone.select_option("select[name=language]", "zh-hans")
    expect(phone.get_by_role("heading", level=1)).to_have_text("单位")


def test_an_english_browser_still_gets_chinese_first(
    browser: Browser, live_server: LiveServer, world: World
) -> None:
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    expect(page.get_by_role("heading", level=1)).to_have_text("登录")
    page.select_option("select[name=language]", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    context.close()
