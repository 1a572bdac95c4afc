"""A unit admin builds a scheme from a template and submits; the region admin returns it
with a comment on one indicator; the unit fixes it and it is approved. A unit head
links a work log as evidence from the entry grid on a phone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from kaohe.schemes import services
from kaohe.schemes.models import IndicatorResult, SchemeVersion, VersionState
from kaohe.schemes.selectors import version_history
from kaohe.testing import World
from kaohe.worklogs.models import Timeliness, WorkLog
from tests.browser.conftest import assert_fits, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_build_submit_return_fix_approve(
    browser: Browser,
    live_server: LiveServer,
    world: World,
    template: SchemeVersion,
    login: Callable[[Page, str], None],
    settings: Settings,
) -> None:
    settings.KAOHE_TODAY = dt.date(2026, 2, 10)
    unit_ctx = browser.new_context()
    unit = unit_ctx.new_page()
    login(unit, "unit_admin")
    unit.get_by_role("link", name="考核方案").click()
    unit.select_option("select[name=unit]", label="区人力资源和社会保障局")
    unit.get_by_label("通用模板").check()
    unit.get_by_role("button", name="查看模板内容").click()
    expect(unit.locator("#template-tree")).to_contain_text("完成任务")
    unit.get_by_role("button", name="创建草稿").click()
    expect(unit.locator("#version-state")).to_have_text("草稿")
    expect(unit.locator(".indicator-tree")).to_contain_text("完成任务")
    assert_fits(unit)
    unit.get_by_role("button", name="提交审批").click()
    expect(unit.locator("#version-state")).to_have_text("已提交")
    version_url = unit.url

    office_ctx = browser.new_context()
    office = office_ctx.new_page()
    login(office, "region_admin")
    office.goto(version_url)
    node = office.locator('.node[data-name="完成任务"]')
    node.get_by_label("对此指标的意见").fill("请写明量化评分标准")
    office.get_by_role("button", name="退回修改").click()
    expect(office.locator("#version-state")).to_have_text("退回修改")
    screenshot(office, "scheme-returned")

    unit.goto(version_url)
    node = unit.locator('.node[data-name="完成任务"]')
    expect(node.locator(".comment").first).to_contain_text("请写明量化评分标准")
    node.locator("summary", has_text="编辑").first.click()
    node.locator("input[name=description]").first.fill("按季度任务清单逐项计分，每项2分")
    node.get_by_role("button", name="保存").first.click()
    expect(unit.locator('.node[data-name="完成任务"] > .muted').first).to_contain_text("每项2分")
    assert_fits(unit)
    screenshot(unit, "scheme-fixed")
    unit.get_by_role("button", name="提交审批").click()
    expect(unit.locator("#version-state")).to_have_text("已提交")

    office.goto(version_url)
    # Before approving, the reviewer sees which quarters the version would govern.
    expect(office.locator("#governs")).to_contain_text("自批准起执行于2026年第1–4季度")
    assert_fits(office)
    office.get_by_role("button", name="批准", exact=True).click()
    expect(office.locator("#version-state")).to_have_text("已批准")
    expect(office.locator("#governs")).to_contain_text("2026年第1–4季度")
    expect(office.locator("#governs")).to_contain_text("2026-02-10批准")
    expect(office.locator("#events")).to_contain_text("退回修改")
    version = SchemeVersion.objects.get(scheme__unit=world.bureau)
    assert version.state == VersionState.APPROVED
    assert [e.state for e in version_history(version)] == [
        "draft",
        "submitted",
        "returned",
        "submitted",
        "approved",
    ]
    unit_ctx.close()
    office_ctx.close()


def test_an_assessor_links_a_work_log_as_evidence_on_a_phone(
    browser: Browser,
    live_server: LiveServer,
    world: World,
    drafted: SchemeVersion,
    login: Callable[[Page, str], None],
    settings: Settings,
) -> None:
    settings.KAOHE_TODAY = dt.date(2026, 4, 30)
    drafted.indicators.filter(name="完成任务").update(evidence_required=True)
    services.version_submit(actor=world.users["unit_admin"], version=drafted)
    services.version_approve(actor=world.users["region_admin"], version=drafted)
    cadre = world.people["cadre"]
    WorkLog.objects.bulk_create(
        WorkLog(
            region=world.region,
            person=cadre,
            unit=world.bureau,
            day=dt.date(2026, 2, 2) + dt.timedelta(days=i),
            content="完成季度专项报告初稿" if i == 3 else f"日常窗口服务第{i}天",
            timeliness=Timeliness.ON_TIME,
        )
        for i in range(14)
    )
    report = WorkLog.objects.get(content="完成季度专项报告初稿")
    task = drafted.indicators.get(name="完成任务")
    context = browser.new_context()
    page = context.new_page()
    login(page, "unit_head")
    page.goto(f"{live_server.url}/schemes/entry/{world.bureau.pk}/2026/1/")
    cell = page.get_by_label("张小明 完成任务", exact=True)
    cell.fill("28.125")  # a third decimal: refused, in Chinese, nothing written
    page.get_by_role("button", name="全部保存").click()
    expect(page.locator(".messages")).to_contain_text("张小明「完成任务」：28.125 的小数超过两位")
    expect(cell).to_have_value("28.125")
    assert_fits(page)
    assert not IndicatorResult.objects.filter(indicator=task, person=cadre).exists()
    cell.fill("28")
    page.get_by_role("button", name="全部保存").click()
    expect(page.locator(".messages")).to_contain_text("张小明「完成任务」需要佐证")
    expect(cell).to_have_value("28")  # what was typed stays

    link = page.get_by_label("张小明 完成任务 佐证")
    expect(link).to_have_class("ev missing")
    link.click()
    dialog = page.locator("#evidence-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator(".ev-log")).to_have_count(10)  # one page of 14
    dialog.get_by_label("搜索此人的工作日志").fill("专项报告")
    dialog.get_by_role("button", name="搜索").click()
    expect(dialog.locator(".ev-log")).to_have_count(1)
    assert_fits(page)
    dialog.get_by_label("完成季度专项报告初稿").check()
    dialog.get_by_role("button", name="保存佐证").click()
    expect(dialog.get_by_role("status")).to_contain_text("新关联 1 篇")
    expect(page.locator(f"#evn-{cadre.pk}-{task.pk}")).to_have_text("1")
    expect(link).to_have_class("ev")
    screenshot(page, "scheme-evidence")
    dialog.get_by_role("button", name="关闭").click()
    expect(dialog).to_be_hidden()

    page.get_by_role("button", name="全部保存").click()
    expect(page.locator(".messages")).to_contain_text("已保存")
    result = IndicatorResult.objects.get(indicator=task, person=cadre)
    assert result.value == 28
    assert list(result.evidence_logs.values_list("pk", flat=True)) == [report.pk]
    context.close()
