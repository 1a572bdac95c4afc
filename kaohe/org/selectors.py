"""Reads of organization data, always scoped by the acting user.

Out-of-scope ids raise Http404 (never 403), so guessing an id reveals nothing.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.http import Http404

from kaohe.accounts.access import ALL_ROLES, Scope, grants_of, region_id_of, scope_of
from kaohe.accounts.models import User
from kaohe.core import clock, sql
from kaohe.core.cache import forget, region_cached, region_token
from kaohe.core.year_facts import year_facts_forget
from kaohe.org.models import (
    IN_SCOPE_STATUSES,
    LeadershipRole,
    Membership,
    MembershipQuerySet,
    PerformanceCategory,
    Person,
    PersonnelCategory,
    PilotUnitYear,
    QuotaPool,
    QuotaPoolMember,
    RankLevel,
    Unit,
    UnitKind,
    UnitType,
)

ROLE_ORDER = Case(
    When(leadership_role=LeadershipRole.MAIN, then=Value(0)),
    When(leadership_role=LeadershipRole.TEAM, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def visible_units(user: User, roles: Iterable[str] = ALL_ROLES) -> QuerySet[Unit]:
    return Unit.objects.filter(scope_of(user, roles).unit_filter())


def unit_get(user: User, unit_id: int, roles: Iterable[str] = ALL_ROLES) -> Unit:
    unit = (
        visible_units(user, roles)
        .select_related("parent", "performance_category", "region")
        .filter(pk=unit_id)
        .first()
    )
    if unit is None:
        raise Http404
    return unit


# Versioned: the shared file cache outlives a deploy, and an old pickled UnitCounts would
# lack a field added since. Bump when UnitCounts changes shape.
UNIT_COUNTS = "unit_counts.v2"
UNIT_COUNTS_SECONDS = 600


@dataclass(frozen=True)
class UnitCounts:
    """A region's head counts on one day: assessed cadres per active unit (`own`), with
    its active subordinate units for units that have some (`subtree`), and the totals
    of the office's home page. The whole region, built in three queries; readers look
    up only the units the user may see."""

    day: dt.date
    own: dict[int, int]
    subtree: dict[int, int]
    children: dict[int, int]  # active subordinate units, for active units that have some
    units: int  # active units
    people: int  # assessed cadres in any unit, active or not
    pools: int  # quota pools of the day's year
    # Active units under an inactive one: with the parentless, the tops of the region's
    # tree (read by key rather than by testing every unit's parent).
    orphans: tuple[int, ...] = ()


def _build_unit_counts(region_id: int, day: dt.date) -> UnitCounts:
    own = dict(
        Membership.objects.filter(region_id=region_id)
        .on(day)
        .in_scope()
        .order_by()  # Membership's default ordering joins Person and would split the groups
        .values_list("unit_id")
        .annotate(n=Count("id"))
        .values_list("unit_id", "n")
    )
    units = list(
        Unit.objects.filter(region_id=region_id, is_active=True)
        .order_by("-depth")
        .values_list("pk", "parent_id")
    )
    active = {pk for pk, _parent in units}
    below: dict[int, int] = {}
    subtree: dict[int, int] = {}
    children: dict[int, int] = {}
    # Deepest first: a unit's total is complete before it is added to its parent's.
    for pk, parent_id in units:
        total = own.get(pk, 0)
        if pk in below:
            total += below[pk]
            subtree[pk] = total
        if parent_id in active:
            below[parent_id] = below.get(parent_id, 0) + total
            children[parent_id] = children.get(parent_id, 0) + 1
    return UnitCounts(
        day=day,
        own={pk: n for pk, n in own.items() if pk in active},
        subtree=subtree,
        children=children,
        units=len(units),
        people=sum(own.values()),
        pools=QuotaPool.objects.filter(region_id=region_id, year=day.year).count(),
        orphans=tuple(
            sorted(pk for pk, parent_id in units if parent_id and parent_id not in active)
        ),
    )


def unit_counts(region_id: int, day: dt.date) -> UnitCounts:
    """The region's head counts on `day`; today's are cached for the region and dropped
    by every service that changes units or memberships (`unit_counts_forget`)."""
    today = clock.today()
    if day != today:
        # Any other day is rare (a date picked on the page): built, not kept.
        return _build_unit_counts(region_id, day)
    return region_cached(
        f"{UNIT_COUNTS}:{today.isoformat()}",
        region_id,
        lambda: _build_unit_counts(region_id, today),
        UNIT_COUNTS_SECONDS,
    )


def unit_counts_forget(region_id: int) -> None:
    """Call in every write that changes a region's units, memberships or quota pools."""
    forget(f"{UNIT_COUNTS}:{clock.today().isoformat()}", region_id)
    forget(ORG_VERSION, region_id)
    year_facts_forget(region_id)  # the year plan's head counts and unit names


ORG_VERSION = "org-version"


def org_version(region_id: int) -> str:
    """A token that changes with every write of the region's units or memberships (it
    is dropped with the head counts, `unit_counts_forget`): the stamp of values cached
    per user that derive from them, which no write could find to forget one by one."""
    return region_token(ORG_VERSION, region_id)


@dataclass(frozen=True)
class UnitNode:
    """A row of the unit tree: a unit, its head count, and how many subordinate units
    the user may open under it (loaded when the row is opened)."""

    unit_id: int
    name: str
    head_count: int
    # Own and subordinate units' cadres; None where the user may not see the whole subtree.
    subtree_head_count: int | None
    child_count: int


TREE_PAGE_SIZE = 50


@dataclass(frozen=True)
class TreeLevel:
    """One page of a tree level: the units of one parent (or the roots), in order."""

    nodes: list[UnitNode]
    page: int
    has_next: bool


def _covers_subtree(scope: Scope, path: str) -> bool:
    return scope.region_wide or any(path.startswith(p) for p in scope.subtree_paths)


def _tree_level(
    user: User, units: QuerySet[Unit], order: tuple[str, ...], day: dt.date, page: int
) -> TreeLevel:
    """A page of `units` with their head counts and number of visible subordinate units:
    one query on the tree indexes (plus the region's cached counts), whatever the page
    or the region's size."""
    start = (page - 1) * TREE_PAGE_SIZE
    # One row more than the page says whether there is a next page, without a COUNT.
    fetched = list(
        units.order_by(*order).values_list("pk", "name", "path")[start : start + TREE_PAGE_SIZE + 1]
    )
    rows = fetched[:TREE_PAGE_SIZE]
    counts = unit_counts(region_id_of(user), day)
    scope = scope_of(user)
    covered = {pk for pk, _name, path in rows if _covers_subtree(scope, path)}
    children = {pk: counts.children.get(pk, 0) for pk in covered}
    partial = [pk for pk, _name, _path in rows if pk not in covered]
    if partial:
        # A unit granted without its subtree: only subordinate units granted otherwise show.
        children.update(
            visible_units(user)
            .filter(is_active=True, parent_id__in=partial)
            .order_by()
            .values_list("parent_id")
            .annotate(n=Count("pk"))
            .values_list("parent_id", "n")
        )
    nodes = [
        UnitNode(
            unit_id=pk,
            name=name,
            head_count=counts.own.get(pk, 0),
            subtree_head_count=counts.subtree.get(pk, counts.own.get(pk, 0))
            if pk in covered
            else None,
            child_count=children.get(pk, 0),
        )
        for pk, name, _path in rows
    ]
    return TreeLevel(nodes=nodes, page=page, has_next=len(fetched) > TREE_PAGE_SIZE)


# Each level's order is an index's (migration 0004): a page reads its rows and stops.
ROOTS_ORDER = ("depth", "sort_order", "code")
CHILDREN_ORDER = ("sort_order", "code")


def unit_tree_roots(user: User, day: dt.date, page: int = 1) -> TreeLevel:
    """The top of the user's tree: visible active units whose supervising unit the user
    cannot see (or that have none), a page at a time. Subordinate units are read by
    `unit_tree_children` when a row is opened, so the page costs the same for 50 units
    or 15,000."""
    visible = visible_units(user).filter(is_active=True)
    if scope_of(user).region_wide:
        # The region's tops: the units without a supervising unit (depth 0: a range of
        # the roots index, in its order) and the few under an inactive one (by key).
        # Testing each unit for a visible parent read the whole region (a hash anti-join
        # over 15,000 units on PostgreSQL, 40-60 ms).
        orphans = unit_counts(region_id_of(user), day).orphans
        tops = Q(depth=0) | Q(pk__in=orphans) if orphans else Q(depth=0)
        return _tree_level(user, visible.filter(tops), ROOTS_ORDER, day, page)
    shown_parent = visible.filter(pk=OuterRef("parent_id"))
    # Below the region office, the tops are the granted units (or, for a granted unit
    # since made inactive, its active children): looked up by key, where the scope's
    # path filter alone would read every unit of the region.
    granted = [g.unit for g in grants_of(user) if g.unit and g.region_id == user.region_id]
    roots = visible.exclude(Exists(shown_parent)).filter(
        Q(pk__in=[u.pk for u in granted if u.is_active])
        | Q(parent_id__in=[u.pk for u in granted if not u.is_active])
    )
    return _tree_level(user, roots, ROOTS_ORDER, day, page)


def unit_tree_children(user: User, unit_id: int, day: dt.date, page: int = 1) -> TreeLevel:
    """The visible active units directly under a unit the user may see (else Http404)."""
    visible = visible_units(user).filter(is_active=True)
    if not visible_units(user).filter(pk=unit_id).exists():
        raise Http404
    return _tree_level(user, visible.filter(parent_id=unit_id), CHILDREN_ORDER, day, page)


def unit_members(user: User, unit: Unit, day: dt.date) -> MembershipQuerySet:
    """Who was in `unit` on `day`, leaders first. `unit` must come from unit_get."""
    return (
        Membership.objects.filter(unit=unit, unit__in=visible_units(user))
        .on(day)
        .select_related("person", "rank_level", "personnel_category")
        .annotate(role_order=ROLE_ORDER)
        .order_by("role_order", "rank_level__sort_order", "person__staff_no")
    )


# (person id, name, post, rank level, leadership role, status, personnel category)
MemberColumns = tuple[int, str, str, str, str, str, str]


@sql.statement
def _member_page_sql(leaders_only: bool) -> str:
    """A page of a unit's in-scope members on a day, leaders first, each row with the
    number of all of them (a window count). Written in SQL: the ORM took about eight
    times the database's time to build and compile it. Only the models' own table and
    column names go into the text; values are parameters."""
    m, p, r, c = Membership, Person, RankLevel, PersonnelCategory
    statuses = ", ".join(["%s"] * len(IN_SCOPE_STATUSES))
    role = f"m.{sql.column(m, 'leadership_role')}"
    return (
        f"SELECT m.{sql.column(m, 'person')}, p.{sql.column(p, 'name')}, "  # noqa: S608
        f"m.{sql.column(m, 'post')}, r.{sql.column(r, 'name')}, {role}, "
        f"m.{sql.column(m, 'status')}, c.{sql.column(c, 'name')}, COUNT(*) OVER () "
        f"FROM {sql.table(m)} m "
        f"JOIN {sql.table(p)} p ON p.{sql.column(p, 'id')} = m.{sql.column(m, 'person')} "
        f"JOIN {sql.table(r)} r ON r.{sql.column(r, 'id')} = m.{sql.column(m, 'rank_level')} "
        f"JOIN {sql.table(c)} c "
        f"ON c.{sql.column(c, 'id')} = m.{sql.column(m, 'personnel_category')} "
        f"WHERE m.{sql.column(m, 'unit')} = %s AND m.{sql.column(m, 'valid_from')} <= %s "
        f"AND (m.{sql.column(m, 'valid_to')} IS NULL OR m.{sql.column(m, 'valid_to')} >= %s) "
        f"AND m.{sql.column(m, 'status')} IN ({statuses}) "
        + (f"AND {role} <> %s " if leaders_only else "")
        + f"ORDER BY CASE {role} WHEN %s THEN 0 WHEN %s THEN 1 ELSE 2 END, "
        f"r.{sql.column(r, 'sort_order')}, p.{sql.column(p, 'staff_no')} LIMIT %s OFFSET %s"
    )


def unit_member_page(
    unit: Unit | UnitHead,
    day: dt.date,
    offset: int,
    limit: int,
    *,
    leaders_only: bool = False,
) -> tuple[list[MemberColumns], int]:
    """`unit_members(...).in_scope()` as plain rows, `limit` of them from `offset`, and
    how many there are in all (0 when the page is empty). `unit` must come from
    unit_get or unit_head."""
    on = connection.ops.adapt_datefield_value(day)
    params: list[Any] = [unit.pk, on, on, *sorted(IN_SCOPE_STATUSES)]
    if leaders_only:
        params.append(LeadershipRole.STAFF.value)
    params += [LeadershipRole.MAIN.value, LeadershipRole.TEAM.value, limit, offset]
    with connection.cursor() as cursor:
        cursor.execute(_member_page_sql(leaders_only), params)
        rows = cursor.fetchall()
    return [tuple(row[:7]) for row in rows], (int(rows[0][7]) if rows else 0)


@dataclass(frozen=True)
class PoolOf:
    """A unit's quota pool in a year as its page shows it: the pool's name and kind, and
    the names of the other units in it, by path."""

    name: str
    kind: str
    others: list[str]

    @property
    def kind_label(self) -> str:
        return str(QuotaPool.Kind(self.kind).label)


@sql.statement
def _pool_sql() -> str:
    """The members of the pool that holds a unit in a year, with the pool's name and kind.
    In SQL: the ORM's subquery and joins took several times the database's time."""
    a, q, u = QuotaPoolMember, QuotaPool, Unit
    return (
        f"SELECT q.{sql.column(q, 'name')}, q.{sql.column(q, 'kind')}, "  # noqa: S608
        f"u.{sql.column(u, 'id')}, u.{sql.column(u, 'name')} FROM {sql.table(a)} a "
        f"JOIN {sql.table(a)} b ON b.{sql.column(a, 'pool')} = a.{sql.column(a, 'pool')} "
        f"AND b.{sql.column(a, 'year')} = a.{sql.column(a, 'year')} "
        f"JOIN {sql.table(q)} q ON q.{sql.column(q, 'id')} = a.{sql.column(a, 'pool')} "
        f"JOIN {sql.table(u)} u ON u.{sql.column(u, 'id')} = b.{sql.column(a, 'unit')} "
        f"WHERE a.{sql.column(a, 'unit')} = %s AND a.{sql.column(a, 'year')} = %s "
        f"ORDER BY u.{sql.column(u, 'path')}"
    )


def unit_pool(unit: Unit, year: int) -> PoolOf | None:
    """The unit's quota pool for `year`: one query for the pool's member rows (plain
    columns)."""
    with connection.cursor() as cursor:
        cursor.execute(_pool_sql(), [unit.pk, year])
        members = cursor.fetchall()
    if not members:
        return None
    name, kind = members[0][0], members[0][1]
    return PoolOf(name, kind, [n for _p, _k, pk, n in members if pk != unit.pk])


@dataclass(frozen=True)
class UnitHead:
    """What the unit page shows of a unit above its members, as plain values: the unit,
    its supervising unit's and performance category's names, whether it is a pilot unit
    in the year, and its quota pool in the year."""

    pk: int
    name: str
    code: str
    path: str
    unit_type: str
    unit_kind: str
    parent_name: str | None
    category_name: str | None
    is_pilot: bool
    pool: PoolOf | None

    @property
    def unit_type_label(self) -> str:
        return str(_unit_labels()[0].get(self.unit_type, self.unit_type))

    @property
    def unit_kind_label(self) -> str:
        return str(_unit_labels()[1].get(self.unit_kind, self.unit_kind))


@functools.cache
def _unit_labels() -> tuple[dict[str, Any], dict[str, Any]]:
    """The unit types' and kinds' labels by value, built once: `Choices.choices` builds
    its list on every call (a quarter of the unit page's own time). The labels are lazy
    translations, turned into the request's language when shown."""
    return dict(UnitType.choices), dict(UnitKind.choices)


@sql.statement
def _unit_head_sql() -> str:
    """The unit with its parent's and category's names and its pilot flag (kind 0), then
    the units of its pool in the year by path (kind 1), in one statement:
    (kind, unit id, name, code or pool name, type or pool kind, unit kind, path, region,
    parent name, category name, pilot). Written out, as `_member_page_sql`: through the
    ORM the unit's select_related cost more to build than the three statements it stood
    for took to run."""
    u, c, y, a, q = Unit, PerformanceCategory, PilotUnitYear, QuotaPoolMember, QuotaPool
    uc = functools.partial(sql.column, u)
    pilot = (
        f"CASE WHEN EXISTS (SELECT 1 FROM {sql.table(y)} y "  # noqa: S608
        f"WHERE y.{sql.column(y, 'unit')} = u.{uc('id')} AND y.{sql.column(y, 'year')} = %s) "
        "THEN 1 ELSE 0 END"
    )
    return (
        f"SELECT 0, u.{uc('id')}, u.{uc('name')}, u.{uc('code')}, u.{uc('unit_type')}, "  # noqa: S608
        f"u.{uc('unit_kind')}, u.{uc('path')}, u.{uc('region')}, t.{uc('name')}, "
        f"c.{sql.column(c, 'name')}, {pilot} FROM {sql.table(u)} u "
        f"LEFT JOIN {sql.table(u)} t ON t.{uc('id')} = u.{uc('parent')} "
        f"LEFT JOIN {sql.table(c)} c "
        f"ON c.{sql.column(c, 'id')} = u.{uc('performance_category')} "
        f"WHERE u.{uc('id')} = %s "
        f"UNION ALL SELECT 1, o.{uc('id')}, o.{uc('name')}, q.{sql.column(q, 'name')}, "
        f"q.{sql.column(q, 'kind')}, '', o.{uc('path')}, 0, NULL, NULL, 0 "
        f"FROM {sql.table(a)} a "
        f"JOIN {sql.table(a)} b ON b.{sql.column(a, 'pool')} = a.{sql.column(a, 'pool')} "
        f"AND b.{sql.column(a, 'year')} = a.{sql.column(a, 'year')} "
        f"JOIN {sql.table(q)} q ON q.{sql.column(q, 'id')} = a.{sql.column(a, 'pool')} "
        f"JOIN {sql.table(u)} o ON o.{uc('id')} = b.{sql.column(a, 'unit')} "
        f"WHERE a.{sql.column(a, 'unit')} = %s AND a.{sql.column(a, 'year')} = %s "
        "ORDER BY 1, 7"
    )


def unit_head(user: User, unit_id: int, year: int) -> UnitHead:
    """The unit page's unit (404 outside what `user` may see, as `unit_get`), with its
    pilot flag and quota pool of `year`: one query, where `unit_get`, a pilot EXISTS
    and `unit_pool` were three. The scope is checked on the row read: `Scope.unit_filter`
    and `Scope.covers_path` with the region say the same of one unit."""
    with connection.cursor() as cursor:
        cursor.execute(_unit_head_sql(), [year, unit_id, unit_id, year])
        rows = cursor.fetchall()
    if not rows or rows[0][0] != 0:
        raise Http404
    _k, pk, name, code, unit_type, unit_kind, path, region_id, parent, category, pilot = rows[0]
    scope = scope_of(user)
    if scope.is_empty or scope.region_id != region_id or not scope.covers_path(path, pk):
        raise Http404
    pool = None
    if len(rows) > 1:
        pool = PoolOf(rows[1][3], rows[1][4], [r[2] for r in rows[1:] if r[1] != pk])
    return UnitHead(pk, name, code, path, unit_type, unit_kind, parent, category, bool(pilot), pool)


def visible_people(user: User, roles: Iterable[str] = ALL_ROLES) -> QuerySet[Person]:
    """People who have, or had, a membership in a unit the user can see."""
    scope = scope_of(user, roles)
    in_scope_unit = Membership.objects.filter(
        scope.unit_filter(prefix="unit__"), person=OuterRef("pk")
    )
    return Person.objects.filter(region_id=region_id_of(user)).filter(Exists(in_scope_unit))


def person_get(user: User, person_id: int) -> Person:
    person = visible_people(user).filter(pk=person_id).first()
    if person is None:
        raise Http404
    return person


def person_history(person: Person) -> QuerySet[Membership]:
    """Every membership of `person`, oldest first. `person` must come from person_get."""
    return (
        Membership.objects.filter(person=person)
        .select_related("unit", "rank_level", "personnel_category")
        .order_by("valid_from")
    )


def person_current(person: Person, day: dt.date) -> Membership | None:
    return (
        Membership.objects.filter(person=person)
        .on(day)
        .select_related("unit", "rank_level", "personnel_category")
        .first()
    )


def assessment_scope(
    user: User, period_end: dt.date, units: QuerySet[Unit] | None = None
) -> MembershipQuerySet:
    """Who is assessed for a period: the in-scope membership in force on the
    period's last day (the quarterly scope adjustment of R1.5), within the units
    the user can see, optionally narrowed to `units`."""
    qs = Membership.objects.filter(unit__in=visible_units(user)).on(period_end).in_scope()
    if units is not None:
        qs = qs.filter(unit__in=units)
    return qs.select_related("person", "unit", "rank_level", "personnel_category")


SEARCH_MAX_LENGTH = 50


def search_people(user: User, text: str, day: dt.date) -> QuerySet[Person]:
    """People the user may see whose name contains `text` or whose staff number is
    exactly `text`, each with the visible unit they are in on `day` (`unit_name`, in
    the same query). The staff number is matched through the (region, staff_no) unique
    index; a name substring cannot use a B-tree index, and is bounded by the scope
    filter and paging instead (docs/decisions.md, "Search for people and units")."""
    text = text.strip()[:SEARCH_MAX_LENGTH]
    if not text:
        return Person.objects.none()
    scope = scope_of(user)
    current_unit = (
        Membership.objects.filter(scope.unit_filter(prefix="unit__"), person=OuterRef("pk"))
        .on(day)
        .order_by("-valid_from")
    )
    return (
        visible_people(user)
        .filter(Q(name__icontains=text) | Q(staff_no=text))
        .annotate(unit_name=Subquery(current_unit.values("unit__name")[:1]))
        .order_by("name", "staff_no")
    )


def search_units(user: User, text: str) -> QuerySet[Unit]:
    """Units the user may see whose name contains `text` or whose code is `text`."""
    text = text.strip()[:SEARCH_MAX_LENGTH]
    if not text:
        return Unit.objects.none()
    return visible_units(user).filter(Q(name__icontains=text) | Q(code=text)).order_by("path")
