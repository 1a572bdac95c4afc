"""Issue 17 end to end in the browser, at both widths: the 公示 of the computed year,
an objection and its finding, the publish (the 公示 confirmed), the written notice the
cadre signs disagreeing, their 复核 and its decision changing the grade, the 申诉 to
the higher authority, extended once with a reason and decided. The parts' own browser
tests look closer at each page; this one follows a cadre's year through all of them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from kaohe.dueprocess.models import Case, DueProcessPolicy, Notice, Objection, Publicity
from kaohe.outcomes.models import YearRecord, YearRecordCorrection
from kaohe.scoring.models import AnnualRun, QuarterRun, RunState
from kaohe.testing import World
from tests.browser.conftest import assert_fits, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _published(page: Page, run_id: int) -> None:
    """Publishing runs as a job: wait for the year's state, not for a message."""
    for _attempt in range(100):
        if AnnualRun.objects.get(pk=run_id).state == RunState.PUBLISHED:
            return
        page.wait_for_timeout(200)
    raise AssertionError("the year was not published")


def test_publicity_to_appeal_decision(
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
    # The city over the county decides its 申诉.
    DueProcessPolicy.objects.create(region=big.region, appeal_region=big.other_region)
    run = scoring.annual_compute(actor=big.users["region_admin"], region=big.region, year=2026)
    settings.KAOHE_TODAY = dt.date(2026, 9, 28)

    # 公示: the office starts it; the cadre finds it on their home page and objects.
    office = browser.new_page()
    login(office, "region_admin")
    office.goto(f"{live_server.url}/scoring/years/{run.pk}/")
    office.get_by_role("link", name="优秀人选公示…").click()
    office.get_by_role("button", name="发起公示").click()
    expect(office.locator(".msg-success")).to_contain_text("公示已开始")
    publicity = Publicity.objects.get(run=run)

    cadre = browser.new_page()
    login(cadre, "cadre")
    cadre.get_by_role("link", name="2026 年度优秀等次人选正在公示").click()
    expect(cadre.locator("#candidates")).to_contain_text("吴刚")
    cadre.locator("#candidates tr", has_text="吴刚").get_by_role("link", name="提出异议").click()
    cadre.get_by_label("异议内容（请写明可供核查的事实）").fill("项目完成情况与台账不符")
    assert_fits(cadre)
    cadre.get_by_role("button", name="提交异议").click()
    expect(cadre.locator(".msg-success")).to_contain_text("异议已登记")
    objection = Objection.objects.get(publicity=publicity)
    assert objection.author_id == big.users["cadre"].pk  # named: not ticked anonymous

    # The finding; after the last day the year is published and the 公示 confirmed.
    office.goto(f"{live_server.url}/dueprocess/objections/")
    office.get_by_role("link", name="作出核查结论").click()
    office.get_by_label("不成立").check()
    office.get_by_label("核查了什么、结果如何").fill("经核对项目台账，述职材料属实")
    office.get_by_role("button", name="记录核查结论").click()
    expect(office.locator(".msg-success")).to_contain_text("核查结论已记录")
    settings.KAOHE_TODAY = dt.date(2026, 10, 12)
    office.goto(f"{live_server.url}/scoring/years/{run.pk}/publish/")
    office.get_by_label("我已核对上述等次分布").check()
    office.get_by_role("button", name="公布").click()
    _published(office, run.pk)
    publicity.refresh_from_db()
    assert publicity.confirmed_at is not None
    screenshot(office, "dueprocess-flow-published")

    # The notice: from the results page; the cadre disagrees and signs, then asks 复核.
    record = YearRecord.objects.get(person=big.people["cadre"], year=2026)
    notice = Notice.objects.get(person=big.people["cadre"], year=2026)
    cadre.goto(f"{live_server.url}/scoring/mine/")
    cadre.locator("#notice-line-2026").get_by_role("link").click()
    expect(cadre.locator("#notice-name")).to_have_text("张小明")
    cadre.get_by_role("radio", name="不同意", exact=True).check()
    cadre.get_by_label("本人意见（不同意时必填）").fill("第三季度实绩未计入，请求核实")
    cadre.get_by_role("button", name="签收通知").click()
    expect(cadre.locator(".msg-success")).to_contain_text("通知已签收")
    assert_fits(cadre)
    cadre.get_by_role("link", name="申请复核").click()
    expect(cadre.locator("#applies")).to_contain_text("复核期间不停止原考核结果的执行")
    cadre.get_by_label("申请复查的内容和理由").fill("第三季度的招商实绩未计入，请求复核等次")
    cadre.get_by_role("button", name="提交复核").click()
    expect(cadre.locator(".msg-success")).to_be_visible()
    review = Case.objects.get(kind="review", notice=notice)

    # The office decides: the grade changes, as a recorded correction of the archive.
    new_grade, new_label = (
        ("competent", "称职") if record.grade == "excellent" else ("excellent", "优秀")
    )
    office.goto(f"{live_server.url}/dueprocess/cases/docket/review/")
    office.locator(f"#case-{review.pk}").get_by_role("link").click()
    office.get_by_role("radio", name="变更结果").check()
    office.get_by_label("新的等次（变更结果时）").select_option(new_grade)
    office.get_by_label("理由", exact=True).fill("经核实，第三季度招商实绩应予计入")
    assert_fits(office)
    office.get_by_role("button", name="记录决定").click()
    expect(office.locator("#outcome")).to_contain_text("变更结果")
    expect(office.locator("#correction")).to_contain_text("复核决定")

    # 申诉 to the higher authority, which extends once with a reason and decides.
    cadre.goto(f"{live_server.url}/dueprocess/cases/{review.pk}/")
    cadre.get_by_role("link", name="提出申诉").click()
    cadre.get_by_label("申请复查的内容和理由").fill("对复核决定的理由部分不服，提出申诉")
    cadre.get_by_role("button", name="提交申诉").click()
    expect(cadre.locator(".msg-success")).to_be_visible()
    appeal = Case.objects.get(kind="appeal", review=review)

    authority = browser.new_page()
    login(authority, "other_admin")
    authority.goto(f"{live_server.url}/dueprocess/cases/docket/appeal/")
    authority.locator(f"#case-{appeal.pk}").get_by_role("link").click()
    # A reason is required: the browser will not send the form without one.
    expect(authority.get_by_label("延期理由")).to_have_attribute("required", "")
    authority.get_by_label("延期理由").fill("需向原单位调取第三季度的招商材料")
    authority.get_by_role("button", name="延长").click()
    expect(authority.locator("#extension")).to_contain_text("需向原单位调取")
    authority.get_by_role("radio", name="维持原结果").check()
    authority.get_by_label("理由", exact=True).fill("复核决定认定事实清楚，予以维持")
    authority.get_by_role("button", name="记录决定").click()
    expect(authority.locator("#outcome")).to_contain_text("维持原结果")
    assert_fits(authority)
    screenshot(authority, "dueprocess-flow-appeal-decided")

    # The archive holds it all: the changed grade beside the old, the notice, the cases.
    record.refresh_from_db()
    assert record.grade == new_grade
    correction = YearRecordCorrection.objects.get(record=record)
    assert correction.new_value == new_grade
    cadre.goto(f"{live_server.url}/outcomes/archive/{big.people['cadre'].pk}/2026/")
    expect(cadre.get_by_text("书面通知与本人意见")).to_be_visible()
    expect(cadre.locator("#archive-corrections")).to_contain_text(new_label)
    assert_fits(cadre)
