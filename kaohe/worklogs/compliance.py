"""On time, backfilled, missing: work-log compliance for units and people (R2.4).

Expected days come from dated memberships and leave intersected with the
working-day calendar (binary searches, no per-day loop). Written logs come from
the monthly tallies (LogMonthTally) for whole months and from the logs only for
the days at the range's edges. Days whose backfill window is still open count as
pending, never as missing.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeVar

from django.db.models import Count, DateField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Greatest, Least

from kaohe.core import clock
from kaohe.core.cache import forget, region_cached
from kaohe.core.calendar import ONE_DAY, WorkCalendar, region_calendar
from kaohe.org.models import Leave, Membership, Unit
from kaohe.worklogs.models import (
    LogMonthTally,
    Summary,
    SummaryKind,
    Timeliness,
    WorkLog,
    WorklogPolicy,
)
from kaohe.worklogs.policies import policy_for
from kaohe.worklogs.rules import CALENDAR_MARGIN, Period, backfill_deadline, missing_cutoff

T = TypeVar("T")


@dataclass(slots=True)
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

    @property
    def headcount(self) -> int:
        return len(self.people)


@dataclass
class UnitTally:
    """A unit's row without its people: how many held an in-scope position in it."""

    unit_id: int
    name: str
    headcount: int
    tally: Tally


@dataclass
class UnitsReport:
    """The figures of each unit and their total, with no row per person (the page's
    view of a whole scope); the same figures as `ComplianceReport.units`."""

    start: dt.date
    end: dt.date
    cutoff: dt.date | None
    units: list[UnitTally]
    total: Tally
    unknown_years: frozenset[int]


@dataclass
class ComplianceReport:
    start: dt.date
    end: dt.date
    cutoff: dt.date | None
    people: list[PersonRow]
    units: list[UnitRow]
    total: Tally
    unknown_years: frozenset[int]
    # Each person's in-scope stretches within the range (clipped to it).
    stretches: dict[int, list[tuple[dt.date, dt.date]]] = field(default_factory=dict)


# A person's in-scope stretch in one unit, clipped to the range: person, unit, first, last.
Stretch = tuple[int, int, dt.date, dt.date]


def _intervals(
    memberships: Iterable[tuple[int, int, dt.date, dt.date | None]],
    start: dt.date,
    end: dt.date,
) -> list[Stretch]:
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
    if not leaves:
        return days
    merged: list[tuple[dt.date, dt.date]] = []
    for a, b in sorted(leaves):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    for a, b in merged:
        days -= cal.count(max(a, lo), min(b, hi))
    return days


def _owed(
    cal: WorkCalendar,
    cutoff: dt.date | None,
    lo: dt.date,
    hi: dt.date,
    leaves: list[tuple[dt.date, dt.date]],
) -> tuple[int, int]:
    """Working days of the stretch [lo, hi] not on leave: (expected, pending), those
    whose backfill window closed by `cutoff` and those still open."""
    due_hi = min(hi, cutoff) if cutoff else lo - ONE_DAY
    expected = _overlap_workdays(cal, lo, due_hi, leaves)
    pending = _overlap_workdays(cal, max(lo, due_hi + ONE_DAY), hi, leaves)
    return expected, pending


@dataclass
class Counts:
    """What a compliance report counts, with no names, display rows or sorting: the
    days each stretch owes and the logs each person wrote in each unit. The report
    and the deductions both add them up with `tallies`, so the counting rules
    live in one place."""

    start: dt.date
    end: dt.date
    cutoff: dt.date | None
    unknown_years: frozenset[int]
    stretches: list[Stretch]
    owed: list[tuple[int, int]]  # (expected, pending) of each stretch, in the same order
    # (person, unit) -> (on time, backfilled, early), for people with a stretch only.
    written: dict[tuple[int, ...], tuple[int, int, int]]
    # Read only when asked for (`names=True`): they cost a join per membership row.
    person_names: dict[int, str] = field(default_factory=dict)
    unit_names: dict[int, str] = field(default_factory=dict)

    def tallies(self, *, by_unit: bool = False) -> dict[int, Tally]:
        """Each person's tally or, `by_unit`, each unit's. Only units with a stretch
        have one; it counts the logs written in the unit by anyone with a stretch in
        the range (the logs are keyed by the unit they were written in)."""
        key = 1 if by_unit else 0  # the unit's or the person's place in both keys
        owners = [unit if by_unit else person for person, unit, _lo, _hi in self.stretches]
        out: dict[int, Tally] = {}
        for owner, (expected, pending) in zip(owners, self.owed, strict=True):
            tally = out.get(owner)
            if tally is None:
                out[owner] = Tally(expected, pending)
            else:
                tally.expected += expected
                tally.pending += pending
        for person_unit, (on_time, backfilled, early) in self.written.items():
            tally = out.get(person_unit[key])
            if tally is not None:
                tally.on_time += on_time
                tally.backfilled += backfilled
                if early:  # days still open but already written are not pending
                    tally.pending = max(0, tally.pending - early)
        return out


def compliance_counts(
    *,
    region_id: int,
    unit_ids: list[int] | None,
    start: dt.date,
    end: dt.date,
    today: dt.date,
    policy: WorklogPolicy,
    person_ids: Iterable[int] | None = None,
    names: bool = False,
) -> Counts:
    """The counts of everyone who held an in-scope position in `unit_ids` (None: the
    whole region) during [start, end]; `person_ids` narrows it to a few people (it
    becomes a query parameter). The same few queries whatever the number of people."""
    end = min(end, today)
    cal = region_calendar(region_id, start - CALENDAR_MARGIN, max(end, today) + CALENDAR_MARGIN)
    cutoff = missing_cutoff(cal, today, policy.backfill_workdays)

    memberships = Membership.objects.filter(region_id=region_id).overlapping(start, end).in_scope()
    if unit_ids is not None:
        memberships = memberships.filter(unit_id__in=unit_ids)
    if person_ids is not None:
        memberships = memberships.filter(person_id__in=list(person_ids))
    fields = ["person_id", "unit_id", "valid_from", "valid_to"]
    rows = list(
        memberships.values_list(
            *fields, *(["person__name", "unit__name"] if names else [])
        ).order_by()
    )
    stretches = _intervals(((r[0], r[1], r[2], r[3]) for r in rows), start, end)
    pids = {s[0] for s in stretches}
    leaves = {p: spans for p, spans in _leaves(region_id, start, end).items() if p in pids}

    # Most stretches cover the whole range and most people take no leave during it:
    # the days of each distinct stretch without leave are counted once.
    @functools.cache
    def plain(lo: dt.date, hi: dt.date) -> tuple[int, int]:
        return _owed(cal, cutoff, lo, hi, [])

    owed = [
        _owed(cal, cutoff, lo, hi, leaves[p]) if p in leaves else plain(lo, hi)
        for p, _u, lo, hi in stretches
    ]
    listed = None if person_ids is None else pids
    written = _written(region_id, unit_ids, listed, start, end, cutoff)
    return Counts(
        start=start,
        end=end,
        cutoff=cutoff,
        unknown_years=cal.unknown_years,
        stretches=stretches,
        owed=owed,
        # Logs are filtered by person here, not in the query (see _written).
        written={k: v for k, v in written.items() if k[0] in pids},
        person_names={r[0]: r[4] for r in rows} if names else {},
        unit_names={r[1]: r[5] for r in rows} if names else {},
    )


def _leave_in(region_id: int, start: dt.date, end: dt.date) -> QuerySet[Leave]:
    return Leave.objects.filter(region_id=region_id, start__lte=end, end__gte=start)


def _leaves(
    region_id: int, start: dt.date, end: dt.date
) -> dict[int, list[tuple[dt.date, dt.date]]]:
    """Each person's leave overlapping [start, end]. Leave rows are few: the region's
    are read whole (callers keep the people they count)."""
    leaves: dict[int, list[tuple[dt.date, dt.date]]] = defaultdict(list)
    for person_id, a, b in (
        _leave_in(region_id, start, end).values_list("person_id", "start", "end").order_by()
    ):
        leaves[person_id].append((a, b))
    return dict(leaves)


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
    """Compliance of everyone who held an in-scope position in `units` during [start, end],
    with names and rows to display.

    `person_ids` narrows it to a few people (it becomes a query parameter)."""
    # Plain unit ids, and none at all when the report covers the whole region.
    unit_ids = list(units.values_list("pk", flat=True))
    whole_region = len(unit_ids) >= Unit.objects.filter(region_id=region_id).count()
    counts = compliance_counts(
        region_id=region_id,
        unit_ids=None if whole_region else unit_ids,
        start=start,
        end=end,
        today=today,
        policy=policy,
        person_ids=person_ids,
        names=True,
    )
    names, unit_names = counts.person_names, counts.unit_names

    # A person's row is labelled with the unit of their latest stretch in the range.
    latest: dict[int, tuple[dt.date, int]] = {}
    for person_id, unit_id, lo, _hi in counts.stretches:
        if person_id not in latest or lo > latest[person_id][0]:
            latest[person_id] = (lo, unit_id)
    tallies = counts.tallies()
    people = [
        PersonRow(pid, names[pid], uid, unit_names[uid], tallies[pid])
        for pid, (_lo, uid) in latest.items()
    ]
    unit_rows = {
        uid: UnitRow(uid, unit_names[uid], tally=tally)
        for uid, tally in counts.tallies(by_unit=True).items()
    }
    stretches: dict[int, list[tuple[dt.date, dt.date]]] = defaultdict(list)
    for person_id, unit_id, lo, hi in counts.stretches:
        unit_rows[unit_id].people.add(person_id)
        stretches[person_id].append((lo, hi))
    total = Tally()
    for unit_row in unit_rows.values():
        total.add(unit_row.tally)
    return ComplianceReport(
        start=counts.start,
        end=counts.end,
        cutoff=counts.cutoff,
        people=sorted(people, key=lambda r: (r.unit_name, r.name)),
        units=sorted(unit_rows.values(), key=lambda r: r.name),
        total=total,
        unknown_years=counts.unknown_years,
        stretches=dict(stretches),
    )


def compliance_by_unit(
    *,
    region_id: int,
    units: QuerySet[Unit] | None,
    start: dt.date,
    end: dt.date,
    today: dt.date,
    policy: WorklogPolicy,
) -> UnitsReport:
    """The figures of each unit of `units` (None: the whole region) over [start, end]
    and their total: `compliance_report`'s unit rows, added up per unit in SQL.

    A view of a whole region shows no person, so none is read: the stretches come
    grouped by unit and clipped dates (most cover the whole range), the logs grouped by
    unit, and only the few people on leave are counted one stretch at a time. The
    same few queries, reading a row per unit, whatever the number of people."""
    end = min(end, today)
    cal = region_calendar(region_id, start - CALENDAR_MARGIN, max(end, today) + CALENDAR_MARGIN)
    cutoff = missing_cutoff(cal, today, policy.backfill_workdays)

    memberships = Membership.objects.filter(region_id=region_id).overlapping(start, end).in_scope()
    scope = Q(region_id=region_id)
    if units is not None:
        # A subquery, not a list of ids: a subtree may hold thousands of units.
        memberships = memberships.filter(unit_id__in=units.values("pk"))
        scope &= Q(unit_id__in=units.values("pk"))
    on_leave = _leave_in(region_id, start, end).values("person_id")

    owed: dict[int, Tally] = {}

    def add(unit_id: int, days: tuple[int, int], times: int = 1) -> None:
        tally = owed.setdefault(unit_id, Tally())
        tally.expected += days[0] * times
        tally.pending += days[1] * times

    @functools.cache
    def plain(lo: dt.date, hi: dt.date) -> tuple[int, int]:
        return _owed(cal, cutoff, lo, hi, [])

    first = Greatest("valid_from", Value(start, output_field=DateField()))
    last = Least(Coalesce("valid_to", Value(end, output_field=DateField())), Value(end))
    for unit_id, lo, hi, stretches in (
        memberships.exclude(person_id__in=on_leave)
        .annotate(lo=first, hi=last)
        .values_list("unit_id", "lo", "hi")
        .annotate(stretches=Count("pk"))
        .order_by()
    ):
        add(unit_id, plain(_as_date(lo), _as_date(hi)), stretches)
    leaves = _leaves(region_id, start, end)
    for person_id, unit_id, lo, hi in _intervals(
        memberships.filter(person_id__in=on_leave)
        .values_list("person_id", "unit_id", "valid_from", "valid_to")
        .order_by(),
        start,
        end,
    ):
        add(unit_id, _owed(cal, cutoff, lo, hi, leaves.get(person_id, [])))

    # Logs count for a unit when their author held an in-scope position in the scope
    # during the range (as in compliance_counts); early ones reduce what is pending.
    scope &= Q(person_id__in=memberships.values("person_id"))
    for (unit_id,), (on_time, backfilled, early) in _written_in(
        scope, ("unit_id",), start, end, cutoff
    ).items():
        tally = owed.get(unit_id)
        if tally is not None:
            tally.on_time += on_time
            tally.backfilled += backfilled
            tally.pending = max(0, tally.pending - early)

    rows = [
        UnitTally(unit_id, name, headcount, owed[unit_id])
        for unit_id, name, headcount in memberships.values_list("unit_id", "unit__name")
        .annotate(headcount=Count("person_id", distinct=True))
        .order_by()
    ]
    total = Tally()
    for row in rows:
        total.add(row.tally)
    return UnitsReport(
        start=start,
        end=end,
        cutoff=cutoff,
        units=sorted(rows, key=lambda r: r.name),
        total=total,
        unknown_years=cal.unknown_years,
    )


# The region's page of all units over the default range (the quarter to date), as the
# page shows it: built from `compliance_by_unit` and the names not written today, then
# kept for the day. Versioned: the file cache outlives a deploy.
REGION_VIEW = "compliance-region.v1"
REGION_VIEW_SECONDS = 600


def region_view_cached(region_id: int, today: dt.date, build: Callable[[], T], stamp: object) -> T:
    """The region's view of all units of `today`, built by `build()` when no process has
    it. Every write of what it counts calls `compliance_forget`: logs (the submission,
    the demo, the tallies' rebuild), leave, calendar overrides and the region's rules
    (worklogs.signals); units and memberships change `org.selectors.org_version`, which
    the caller puts in the `stamp`."""
    return region_cached(
        f"{REGION_VIEW}:{today.isoformat()}", region_id, build, REGION_VIEW_SECONDS, stamp=stamp
    )


def compliance_forget(region_id: int) -> None:
    """Call in every write that changes a region's logs, memberships, leave or calendar."""
    forget(f"{REGION_VIEW}:{clock.today().isoformat()}", region_id)


def _as_date(value: dt.date | str) -> dt.date:
    """A date computed in SQL: SQLite returns GREATEST/LEAST of dates as text."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


@dataclass
class _Sources:
    """Where the written counts of [start, end] come from: whole months from the
    tallies, the rest from the logs. A month the range only partly covers is read
    from the logs, or from its tally less the logs of the days outside the range,
    whichever reads fewer days."""

    months: list[dt.date] = field(default_factory=list)  # tallied, every day due
    plus: list[tuple[dt.date, dt.date]] = field(default_factory=list)  # due days, from logs
    minus: list[tuple[dt.date, dt.date]] = field(default_factory=list)  # out of range, tallied
    early: tuple[dt.date, dt.date] | None = None  # written before their day is due


def _month_last(first: dt.date) -> dt.date:
    return (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


def _sources(start: dt.date, end: dt.date, cutoff: dt.date | None) -> _Sources:
    one = dt.timedelta(days=1)
    due_end = min(end, cutoff) if cutoff else start - one
    out = _Sources(early=(max(start, due_end + one), end) if due_end < end else None)
    month = start.replace(day=1)
    while month <= due_end:
        last = _month_last(month)
        lo, hi = max(start, month), min(due_end, last)
        inside = (hi - lo).days + 1
        if inside * 2 <= (last - month).days + 1 and (lo, hi) != (month, last):
            out.plus.append((lo, hi))
        else:
            out.months.append(month)
            if lo > month:
                out.minus.append((month, lo - one))
            if hi < last:
                out.minus.append((hi + one, last))
        month = last + one
    return out


def _spans(spans: Iterable[tuple[dt.date, dt.date]]) -> Q:
    q = Q(pk__in=[])
    for lo, hi in spans:
        q |= Q(day__range=(lo, hi))
    return q


def _written(
    region_id: int,
    unit_ids: list[int] | None,
    person_ids: set[int] | None,
    start: dt.date,
    end: dt.date,
    cutoff: dt.date | None,
) -> dict[tuple[int, ...], tuple[int, int, int]]:
    """(person, unit) -> (on time, backfilled, early) for the logs of [start, end].

    Scoped by region and, for part of a region, by unit ids (a few hundred at most);
    by person only when the caller names a few people. The caller drops people
    out of scope: a list of 30,000 ids as a query parameter costs more than it saves.
    """
    scope = Q(region_id=region_id)
    if unit_ids is not None:
        scope &= Q(unit_id__in=unit_ids)
    if person_ids is not None:
        scope &= Q(person_id__in=sorted(person_ids))
    return _written_in(scope, ("person_id", "unit_id"), start, end, cutoff)


def _written_in(
    scope: Q, keys: tuple[str, ...], start: dt.date, end: dt.date, cutoff: dt.date | None
) -> dict[tuple[int, ...], tuple[int, int, int]]:
    """The logs of [start, end] matching `scope`, grouped by `keys` (columns of both the
    logs and the tallies): (on time, backfilled, early). On time and backfilled count
    days up to `cutoff`, early the days after it."""
    sources = _sources(start, end, cutoff)
    width = len(keys)
    out: dict[tuple[int, ...], tuple[int, int, int]] = defaultdict(lambda: (0, 0, 0))
    if sources.months:
        for item in (
            LogMonthTally.objects.filter(scope, month__in=sources.months)
            .values_list(*keys)
            .annotate(on_time=Sum("on_time"), backfilled=Sum("backfilled"))
            .order_by()
        ):
            out[tuple(item[:width])] = (item[width], item[width + 1], 0)
    spans = [*sources.plus, *sources.minus, *([sources.early] if sources.early else [])]
    if not spans:
        return out
    plus, minus = _spans(sources.plus), _spans(sources.minus)
    early = _spans([sources.early] if sources.early else [])
    on_time, backfilled = Q(timeliness=Timeliness.ON_TIME), Q(timeliness=Timeliness.BACKFILLED)
    # The outer bounds as well as the spans: an OR of ranges alone leaves the index
    # scan open-ended (PostgreSQL) or region-wide (SQLite, beside a subquery).
    bounds = Q(day__range=(min(lo for lo, _hi in spans), max(hi for _lo, hi in spans)))
    # Counting `day`, a column of the covering index, not `id`, which is not in it: the
    # logs are counted from the index alone, without a read of each row (PostgreSQL).
    for item in (
        WorkLog.objects.filter(scope, bounds, _spans(spans))
        .values_list(*keys)
        .annotate(
            plus_on=Count("day", filter=plus & on_time),
            plus_back=Count("day", filter=plus & backfilled),
            minus_on=Count("day", filter=minus & on_time),
            minus_back=Count("day", filter=minus & backfilled),
            early=Count("day", filter=early),
        )
        .order_by()
    ):
        key = tuple(item[:width])
        plus_on, plus_back, minus_on, minus_back, n_early = item[width:]
        a, b, c = out[key]
        out[key] = (a + plus_on - minus_on, b + plus_back - minus_back, c + n_early)
    return out


@dataclass(frozen=True)
class Deduction:
    """Points a person loses for missing work records in a period (R2.4)."""

    missing_logs: int
    missing_quarterly_summaries: int
    missing_annual_summary: int
    points: Decimal


# Up to this many people are named in the queries; more are read region-wide and
# picked in Python (a region's 300,000 ids as query parameters cost more than they save).
NAMED_PEOPLE_LIMIT = 1000


def worklog_deductions(
    *, region_id: int, period: Period, today: dt.date, person_ids: Iterable[int]
) -> dict[int, Deduction]:
    """Each person's deduction for a quarter, or for a year (quarter 0): missing logs,
    missing quarterly summaries and, for a year, the annual summary. The scoring
    service calls this; it applies no access control of its own."""
    policy = policy_for(region_id)
    ids = list(person_ids)
    wanted = set(ids)
    named = wanted if len(wanted) <= NAMED_PEOPLE_LIMIT else None
    people = Q() if named is None else Q(person_id__in=sorted(named))
    # The report's counts without its names and rows: the whole region when many
    # people are wanted (the others are simply not looked up).
    counts = compliance_counts(
        region_id=region_id,
        unit_ids=None,
        start=period.start,
        end=period.end,
        today=today,
        policy=policy,
        person_ids=named,
    )
    tallies = counts.tallies()
    cal = region_calendar(
        region_id, period.start - CALENDAR_MARGIN, max(period.end, today) + CALENDAR_MARGIN
    )

    def closed(p: Period) -> bool:
        return backfill_deadline(cal, p.end, policy.backfill_workdays) < today

    quarters = [period] if period.quarter else [Period(period.year, q) for q in (1, 2, 3, 4)]
    owed = [q for q in quarters if closed(q)]
    annual_owed = period.quarter == 0 and closed(period)

    written: set[tuple[str, int, int]] = set()
    if owed or annual_owed:
        kinds = Q(kind=SummaryKind.QUARTERLY, quarter__in=[q.quarter for q in owed])
        if annual_owed:
            kinds |= Q(kind=SummaryKind.ANNUAL, quarter=0)
        written = set(
            Summary.objects.filter(people, kinds, region_id=region_id, year=period.year)
            .values_list("kind", "quarter", "person_id")
            .order_by()
        )
    quarterly_kind, annual_kind = SummaryKind.QUARTERLY.value, SummaryKind.ANNUAL.value
    # Everyone with a stretch held a position during the period; a summary is owed for
    # each closed quarter their stretches (clipped to the period and to today, which
    # no closed quarter reaches past) overlap.
    held: set[tuple[int, int]] = set()
    for quarter in owed:
        first, last = quarter.start, quarter.end
        held.update(
            (p, quarter.quarter) for p, _u, a, b in counts.stretches if a <= last and b >= first
        )
    owed_quarterly = Counter(p for p, q in held if (quarterly_kind, q, p) not in written)
    owed_annual = (
        {p for p in tallies if (annual_kind, 0, p) not in written} if annual_owed else set()
    )
    per_log = policy.deduction_per_missing_log
    per_quarterly = policy.deduction_per_missing_quarterly
    per_annual = policy.deduction_per_missing_annual

    # A region's deductions take few distinct values: one shared (frozen) instance each.
    @functools.cache
    def deduction(logs: int, quarterly: int, annual: int) -> Deduction:
        if not (logs or quarterly or annual):
            return Deduction(0, 0, 0, 0 * per_log)
        points = logs * per_log + quarterly * per_quarterly + annual * per_annual
        return Deduction(logs, quarterly, annual, points)

    result: dict[int, Deduction] = {}
    for person_id in ids:
        tally = tallies.get(person_id)
        result[person_id] = deduction(
            0 if tally is None else tally.missing,
            owed_quarterly.get(person_id, 0),
            int(person_id in owed_annual),
        )
    return result
