"""One quarter through its guards in the browser, at 375 and 1366 px (issue 13): the
office cannot compute while voting is open (the scoring page names the open round
and the ballots outstanding, and offers no button); after the close, the units
without indicator entries are named until they declare none; the quarter is
computed and confirmed; a publish without ticking the box is refused; the cadre
reads the published result and confirms receipt."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from kaohe.core.models import Notification
from kaohe.reviews import services as review_services
from kaohe.reviews.models import ReviewRound
from kaohe.reviews.tests.fixtures import bureau_unit
from kaohe.scoring.models import QuarterResult, QuarterRun, RunState
from kaohe.testing import World
from tests.browser.conftest import PHONE, assert_fits_phone, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESKTOP = {"width": 1366, "height": 900}
VOTERS = ["B00", "B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "team_member"]


def cast(world: World, round_: ReviewRound) -> None:
    """Most of the bureau votes through the service (the ballot page has its own test)."""
    ru = bureau_unit(round_, world)
    for key in VOTERS:
        user = world.users[key]
        sheet = review_services.ballot_sheet(rater=user.person, round_unit=ru)  # type: ignore[arg-type]
        assert sheet is not None
        values = {str(p.pk): 70 + (i * 3) % 19 for i, p in enumerate(sheet.targets)}
        review_services.ballot_submit(actor=user, round_unit=ru, values=values)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["375", "1366"])
def test_a_quarter_goes_through_its_guards(
    browser: Browser,
    live_server: LiveServer,
    big: World,
    q1: ReviewRound,
    settings: Settings,
    login: Callable[[Page, str], None],
    viewport: dict[str, int],
) -> None:
    cast(big, q1)
    ctx = browser.new_context(viewport=viewport, locale="zh-CN")  # type: ignore[arg-type]
    office = ctx.new_page()
    office.on("dialog", lambda dialog: dialog.accept())
    login(office, "region_admin")

    # Voting open: no compute button for Q1, the round and its outstanding ballots named.
    office.goto(f"{live_server.url}/scoring/")
    q1_row = office.locator("#plan-q1")
    expect(q1_row).to_contain_text("仍在投票中")
    expect(q1_row).to_contain_text("尚有")
    assert q1_row.get_by_role("button").count() == 0
    if viewport == PHONE:
        assert_fits_phone(office)
    screenshot(office, f"compute-refused-{viewport['width']}")

    # Close the round; now the units without entries block the quarter.
    q1_row.get_by_role("link", name="前往办理").first.click()
    office.get_by_role("button", name="结束并计算").click()
    office.goto(f"{live_server.url}/scoring/")
    expect(office.locator("#plan-q1")).to_contain_text("3 个单位")
    expect(office.locator("#plan-q1")).not_to_contain_text("仍在投票中")

    # Each unit declares it has no entries (the office may, for every unit).
    for unit in (big.bureau, big.centre, big.town):
        office.goto(f"{live_server.url}/schemes/entry/{unit.pk}/2026/1/")
        office.get_by_label("理由").fill("本季度未安排专项任务")
        office.get_by_role("button", name="申报本季度无指标录入").click()
        expect(office.locator("#entry-declaration")).to_contain_text("理由：本季度未安排专项任务")

    settings.KAOHE_TODAY = dt.date(2026, 4, 30)
    office.goto(f"{live_server.url}/scoring/")
    office.locator("#plan-q1").get_by_role("button", name="计算季度结果").click()
    expect(office.locator("#run-state")).to_have_text("已计算")
    run = QuarterRun.objects.get(year=2026, quarter=1)
    QuarterResult.objects.filter(run=run, tie=True).update(change_reason="经单位研究确定")
    office.reload()
    office.get_by_role("button", name="确认等次").click()
    expect(office.locator("#run-state")).to_have_text("已确认")

    # Publishing without ticking the box is refused; with it, published and notified.
    office.get_by_role("link", name="公布…").click()
    expect(office.locator("#publish-counts")).to_contain_text(str(run.results.count()))
    office.get_by_role("button", name="公布").click()
    expect(office.locator(".msg-error").first).to_contain_text("勾选")
    assert QuarterRun.objects.get(pk=run.pk).state == RunState.CONFIRMED
    office.get_by_label("我已核对上述等次分布").check()
    office.get_by_role("button", name="公布").click()
    expect(office.locator("#run-state")).to_have_text("已公布")
    assert Notification.objects.filter(user=big.users["B05"]).exists()

    cadre_ctx = browser.new_context(viewport=viewport, locale="zh-CN")  # type: ignore[arg-type]
    cadre = cadre_ctx.new_page()
    login(cadre, "B05")
    cadre.get_by_role("link", name="考核结果").first.click()
    cadre.get_by_role("link", name="查看说明").first.click()
    cadre.get_by_role("button", name="我已阅知考核结果").click()
    assert QuarterResult.objects.get(run=run, person=big.people["b5"]).receipt_at is not None
