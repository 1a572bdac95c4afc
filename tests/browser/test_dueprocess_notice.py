"""Issue 17's written notice at 375 and 1366 px: the cadre opens the notice from their
results page, disagrees with a text and signs; the archive shows the opinion."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from kaohe.dueprocess.tests.notice_helpers import issued, notice_of
from kaohe.testing import World
from tests.browser.conftest import assert_fits, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_cadre_disagrees_with_a_text_and_signs(
    page: Page,
    live_server: LiveServer,
    world: World,
    login: Callable[[Page, str], None],
) -> None:
    issued(world)
    notice = notice_of(world, "cadre")
    login(page, "cadre")
    page.goto(f"{live_server.url}/scoring/mine/")
    line = page.locator("#notice-line-2026")
    expect(line).to_contain_text("2026年度考核结果通知书")
    expect(line).to_contain_text("待签收")
    assert_fits(page)
    line.get_by_role("link").click()
    expect(page.locator("#notice-name")).to_have_text("张小明")
    expect(page.locator("#notice-grade")).to_have_text("优秀")
    expect(page.locator("#rights")).to_contain_text("前申请复核")
    assert_fits(page)
    screenshot(page, "dueprocess-notice")
    page.get_by_role("radio", name="不同意", exact=True).check()
    page.get_by_role("button", name="签收通知").click()
    # Disagreeing without a text is refused, the choice kept.
    expect(page.locator(".msg-error")).to_contain_text("请填写本人意见")
    page.get_by_label("本人意见（不同意时必填）").fill("民主测评票数统计有误，请求核实")
    page.get_by_role("button", name="签收通知").click()
    expect(page.locator(".msg-success")).to_contain_text("通知已签收")
    expect(page.locator("#signature")).to_contain_text("不同意")
    expect(page.locator("#opinion")).to_contain_text("民主测评票数统计有误")
    expect(page.locator("#sign-form")).to_have_count(0)
    assert_fits(page)
    screenshot(page, "dueprocess-notice-signed")

    page.goto(f"{live_server.url}/outcomes/archive/{world.people['cadre'].pk}/2026/")
    expect(page.get_by_text("书面通知与本人意见")).to_be_visible()
    expect(page.get_by_text("民主测评票数统计有误，请求核实")).to_be_visible()
    assert_fits(page)
    notice.refresh_from_db()
    assert notice.agrees is False and notice.signed_at is not None
