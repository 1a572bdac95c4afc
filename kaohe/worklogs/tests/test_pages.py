"""The today, month and summary pages, through the real views."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from kaohe.org.models import Leave
from kaohe.testing import World
from kaohe.worklogs.models import Summary, WorkLog

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("world")]
TODAY = dt.date(2026, 3, 16)  # a Monday
TEXT = "上午参加全局工作例会，下午审核就业补贴申报材料12份。"


@override_settings(KAOHE_TODAY=TODAY)
def test_a_cadre_writes_today_and_backfills_friday(client_as: Callable[[str], Client]) -> None:
    client = client_as("cadre")
    page = client.get(reverse("worklogs:today")).content.decode()
    assert "3月13日" in page and "今天做了什么" in page  # Friday is offered for backfill
    assert (
        client.post(reverse("worklogs:today"), {"day": "2026-03-16", "content": TEXT}).status_code
        == 302
    )
    assert (
        client.post(reverse("worklogs:today"), {"day": "2026-03-13", "content": TEXT}).status_code
        == 302
    )
    logs = dict(WorkLog.objects.values_list("day", "timeliness"))
    assert logs == {TODAY: "on_time", dt.date(2026, 3, 13): "backfilled"}
    month = client.get(reverse("worklogs:month"), {"month": "2026-03"}).content.decode()
    assert 'class="st-written" title="2026-03-16"' in month
    assert 'class="st-backfilled" title="2026-03-13"' in month
    assert 'class="st-missing" title="2026-03-02"' in month
    assert 'class="st-open" title="2026-03-12"' in month


@override_settings(KAOHE_TODAY=TODAY)
def test_a_refused_log_keeps_the_text_and_says_why(client_as: Callable[[str], Client]) -> None:
    response = client_as("cadre").post(
        reverse("worklogs:today"), {"day": "2026-03-16", "content": "短"}
    )
    page = response.content.decode()
    assert response.status_code == 200 and "请至少写 10 个字" in page and ">短</textarea>" in page
    assert not WorkLog.objects.exists()
    bad = client_as("cadre").post(reverse("worklogs:today"), {"day": "三月", "content": TEXT})
    assert "日期格式应为" in bad.content.decode() and not WorkLog.objects.exists()


@override_settings(KAOHE_TODAY=dt.date(2026, 3, 20))
def test_a_quarterly_summary_is_written_from_the_quarters_last_month(
    client_as: Callable[[str], Client],
) -> None:
    client = client_as("cadre")
    text = (
        "本季度完成就业补贴审核三百余份，走访企业二十家，协助开展春风行动招聘会两场，工作按计划推进。"
        * 2
    )
    response = client.post(
        reverse("worklogs:summaries"),
        {"kind": "quarterly", "year": "2026", "quarter": "1", "content": text},
    )
    assert response.status_code == 302
    assert Summary.objects.get().timeliness == "on_time"
    early = client.post(
        reverse("worklogs:summaries"),
        {"kind": "quarterly", "year": "2026", "quarter": "2", "content": text},
    )
    assert "2026-06-01 起可以填写" in early.content.decode()


def test_an_account_without_a_person_has_no_log(client_as: Callable[[str], Client]) -> None:
    page = client_as("unit_admin").get(reverse("worklogs:today")).content.decode()
    assert "没有关联人员" in page


def test_the_home_card_asks_for_a_log_only_on_a_day_that_owes_one(
    world: World, client_as: Callable[[str], Client]
) -> None:
    client = client_as("cadre")
    with override_settings(KAOHE_TODAY=dt.date(2026, 11, 20)):  # a Friday
        assert "填写今日日志" in client.get(reverse("home")).content.decode()
    with override_settings(KAOHE_TODAY=dt.date(2026, 11, 21)):  # a Saturday
        assert "填写今日日志" not in client.get(reverse("home")).content.decode()
    Leave.objects.create(
        region=world.region,
        person=world.people["cadre"],
        start=dt.date(2026, 11, 20),
        end=dt.date(2026, 11, 20),
        reason="年休假",
    )
    with override_settings(KAOHE_TODAY=dt.date(2026, 11, 20)):
        assert "填写今日日志" not in client.get(reverse("home")).content.decode()
