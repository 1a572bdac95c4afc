"""The home page's open tasks per persona, each linking to its page, in a fixed
number of queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django.fixtures import Settings

from kaohe.notices.models import Channel, Delivery, DeliveryState
from kaohe.pages.todo import Task, tasks_for
from kaohe.reviews.models import Participation, ReviewRound
from kaohe.schemes import services as schemes
from kaohe.schemes.models import SchemeVersion
from kaohe.scoring.models import QuarterResult, QuarterRun, RunState
from kaohe.testing import World

MONDAY = dt.date(2026, 3, 2)
# Whatever the roles and the data, the list costs at most this many queries (a user
# with every role: grants 1, logs 5, ballots 4, results 2, proposals 1, schemes 2,
# rater proposals 2, deliveries 1; the first read of a region also creates its policy).
MAX_QUERIES = 20


def tasks(world: World, persona: str, today: dt.date = MONDAY) -> list[Task]:
    user = world.users[persona]
    user.refresh_from_db()  # a fresh user: no cached grants
    with CaptureQueriesContext(connection) as queries:
        found = tasks_for(user, today)
    assert len(queries) <= MAX_QUERIES, [q["sql"] for q in queries]
    return found


def texts(found: list[Task]) -> list[str]:
    return [t.text for t in found]


def test_a_cadre_sees_today_and_the_days_still_backfillable(world: World) -> None:
    found = tasks(world, "cadre")
    logs = [t for t in found if t.kind == "log"]
    # The oldest open day first: its backfill deadline is today at the earliest.
    assert logs[0].text.startswith("补写 2026-02-") and logs[0].deadline is not None
    assert logs[0].deadline >= MONDAY and len(logs) >= 2
    assert "填写今日日志" in texts(found)
    assert all(t.url.startswith(reverse("worklogs:today") + "?day=") for t in logs)
    assert found == sorted(found, key=lambda t: (t.deadline or dt.date.max, t.kind))


def test_people_without_a_person_or_a_region_have_no_log_tasks(world: World) -> None:
    assert tasks(world, "region_admin") == []
    assert tasks(world, "supervisor") == []


def test_open_ballots_with_their_end(big: World, q1: ReviewRound) -> None:
    found = [t for t in tasks(big, "B01") if t.kind == "ballot"]
    assert [(t.text, t.deadline) for t in found] == [
        ("参加2026年第1季度考评评分：区人力资源和社会保障局", dt.date(2026, 4, 10))
    ]
    ru = q1.units.get(unit=big.bureau)
    assert found[0].url == reverse("reviews:ballot", args=[ru.pk])
    Participation.objects.create(
        round=q1, unit=big.bureau, rater=big.people["b1"], submitted_on=dt.date(2026, 4, 2)
    )
    assert not [t for t in tasks(big, "B01") if t.kind == "ballot"]
    # The town is too small to vote until outside raters are approved.
    assert not [t for t in tasks(big, "cadre_other") if t.kind == "ballot"]


def test_grades_to_propose_then_results_to_confirm(big: World, graded: QuarterRun) -> None:
    for persona in ("unit_head", "unit_admin"):
        proposals = [t for t in tasks(big, persona) if t.kind == "propose"]
        expected = "提出2026年第1季度等次建议：区人力资源和社会保障局"
        assert [t.text for t in proposals][:1] == [expected]
        assert proposals[0].url == reverse("scoring:proposal", args=[graded.pk, big.bureau.pk])
    assert not [t for t in tasks(big, "cadre") if t.kind == "propose"]
    QuarterRun.objects.filter(pk=graded.pk).update(state=RunState.PUBLISHED)
    confirm = [t for t in tasks(big, "B00") if t.kind == "confirm"]
    result = QuarterResult.objects.get(run=graded, person=big.people["b0"])
    assert confirm[0].text == "查看并确认您2026年第1季度的考核结果"
    assert confirm[0].url == reverse("scoring:explanation", args=["quarter", result.pk])
    QuarterResult.objects.filter(pk=result.pk).update(receipt_at="2026-05-01T00:00:00Z")
    assert not [t for t in tasks(big, "B00") if t.kind == "confirm"]


def test_schemes_waiting_on_the_office_and_returned_to_the_unit(
    world: World, drafted: SchemeVersion
) -> None:
    schemes.version_submit(actor=world.users["unit_admin"], version=drafted)
    [review] = [t for t in tasks(world, "region_admin") if t.kind == "approve"]
    assert review.url == reverse("schemes:version", args=[drafted.scheme_id, drafted.number])
    schemes.version_return(
        actor=world.users["region_admin"], version=drafted, comment="请修改", indicator_comments={}
    )
    assert not [t for t in tasks(world, "region_admin") if t.kind == "approve"]
    [revise] = [t for t in tasks(world, "unit_admin") if t.kind == "revise"]
    assert "退回" in revise.text
    assert not [t for t in tasks(world, "cadre") if t.kind == "revise"]


def test_failed_deliveries_are_a_task_of_the_office(world: World) -> None:
    channel = Channel.objects.create(
        region=world.region, name="群", kind="wecom", target="http://127.0.0.1:9/x"
    )
    Delivery.objects.create(
        region=world.region, channel=channel, kind="t", text="x", state=DeliveryState.FAILED
    )
    [task] = [t for t in tasks(world, "region_admin") if t.kind == "deliveries"]
    assert task.url == reverse("notices:deliveries")
    assert not [t for t in tasks(world, "other_admin") if t.kind == "deliveries"]


@pytest.mark.parametrize(
    "persona", ["cadre", "unit_head", "unit_admin", "region_admin", "supervisor", "team_member"]
)
def test_every_home_page_lists_the_tasks(
    world: World,
    settings: Settings,
    client_as: Callable[[str], Client],
    django_assert_max_num_queries: Callable[..., Any],
    persona: str,
) -> None:
    settings.KAOHE_TODAY = MONDAY
    client = client_as(persona)
    with django_assert_max_num_queries(40):
        page = client.get(reverse("home"))
    html = page.content.decode()
    assert page.status_code == 200 and "我的待办" in html
    if persona == "cadre":
        assert "补写 2026-02-" in html and "截止 " in html
    else:
        assert "我的待办" in html
