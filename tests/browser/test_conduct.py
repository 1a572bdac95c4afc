"""The region admin records a 警告 for a cadre; after the year is computed and
published, the cadre's explanation of the year cites it (R5.13)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from kaohe.conduct.models import DisciplineRecord
from kaohe.scoring import guards
from kaohe.scoring import services as scoring_services
from kaohe.scoring.models import QuarterRun
from kaohe.testing import World, publicity_not_required
from tests.browser.conftest import assert_fits, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_warning_recorded_is_cited_in_the_year(
    browser: Browser,
    live_server: LiveServer,
    big: World,
    graded: QuarterRun,
    login: Callable[[Page, str], None],
) -> None:
    from kaohe.scoring.tests.fixtures import year_ready
    from kaohe.scoring.tests.test_annual import publish_quarters

    office = browser.new_context().new_page()
    login(office, "region_admin")
    office.get_by_role(
        "link", name="用实绩", exact=True
    ).click()  # the hub of what results are used for
    office.get_by_role("link", name="处分与考勤").first.click()
    office.get_by_role("link", name="登记处分").click()
    office.get_by_label("人员编号").fill("B05")
    office.get_by_label("类型").select_option(label="警告")
    office.get_by_label("起始", exact=True).fill("2026-03-02")
    office.get_by_label("处分文件").fill("区纪发〔2026〕3号")
    # A wrong end first: refused in Chinese, nothing written.
    office.get_by_label("截止日期（留空按默认处分期）").fill("2026-03-01")
    office.get_by_role("button", name="登记").click()
    expect(office.locator(".msg-error").first).to_contain_text("早于起始日期")
    assert not DisciplineRecord.objects.exists()
    office.get_by_label("截止日期（留空按默认处分期）").fill("")
    office.get_by_role("button", name="登记").click()
    expect(office.locator(".msg-success")).to_contain_text("已记录")
    expect(office.locator("#conduct-records")).to_contain_text("2026-03-02 – 2026-09-01")
    expect(office.locator("#conduct-records")).to_contain_text("区纪发〔2026〕3号")
    assert_fits(office)
    screenshot(office, "conduct-list")

    # The year: Q2–Q4 as copies of Q1, all published, then computed and published.
    publish_quarters(big, graded)
    year_ready(big)
    admin = big.users["region_admin"]
    run = scoring_services.annual_compute(actor=admin, region=big.region, year=2026)
    publicity_not_required(big.region)
    scoring_services.annual_publish(actor=admin, run=run, confirmation=guards.publish_token(run))

    cadre = browser.new_context().new_page()
    login(cadre, "B05")
    cadre.get_by_role("link", name="考核结果", exact=True).click()
    cadre.get_by_role("link", name="查看说明").first.click()
    expect(cadre.locator("#explanation")).to_contain_text(
        "不得确定为优秀：警告（区纪发〔2026〕3号，2026-03-02至2026-09-01，按默认处分期）。"
    )
    assert_fits(cadre)
    screenshot(cadre, "conduct-explained")
