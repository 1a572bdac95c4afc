"""Issue 16's consequences at 375 and 1366 px: a unit head opens their task list (the
home page), records a 提醒谈话 as done, and it leaves the list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from kaohe.outcomes.models import ConsequenceKind, ConsequenceTask, YearRecord
from kaohe.outcomes.services import consequences_derive_year
from kaohe.scoring.models import AnnualRun, RunState
from kaohe.testing import World
from tests.browser.conftest import assert_fits, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_unit_head_records_a_reminder_talk(
    page: Page,
    live_server: LiveServer,
    world: World,
    settings: Settings,
    login: Callable[[Page, str], None],
) -> None:
    settings.KAOHE_TODAY = dt.date(2027, 2, 1)
    # 2026 in the bureau: 张小明 last of three → a 提醒谈话 by the bureau's head.
    for key, rank in (("head", 1), ("team", 2), ("cadre", 3)):
        YearRecord.objects.create(
            region=world.region,
            person=world.people[key],
            year=2026,
            unit=world.bureau,
            unit_name=world.bureau.name,
            grade="competent",
            rank_in_unit=rank,
            unit_size=3,
            frozen_at=timezone.now(),
        )
    run = AnnualRun.objects.create(region=world.region, year=2026, state=RunState.PUBLISHED)
    consequences_derive_year(run=run, today=dt.date(2027, 1, 20))
    task = ConsequenceTask.objects.get(kind=ConsequenceKind.REMINDER_TALK)

    login(page, "unit_head")
    item = page.locator("#tasks li.task-consequence")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("提醒谈话：张小明（区人力资源和社会保障局）")
    expect(item).to_contain_text("截止 2027-02-19")
    assert_fits(page)
    item.get_by_role("link").click()
    expect(page.locator("#citation")).to_contain_text("2026年度在本单位年度考核排名末位")
    page.get_by_label("办结日期").fill("2027-01-28")
    page.get_by_label("备注：谈话内容或处理决定").fill("已进行提醒谈话，指出差距，本人表示改进")
    assert_fits(page)
    screenshot(page, "consequence-record")
    page.get_by_role("button", name="登记为已办结").click()
    expect(page.locator(".msg-success")).to_contain_text("已登记：张小明的提醒谈话")
    row = page.locator(f"#consequence-{task.pk}")
    expect(row).to_have_count(0)  # the list shows open ones by default
    page.get_by_label("状态").select_option("done")
    page.get_by_role("button", name="筛选").click()
    expect(page.locator(f"#consequence-{task.pk}")).to_contain_text("2027-01-28")
    assert_fits(page)
    screenshot(page, "consequences-list")

    page.goto(f"{live_server.url}/")
    expect(page.locator("#tasks li.task-consequence")).to_have_count(0)
    task.refresh_from_db()
    assert task.state == "done" and task.done_by is not None
