"""Reads of the outcomes domain (R6), given the acting user and scoped (404 outside).
Each part's functions are one block below."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.paginator import Page
from django.db.models import Count, F, Q, QuerySet
from django.http import Http404

from kaohe.accounts.access import Scope, scope_of
from kaohe.accounts.models import Role, User
from kaohe.core.paging import CountedPaginator
from kaohe.org.models import Membership, Person, RankTier, Unit
from kaohe.outcomes.citations import citation, list_title
from kaohe.outcomes.models import EligibilityEntry
from kaohe.outcomes.rules import ListKind
from kaohe.scoring.explain import grade_label

# ---------------------------------------------------------------- lists (eligibility)

# Who sees the lists: the region's office all of them, a unit's head or admin those of
# their units. A cadre does not (404); their own entries show on their archive page
# (`eligibility_of`).
LIST_ROLES = frozenset({Role.REGION_ADMIN, Role.UNIT_ADMIN, Role.UNIT_HEAD})
LIST_PAGE_SIZE = 50


def list_scope(user: User) -> Scope:
    """The units whose people's entries `user` may see; 404 for anyone without a grant
    of LIST_ROLES (a cadre, another region's user)."""
    scope = scope_of(user, LIST_ROLES)
    if scope.is_empty or scope.region_id is None:
        raise Http404
    return scope


def _region(scope: Scope) -> int:
    if scope.region_id is None:
        raise Http404
    return scope.region_id


def _entries(user: User, year: int) -> QuerySet[EligibilityEntry]:
    scope = list_scope(user)
    entries = EligibilityEntry.objects.filter(region_id=_region(scope), year=year)
    if not scope.region_wide:
        entries = entries.filter(scope.unit_filter("unit__"))
    return entries


def list_years(user: User) -> list[int]:
    """The years the region has lists for, latest first."""
    scope = list_scope(user)
    return list(
        EligibilityEntry.objects.filter(region_id=_region(scope))
        .order_by("-year")
        .values_list("year", flat=True)
        .distinct()
    )


@dataclass(frozen=True)
class ListSummary:
    kind: ListKind
    title: str
    count: int


def list_summaries(user: User, year: int) -> list[ListSummary]:
    """Every list of the year with its head count in the user's scope: one GROUP BY."""
    counts = dict(
        _entries(user, year)
        .order_by()
        .values("kind")
        .annotate(n=Count("id"))
        .values_list("kind", "n")
    )
    return [ListSummary(k, list_title(k), counts.get(str(k), 0)) for k in ListKind]


@dataclass(frozen=True)
class ListFilter:
    """A list page's filters, checked: a tier among the choices, a unit in scope."""

    tier: str = ""
    unit_id: int | None = None


def list_units(user: User) -> list[tuple[int, str]]:
    """The units a list can be narrowed to: those in the user's scope, in tree order."""
    scope = list_scope(user)
    rows = Unit.objects.filter(scope.unit_filter()).order_by("path").values_list("pk", "name")
    return list(rows)


def list_filter(user: User, tier: str | None, unit: str | None) -> ListFilter:
    """The filters asked for, keeping only what is valid (an unknown tier or a unit
    outside the scope is dropped, not an error: the list is shown unfiltered)."""
    chosen_tier = tier if tier in RankTier.values else ""
    unit_id: int | None = None
    if unit and unit.isdigit():
        scope = list_scope(user)
        if Unit.objects.filter(scope.unit_filter(), pk=int(unit)).exists():
            unit_id = int(unit)
    return ListFilter(chosen_tier or "", unit_id)


def _list_rows(
    user: User, year: int, kind: ListKind, chosen: ListFilter
) -> QuerySet[EligibilityEntry]:
    entries = _entries(user, year).filter(kind=str(kind))
    if chosen.tier:
        entries = entries.filter(tier=chosen.tier)
    if chosen.unit_id is not None:
        entries = entries.filter(unit_id=chosen.unit_id)
    return entries


@dataclass(frozen=True)
class ListRow:
    """One line of a list as the page and the export show it."""

    staff_no: str
    name: str
    unit_code: str
    unit_name: str
    tier: str
    rank: str
    composite: Decimal | None
    grade: str
    figure: int
    citation: str


ROW_FIELDS = (
    "person__staff_no",
    "person__name",
    "unit__code",
    "record__unit_name",
    "tier",
    "rank_in_tier",
    "record__tier_size",
    "record__composite",
    "record__grade",
    "figure",
    "reasons",
)


def _row(values: Sequence[Any]) -> ListRow:
    staff_no, name, code, uname, tier, rank, size, composite, grade, figure, reasons = values
    return ListRow(
        staff_no=staff_no,
        name=name,
        unit_code=code or "",
        unit_name=uname,
        tier=str(dict(RankTier.choices).get(tier, "—")),
        rank=f"{rank} / {size}" if rank and size else "—",
        composite=composite,
        grade=grade_label(grade) if grade else "—",
        figure=figure,
        citation=citation(reasons or []),
    )


def _ordered(entries: QuerySet[EligibilityEntry]) -> QuerySet[EligibilityEntry]:
    return entries.order_by("tier", F("rank_in_tier").asc(nulls_last=True), "person_id")


def list_page(
    user: User, year: int, kind: ListKind, chosen: ListFilter, number: str | None
) -> Page[Any]:
    """One page of a list: two queries (its count and its rows) whatever its length."""
    entries = _list_rows(user, year, kind, chosen)
    count = entries.count()
    rows = _ordered(entries).values_list(*ROW_FIELDS)
    page = CountedPaginator(rows, LIST_PAGE_SIZE, count=count).get_page(number)
    page.object_list = [_row(r) for r in page.object_list]
    return page


def list_export_count(user: User, year: int, kind: ListKind, chosen: ListFilter) -> int:
    return _list_rows(user, year, kind, chosen).count()


def list_export_rows(
    user: User, year: int, kind: ListKind, chosen: ListFilter, chunk: int
) -> Iterator[ListRow]:
    """Every row of a list, read in chunks (the export's stream)."""
    rows = _ordered(_list_rows(user, year, kind, chosen)).values_list(*ROW_FIELDS)
    for values in rows.iterator(chunk_size=chunk):
        yield _row(values)


@dataclass(frozen=True)
class OwnEntry:
    kind: ListKind
    title: str
    figure: int
    citation: str


def eligibility_of(user: User, person_id: int, year: int) -> list[OwnEntry]:
    """The lists one person stands on for a year, for their archive page: the person
    themself, leaders over their unit in that year, the region's office; 404 otherwise."""
    entries = EligibilityEntry.objects.filter(person_id=person_id, year=year)
    if user.person_id != person_id:
        scope = scope_of(user, LIST_ROLES)
        if scope.is_empty or scope.region_id is None:
            raise Http404
        seen = Q(region_id=scope.region_id)
        if not scope.region_wide:
            seen &= scope.unit_filter("unit__")
        entries = entries.filter(seen)
        if not entries.exists() and not _person_in(scope, person_id):
            raise Http404
    rows = entries.values_list("kind", "figure", "reasons")
    order = {k: i for i, k in enumerate(ListKind)}
    found = [
        OwnEntry(ListKind(k), list_title(k), figure, citation(reasons or []))
        for k, figure, reasons in rows
        if k in ListKind._value2member_map_
    ]
    return sorted(found, key=lambda e: order[e.kind])


def _person_in(scope: Scope, person_id: int) -> bool:
    """Whether a person with no entry is still one the user may look up (in the region
    for the office; for a leader, the person's current unit in their scope)."""
    if scope.region_wide:
        return Person.objects.filter(pk=person_id, region_id=_region(scope)).exists()
    return Membership.objects.filter(Q(person_id=person_id) & scope.unit_filter("unit__")).exists()
