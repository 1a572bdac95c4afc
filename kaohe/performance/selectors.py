"""Reads of unit performance, scoped by the acting user."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Avg, Count, Max, OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from kaohe.accounts.access import ADMIN_ROLES, is_region_admin, region_id_of, roles_of, scope_of
from kaohe.accounts.models import Role, User
from kaohe.org.models import PerformanceCategory, Unit
from kaohe.performance.locks import year_lock_reasons
from kaohe.performance.models import (
    IndicatorAssignment,
    MonthEntry,
    PerformanceMonth,
    PerformancePolicy,
    PublicEvaluation,
    ReportFile,
    UnitMonthReport,
    UnitMonthResult,
    UnitYearMark,
    UnitYearResult,
)
from kaohe.performance.policies import policy_for, year_weights
from kaohe.performance.rules import month_end
from kaohe.schemes.models import Indicator, IndicatorKind, Scheme, SchemeVersion, VersionState
from kaohe.schemes.rollup import Entry, Node
from kaohe.schemes.selectors import in_force
from kaohe.supervision.selectors import overdue_deductions

# Who reads a unit's month (its report, its result once published): its administrators,
# head and leadership team; who writes its report: its administrators and head.
UNIT_READERS = ADMIN_ROLES | {Role.UNIT_HEAD, Role.TEAM_MEMBER}
UNIT_REPORTERS = ADMIN_ROLES | {Role.UNIT_HEAD}
RANKING_PAGE = 50
GRID_PAGE = 100
# The ranking chart shows the first places and the viewer's own unit: a bar per unit
# stays readable at 100 units and at 5,000 (the table pages through all of them).
CHART_TOP = 30


def is_office(user: User, region_id: int) -> bool:
    """The region's assessment office (a region administrator of that region)."""
    return is_region_admin(user) and user.region_id == region_id


def may_see_rankings(user: User) -> bool:
    """Published rankings are published (每月一发): anyone of the region with a role."""
    return user.region_id is not None and bool(roles_of(user))


def months_of(user: User) -> QuerySet[PerformanceMonth]:
    """The region's months: all for the office, the others only once published or
    open (a unit reports on an open month; its result shows once published)."""
    if not may_see_rankings(user) or user.region_id is None:
        return PerformanceMonth.objects.none()
    return PerformanceMonth.objects.filter(region_id=user.region_id).order_by("-year", "-month")


def month_get(user: User, month_id: int) -> PerformanceMonth:
    month = months_of(user).filter(pk=month_id).first()
    if month is None:
        raise Http404
    return month


def office_month(user: User, month_id: int) -> PerformanceMonth:
    """The month, for its region's office only; else 404."""
    month = month_get(user, month_id)
    if not is_office(user, month.region_id):
        raise Http404
    return month


def results_visible(user: User, month: PerformanceMonth) -> bool:
    return month.state == PerformanceMonth.State.PUBLISHED or is_office(user, month.region_id)


def category_get(user: User, month: PerformanceMonth, category_id: int) -> PerformanceCategory:
    category = PerformanceCategory.objects.filter(pk=category_id, region_id=month.region_id).first()
    if category is None:
        raise Http404
    return category


def categories_of(month: PerformanceMonth) -> list[PerformanceCategory]:
    return list(PerformanceCategory.objects.filter(region_id=month.region_id))


def own_units(user: User, roles: frozenset[str] = UNIT_READERS) -> QuerySet[Unit]:
    return Unit.objects.filter(scope_of(user, roles).unit_filter())


def unit_for_month(user: User, month: PerformanceMonth, unit_id: int) -> Unit:
    """A unit whose month the user reads: the office any of its region's, others their own."""
    units = Unit.objects.filter(region_id=month.region_id, pk=unit_id)
    if not is_office(user, month.region_id):
        units = units.filter(scope_of(user, UNIT_READERS).unit_filter())
    unit = units.select_related("performance_category").first()
    if unit is None:
        raise Http404
    return unit


# ------------------------------------------------------------------ indicator systems


def _leaves(indicators: list[Indicator]) -> list[tuple[Indicator, str]]:
    """The tree's typed leaves in order, each with its path ("重点工作 / 招商引资")."""
    children: dict[int | None, list[Indicator]] = defaultdict(list)
    for i in indicators:
        children[i.parent_id].append(i)
    leaves: list[tuple[Indicator, str]] = []

    def walk(parent: int | None, trail: list[str]) -> None:
        for i in children.get(parent, []):
            if i.kind == IndicatorKind.GROUP:
                walk(i.pk, [*trail, i.name])
            else:
                leaves.append((i, " / ".join([*trail, i.name])))

    walk(None, [])
    return leaves


@dataclass
class System:
    """A category's indicator system in force for a month: the template version, its
    tree as roll-up nodes and its typed leaves in order (with their paths)."""

    version: SchemeVersion
    nodes: list[Node]
    leaves: list[tuple[Indicator, str]]
    by_id: dict[int, Indicator] = field(default_factory=dict)


def systems_for(region_id: int, year: int, month: int) -> dict[int, System]:
    """category id → its indicator system in force at the month's end: the latest
    version of the category's template for the year approved by then (schemes'
    `in_force`). Two queries whatever the number of categories."""
    versions = SchemeVersion.objects.filter(
        scheme__region_id=region_id,
        scheme__role=Scheme.Role.TEMPLATE,
        scheme__performance_category__isnull=False,
        scheme__year=year,
        state=VersionState.APPROVED,
    ).select_related("scheme")
    by_category: dict[int, list[SchemeVersion]] = defaultdict(list)
    for version in versions:
        category_id = version.scheme.performance_category_id
        assert category_id is not None
        by_category[category_id].append(version)
    chosen: dict[int, SchemeVersion] = {}
    end = month_end(year, month)
    for category_id, found in by_category.items():
        # Several templates of one category: the newest scheme's version in force.
        found.sort(key=lambda v: v.scheme_id)
        governs = in_force([v for v in found if v.scheme_id == found[-1].scheme_id], end)
        if governs is not None:
            chosen[category_id] = governs
    rows = Indicator.objects.filter(version__in=list(chosen.values())).order_by(
        "version_id", "position", "id"
    )
    by_version: dict[int, list[Indicator]] = defaultdict(list)
    for row in rows:
        by_version[row.version_id].append(row)
    out: dict[int, System] = {}
    for category_id, version in chosen.items():
        indicators = by_version.get(version.pk, [])
        keys = {i.pk: str(i.key) for i in indicators}
        nodes = [
            Node(
                key=str(i.key),
                parent=keys.get(i.parent_id) if i.parent_id else None,
                name=i.name,
                kind=i.kind,
                max_points=i.max_points,
                per_occurrence=i.per_occurrence,
                cap=i.cap,
                weight=i.weight,
                position=i.position,
            )
            for i in indicators
        ]
        leaves = _leaves(indicators)
        out[category_id] = System(version, nodes, leaves, {i.pk: i for i in indicators})
    return out


# ------------------------------------------------------------------ a month's inputs


@dataclass
class MonthInputs:
    """Everything a month's computation reads (gathered in a handful of queries)."""

    policy: PerformancePolicy
    units: list[tuple[int, int]]  # (unit id, category id) of every unit ranked
    systems: dict[int, System]  # category id → system
    entries: dict[int, dict[str, Entry]]  # unit id → indicator key → entry
    public: dict[int, Decimal]  # unit id → 民评 points
    # Other sources' deductions (unit id → points lost): the supervision ledger's
    # overdue findings (contract #1) are passed in here at the merge.
    deductions: Mapping[int, Decimal]


def ranked_units(region_id: int) -> QuerySet[Unit]:
    """The units a month ranks: the region's active units that have a category."""
    return Unit.objects.filter(
        region_id=region_id, is_active=True, performance_category__isnull=False
    )


def other_deductions(month: PerformanceMonth) -> dict[int, Decimal]:
    """Points each unit loses in the month from other sources (unit id → points): the
    supervision ledger's findings overdue in the month (supervision's rule)."""
    return overdue_deductions(region_id=month.region_id, year=month.year, month=month.month)


def month_inputs(
    month: PerformanceMonth, *, deductions: Mapping[int, Decimal] | None = None
) -> MonthInputs:
    """The month's inputs: the units with their categories, each category's system,
    every entry, 民评, and the deductions of other sources (a plain mapping; by
    default `other_deductions`)."""
    units = list(ranked_units(month.region_id).values_list("pk", "performance_category_id"))
    systems = systems_for(month.region_id, month.year, month.month)
    keys = {i.pk: str(i.key) for s in systems.values() for i in s.by_id.values()}
    entries: dict[int, dict[str, Entry]] = defaultdict(dict)
    for unit_id, indicator_id, value, occurrences, flag in (
        MonthEntry.objects.filter(month=month)
        .order_by()
        .values_list("unit_id", "indicator_id", "value", "occurrences", "flag")
        .iterator(10000)
    ):
        key = keys.get(indicator_id)
        if key is not None:
            entries[unit_id][key] = Entry(value, occurrences, flag)
    public = dict(PublicEvaluation.objects.filter(month=month).values_list("unit_id", "points"))
    return MonthInputs(
        policy=policy_for(month.region_id),
        units=units,
        systems=systems,
        entries=dict(entries),
        public=public,
        deductions=other_deductions(month) if deductions is None else deductions,
    )


# ------------------------------------------------------------------ the office's month page


@dataclass
class CategoryLine:
    category: PerformanceCategory
    units: int
    entered: int  # units with at least one score entered
    results: int
    has_system: bool


def month_overview(month: PerformanceMonth) -> list[CategoryLine]:
    """Each category of the region: its units, how many have scores entered and results."""
    categories = list(PerformanceCategory.objects.filter(region_id=month.region_id))
    units = dict(
        ranked_units(month.region_id)
        .order_by()
        .values("performance_category_id")
        .annotate(n=Count("pk"))
        .values_list("performance_category_id", "n")
    )
    entered = dict(
        MonthEntry.objects.filter(month=month)
        .order_by()
        .values("unit__performance_category_id")
        .annotate(n=Count("unit_id", distinct=True))
        .values_list("unit__performance_category_id", "n")
    )
    results = dict(
        UnitMonthResult.objects.filter(month=month)
        .order_by()
        .values("category_id")
        .annotate(n=Count("pk"))
        .values_list("category_id", "n")
    )
    systems = systems_for(month.region_id, month.year, month.month)
    return [
        CategoryLine(
            c, units.get(c.pk, 0), entered.get(c.pk, 0), results.get(c.pk, 0), c.pk in systems
        )
        for c in categories
    ]


def month_reports_count(month: PerformanceMonth) -> int:
    return (
        UnitMonthReport.objects.filter(month=month, assignment__isnull=True)
        .values("unit_id")
        .count()
    )


# ------------------------------------------------------------------ the entry grid


@dataclass
class GridRow:
    unit: Unit
    cells: list[tuple[Indicator, str]]  # (indicator, text) per leaf
    public: str
    evidence: str
    reported: bool


@dataclass
class Grid:
    month: PerformanceMonth
    category: PerformanceCategory
    system: System | None
    rows: list[GridRow]
    page: Page[Unit]
    stamp: str
    public_max: Decimal


def cell_text(kind: str, value: Decimal | None, occurrences: int | None, flag: bool | None) -> str:
    """A stored score as the grid shows it (read back by the service's parser)."""
    if kind == IndicatorKind.DEDUCTION:
        return "" if occurrences is None else str(occurrences)
    if kind in (IndicatorKind.VETO, IndicatorKind.PASS_FAIL):
        if flag is None:
            return ""
        if kind == IndicatorKind.VETO:
            return "是" if flag else "否"
        return "合格" if flag else "不合格"
    return "" if value is None else format(value.normalize(), "f")


def grid_stamp(month: PerformanceMonth, category_id: int) -> str:
    """What the grid showed of the category's month: its entries' and 民评's count and
    latest change. A save carrying another stamp is refused (someone saved meanwhile)."""
    of_category = Q(unit__performance_category_id=category_id)
    e = MonthEntry.objects.filter(of_category, month=month).aggregate(
        n=Count("pk"), t=Max("updated_at")
    )
    p = PublicEvaluation.objects.filter(of_category, month=month).aggregate(
        n=Count("pk"), t=Max("updated_at")
    )
    stamp = [
        e["n"],
        e["t"].isoformat() if e["t"] else "",
        p["n"],
        p["t"].isoformat() if p["t"] else "",
    ]
    return "|".join(str(s) for s in stamp)


def month_grid(month: PerformanceMonth, category: PerformanceCategory, page: int) -> Grid:
    """The category's units (100 a page) × its system's typed leaves, with 民评."""
    system = systems_for(month.region_id, month.year, month.month).get(category.pk)
    units = ranked_units(month.region_id).filter(performance_category=category).order_by("path")
    paged = Paginator(units, GRID_PAGE).get_page(page)
    shown = list(paged.object_list)
    ids = [u.pk for u in shown]
    stored = {
        (u, i): (v, o, f)
        for u, i, v, o, f in MonthEntry.objects.filter(month=month, unit_id__in=ids).values_list(
            "unit_id", "indicator_id", "value", "occurrences", "flag"
        )
    }
    public = {
        u: (p, e)
        for u, p, e in PublicEvaluation.objects.filter(month=month, unit_id__in=ids).values_list(
            "unit_id", "points", "evidence"
        )
    }
    reported = set(
        UnitMonthReport.objects.filter(month=month, unit_id__in=ids).values_list(
            "unit_id", flat=True
        )
    )
    rows = []
    leaves = system.leaves if system else []
    for unit in shown:
        cells = [
            (ind, cell_text(ind.kind, *stored.get((unit.pk, ind.pk), (None, None, None))))
            for ind, _path in leaves
        ]
        points, evidence = public.get(unit.pk, (None, ""))
        rows.append(
            GridRow(
                unit,
                cells,
                "" if points is None else format(points.normalize(), "f"),
                evidence,
                unit.pk in reported,
            )
        )
    return Grid(
        month,
        category,
        system,
        rows,
        paged,
        grid_stamp(month, category.pk),
        policy_for(month.region_id).public_points,
    )


# ------------------------------------------------------------------ rankings


@dataclass(frozen=True)
class RankRow:
    unit_id: int
    unit_name: str
    score: Decimal
    rank: int
    rewarded: bool
    own: bool


def _rows(results: QuerySet[UnitMonthResult], own: set[int]) -> list[RankRow]:
    return [
        RankRow(u, n, s, r, w, u in own)
        for u, n, s, r, w in results.values_list(
            "unit_id", "unit__name", "score", "rank", "rewarded"
        )
    ]


def ranking(
    user: User, month: PerformanceMonth, category: PerformanceCategory, page: int
) -> tuple[list[RankRow], Page[UnitMonthResult], list[RankRow]]:
    """The category's ranking, 50 a page, and the chart's rows: the first CHART_TOP
    places and the viewer's own units wherever they stand. Empty before publish for
    anyone but the office."""
    if not results_visible(user, month):
        raise Http404
    results = UnitMonthResult.objects.filter(month=month, category=category).order_by(
        "rank", "unit__name", "unit_id"
    )
    own = set(own_units(user).filter(performance_category=category).values_list("pk", flat=True))
    paged = Paginator(results, RANKING_PAGE).get_page(page)
    rows = _rows(results.filter(pk__in=[r.pk for r in paged.object_list]), own)
    chart = _rows(results[:CHART_TOP], own)
    shown = {r.unit_id for r in chart}
    chart += [r for r in _rows(results.filter(unit_id__in=own - shown), own)]
    return rows, paged, chart


def ranking_all(
    user: User, month: PerformanceMonth, category: PerformanceCategory
) -> list[RankRow]:
    """The whole ranking (the export)."""
    if not results_visible(user, month):
        raise Http404
    results = UnitMonthResult.objects.filter(month=month, category=category).order_by(
        "rank", "unit__name", "unit_id"
    )
    return _rows(results, set())


@dataclass(frozen=True)
class TrendPoint:
    label: str
    average: Decimal
    own: Decimal | None


def trend(
    user: User, month: PerformanceMonth, category: PerformanceCategory, unit_id: int | None
) -> list[TrendPoint]:
    """The category's average score in each published month of the year up to this one
    (and this one, for the office before publish), beside one unit's score: the
    viewer's unit, or the unit chosen by the office. Two queries."""
    months = PerformanceMonth.objects.filter(
        region_id=month.region_id, year=month.year, month__lte=month.month
    )
    if not is_office(user, month.region_id):
        months = months.filter(state=PerformanceMonth.State.PUBLISHED)
    averages = (
        UnitMonthResult.objects.filter(month__in=months, category=category)
        .order_by()
        .values("month__month")
        .annotate(avg=Avg("score"))
        .values_list("month__month", "avg")
    )
    own: dict[int, Decimal] = {}
    if unit_id is not None:
        own = dict(
            UnitMonthResult.objects.filter(month__in=months, unit_id=unit_id).values_list(
                "month__month", "score"
            )
        )
    return [
        TrendPoint(f"{m}月", Decimal(a).quantize(Decimal("0.01")), own.get(m))
        for m, a in sorted(averages)
    ]


@dataclass(frozen=True)
class RewardLine:
    category: str
    unit_id: int
    unit_name: str
    score: Decimal
    rank: int


def rewards(user: User, month: PerformanceMonth) -> list[RewardLine]:
    """The month's reward list: each category's rewarded units in rank order."""
    if not results_visible(user, month):
        raise Http404
    return [
        RewardLine(c, u, n, s, r)
        for c, u, n, s, r in UnitMonthResult.objects.filter(month=month, rewarded=True)
        .order_by("category__sort_order", "category__name", "rank", "unit__name")
        .values_list("category__name", "unit_id", "unit__name", "score", "rank")
    ]


# ------------------------------------------------------------------ a unit's month


@dataclass
class UnitMonth:
    month: PerformanceMonth
    unit: Unit
    report: UnitMonthReport | None
    items: list[tuple[IndicatorAssignment, str]]  # assigned indicator → progress text
    files: list[ReportFile]
    result: UnitMonthResult | None
    category_size: int
    public: PublicEvaluation | None
    may_report: bool


def unit_month(user: User, month: PerformanceMonth, unit_id: int) -> UnitMonth:
    unit = unit_for_month(user, month, unit_id)
    reports = list(UnitMonthReport.objects.filter(month=month, unit=unit))
    general = next((r for r in reports if r.assignment_id is None), None)
    texts = {r.assignment_id: r.text for r in reports if r.assignment_id}
    assignments = list(
        IndicatorAssignment.objects.filter(lead_unit=unit, year=month.year)
        .select_related("indicator")
        .order_by("indicator__position", "pk")
    )
    files = list(
        ReportFile.objects.filter(month=month, unit=unit)
        .defer("content")
        .order_by("added_at", "pk")
    )
    result = None
    size = 0
    public = None
    if results_visible(user, month):
        result = (
            UnitMonthResult.objects.filter(month=month, unit=unit)
            .select_related("category")
            .first()
        )
        if result is not None:
            size = UnitMonthResult.objects.filter(
                month=month, category_id=result.category_id
            ).count()
        public = PublicEvaluation.objects.filter(month=month, unit=unit).first()
    may_report = month.state == PerformanceMonth.State.OPEN and scope_of(
        user, UNIT_REPORTERS
    ).covers_path(unit.path, unit.pk)
    return UnitMonth(
        month,
        unit,
        general,
        [(a, texts.get(a.pk, "")) for a in assignments],
        files,
        result,
        size,
        public,
        may_report,
    )


def report_file_get(user: User, file_id: int) -> ReportFile:
    """An evidence file, for the office of its region and the readers of its unit."""
    found = ReportFile.objects.filter(pk=file_id).select_related("month", "unit").first()
    if found is None or found.month.region_id != user.region_id:
        raise Http404
    unit_for_month(user, found.month, found.unit_id)
    return found


# ------------------------------------------------------------------ the lead unit's page


@dataclass
class LeadLine:
    assignment: IndicatorAssignment
    months: list[tuple[PerformanceMonth, str, str]]  # month, progress, score text


def lead_units(user: User, year: int) -> QuerySet[Unit]:
    """The units with assigned indicators the user may open for the year."""
    units = Unit.objects.filter(
        pk__in=IndicatorAssignment.objects.filter(year=year).values("lead_unit_id"),
        region_id=user.region_id,
    )
    if not is_office(user, user.region_id or 0):
        units = units.filter(scope_of(user, UNIT_READERS).unit_filter())
    return units.order_by("path")


def lead_page(user: User, unit_id: int, year: int) -> tuple[Unit, list[LeadLine]]:
    """The lead unit's assigned indicators with targets, and each month of the year:
    its progress report on the indicator and the indicator's score (published months,
    or every month for the office). Five queries whatever the count."""
    if user.region_id is None:
        raise Http404
    unit = (
        Unit.objects.filter(region_id=user.region_id, pk=unit_id)
        .filter(
            Q()
            if is_office(user, user.region_id or 0)
            else scope_of(user, UNIT_READERS).unit_filter()
        )
        .first()
    )
    if unit is None:
        raise Http404
    assignments = list(
        IndicatorAssignment.objects.filter(lead_unit=unit, year=year)
        .select_related("indicator")
        .order_by("indicator__position", "pk")
    )
    months = list(
        PerformanceMonth.objects.filter(region_id=unit.region_id, year=year).order_by("month")
    )
    office = is_office(user, unit.region_id)
    texts = {
        (r_month, r_assignment): text
        for r_month, r_assignment, text in UnitMonthReport.objects.filter(
            unit=unit, month__in=months, assignment__in=assignments
        ).values_list("month_id", "assignment_id", "text")
    }
    scores: dict[tuple[int, str], str] = {}
    for month_id, key, kind, value, occurrences, flag in MonthEntry.objects.filter(
        unit=unit,
        month__in=months,
        indicator__key__in=[a.indicator.key for a in assignments],
    ).values_list("month_id", "indicator__key", "indicator__kind", "value", "occurrences", "flag"):
        scores[month_id, str(key)] = cell_text(kind, value, occurrences, flag)
    lines = []
    for a in assignments:
        shown = []
        for m in months:
            visible = office or m.state == PerformanceMonth.State.PUBLISHED
            score = scores.get((m.pk, str(a.indicator.key)), "") if visible else ""
            shown.append((m, texts.get((m.pk, a.pk), ""), score))
        lines.append(LeadLine(a, shown))
    return unit, lines


def open_reports_due(user: User) -> list[tuple[PerformanceMonth, Unit]]:
    """The open months whose report the user's units have not written (the home task
    list): for unit administrators and heads. Three queries."""
    units = list(own_units(user, UNIT_REPORTERS).filter(performance_category__isnull=False)[:20])
    if not units or user.region_id is None:
        return []
    months = list(
        PerformanceMonth.objects.filter(region_id=user.region_id, state=PerformanceMonth.State.OPEN)
    )
    done = set(
        UnitMonthReport.objects.filter(
            month__in=months, unit__in=units, assignment__isnull=True
        ).values_list("month_id", "unit_id")
    )
    return [(m, u) for m in months for u in units if (m.pk, u.pk) not in done]


def chart_spec(rows: list[RankRow], name: str) -> dict[str, object]:
    """charts.js's horizontal bars: one row per unit (its rank and name)."""
    return {
        "categories": [f"{r.rank}. {r.unit_name}" for r in rows],
        "series": [{"name": name, "data": [float(r.score) for r in rows]}],
        "stack": False,
        "labels": True,
    }


def trend_spec(points: list[TrendPoint], average: str, own: str) -> dict[str, object]:
    series: list[dict[str, object]] = [
        {"name": average, "data": [float(p.average) for p in points]}
    ]
    if any(p.own is not None for p in points):
        series.append({"name": own, "data": [float(p.own or 0) for p in points]})
    return {"categories": [p.label for p in points], "series": series, "labels": True}


def month_label(month: PerformanceMonth) -> str:
    return f"{month.year}年{month.month}月"


def today_month(today: dt.date) -> tuple[int, int]:
    return today.year, today.month


# Who sees units' year results: the office all of its region, a unit's leaders and
# administrators the units their grants cover.
# --- year (P2) ---


YEAR_ROLES = frozenset({Role.REGION_ADMIN, Role.UNIT_ADMIN, Role.UNIT_HEAD, Role.TEAM_MEMBER})


def unit_year_scores(*, region_id: int, year: int) -> dict[int, Decimal]:
    """unit id → its year's final result (the override, else the computed one); a unit
    with neither is absent. One query; what the cadres' annual composite reads (R5.2)."""
    out: dict[int, Decimal] = {}
    for unit_id, computed, override in (
        UnitYearResult.objects.filter(year=year, unit__region_id=region_id)
        .filter(Q(computed__isnull=False) | Q(override__isnull=False))
        .values_list("unit_id", "computed", "override")
    ):
        final = override if override is not None else computed
        if final is not None:
            out[unit_id] = final
    return out


def unit_year_marks(*, region_id: int, year: int) -> dict[int, list[tuple[str, str]]]:
    """unit id → its year's marks as (kind, citation), in the order recorded. One query;
    the one-vote rules of the unit's main leader read it (R5.8)."""
    out: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for unit_id, kind, reason in (
        UnitYearMark.objects.filter(year=year, unit__region_id=region_id)
        .order_by("pk")
        .values_list("unit_id", "kind", "reason")
    ):
        out[unit_id].append((kind, reason))
    return dict(out)


def _results(user: User) -> QuerySet[UnitYearResult]:
    scope = scope_of(user, YEAR_ROLES)
    return UnitYearResult.objects.filter(scope.unit_filter("unit__"))


def can_see_years(user: User) -> bool:
    return not scope_of(user, YEAR_ROLES).is_empty


@dataclass
class CategoryYear:
    category: PerformanceCategory | None
    rows: list[UnitYearResult] = field(default_factory=list)
    ranked: int = 0  # the category's ranked units in the region: the M of "rank N of M"


@dataclass
class YearOverview:
    year: int
    office: bool
    months_weight: Decimal
    year_end_weight: Decimal
    published_months: list[int]
    categories: list[CategoryYear]
    locked: list[str]
    awaiting: int  # units without a final result


def year_overview(user: User, year: int, category_id: int | None = None) -> YearOverview:
    """The year's unit results the user may see, by category and rank: four queries
    (the rows with their units and overriders, the categories, the published months,
    the policy) and the locks' own."""
    region_id = region_id_of(user)
    if not can_see_years(user):
        raise Http404
    rows = (
        _results(user)
        .filter(year=year)
        .select_related("unit", "override_by__person")
        .order_by("category_id", "rank", "unit__path")
    )
    if category_id is not None:
        rows = rows.filter(category_id=category_id)
    categories = {
        c.pk: c for c in PerformanceCategory.objects.filter(region_id=region_id).order_by("name")
    }
    grouped: dict[int | None, CategoryYear] = {}
    awaiting = 0
    for row in rows:
        if row.category_id not in grouped:
            grouped[row.category_id] = CategoryYear(categories.get(row.category_id or 0))
        grouped[row.category_id].rows.append(row)
        if row.final is None:
            awaiting += 1
    # The M of each rank: the category's ranked units in the whole region, whatever
    # part of it the user sees (one GROUP BY).
    ranked: dict[int | None, int] = dict(
        UnitYearResult.objects.filter(year=year, unit__region_id=region_id, rank__isnull=False)
        .order_by()
        .values("category_id")
        .annotate(n=Count("pk"))
        .values_list("category_id", "n")
    )
    for category_key, rows_of in grouped.items():
        rows_of.ranked = ranked.get(category_key, 0)
        # Ranked first, in order; then those without a place.
        rows_of.rows.sort(key=lambda r: (r.rank is None, r.rank or 0, r.unit.path))
    ordered = sorted(
        grouped.values(), key=lambda c: (c.category is None, c.category.name if c.category else "")
    )
    months_weight, year_end_weight = year_weights(region_id)
    months = sorted(
        PerformanceMonth.objects.filter(
            region_id=region_id, year=year, state=PerformanceMonth.State.PUBLISHED
        ).values_list("month", flat=True)
    )
    office = is_region_admin(user)
    return YearOverview(
        year=year,
        office=office,
        months_weight=months_weight,
        year_end_weight=year_end_weight,
        published_months=months,
        categories=ordered,
        locked=year_lock_reasons(region_id, year) if office else [],
        awaiting=awaiting,
    )


def region_categories(user: User) -> list[PerformanceCategory]:
    return list(PerformanceCategory.objects.filter(region_id=region_id_of(user)).order_by("name"))


@dataclass
class MonthLine:
    month: int
    score: Decimal
    rank: int
    category: str
    size: int  # the units ranked in that category and month


@dataclass
class UnitYear:
    unit: Unit
    year: int
    result: UnitYearResult | None
    months: list[MonthLine]
    months_weight: Decimal
    year_end_weight: Decimal
    marks: list[UnitYearMark]
    office: bool
    locked: list[str]
    ranked: int  # the units ranked in the result's category this year


def unit_year(user: User, unit_id: int, year: int) -> UnitYear:
    """One unit's year with what it was computed from (its published months, the
    year-end score, the weights, the override and its reason), and its marks; Http404
    for a unit outside the user's scope. Six queries."""
    scope = scope_of(user, YEAR_ROLES)
    unit = Unit.objects.filter(scope.unit_filter(), pk=unit_id).first()
    if unit is None:
        raise Http404
    result = (
        UnitYearResult.objects.filter(unit=unit, year=year)
        .select_related("category", "override_by__person")
        .first()
    )
    sizes = (
        UnitMonthResult.objects.filter(month=OuterRef("month"), category=OuterRef("category"))
        .order_by()
        .values("month")
        .annotate(n=Count("pk"))
        .values("n")
    )
    months = [
        MonthLine(m, score, rank, category, size)
        for m, score, rank, category, size in UnitMonthResult.objects.filter(
            unit=unit,
            month__year=year,
            month__region_id=unit.region_id,
            month__state=PerformanceMonth.State.PUBLISHED,
        )
        .annotate(size=Subquery(sizes))
        .order_by("month__month")
        .values_list("month__month", "score", "rank", "category__name", "size")
    ]
    ranked = (
        UnitYearResult.objects.filter(
            year=year,
            category_id=result.category_id,
            unit__region_id=unit.region_id,
            rank__isnull=False,
        ).count()
        if result is not None and result.rank is not None
        else 0
    )
    months_weight, year_end_weight = year_weights(unit.region_id)
    marks = list(
        UnitYearMark.objects.filter(unit=unit, year=year)
        .select_related("recorded_by__person")
        .order_by("pk")
    )
    office = is_region_admin(user)
    return UnitYear(
        unit=unit,
        year=year,
        result=result,
        months=months,
        months_weight=months_weight,
        year_end_weight=year_end_weight,
        marks=marks,
        office=office,
        locked=year_lock_reasons(unit.region_id, year) if office else [],
        ranked=ranked,
    )


@dataclass
class YearEndRow:
    unit: Unit
    year_end: Decimal | None


def year_end_grid(
    user: User, year: int, category_id: int
) -> tuple[PerformanceCategory, list[YearEndRow]]:
    """The office's year-end entry grid of a category: its units and their stored
    scores (two queries and the category's). Http404 for anyone else."""
    if not is_region_admin(user):
        raise Http404
    region_id = region_id_of(user)
    category = PerformanceCategory.objects.filter(region_id=region_id, pk=category_id).first()
    if category is None:
        raise Http404
    units = list(
        Unit.objects.filter(region_id=region_id, performance_category=category).order_by("path")
    )
    stored = dict(
        UnitYearResult.objects.filter(year=year, unit__in=units).values_list("unit_id", "year_end")
    )
    return category, [YearEndRow(u, stored.get(u.pk)) for u in units]


def year_marks(user: User, year: int) -> list[UnitYearMark]:
    """The year's marks on the units the user may see, oldest first (one query)."""
    if not can_see_years(user):
        raise Http404
    scope = scope_of(user, YEAR_ROLES)
    return list(
        UnitYearMark.objects.filter(scope.unit_filter("unit__"), year=year)
        .select_related("unit", "recorded_by__person")
        .order_by("unit__path", "pk")
    )


def office_units(user: User) -> list[tuple[int, str]]:
    """The region's units for the office's choosers (one query); none for anyone else."""
    if not is_region_admin(user):
        return []
    return list(
        Unit.objects.filter(region_id=region_id_of(user), is_active=True)
        .order_by("path")
        .values_list("pk", "name")
    )


def year_export_rows(user: User, year: int) -> QuerySet[UnitYearResult, tuple[Any, ...]]:
    """The year page's rows as the export writes them, scoped as the page (one query,
    read in chunks)."""
    if not can_see_years(user):
        raise Http404
    return (
        _results(user)
        .filter(year=year)
        .order_by("category__name", "rank", "unit__path")
        .values_list(
            "category__name",
            "unit__code",
            "unit__name",
            "months_counted",
            "months_average",
            "year_end",
            "computed",
            "override",
            "override_reason",
            "rank",
        )
    )
