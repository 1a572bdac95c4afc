"""Compliance and deductions, checked against counts made by hand."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from kaohe.org.models import LeadershipRole, Leave, MembershipStatus, Unit
from kaohe.testing import World
from kaohe.worklogs.compliance import ComplianceReport, compliance_report, worklog_deductions
from kaohe.worklogs.models import Summary, SummaryKind, Timeliness, WorkLog
from kaohe.worklogs.rules import Period
from kaohe.worklogs.services import policy_for
from kaohe.worklogs.tests.conftest import place

pytestmark = pytest.mark.django_db
D = dt.date
# March 2026 has no holidays: Mar 2–6 and 9–13 are ten working days.
MARCH_WORKDAYS = [D(2026, 3, d) for d in (2, 3, 4, 5, 6, 9, 10, 11, 12, 13)]


def write(world: World, key: str, days: list[D], timeliness: str = Timeliness.ON_TIME) -> None:
    person = world.people[key]
    unit = person.memberships.order_by("-valid_from").first().unit  # type: ignore[union-attr]
    WorkLog.objects.bulk_create(
        WorkLog(
            region=world.region,
            person=person,
            unit=unit,
            day=d,
            content="工作",
            timeliness=timeliness,
        )
        for d in days
    )


MARCH_START, MARCH_END = MARCH_WORKDAYS[0], MARCH_WORKDAYS[-1]


def report(world: World, today: D) -> ComplianceReport:
    return compliance_report(
        region_id=world.region.pk,
        units=Unit.objects.filter(pk=world.bureau.pk),
        start=MARCH_START,
        end=MARCH_END,
        today=today,
        policy=policy_for(world.region.pk),
    )


def test_on_time_backfilled_missing_and_leave_by_hand(world: World) -> None:
    write(world, "cadre", MARCH_WORKDAYS[:6])
    write(world, "cadre", MARCH_WORKDAYS[6:8], Timeliness.BACKFILLED)  # 2 missing: 12, 13
    write(world, "head", MARCH_WORKDAYS)
    Leave.objects.create(
        region=world.region,
        person=world.people["team"],
        start=D(2026, 3, 9),
        end=D(2026, 3, 13),
        reason="病假",
    )
    world.people["recruit"] = place(
        world, "新同志", "R1", D(2026, 3, 9)
    )  # owes 5 days, writes none
    rows = {r.name: r.tally for r in report(world, today=D(2026, 3, 31)).people}
    assert (
        rows["张小明"].expected,
        rows["张小明"].on_time,
        rows["张小明"].backfilled,
        rows["张小明"].missing,
    ) == (10, 6, 2, 2)
    assert (rows["王建国"].missing, rows["王建国"].rate) == (0, 1.0)
    assert (rows["李文华"].expected, rows["李文华"].missing) == (5, 5)  # on leave the second week
    assert (rows["新同志"].expected, rows["新同志"].missing) == (5, 5)
    unit = report(world, today=D(2026, 3, 31)).units[0].tally
    assert (unit.expected, unit.written, unit.missing) == (30, 18, 12)


def test_days_still_open_are_pending_not_missing(world: World) -> None:
    # On Mon 16 Mar the window of Mar 9–13 is still open (5 working days), Mar 2–6 closed.
    write(world, "cadre", [D(2026, 3, 2), D(2026, 3, 10)])
    tally = next(r.tally for r in report(world, today=D(2026, 3, 16)).people if r.name == "张小明")
    assert (tally.expected, tally.written, tally.missing, tally.pending) == (5, 1, 4, 4)


def test_a_transfer_splits_the_days_between_units(world: World) -> None:
    from kaohe.org import services

    cadre = world.people["cadre"]
    m = cadre.memberships.get()
    services.membership_change(
        actor=None,
        person=cadre,
        unit=world.town,
        rank_level=m.rank_level,
        personnel_category=m.personnel_category,
        leadership_role=LeadershipRole(m.leadership_role),
        status=MembershipStatus(m.status),
        valid_from=D(2026, 3, 9),
    )
    rows = compliance_report(
        region_id=world.region.pk,
        units=Unit.objects.filter(region=world.region),
        start=D(2026, 3, 2),
        end=D(2026, 3, 13),
        today=D(2026, 3, 31),
        policy=policy_for(world.region.pk),
    )
    person = next(r for r in rows.people if r.name == "张小明")
    assert person.unit_name == "城关镇" and person.tally.expected == 10
    by_unit = {u.name: u for u in rows.units}
    assert (
        cadre.pk in by_unit["区人力资源和社会保障局"].people
        and cadre.pk in by_unit["城关镇"].people
    )


def test_quarter_and_year_deductions(world: World) -> None:
    # Q1 2026 counted from the official calendar (New Year and Spring Festival off,
    # swapped weekend workdays on).
    cadre = world.people["cadre"]
    write(world, "cadre", [d for d in MARCH_WORKDAYS])
    q1 = worklog_deductions(
        region_id=world.region.pk,
        period=Period(2026, 1),
        today=D(2026, 4, 30),
        person_ids=[cadre.pk],
    )
    from kaohe.core.calendar import WorkCalendar

    workdays = WorkCalendar.build(D(2026, 1, 1), D(2026, 3, 31)).count(
        D(2026, 1, 1), D(2026, 3, 31)
    )
    assert q1[cadre.pk].missing_logs == workdays - 10
    assert q1[cadre.pk].missing_quarterly_summaries == 1
    assert q1[cadre.pk].points == Decimal("0.5") * (workdays - 10) + 2
    Summary.objects.create(
        region=world.region,
        person=cadre,
        unit=world.bureau,
        kind=SummaryKind.QUARTERLY,
        year=2026,
        quarter=1,
        content="小结",
        timeliness=Timeliness.ON_TIME,
    )
    again = worklog_deductions(
        region_id=world.region.pk,
        period=Period(2026, 1),
        today=D(2026, 4, 30),
        person_ids=[cadre.pk],
    )
    assert again[cadre.pk].missing_quarterly_summaries == 0
    # Q2 is not over on 30 April: no summary is owed yet.
    q2 = worklog_deductions(
        region_id=world.region.pk,
        period=Period(2026, 2),
        today=D(2026, 4, 30),
        person_ids=[cadre.pk],
    )
    assert q2[cadre.pk].missing_quarterly_summaries == 0


@override_settings(KAOHE_TODAY=D(2026, 3, 16))
def test_the_dashboard_lists_units_people_and_who_has_not_written_today(
    world: World, client_as: Callable[[str], Client]
) -> None:
    write(world, "cadre", [D(2026, 3, 16)])
    page = client_as("unit_admin").get(
        reverse("worklogs:compliance"), {"unit": str(world.bureau.pk), "start": "2026-03-02"}
    )
    html = page.content.decode()
    assert page.status_code == 200 and 'id="chart"' in html and "echarts.min.js" in html
    assert "区就业服务中心" in html and "城关镇" not in html
    assert "今日尚未填写（4 人）" in html  # head, team, centre head, centre cadre
    assert client_as("cadre").get(reverse("worklogs:compliance")).status_code == 404
    other = client_as("unit_admin").get(
        reverse("worklogs:compliance"), {"unit": str(world.town.pk)}
    )
    assert other.status_code == 404
