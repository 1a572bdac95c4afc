"""A unit admin builds a scheme from a template and submits; the region admin returns it
with a comment on one indicator; the unit fixes it and it is approved."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from kaohe.schemes.models import SchemeVersion, VersionState
from kaohe.testing import World
from tests.browser.conftest import PHONE, assert_fits_phone, screenshot

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
    unit_ctx = browser.new_context(viewport=PHONE, locale="zh-CN")
    unit = unit_ctx.new_page()
    login(unit, "unit_admin")
    unit.get_by_role("link", name="考核方案").click()
    unit.select_option("select[name=unit]", label="区人力资源和社会保障局")
    unit.get_by_role("button", name="起草 2026 年方案").click()
    expect(unit.locator("#version-state")).to_have_text("草稿")
    expect(unit.locator(".indicator-tree")).to_contain_text("完成任务")
    assert_fits_phone(unit)
    unit.get_by_role("button", name="提交审批").click()
    expect(unit.locator("#version-state")).to_have_text("已提交")
    version_url = unit.url

    office_ctx = browser.new_context(viewport=PHONE, locale="zh-CN")
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
    assert_fits_phone(unit)
    screenshot(unit, "scheme-fixed")
    unit.get_by_role("button", name="提交审批").click()
    expect(unit.locator("#version-state")).to_have_text("已提交")

    office.goto(version_url)
    office.get_by_role("button", name="批准", exact=True).click()
    expect(office.locator("#version-state")).to_have_text("已批准")
    expect(office.locator("#events")).to_contain_text("退回修改")
    version = SchemeVersion.objects.get(scheme__unit=world.bureau)
    assert version.state == VersionState.APPROVED
    assert [e.state for e in version.events.all()] == [
        "draft",
        "submitted",
        "returned",
        "submitted",
        "approved",
    ]
    unit_ctx.close()
    office_ctx.close()
