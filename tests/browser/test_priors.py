"""The import of earlier years in the browser, at 375 px and at 1366 px: the office
uploads a file with a wrong row and sees every problem in place, then a good file and
sees it summed up by people and years; no serious accessibility finding either time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from kaohe.outcomes.models import YearRecord
from kaohe.outcomes.tests.test_priors_import import prior, xlsx
from kaohe.testing import World
from tests.browser.conftest import assert_fits, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _serious(page: Page) -> list[str]:
    results = Axe().run(page).response
    return [
        f"{v['id']}: {v['help']}"
        for v in results.get("violations", [])
        if v.get("impact") in {"serious", "critical"}
    ]


def test_the_office_imports_earlier_years_and_sees_problems_then_the_summary(
    page: Page,
    live_server: LiveServer,
    world: World,
    login: Callable[[Page, str], None],
    settings: Settings,
    tmp_path: Path,
) -> None:
    settings.KAOHE_TODAY = dt.date(2026, 11, 20)
    cadre, head = world.people["cadre"], world.people["head"]
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx([prior(cadre.staff_no, cadre.name), prior("NOPE", "某人", 2024)]))
    good = tmp_path / "good.xlsx"
    good.write_bytes(xlsx([prior(p.staff_no, p.name, 2025) for p in (cadre, head)]))

    login(page, "region_admin")
    page.get_by_role(
        "link", name="用实绩", exact=True
    ).click()  # the hub of what results are used for
    page.get_by_role("link", name="往年结果").first.click()
    expect(page.locator("h1")).to_have_text("往年考核结果导入")
    assert_fits(page)
    assert not _serious(page)

    page.locator("input[name=file]").set_input_files(str(bad))
    page.get_by_role("button", name="导入").click()
    expect(page.locator("#import-errors")).to_contain_text("第 3 行 人员编号")
    assert not YearRecord.objects.exists()
    assert_fits(page)

    page.locator("input[name=file]").set_input_files(str(good))
    page.get_by_role("button", name="导入").click()
    expect(page.locator("#import-result")).to_contain_text("2 人 × 1 年，共 2 条")
    expect(page.locator("#imported-years")).to_contain_text("2025")
    assert_fits(page)
    assert not _serious(page)
    screenshot(page, "priors-import")
    assert YearRecord.objects.count() == 2
