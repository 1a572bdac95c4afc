"""Reads of organization data, always scoped by the acting user.

Out-of-scope ids raise Http404 (never 403), so guessing an id reveals nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

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

from kaohe.accounts.access import ALL_ROLES, region_id_of, scope_of
from kaohe.accounts.models import User
from kaohe.org.models import (
    IN_SCOPE_STATUSES,
    LeadershipRole,
    Membership,
    MembershipQuerySet,
    Person,
    QuotaPool,
    QuotaPoolMember,
    Unit,
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


@dataclass
class UnitNode:
    unit: Unit
    head_count: int
    children: list[UnitNode] = field(default_factory=list)

    @property
    def subtree_head_count(self) -> int:
        return self.head_count + sum(child.subtree_head_count for child in self.children)


def unit_tree(user: User, day: dt.date) -> list[UnitNode]:
    """Visible units as a forest, each with the number of assessed cadres on `day`.

    One query: head counts are a filtered COUNT over the memberships join.
    """
    in_force = Q(memberships__valid_from__lte=day) & (
        Q(memberships__valid_to__isnull=True) | Q(memberships__valid_to__gte=day)
    )
    units = list(
        visible_units(user)
        .filter(is_active=True)
        .annotate(
            head_count=Count(
                "memberships", filter=in_force & Q(memberships__status__in=IN_SCOPE_STATUSES)
            )
        )
        .order_by("depth", "sort_order", "code")
    )
    nodes = {unit.pk: UnitNode(unit=unit, head_count=unit.head_count) for unit in units}
    roots: list[UnitNode] = []
    for node in nodes.values():
        parent = nodes.get(node.unit.parent_id) if node.unit.parent_id else None
        (parent.children if parent else roots).append(node)
    return roots


def unit_members(user: User, unit: Unit, day: dt.date) -> MembershipQuerySet:
    """Who was in `unit` on `day`, leaders first. `unit` must come from unit_get."""
    return (
        Membership.objects.filter(unit=unit, unit__in=visible_units(user))
        .on(day)
        .select_related("person", "rank_level", "personnel_category")
        .annotate(role_order=ROLE_ORDER)
        .order_by("role_order", "rank_level__sort_order", "person__staff_no")
    )


def unit_pool(unit: Unit, year: int) -> QuotaPool | None:
    """The unit's quota pool for `year`, with the pool's member units preloaded."""
    member = (
        QuotaPoolMember.objects.filter(unit=unit, year=year)
        .select_related("pool", "pool__lead_unit")
        .first()
    )
    if member is None:
        return None
    pool = member.pool
    pool.member_units = [  # type: ignore[attr-defined]
        m.unit for m in pool.members.select_related("unit").order_by("unit__path")
    ]
    return pool


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
