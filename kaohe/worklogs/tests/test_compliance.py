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
from kaohe.worklogs.compliance import (
    ComplianceReport,
    compliance_by_unit,
    compliance_report,
    worklog_deductions,
)
from kaohe.worklogs.models import Summary, SummaryKind, Timeliness, WorkLog
from kaohe.worklogs.policies import policy_for
from kaohe.worklogs.rules import Period
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


def test_tallies_equal_a_recount_after_every_kind_of_write(world: World) -> None:
    """Services (first writes, backfills, edits), bulk inserts, a re-keying update and
    a cascade from a deleted person all keep the monthly tallies equal to a recount."""
    from kaohe.worklogs import tallies
    from kaohe.worklogs.models import LogMonthTally
    from kaohe.worklogs.services import worklog_submit

    text = "上午整理就业补贴申报材料，下午到城关镇走访两家企业。"
    cadre, head = world.users["cadre"], world.users["unit_head"]
    for day, today in [
        (D(2026, 2, 27), D(2026, 2, 27)),  # on time, February
        (D(2026, 2, 26), D(2026, 3, 2)),  # backfilled across the month end
        (D(2026, 3, 2), D(2026, 3, 2)),
        (D(2026, 3, 3), D(2026, 3, 5)),
        (D(2026, 3, 2), D(2026, 3, 5)),  # an edit: the tally must not move
    ]:
        worklog_submit(actor=cadre, day=day, content=text + str(today), today=today)
        worklog_submit(actor=head, day=day, content=text, today=today)
    assert tallies.differences(world.region.pk) == []
    cadre_march = LogMonthTally.objects.get(person=world.people["cadre"], month=D(2026, 3, 1))
    assert (cadre_march.unit_id, cadre_march.on_time, cadre_march.backfilled) == (
        world.bureau.pk,
        1,
        1,
    )
    write(world, "team", MARCH_WORKDAYS)
    write(world, "team", [D(2026, 4, 1)], Timeliness.BACKFILLED)
    assert tallies.differences(world.region.pk) == []
    # Re-keying: logs moved to another unit and to another timeliness.
    WorkLog.objects.filter(person=world.people["team"], day__lte=D(2026, 3, 6)).update(
        unit=world.town
    )
    WorkLog.objects.filter(person=world.people["team"], day=D(2026, 3, 9)).update(
        timeliness=Timeliness.BACKFILLED, content="改"
    )
    assert tallies.differences(world.region.pk) == []
    WorkLog.objects.filter(person=world.people["team"], day__gte=D(2026, 4, 1)).delete()
    world.people["head"].delete()
    assert tallies.differences(world.region.pk) == []
    assert not LogMonthTally.objects.filter(on_time=0, backfilled=0).exists()
    # A rebuild from scratch gives the same rows.
    before = tallies.stored(world.region.pk)
    LogMonthTally.objects.all().delete()
    assert tallies.differences(world.region.pk) != []
    assert tallies.tallies_rebuild(actor=None, region_ids=[world.region.pk]) == len(before)
    assert tallies.stored(world.region.pk) == before


@pytest.mark.parametrize(
    ("start", "end", "today"),
    [
        (D(2026, 1, 1), D(2026, 4, 30), D(2026, 4, 30)),  # whole months, then April's edge
        (D(2026, 1, 20), D(2026, 3, 10), D(2026, 4, 30)),  # short edges, read from logs
        (D(2026, 1, 5), D(2026, 3, 25), D(2026, 4, 30)),  # long edges: tally less logs
        (D(2026, 2, 10), D(2026, 2, 20), D(2026, 4, 30)),  # inside one month
        (D(2026, 3, 1), D(2026, 3, 31), D(2026, 3, 16)),  # the cutoff inside the month
        (D(2026, 3, 1), D(2026, 3, 31), D(2026, 3, 2)),  # nothing due yet
    ],
)
def test_written_counts_from_tallies_equal_counts_of_the_logs(
    world: World, start: D, end: D, today: D
) -> None:
    from kaohe.core.calendar import region_calendar
    from kaohe.worklogs.compliance import _written
    from kaohe.worklogs.rules import CALENDAR_MARGIN, missing_cutoff

    cal = region_calendar(world.region.pk, D(2025, 10, 1), D(2026, 6, 30))
    days = cal.between(D(2026, 1, 1), D(2026, 4, 30))
    for i, key in enumerate(["cadre", "head", "team", "centre_head"]):
        kept = [d for n, d in enumerate(days) if (n + i) % 7 != 0]
        write(world, key, kept[::2])
        write(world, key, kept[1::2], Timeliness.BACKFILLED)
    cal = region_calendar(world.region.pk, start - CALENDAR_MARGIN, today + CALENDAR_MARGIN)
    cutoff = missing_cutoff(cal, today, 5)
    end = min(end, today)
    expected: dict[tuple[int, int], list[int]] = {}
    for person_id, unit_id, day, timeliness in WorkLog.objects.filter(
        day__range=(start, end)
    ).values_list("person_id", "unit_id", "day", "timeliness"):
        counts = expected.setdefault((person_id, unit_id), [0, 0, 0])
        if cutoff is None or day > cutoff:
            counts[2] += 1
        else:
            counts[0 if timeliness == Timeliness.ON_TIME else 1] += 1
    got = _written(world.region.pk, None, None, start, end, cutoff)
    assert {k: list(v) for k, v in got.items() if any(v)} == expected
    assert expected  # the range holds logs


def test_deductions_for_a_whole_region_match_those_for_named_people(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kaohe.worklogs import compliance

    write(world, "cadre", MARCH_WORKDAYS[:4])
    write(world, "head", MARCH_WORKDAYS, Timeliness.BACKFILLED)
    Summary.objects.create(
        region=world.region,
        person=world.people["head"],
        unit=world.bureau,
        kind=SummaryKind.QUARTERLY,
        year=2026,
        quarter=1,
        content="小结",
        timeliness=Timeliness.ON_TIME,
    )
    ids = [p.pk for p in world.people.values() if p.region_id == world.region.pk]
    for period in (Period(2026, 1), Period(2026)):
        named = worklog_deductions(
            region_id=world.region.pk, period=period, today=D(2027, 1, 20), person_ids=ids
        )
        monkeypatch.setattr(compliance, "NAMED_PEOPLE_LIMIT", 0)
        region_wide = worklog_deductions(
            region_id=world.region.pk, period=period, today=D(2027, 1, 20), person_ids=ids
        )
        monkeypatch.undo()
        assert region_wide == named and set(named) == set(ids)
    cadre, head = named[world.people["cadre"].pk], named[world.people["head"].pk]
    assert (head.missing_quarterly_summaries, cadre.missing_quarterly_summaries) == (3, 4)
    assert cadre.missing_annual_summary == head.missing_annual_summary == 1
    assert cadre.missing_logs == head.missing_logs + 6


def test_the_tallies_command_finds_a_wrong_tally_and_rebuilds(world: World) -> None:
    from django.core.management import CommandError, call_command

    from kaohe.core.models import AuditEvent
    from kaohe.worklogs.models import LogMonthTally

    write(world, "cadre", MARCH_WORKDAYS)
    call_command("worklog_tallies", "--region", world.region.code)
    LogMonthTally.objects.filter(person=world.people["cadre"]).update(on_time=3)
    with pytest.raises(CommandError, match="rebuild"):
        call_command("worklog_tallies")
    call_command("worklog_tallies", "--rebuild", "--region", world.region.code)
    assert LogMonthTally.objects.get(person=world.people["cadre"]).on_time == 10
    assert AuditEvent.objects.filter(action="worklogs.tallies.rebuild").count() == 1
    call_command("worklog_tallies")


def change(world: World, key: str, valid_from: D, unit: Unit | None = None, **kw: str) -> None:
    """A new position for `key` from `valid_from`: another unit, or another status."""
    from kaohe.org import services

    person = world.people[key]
    m = person.memberships.order_by("-valid_from").first()
    assert m is not None
    services.membership_change(
        actor=None,
        person=person,
        unit=unit or m.unit,
        rank_level=m.rank_level,
        personnel_category=m.personnel_category,
        leadership_role=LeadershipRole(m.leadership_role),
        status=MembershipStatus(kw.get("status", m.status)),
        valid_from=valid_from,
    )


def write_in(world: World, key: str, unit: Unit, days: list[D], timeliness: str) -> None:
    WorkLog.objects.bulk_create(
        WorkLog(
            region=world.region,
            person=world.people[key],
            unit=unit,
            day=d,
            content="工作",
            timeliness=timeliness,
        )
        for d in days
    )


@pytest.fixture
def busy(world: World) -> World:
    """A first quarter with everything the counting rules distinguish: on-time,
    backfilled and missing logs, leave (with a log written during it), a transfer
    with logs in both units, a recruit, a retirement with a log after it, and logs
    of late March and early April for days whose window may still be open."""
    from kaohe.core.calendar import region_calendar

    cal = region_calendar(world.region.pk, D(2026, 1, 1), D(2026, 4, 30))
    january, february = (
        cal.between(D(2026, 1, 1), D(2026, 1, 31)),
        cal.between(D(2026, 2, 1), D(2026, 2, 28)),
    )
    on, back = Timeliness.ON_TIME, Timeliness.BACKFILLED
    w, bureau, town = world, world.bureau, world.town

    change(w, "cadre", D(2026, 3, 9), unit=town)
    write_in(w, "cadre", bureau, [d for n, d in enumerate(january) if n % 5], on)
    write_in(w, "cadre", bureau, february[::2], back)
    write_in(w, "cadre", bureau, cal.between(D(2026, 3, 2), D(2026, 3, 6)), on)
    write_in(w, "cadre", town, cal.between(D(2026, 3, 9), D(2026, 3, 20)), on)
    write_in(w, "cadre", town, cal.between(D(2026, 3, 23), D(2026, 3, 27)), back)

    Leave.objects.create(
        region=w.region, person=w.people["team"], start=D(2026, 2, 2), end=D(2026, 2, 13)
    )
    write_in(w, "team", bureau, [*january, D(2026, 2, 3)], on)

    w.people["recruit"] = place(w, "新同志", "R1", D(2026, 2, 16))

    change(w, "head", D(2026, 3, 20), status=MembershipStatus.RETIRED)
    write_in(w, "head", bureau, [*cal.between(D(2026, 1, 1), D(2026, 3, 19)), D(2026, 3, 23)], on)

    write_in(w, "centre_cadre", w.centre, cal.between(D(2026, 1, 1), D(2026, 4, 3)), on)
    write_in(w, "centre_head", w.centre, cal.between(D(2026, 1, 1), D(2026, 3, 31)), back)
    return w


BUSY_CASES = [
    (Period(2026, 1), D(2026, 3, 16)),  # the cutoff inside March
    (Period(2026, 1), D(2026, 4, 3)),  # late March still open, April's logs early
    (Period(2026, 1), D(2026, 4, 30)),  # the quarter closed
    (Period(2026, 2), D(2026, 4, 30)),  # the retiree is out of scope
    (Period(2026), D(2027, 1, 20)),  # the year
]


@pytest.mark.parametrize(("period", "today"), BUSY_CASES)
def test_deductions_count_the_missing_logs_the_report_shows(
    busy: World, period: Period, today: D, monkeypatch: pytest.MonkeyPatch
) -> None:
    """worklog_deductions adds up the report's counts without its names and rows:
    each person's missing logs equal their report row's, region-wide and named."""
    from kaohe.worklogs import compliance

    region_id = busy.region.pk
    report = compliance_report(
        region_id=region_id,
        units=Unit.objects.filter(region=busy.region),
        start=period.start,
        end=period.end,
        today=today,
        policy=policy_for(region_id),
    )
    shown = {row.person_id: row.tally.missing for row in report.people}
    ids = [p.pk for p in busy.people.values()]  # one of another region, who owes nothing
    named = worklog_deductions(region_id=region_id, period=period, today=today, person_ids=ids)
    monkeypatch.setattr(compliance, "NAMED_PEOPLE_LIMIT", 0)
    region_wide = worklog_deductions(
        region_id=region_id, period=period, today=today, person_ids=ids
    )
    assert region_wide == named and list(region_wide) == ids
    assert {p: d.missing_logs for p, d in region_wide.items()} == {p: shown.get(p, 0) for p in ids}
    assert sum(shown.values()) > 0


@pytest.mark.parametrize(("period", "today"), BUSY_CASES)
def test_the_report_equals_a_count_day_by_day(busy: World, period: Period, today: D) -> None:
    """Each person's expected and written days, counted one day at a time from the
    memberships, leave and logs, equal the report's (and so the deductions')."""
    from kaohe.core.calendar import region_calendar
    from kaohe.org.models import IN_SCOPE_STATUSES, Membership
    from kaohe.worklogs.rules import CALENDAR_MARGIN, missing_cutoff

    region_id = busy.region.pk
    policy = policy_for(region_id)
    report = compliance_report(
        region_id=region_id,
        units=Unit.objects.filter(region=busy.region),
        start=period.start,
        end=period.end,
        today=today,
        policy=policy,
    )
    end = min(period.end, today)
    cal = region_calendar(region_id, period.start - CALENDAR_MARGIN, today + CALENDAR_MARGIN)
    cutoff = missing_cutoff(cal, today, policy.backfill_workdays)
    due = cal.between(period.start, min(end, cutoff)) if cutoff else []
    counted: dict[int, tuple[int, int, int]] = {}
    for row in report.people:
        held = [
            (m.valid_from, m.valid_to or end)
            for m in Membership.objects.filter(person_id=row.person_id)
            if m.status in IN_SCOPE_STATUSES
        ]
        away = list(Leave.objects.filter(person_id=row.person_id).values_list("start", "end"))
        logs = WorkLog.objects.filter(
            region_id=region_id, person_id=row.person_id, day__range=(period.start, end)
        ).values_list("day", "timeliness")
        counted[row.person_id] = (
            sum(
                1
                for d in due
                if any(a <= d <= b for a, b in held) and not any(a <= d <= b for a, b in away)
            ),
            sum(1 for d, t in logs if cutoff and d <= cutoff and t == Timeliness.ON_TIME),
            sum(1 for d, t in logs if cutoff and d <= cutoff and t == Timeliness.BACKFILLED),
        )
    assert {
        r.person_id: (r.tally.expected, r.tally.on_time, r.tally.backfilled) for r in report.people
    } == counted


@pytest.mark.parametrize(("period", "today"), BUSY_CASES)
def test_the_units_added_up_in_sql_equal_the_reports_units(
    busy: World, period: Period, today: D
) -> None:
    """The page's view of a whole scope (no person rows) shows each unit's figures as
    the report (and the download) does: the region, a subtree, and a single unit."""
    region_id = busy.region.pk
    for units in (
        None,
        Unit.objects.filter(pk__in=[busy.bureau.pk, busy.centre.pk]),
        Unit.objects.filter(pk=busy.town.pk),
    ):
        report = compliance_report(
            region_id=region_id,
            units=Unit.objects.filter(region=busy.region) if units is None else units,
            start=period.start,
            end=period.end,
            today=today,
            policy=policy_for(region_id),
        )
        by_unit = compliance_by_unit(
            region_id=region_id,
            units=units,
            start=period.start,
            end=period.end,
            today=today,
            policy=policy_for(region_id),
        )
        assert [(u.unit_id, u.name, u.headcount, u.tally) for u in by_unit.units] == [
            (u.unit_id, u.name, u.headcount, u.tally) for u in report.units
        ]
        assert (by_unit.total, by_unit.cutoff, by_unit.end) == (
            report.total,
            report.cutoff,
            report.end,
        )
        assert report.units


def test_region_wide_deductions_read_the_same_few_queries_for_more_people(
    busy: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kaohe.worklogs import compliance

    monkeypatch.setattr(compliance, "NAMED_PEOPLE_LIMIT", 0)
    region_id = busy.region.pk

    def queries() -> int:
        ids = [p.pk for p in busy.people.values()]
        cache.clear()  # the policy and the calendar's overrides are read each time
        with CaptureQueriesContext(connection) as captured:
            worklog_deductions(
                region_id=region_id, period=Period(2026), today=D(2027, 1, 20), person_ids=ids
            )
        return len(captured)

    policy_for(region_id)  # created on first use
    few = queries()
    for n in range(5):
        busy.people[f"more{n}"] = place(busy, f"新人{n}", f"M{n}", D(2026, 5, 1 + n))
        write(busy, f"more{n}", [D(2026, 6, 1 + n)], Timeliness.BACKFILLED)
        Leave.objects.create(
            region=busy.region,
            person=busy.people[f"more{n}"],
            start=D(2026, 7, 1),
            end=D(2026, 7, 10),
        )
    assert queries() == few <= 6  # policy, overrides, memberships, leave, tallies, summaries


def test_the_backfill_window_is_at_most_30_working_days_and_30_works(world: World) -> None:
    """Every calendar read reaches 62 days past its range: a longer window ran past it
    and failed. 30 working days fit, even over the Spring Festival."""
    from django.core.exceptions import ValidationError

    from kaohe.worklogs.policies import policy_for

    policy = policy_for(world.region.pk)
    policy.backfill_workdays = 31
    with pytest.raises(ValidationError):
        policy.full_clean()
    policy.backfill_workdays = 30
    policy.full_clean()
    policy.save()
    cadre = world.people["cadre"]
    for period, today in ((Period(2026, 4), D(2027, 2, 20)), (Period(2026), D(2027, 3, 1))):
        deductions = worklog_deductions(
            region_id=world.region.pk, period=period, today=today, person_ids=[cadre.pk]
        )
        assert deductions[cadre.pk].missing_logs > 0
