"""Notifications for each event: a round opening, a ballot closing soon (the daily
check), a scheme submitted/returned/approved (signed with a name), a quarter or a
year published."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from pytest_django.fixtures import Settings

from kaohe.accounts.models import User
from kaohe.core.models import Notification
from kaohe.notices.daily import daily_check, daily_schedule
from kaohe.notices.models import Reminder
from kaohe.org.models import Membership
from kaohe.reviews.models import Participation, ReviewRound
from kaohe.schemes import services as schemes
from kaohe.schemes.models import SchemeVersion
from kaohe.scoring import guards
from kaohe.scoring import services as scoring
from kaohe.scoring.models import AnnualResult, AnnualRun, QuarterResult, QuarterRun
from kaohe.testing import World, publicity_not_required


def texts(user: User) -> list[str]:
    return list(Notification.objects.filter(user=user).values_list("text", flat=True))


def raters(world: World) -> list[User]:
    """Users rating in Q1: the bureau's (the town and the centre are too small to vote
    until outside raters are approved)."""
    bureau = set(Membership.objects.filter(unit=world.bureau).values_list("person_id", flat=True))
    return [u for u in world.users.values() if u.person_id in bureau]


def test_opening_a_round_notifies_every_rater_once(big: World, q1: ReviewRound) -> None:
    assert len(raters(big)) == 12
    for user in raters(big):
        assert texts(user) == [f"{q1}已开始投票，截止{q1.ends_on}，请按时评分。"], user.username
    for key in ("region_admin", "cadre_other", "other_admin"):
        assert texts(big.users[key]) == []


def test_a_ballot_closing_in_two_working_days_is_reminded_once(
    big: World, q1: ReviewRound, settings: Settings
) -> None:
    voter = big.users["B00"]
    Participation.objects.create(
        round=q1, unit=big.bureau, rater=big.people["b0"], submitted_on=dt.date(2026, 4, 2)
    )
    Notification.objects.all().delete()
    # Voting ends on Friday 10 April: not yet on Tuesday, on Wednesday, once.
    assert daily_check(dt.date(2026, 4, 7)).reminded == 0
    first = daily_check(dt.date(2026, 4, 8))
    assert first.rounds_due == 1 and first.reminded == len(raters(big)) - 1
    assert texts(voter) == []
    assert texts(big.users["cadre"]) == [f"您在{q1}中的评分尚未提交，投票将于{q1.ends_on}截止。"]
    assert daily_check(dt.date(2026, 4, 8)).reminded == 0  # the same day again
    assert daily_check(dt.date(2026, 4, 9)).reminded == 0  # and the next day
    assert Reminder.objects.filter(kind="ballot_due").count() == first.reminded
    assert daily_check(dt.date(2026, 4, 11)).rounds_due == 0  # after the end


def test_the_daily_command_runs_the_check_and_schedules_itself_once(
    big: World, q1: ReviewRound, settings: Settings
) -> None:
    settings.KAOHE_TODAY = dt.date(2026, 4, 8)
    out = io.StringIO()
    call_command("notices_daily", "--schedule", stdout=out)
    assert f"reminded: {len(raters(big))}" in out.getvalue()
    assert "nothing queued" in out.getvalue()  # tests run jobs at once

    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    assert daily_schedule() and daily_schedule()
    queued = DBTaskResult.objects.get(task_path="kaohe.notices.daily.daily_job")
    assert queued.run_after.astimezone(dt.timezone(dt.timedelta(hours=8))).hour == 7


@pytest.fixture
def named(world: World) -> World:
    User.objects.filter(pk=world.users["region_admin"].pk).update(first_name="周考核")
    User.objects.filter(pk=world.users["unit_admin"].pk).update(first_name="钱办事")
    for key in ("region_admin", "unit_admin"):
        world.users[key].refresh_from_db()
    return world


def test_a_scheme_submitted_returned_and_approved_notifies_the_other_side_by_name(
    named: World, drafted: SchemeVersion
) -> None:
    world = named
    office, unit_admin = world.users["region_admin"], world.users["unit_admin"]
    Notification.objects.all().delete()
    schemes.version_submit(actor=unit_admin, version=drafted)
    [submitted] = texts(office)
    assert "钱办事" in submitted and "unit_admin" not in submitted and "提交" in submitted
    schemes.version_return(
        actor=office, version=drafted, comment="请补充量化指标", indicator_comments={}
    )
    [returned] = texts(unit_admin)
    assert "周考核" in returned and "退回" in returned and "region_admin" not in returned
    assert texts(world.users["cadre"]) == []  # nobody else
    drafted.state = "draft"
    drafted.save(update_fields=["state"])
    schemes.version_submit(actor=unit_admin, version=drafted)
    schemes.version_approve(actor=office, version=drafted)
    approved = texts(unit_admin)[0]
    assert "周考核" in approved and "审核通过" in approved
    assert Notification.objects.filter(url__contains=f"/schemes/{drafted.scheme_id}/v").exists()


def test_a_signature_without_a_name_names_the_office_not_the_login(world: World) -> None:
    from kaohe.notices.services import signature

    assert signature(world.users["region_admin"]) == "考核办"
    assert signature(world.users["unit_head"]) == "王建国"


def test_publishing_a_quarter_notifies_everyone_with_a_result(
    big: World, graded: QuarterRun
) -> None:
    office = big.users["region_admin"]
    QuarterResult.objects.filter(run=graded, tie=True).update(change_reason="经研究确定")
    scoring.quarter_confirm(actor=office, run=graded)
    Notification.objects.all().delete()
    scoring.quarter_publish(actor=office, run=graded, confirmation=guards.publish_token(graded))
    with_result = set(QuarterResult.objects.filter(run=graded).values_list("person_id", flat=True))
    notified = set(Notification.objects.values_list("user__person_id", flat=True))
    assert notified == with_result & set(
        User.objects.exclude(person=None).values_list("person_id", flat=True)
    )
    assert "公布" in texts(big.users["B00"])[0]


def test_publishing_a_year_notifies_everyone_with_a_result(world: World) -> None:
    run = AnnualRun.objects.create(region=world.region, year=2026)
    for key in ("head", "cadre"):
        person = world.people[key]
        AnnualResult.objects.create(
            run=run,
            person=person,
            unit=world.bureau,
            pool_id=0,
            tier="staff",
            composite=Decimal("90"),
            grade="competent",
        )
    publicity_not_required(world.region)  # about the notices, not the 公示
    scoring.annual_publish(
        actor=world.users["region_admin"], run=run, confirmation=guards.publish_token(run)
    )
    # The publish's notice, and due process's written notice to sign (its own test).
    published = "2026年度考核结果已公布，请查看并确认。"
    assert published in texts(world.users["unit_head"])
    assert texts(world.users["cadre"]).count(published) == 1
    assert len(texts(world.users["cadre"])) == 2
    assert texts(world.users["team_member"]) == []
