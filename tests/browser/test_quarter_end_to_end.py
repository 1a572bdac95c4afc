"""One quarter end to end in the browser (issue 13), at 375 and 1366 px: the office
cannot compute while voting is open (the page names the open round and the ballots
outstanding and offers no button); a rater votes, the office closes the round (a job);
the bureau enters its indicator results in the grid and the other units declare none;
the quarter is computed as a background job whose progress bar moves on its own; the
unit head gives 好 within the pool's quota; the office confirms; a publish without the
confirmation box is refused, with it the quarter is published; the cadre confirms receipt."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from kaohe.core.models import Notification
from kaohe.jobs.worker import run_queued_tasks
from kaohe.reviews import policies as review_policies
from kaohe.reviews import services as review_services
from kaohe.reviews.models import Participation, ReviewRound, RoundState
from kaohe.reviews.tests.fixtures import bureau_unit
from kaohe.schemes import services as scheme_services
from kaohe.schemes.models import SchemeVersion
from kaohe.scoring.models import QuarterResult, QuarterRun, RunState
from kaohe.scoring.selectors import pool_counters
from kaohe.testing import World
from kaohe.worklogs.models import WorklogPolicy
from tests.browser.conftest import assert_fits, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# Most of the bureau votes through the service; the team member votes on the page.
VOTERS = ["B00", "B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08"]
QUEUED = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def cast(world: World, round_: ReviewRound) -> None:
    ru = bureau_unit(round_, world)
    for key in VOTERS:
        user = world.users[key]
        sheet = review_policies.ballot_sheet(rater=user.person, round_unit=ru)  # type: ignore[arg-type]
        assert sheet is not None
        values = {str(p.pk): 80 + (i * 3) % 10 for i, p in enumerate(sheet.targets)}
        review_services.ballot_submit(actor=user, round_unit=ru, values=values)


def test_one_quarter_from_the_vote_to_the_receipt(
    browser: Browser,
    live_server: LiveServer,
    big: World,
    q1: ReviewRound,
    drafted: SchemeVersion,
    settings: Settings,
    login: Callable[[Page, str], None],
) -> None:
    # Nobody here writes logs: the log deductions (their own tests) are set aside.
    WorklogPolicy.objects.update_or_create(
        region=big.region,
        defaults={"deduction_per_missing_log": 0, "deduction_per_missing_quarterly": 0},
    )
    scheme_services.version_submit(actor=big.users["unit_admin"], version=drafted)
    scheme_services.version_approve(actor=big.users["region_admin"], version=drafted)
    cast(big, q1)

    # The team member votes on the page: checked by the server, then confirmed.
    voter = browser.new_context().new_page()
    login(voter, "team_member")
    voter.get_by_role("link", name="考实绩").first.click()
    voter.get_by_role("link", name="打分").first.click()
    scores = voter.locator("input.score")
    for i in range(scores.count()):
        scores.nth(i).fill(str(80 + i % 10))
    voter.get_by_role("button", name="提交选票", exact=True).click()
    voter.get_by_role("button", name="确认提交选票").click()
    expect(voter.locator(".messages .msg-success")).to_contain_text("选票已提交")
    assert Participation.objects.filter(round=q1).count() == len(VOTERS) + 1

    office = browser.new_context().new_page()
    office.on("dialog", lambda dialog: dialog.accept())
    login(office, "region_admin")
    # Voting open: no compute button for Q1; the round and its outstanding ballots named.
    office.goto(f"{live_server.url}/scoring/")
    q1_row = office.locator("#plan-q1")
    expect(q1_row).to_contain_text("仍在投票中")
    expect(q1_row).to_contain_text("尚有")
    assert q1_row.get_by_role("button").count() == 0
    assert_fits(office)
    screenshot(office, "e2e-compute-refused")

    # The office closes the round (a job; run at once in tests).
    q1_row.get_by_role("link", name="前往办理").first.click()
    office.get_by_role("button", name="结束并计算").click()
    expect(office.locator(".job")).to_contain_text("已完成")
    assert ReviewRound.objects.get(pk=q1.pk).state == RoundState.CLOSED
    office.goto(f"{live_server.url}/scoring/")
    expect(office.locator("#plan-q1")).to_contain_text("个单位")
    expect(office.locator("#plan-q1")).not_to_contain_text("仍在投票中")

    # The bureau's head enters its results in the grid; the two other units declare none.
    head = browser.new_context().new_page()
    login(head, "unit_head")
    head.goto(f"{live_server.url}/schemes/entry/{big.bureau.pk}/2026/1/")
    for suffix, value in (("完成任务", "29"), ("工作质量", "19"), ("政治表现", "10")):
        cells = head.locator(f"#entry-table input[aria-label$='{suffix}']")
        for i in range(cells.count()):
            cells.nth(i).fill(value)
    head.get_by_role("button", name="全部保存").click()
    expect(head.locator(".msg-success").first).to_be_visible()
    assert_fits(head)
    for unit in (big.centre, big.town):
        office.goto(f"{live_server.url}/schemes/entry/{unit.pk}/2026/1/")
        office.get_by_label("理由").fill("本季度未安排专项任务")
        office.get_by_role("button", name="申报本季度无指标录入").click()
        expect(office.locator("#entry-declaration")).to_contain_text("理由：本季度未安排专项任务")

    # Compute: a background job; its bar moves without a reload, then links to the result.
    settings.KAOHE_TODAY = dt.date(2026, 4, 30)
    settings.TASKS = QUEUED
    office.goto(f"{live_server.url}/scoring/")
    office.locator("#plan-q1").get_by_role("button", name="计算季度结果").click()
    job = office.locator(".job")
    expect(job.locator("progress")).to_be_visible()
    expect(job).to_contain_text("排队中")
    assert_fits(office)
    assert run_queued_tasks() == 1
    expect(job).to_contain_text("已完成", timeout=10_000)
    expect(job).to_contain_text("100%")
    screenshot(office, "e2e-computed")
    office.get_by_role("link", name="查看结果").click()
    expect(office.locator("#run-state")).to_have_text("已计算")
    run = QuarterRun.objects.get(year=2026, quarter=1)
    assert run.results.filter(person__memberships__unit=big.bureau).exclude(score=0).exists()

    # The unit head moves a 好 within the quota: lowered with a reason, then given.
    head.goto(f"{live_server.url}/scoring/quarters/{run.pk}/units/{big.bureau.pk}/")
    counter = head.locator("#quota-counter")
    expect(counter).to_contain_text("本季度可评“好”")
    rows = head.locator("#proposal tbody tr")
    good_row = rows.filter(has=head.locator("select option[selected][value=good]")).first
    good_row.locator("select").select_option(label="较好")
    good_row.locator("input[name^=reason_]").fill("本季度受到诫勉谈话")
    head.get_by_role("button", name="保存建议").click()
    expect(head.locator(".msg-success")).to_contain_text("调整了 1 人")
    candidate = rows.filter(has=head.locator("select option[selected][value=fairly_good]")).filter(
        has=head.locator("select option[value=good]")
    )
    expect(candidate.first).to_be_visible()
    candidate.first.locator("select").select_option(label="好")
    candidate.first.locator("input[name^=reason_]").fill("季度内牵头完成重点任务")
    head.get_by_role("button", name="保存建议").click()
    expect(head.locator(".msg-success")).to_contain_text("调整了 1 人")
    assert_fits(head)
    for c in pool_counters(run, None).values():
        assert c.used <= c.limit

    # Ties at the quota's edge are the unit heads' to decide (their own test); here decided.
    QuarterResult.objects.filter(run=run, tie=True, change_reason="").update(
        change_reason="经单位研究确定"
    )
    office.goto(f"{live_server.url}/scoring/quarters/{run.pk}/")
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
    # A background job publishes; its page shows the progress, then links to the run.
    expect(office.locator("h1")).to_have_text("公布季度结果")
    expect(office.locator(".job")).to_contain_text("排队中")
    assert QuarterRun.objects.get(pk=run.pk).state == RunState.CONFIRMED
    assert run_queued_tasks() == 1
    expect(office.locator(".job")).to_contain_text("已完成", timeout=10_000)
    office.get_by_role("link", name="查看结果").click()
    expect(office.locator("#run-state")).to_have_text("已公布")
    assert Notification.objects.filter(user=big.users["B05"]).exists()

    cadre = browser.new_context().new_page()
    login(cadre, "B05")
    cadre.get_by_role("link", name="考核结果", exact=True).click()
    cadre.get_by_role("link", name="查看说明").first.click()
    cadre.get_by_role("button", name="我已阅知考核结果").click()
    expect(cadre.locator(".msg-success").first).to_contain_text("已确认知晓")
    assert_fits(cadre)
    assert QuarterResult.objects.get(run=run, person=big.people["b5"]).receipt_at is not None
