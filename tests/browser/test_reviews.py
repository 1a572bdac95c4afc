"""At 375 px a team member fills a ballot, meets the 30% limit, and submits; the
admin sees progress rise without seeing any score."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from kaohe.reviews.models import Participation, ReviewRound
from kaohe.reviews.tests.fixtures import folded
from kaohe.testing import World
from tests.browser.conftest import assert_fits, screenshot, screenshot_path

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_team_member_votes_and_the_admin_sees_progress(
    browser: Browser,
    live_server: LiveServer,
    big: World,
    q1: ReviewRound,
    login: Callable[[Page, str], None],
) -> None:
    admin_ctx = browser.new_context()
    admin = admin_ctx.new_page()
    login(admin, "region_admin")
    admin.goto(f"{live_server.url}/reviews/rounds/{q1.pk}/")
    expect(admin.locator("#progress")).to_contain_text("0 / ")

    voter_ctx = browser.new_context()
    voter = voter_ctx.new_page()
    voter.on("dialog", lambda dialog: dialog.accept())
    login(voter, "team_member")
    voter.get_by_role("link", name="考实绩").click()
    voter.get_by_role("link", name="打分").click()
    expect(voter.locator("#high-left")).to_contain_text("剩余 3 / 共 3")
    inputs = voter.locator("input.score")
    assert inputs.count() == 11
    for i in range(11):
        inputs.nth(i).fill(str(92 if i < 4 else 70 + i))
    expect(voter.locator("#high-left")).to_contain_text("超出名额")
    assert_fits(voter)
    voter.get_by_role("button", name="提交选票", exact=True).click()
    expect(voter.locator("#ballot-problems")).to_contain_text("4 人得分在 90 分及以上")
    expect(voter.locator("input[aria-invalid=true]")).to_have_count(4)
    assert not Participation.objects.exists()
    screenshot(voter, "ballot-refused")

    inputs = voter.locator("input.score")
    inputs.nth(3).fill("88")
    expect(voter.locator("#high-left")).to_contain_text("剩余 0 / 共 3")
    voter.get_by_role("button", name="提交选票", exact=True).click()
    voter.get_by_role("button", name="确认提交选票").click()
    expect(voter.locator(".messages .msg-success")).to_contain_text("选票已提交")
    expect(voter.locator(".card").first).to_contain_text("已提交")
    assert sum(e.count for e in folded(q1).values()) == 11

    admin.reload()
    expect(admin.locator("#progress")).to_contain_text("1 / ")
    html = admin.content()
    for value in ("92", "88", "75", "80"):
        assert f">{value}<" not in html
    assert_fits(admin)
    screenshot(admin, "round-progress")
    voter_ctx.close()
    admin_ctx.close()


def test_the_annual_evaluation_rates_each_aspect_on_a_phone(
    browser: Browser,
    live_server: LiveServer,
    big: World,
    login: Callable[[Page, str], None],
    settings: Settings,
) -> None:
    import datetime as dt

    from kaohe.reviews import services

    settings.KAOHE_TODAY = dt.date(2026, 12, 1)  # a voting day of the round below
    annual = services.round_create(
        actor=big.users["region_admin"],
        region=big.region,
        year=2026,
        number=1,
        starts_on=dt.date(2026, 11, 1),
        ends_on=dt.date(2026, 12, 31),
        cadence=ReviewRound.Cadence.ANNUAL,
    )
    services.round_open(actor=big.users["region_admin"], round_=annual)
    ctx = browser.new_context()
    voter = ctx.new_page()
    voter.on("dialog", lambda dialog: dialog.accept())
    login(voter, "team_member")
    voter.goto(f"{live_server.url}/reviews/")
    voter.get_by_role("link", name="打分").click()
    for aspect in ("德", "能", "勤", "绩", "廉"):
        expect(voter.locator(".aspect-ballot fieldset").first).to_contain_text(aspect)
    inputs = voter.locator("input.score")
    assert inputs.count() == 11 * 5
    # Row by row: a person's five aspects, the same spread on each aspect.
    for i in range(11 * 5):
        person, column = divmod(i, 5)
        inputs.nth(i).fill(str(92 if person < 3 else 70 + person + column))
    expect(voter.locator("#high-left")).to_contain_text("剩余 0 / 共 3")
    assert_fits(voter)
    # Only the visible part: a full-page screenshot leaves Chromium's layout stale and
    # the next click lands on the row above the button.
    voter.screenshot(path=str(screenshot_path("annual-ballot", voter)))
    voter.get_by_role("button", name="提交选票", exact=True).click()
    voter.get_by_role("button", name="确认提交选票").click()
    expect(voter.locator(".messages .msg-success")).to_contain_text("选票已提交")
    entries = folded(annual)
    assert sum(e.count for e in entries.values()) == 55
    assert {aspect for _t, aspect, _g in entries} == {"de", "neng", "qin", "ji", "lian"}
    ctx.close()


def test_closed_results_show_nothing_below_k_in_chinese(
    browser: Browser,
    live_server: LiveServer,
    big: World,
    q1: ReviewRound,
    login: Callable[[Page, str], None],
) -> None:
    """Only the main leader votes: every score rests on one ballot, so none is shown and
    the page says why; the round page says that reopening collects every ballot again."""
    from kaohe.reviews import policies, services
    from kaohe.reviews.tests.fixtures import bureau_unit

    ru = bureau_unit(q1, big)
    sheet = policies.ballot_sheet(rater=big.people["head"], round_unit=ru)
    assert sheet is not None
    values = {str(p.pk): 70 + i % 9 for i, p in enumerate(sheet.targets)}
    services.ballot_submit(actor=big.users["unit_head"], round_unit=ru, values=values)
    services.round_close(actor=big.users["region_admin"], round_=q1)

    ctx = browser.new_context()
    page = ctx.new_page()
    login(page, "region_admin")
    page.goto(f"{live_server.url}/reviews/rounds/{q1.pk}/units/{big.bureau.pk}/results/")
    expect(page.locator("#results")).to_contain_text("少于 3 票")
    expect(page.locator("main")).to_contain_text("至少来自 3 张选票")
    for value in set(values.values()):
        expect(page.locator("#results")).not_to_contain_text(f"{value}.00")
    assert_fits(page)
    page.goto(f"{live_server.url}/reviews/rounds/{q1.pk}/")
    expect(page.locator("main")).to_contain_text("重新开放将作废本轮全部选票和结果")
    screenshot(page, "round-closed")
    ctx.close()
