"""A unit head proposes grades and meets the quota counter at zero; the region admin
confirms; a cadre opens the explanation of their result."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from kaohe.scoring.models import QuarterResult, QuarterRun
from kaohe.testing import World
from tests.browser.conftest import assert_fits, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_propose_confirm_and_explain(
    browser: Browser,
    live_server: LiveServer,
    big: World,
    graded: QuarterRun,
    login: Callable[[Page, str], None],
) -> None:
    head_ctx = browser.new_context()
    head = head_ctx.new_page()
    login(head, "unit_head")
    head.get_by_role("link", name="定等次").click()
    head.get_by_role("link", name="区人力资源和社会保障局").first.click()
    expect(head.locator("#quota-counter")).to_contain_text("本季度可评“好”5 人，剩余 0 人")
    assert_fits(head)
    screenshot(head, "proposal-at-zero")

    # No place left: 好 is not offered to 褚磊 (90.5, sixth), the page offers only what saves.
    expect(head.get_by_label("褚磊", exact=True).locator("option")).to_have_text(
        ["较好", "一般", "较差"]
    )
    expect(head.get_by_label("周敏", exact=True).locator("option")).to_have_text(
        ["好", "较好", "一般", "较差"]
    )

    # Free a place with a reason; the page then offers it, and it is given.
    head.get_by_label("周敏", exact=True).select_option(label="较好")
    head.locator("input[name^=reason_]").nth(0).fill("本季度受到诫勉谈话")
    head.get_by_role("button", name="保存建议").click()
    expect(head.locator(".msg-success")).to_contain_text("调整了 1 人")
    expect(head.locator("#quota-counter")).to_contain_text("剩余 1 人")
    head.get_by_label("褚磊", exact=True).select_option(label="好")
    head.locator("input[name^=reason_]").nth(5).fill("季度内牵头完成重点任务")
    head.get_by_role("button", name="保存建议").click()
    expect(head.locator(".msg-success")).to_contain_text("调整了 1 人")
    expect(head.locator("#quota-counter")).to_contain_text("剩余 0 人")
    assert QuarterResult.objects.filter(run=graded, grade="good").count() == 5

    office_ctx = browser.new_context()
    office = office_ctx.new_page()
    login(office, "region_admin")
    office.goto(f"{live_server.url}/scoring/quarters/{graded.pk}/")
    office.get_by_role("button", name="确认等次").click()
    expect(office.locator("#run-state")).to_have_text("已确认")
    # Publishing goes through the confirmation page: the distribution, then the box.
    office.get_by_role("link", name="公布…").click()
    expect(office.locator("#publish-pools")).to_contain_text("好")
    office.get_by_role("button", name="公布").click()
    expect(office.locator(".msg-error").first).to_contain_text("勾选")
    office.get_by_label("我已核对上述等次分布").check()
    office.get_by_role("button", name="公布").click()
    # A background job publishes; its page shows the progress, then links to the run.
    expect(office.locator("h1")).to_have_text("公布季度结果")
    office.get_by_role("link", name="查看结果").click()
    expect(office.locator("#run-state")).to_have_text("已公布")
    assert_fits(office)
    screenshot(office, "quarter-published")

    cadre_ctx = browser.new_context()
    cadre = cadre_ctx.new_page()
    login(cadre, "B05")  # 褚磊
    cadre.get_by_role("link", name="考核结果", exact=True).click()
    cadre.get_by_role("link", name="查看说明").first.click()
    expect(cadre.locator("#headline")).to_contain_text("本季度得分 90.50 = 评价得分 90.50 × 100%")
    expect(cadre.locator("#explanation")).to_contain_text(
        "单位主要领导将等次调整为“好”：季度内牵头完成重点任务"
    )
    cadre.get_by_role("button", name="我已阅知考核结果").click()
    expect(cadre.locator(".msg-success").first).to_contain_text("已确认知晓")
    assert_fits(cadre)
    screenshot(cadre, "explanation")
    for ctx in (head_ctx, office_ctx, cadre_ctx):
        ctx.close()
