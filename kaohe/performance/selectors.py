"""Reads of unit performance. Those behind a page take the acting user and read only
what their grants cover (`accounts.access.scope_of`); an id outside is Http404. Those
that feed a computation (the cadres' annual composite, the teams) take a region."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from kaohe.accounts.access import is_region_admin, region_id_of, scope_of
from kaohe.accounts.models import Role, User
from kaohe.org.models import PerformanceCategory, Unit
from kaohe.performance.locks import year_lock_reasons
from kaohe.performance.models import (
    PerformanceMonth,
    UnitMonthResult,
    UnitYearMark,
    UnitYearResult,
)
from kaohe.performance.policies import year_weights

# --- year (P2) ---

# Who sees units' year results: the office all of its region, a unit's leaders and
# administrators the units their grants cover.
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
        .select_related("unit", "override_by")
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
    for rows_of in grouped.values():
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
        .select_related("category", "override_by")
        .first()
    )
    months = [
        MonthLine(m, score, rank, category)
        for m, score, rank, category in UnitMonthResult.objects.filter(
            unit=unit,
            month__year=year,
            month__region_id=unit.region_id,
            month__state=PerformanceMonth.State.PUBLISHED,
        )
        .order_by("month__month")
        .values_list("month__month", "score", "rank", "category__name")
    ]
    months_weight, year_end_weight = year_weights(unit.region_id)
    marks = list(
        UnitYearMark.objects.filter(unit=unit, year=year)
        .select_related("recorded_by")
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
    )


@dataclass
class GridRow:
    unit: Unit
    year_end: Decimal | None


def year_end_grid(
    user: User, year: int, category_id: int
) -> tuple[PerformanceCategory, list[GridRow]]:
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
    return category, [GridRow(u, stored.get(u.pk)) for u in units]


def year_marks(user: User, year: int) -> list[UnitYearMark]:
    """The year's marks on the units the user may see, oldest first (one query)."""
    if not can_see_years(user):
        raise Http404
    scope = scope_of(user, YEAR_ROLES)
    return list(
        UnitYearMark.objects.filter(scope.unit_filter("unit__"), year=year)
        .select_related("unit", "recorded_by")
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
