"""The archive (issue 16, R6.1): a cadre opens their year from the navigation; the
organization department finds it by name and opens it and its PDF."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from kaohe.outcomes.models import YearRecordCorrection
from kaohe.outcomes.tests.test_archive_pages import record
from kaohe.testing import World
from tests.browser.conftest import assert_fits, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_cadre_and_the_office_open_an_archived_year(
    browser: Browser,
    live_server: LiveServer,
    world: World,
    login: Callable[[Page, str], None],
) -> None:
    rec = record(world, "cadre", grade="excellent")
    record(world, "cadre", year=2025)
    record(world, "town_cadre")
    YearRecordCorrection.objects.create(
        record=rec,
        field="grade",
        old_value="competent",
        new_value="excellent",
        reason="复核决定改变等次",
        basis="复核决定 2027-03-02",
    )

    cadre = browser.new_context().new_page()
    login(cadre, "cadre")
    cadre.get_by_role("link", name="我的档案").click()
    cadre.get_by_role("link", name="2026 年度档案").click()
    expect(cadre.locator("h1")).to_have_text("张小明 2026 年度实绩档案")
    expect(cadre.locator("#archive-grade")).to_have_text("优秀")
    expect(cadre.locator("#archive-corrections")).to_contain_text("复核决定改变等次")
    assert_fits(cadre)
    screenshot(cadre, "archive-page")

    office = browser.new_context().new_page()
    login(office, "region_admin")
    office.get_by_role(
        "link", name="用实绩", exact=True
    ).click()  # the hub of what results are used for
    office.get_by_role("link", name="档案查询").click()
    office.get_by_label("姓名", exact=True).fill("张小明")
    office.get_by_label("年度", exact=True).fill("2026")
    office.locator("#archive-filter button[type=submit]").click()
    expect(office.locator("h2")).to_contain_text("共 1 条档案")
    assert_fits(office)
    screenshot(office, "archive-search")
    office.get_by_role("link", name="张小明").click()
    expect(office.locator("#archive-grade")).to_have_text("优秀")
    href = office.get_by_role("link", name="下载 PDF").get_attribute("href")
    assert href is not None
    pdf = office.request.get(live_server.url + href)
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
