"""The eligibility lists (issue 16, item 3), read from the archive's records: the region's
office opens the promotion list, narrows it to a rank tier, reads the names with their
reasons and downloads it as Excel, at 375 px and at 1366 px."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from kaohe.org.models import RankTier
from kaohe.outcomes.models import RecordSource
from kaohe.outcomes.services import year_facts_refresh
from kaohe.outcomes.tests.test_lists_pages import record
from kaohe.testing import World
from tests.browser.conftest import assert_fits, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_office_filters_the_promotion_list_by_tier_and_exports_it(
    browser: Browser,
    live_server: LiveServer,
    world: World,
    login: Callable[[Page, str], None],
) -> None:
    p = world.people
    for y in (2024, 2025, 2026):
        source = RecordSource.IMPORTED if y == 2024 else RecordSource.KAOHE
        record(p["cadre"], y, "excellent", unit=world.bureau, rank=2, source=source)
        record(p["centre_cadre"], y, unit=world.centre, rank=1, tier=RankTier.DEPUTY_SECTION_CHIEF)
    year_facts_refresh(region_id=world.region.pk, years=[2024, 2025, 2026])

    office = browser.new_context().new_page()
    login(office, "region_admin")
    office.goto(live_server.url + "/outcomes/lists/")
    office.get_by_role("link", name="提拔任用领导职务").click()
    expect(office.locator("h1")).to_contain_text("提拔任用领导职务")
    expect(office.locator("tbody")).to_contain_text("陈静")  # both tiers before the filter
    office.get_by_label("职级层次").select_option(str(RankTier.STAFF))
    office.locator("#list-filter button[type=submit]").click()
    rows = office.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("张小明")
    expect(rows.first).to_contain_text("2024、2025、2026")  # the 优秀 years, an imported one too
    assert_fits(office)
    screenshot(office, "lists-promotion-tier")

    href = office.locator("#list-export").get_attribute("href")
    assert href is not None and "tier=staff" in href
    response = office.request.get(live_server.url + href)
    assert response.status == 200
    assert "spreadsheetml" in response.headers["content-type"]
    sheet = load_workbook(io.BytesIO(response.body())).active
    assert sheet is not None
    names = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == ["张小明"]
