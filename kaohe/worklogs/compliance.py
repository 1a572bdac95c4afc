"""On time, backfilled, missing: work-log compliance for units and people (R2.4).

Expected days come from dated memberships and leave intersected with the
working-day calendar (binary searches, no per-day loop); written logs come from
one GROUP BY. Days whose backfill window is still open count as pending, never
as missing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet

from kaohe.core.calendar import WorkCalendar, region_calendar
from kaohe.org.models import Leave, Membership, Unit
from kaohe.worklogs.models import Summary, SummaryKind, Timeliness, WorkLog, WorklogPolicy
from kaohe.worklogs.rules import CALENDAR_MARGIN, Period, backfill_deadline, missing_cutoff


@dataclass
class Tally:
    expected: int = 0  # working days in scope whose window has closed
    pending: int = 0  # working days in scope still open for writing
    on_time: int = 0
    backfilled: int = 0

    @property
    def written(self) -> int:
        return self.on_time + self.backfilled

    @property
    def missing(self) -> int:
        return max(0, self.expected - self.written)

    @property
    def rate(self) -> float | None:
        return None if self.expected == 0 else min(1.0, self.written / self.expected)

    def add(self, other: Tally) -> None:
        self.expected += other.expected
        self.pending += other.pending
        self.on_time += other.on_time
        self.backfilled += other.backfilled


@dataclass
class PersonRow:
    person_id: int
    name: str
    unit_id: int
    unit_name: str
    tally: Tally = field(default_factory=Tally)


@dataclass
class UnitRow:
    unit_id: int
    name: str
    people: set[int] = field(default_factory=set)
    tally: Tally = field(default_factory=Tally)


@dataclass
class ComplianceReport:
    start: dt.date
    end: dt.date
    cutoff: dt.date | None
    people: list[PersonRow]
    units: list[UnitRow]
    total: Tally
    unknown_years: frozenset[int]


def _intervals(
    memberships: Iterable[tuple[int, int, dt.date, dt.date | None]],
    start: dt.date,
    end: dt.date,
) -> list[tuple[int, int, dt.date, dt.date]]:
    out = []
    for person_id, unit_id, valid_from, valid_to in memberships:
        lo = max(valid_from, start)
        hi = min(valid_to or end, end)
        if lo <= hi:
            out.append((person_id, unit_id, lo, hi))
    return out


def _overlap_workdays(
    cal: WorkCalendar, lo: dt.date, hi: dt.date, leaves: list[tuple[dt.date, dt.date]]
) -> int:
    """Working days in [lo, hi] less those on leave (leaves of one person do not overlap much;
    overlapping leaves are merged first)."""
    days = cal.count(lo, hi)
    merged: list[tuple[dt.date, dt.date]] = []
    for a, b in sorted(leaves):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    for a, b in merged:
        days -= cal.count(max(a, lo), min(b, hi))
    return days


def compliance_report(
    *,
    region_id: int,
    units: QuerySet[Unit],
    start: dt.date,
    end: dt.date,
    today: dt.date,
    policy: WorklogPolicy,
    person_ids: Iterable[int] | None = None,
) -> ComplianceReport:
    """Compliance of everyone who held an in-scope position in `units` during [start, end]."""
    end = min(end, today)
    cal = region_calendar(region_id, start - CALENDAR_MARGIN, max(end, today) + CALENDAR_MARGIN)
    cutoff = missing_cutoff(cal, today, policy.backfill_workdays)

    memberships = (
        Membership.objects.filter(region_id=region_id, unit__in=units)
        .overlapping(start, end)
        .in_scope()
    )
    if person_ids is not None:
        memberships = memberships.filter(person_id__in=list(person_ids))
    rows = list(
        memberships.values_list(
            "person_id", "unit_id", "valid_from", "valid_to", "person__name", "unit__name"
        )
    )
    names = {r[0]: r[4] for r in rows}
    unit_names = {r[1]: r[5] for r in rows}
    intervals = _intervals(((r[0], r[1], r[2], r[3]) for r in rows), start, end)
    pids = {i[0] for i in intervals}

    leaves: dict[int, list[tuple[dt.date, dt.date]]] = defaultdict(list)
    # Leave rows are few: read the region's and keep the relevant people's.
    for person_id, a, b in Leave.objects.filter(
        region_id=region_id, start__lte=end, end__gte=start
    ).values_list("person_id", "start", "end"):
        if person_id in pids:
            leaves[person_id].append((a, b))

    # A person's row is labelled with the unit of their latest stretch in the range.
    latest: dict[int, tuple[dt.date, int]] = {}
    for person_id, unit_id, lo, _hi in intervals:
        if person_id not in latest or lo > latest[person_id][0]:
            latest[person_id] = (lo, unit_id)
    people = {
        pid: PersonRow(pid, names[pid], uid, unit_names[uid]) for pid, (_lo, uid) in latest.items()
    }
    unit_rows: dict[int, UnitRow] = {}
    for person_id, unit_id, lo, hi in intervals:
        person_leaves = leaves.get(person_id, [])
        due_hi = min(hi, cutoff) if cutoff else lo - dt.timedelta(days=1)
        expected = _overlap_workdays(cal, lo, due_hi, person_leaves)
        pending = _overlap_workdays(cal, max(lo, due_hi + dt.timedelta(days=1)), hi, person_leaves)
        unit_row = unit_rows.setdefault(unit_id, UnitRow(unit_id, unit_names[unit_id]))
        unit_row.people.add(person_id)
        for tally in (people[person_id].tally, unit_row.tally):
            tally.expected += expected
            tally.pending += pending

    # Logs on days already due count against `expected`; the rest are early writes for pending days.
    due = Q(day__lte=cutoff) if cutoff else Q(pk__in=[])
    logs = WorkLog.objects.filter(region_id=region_id, day__range=(start, end))
    # Plain ids, not a subquery (PostgreSQL plans the subquery badly at millions of
    # rows), and no unit filter at all when the report covers the whole region.
    unit_ids = list(units.values_list("pk", flat=True))
    if len(unit_ids) < Unit.objects.filter(region_id=region_id).count():
        logs = logs.filter(unit_id__in=unit_ids)
    # The people in scope, as a list: PostgreSQL's best plan over millions of logs
    # (measured against no person filter, which was 2–5× slower).
    logs = logs.filter(person_id__in=pids)
    written = logs.values("person_id", "unit_id").annotate(
        on_time=Count("id", filter=due & Q(timeliness=Timeliness.ON_TIME)),
        backfilled=Count("id", filter=due & Q(timeliness=Timeliness.BACKFILLED)),
        early=Count("id", filter=~due),
    )
    for item in written:
        targets = [people.get(item["person_id"]), unit_rows.get(item["unit_id"])]
        for target in (row.tally for row in targets if row is not None):
            target.on_time += item["on_time"]
            target.backfilled += item["backfilled"]
            target.pending = max(0, target.pending - item["early"])

    total = Tally()
    for unit_row in unit_rows.values():
        total.add(unit_row.tally)
    return ComplianceReport(
        start=start,
        end=end,
        cutoff=cutoff,
        people=sorted(people.values(), key=lambda r: (r.unit_name, r.name)),
        units=sorted(unit_rows.values(), key=lambda r: r.name),
        total=total,
        unknown_years=cal.unknown_years,
    )


@dataclass(frozen=True)
class Deduction:
    """Points a person loses for missing work records in a period (R2.4)."""

    missing_logs: int
    missing_quarterly_summaries: int
    missing_annual_summary: int
    points: Decimal


def worklog_deductions(
    *, region_id: int, period: Period, today: dt.date, person_ids: Iterable[int]
) -> dict[int, Deduction]:
    """Each person's deduction for a quarter, or for a year (quarter 0): missing logs,
    missing quarterly summaries and, for a year, the annual summary. The scoring
    service calls this; it applies no access control of its own."""
    from kaohe.worklogs.services import policy_for

    policy = policy_for(region_id)
    ids = list(person_ids)
    report = compliance_report(
        region_id=region_id,
        units=Unit.objects.filter(region_id=region_id),
        start=period.start,
        end=period.end,
        today=today,
        policy=policy,
        person_ids=ids,
    )
    missing_logs = {row.person_id: row.tally.missing for row in report.people}
    cal = region_calendar(
        region_id, period.start - CALENDAR_MARGIN, max(period.end, today) + CALENDAR_MARGIN
    )

    def closed(p: Period) -> bool:
        return backfill_deadline(cal, p.end, policy.backfill_workdays) < today

    def assessed_during(p: Period) -> set[int]:
        return set(
            Membership.objects.filter(person_id__in=ids)
            .overlapping(p.start, p.end)
            .in_scope()
            .values_list("person_id", flat=True)
        )

    quarters = [period] if period.quarter else [Period(period.year, q) for q in (1, 2, 3, 4)]
    owed_quarterly: dict[int, int] = defaultdict(int)
    for quarter in (q for q in quarters if closed(q)):
        written = set(
            Summary.objects.filter(
                person_id__in=ids,
                kind=SummaryKind.QUARTERLY,
                year=quarter.year,
                quarter=quarter.quarter,
            ).values_list("person_id", flat=True)
        )
        for person_id in assessed_during(quarter) - written:
            owed_quarterly[person_id] += 1
    owed_annual: set[int] = set()
    if period.quarter == 0 and closed(period):
        written = set(
            Summary.objects.filter(
                person_id__in=ids, kind=SummaryKind.ANNUAL, year=period.year
            ).values_list("person_id", flat=True)
        )
        owed_annual = assessed_during(period) - written
    result: dict[int, Deduction] = {}
    for person_id in ids:
        logs = missing_logs.get(person_id, 0)
        quarterly = owed_quarterly.get(person_id, 0)
        annual = int(person_id in owed_annual)
        points = (
            logs * policy.deduction_per_missing_log
            + quarterly * policy.deduction_per_missing_quarterly
            + annual * policy.deduction_per_missing_annual
        )
        result[person_id] = Deduction(logs, quarterly, annual, points)
    return result
