"""Issue 17, item 1 in the browser: the office starts the 公示 of the computed year's
优秀 candidates; a cadre raises an objection; the office writes its finding; after
the period the year is published (its 公示 confirmed)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from kaohe.dueprocess.models import Objection, Publicity
from kaohe.scoring.models import AnnualRun, QuarterRun, RunState
from kaohe.testing import World
from tests.browser.conftest import assert_fits, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_publicity_objection_finding_then_publish(
    browser: Browser,
    live_server: LiveServer,
    big: World,
    graded: QuarterRun,
    settings: Settings,
    login: Callable[[Page, str], None],
) -> None:
    from kaohe.scoring import services as scoring
    from kaohe.scoring.tests.fixtures import year_ready
    from kaohe.scoring.tests.test_annual import publish_quarters

    publish_quarters(big, graded)
    year_ready(big)
    run = scoring.annual_compute(actor=big.users["region_admin"], region=big.region, year=2026)
    settings.KAOHE_TODAY = dt.date(2026, 9, 28)  # five working days over National Day

    office = browser.new_context().new_page()
    login(office, "region_admin")
    office.goto(f"{live_server.url}/scoring/years/{run.pk}/")
    office.get_by_role("link", name="优秀人选公示…").click()
    office.get_by_role("button", name="发起公示").click()
    expect(office.locator(".msg-success")).to_contain_text("公示已开始")
    expect(office.locator("#candidates")).to_contain_text("周敏")
    expect(office.locator("#candidates")).to_contain_text("吴刚")
    expect(office.locator("#publicity-period")).to_contain_text("2026-10-09")
    expect(office.locator("#publicity-clock")).to_contain_text("4 个工作日")
    assert_fits(office)
    screenshot(office, "publicity-started")
    publicity = Publicity.objects.get(run=run)

    cadre = browser.new_context().new_page()
    login(cadre, "cadre")  # 张小明, of the candidates' bureau
    cadre.goto(f"{live_server.url}/dueprocess/publicity/{publicity.pk}/")
    cadre.locator("#candidates tr", has_text="吴刚").get_by_role("link", name="提出异议").click()
    # Empty text: refused in Chinese, nothing stored.
    cadre.get_by_label("异议内容（请写明可供核查的事实）").fill(" ")
    cadre.get_by_label("异议内容（请写明可供核查的事实）").evaluate("e => e.required = false")
    cadre.get_by_role("button", name="提交异议").click()
    expect(cadre.locator(".msg-error").first).to_contain_text("请填写异议")
    cadre.get_by_label("异议内容（请写明可供核查的事实）").fill(
        "述职材料中的项目完成情况与实际不符"
    )
    cadre.get_by_label("匿名：不记录提出人").check()
    assert_fits(cadre)
    cadre.get_by_role("button", name="提交异议").click()
    expect(cadre.locator(".msg-success")).to_contain_text("异议已登记")
    objection = Objection.objects.get()
    assert objection.anonymous and objection.author_id is None

    # Not published while the 公示 runs and the objection is open.
    office.goto(f"{live_server.url}/scoring/years/{run.pk}/publish/")
    expect(office.locator("#publish-blocked")).to_contain_text("2026-10-09")
    expect(office.locator("#publish-blocked")).to_contain_text("尚未作出核查结论")

    office.goto(f"{live_server.url}/dueprocess/objections/")
    expect(office.locator("#objections")).to_contain_text("匿名")
    assert_fits(office)
    office.get_by_role("link", name="作出核查结论").click()
    office.get_by_label("不成立").check()
    office.get_by_label("核查了什么、结果如何").fill("经核对项目台账，述职材料属实")
    assert_fits(office)
    screenshot(office, "publicity-finding")
    office.get_by_role("button", name="记录核查结论").click()
    expect(office.locator(".msg-success")).to_contain_text("核查结论已记录")
    expect(office.locator("#objections")).to_contain_text("不成立")

    # After the last day, with every objection answered, the year is published.
    settings.KAOHE_TODAY = dt.date(2026, 10, 12)
    office.goto(f"{live_server.url}/scoring/years/{run.pk}/publish/")
    expect(office.locator("#publish-blocked")).to_have_count(0)
    office.get_by_label("我已核对上述等次分布").check()
    office.get_by_role("button", name="公布").click()
    # Published in the request, or by a background job whose page follows: the state.
    for _attempt in range(50):
        if AnnualRun.objects.get(pk=run.pk).state == RunState.PUBLISHED:
            break
        office.wait_for_timeout(200)
    assert AnnualRun.objects.get(pk=run.pk).state == RunState.PUBLISHED
    publicity.refresh_from_db()
    assert publicity.confirmed_at is not None
    assert publicity.confirmed_by_id == big.users["region_admin"].pk
    assert_fits(office)
    screenshot(office, "publicity-published")
