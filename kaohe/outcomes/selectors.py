"""Reads of the outcomes domain, given the acting user and scoped (404 outside)."""

from __future__ import annotations

# --- consequences: the tasks in a user's scope, the owners' and the office's lists ---
import datetime as dt
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count, Min, Q, QuerySet
from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _lazy

from kaohe.accounts.access import OVERSIGHT_ROLES, is_region_admin, region_id_of, scope_of
from kaohe.accounts.models import Role, User
from kaohe.org.models import Unit
from kaohe.outcomes.models import ConsequenceKind, ConsequenceState, ConsequenceTask

CONSEQUENCE_PAGE_SIZE = 50
# How many overdue tasks of the units the office's home list names one by one.
OVERDUE_ON_HOME = 20
# The filter's states: the task states and "overdue" (open and past its due date).
OVERDUE = "overdue"
ALL = "all"

OWNER_LABELS: dict[str, Promise] = {
    Role.UNIT_HEAD: _lazy("Main leader of the unit"),
    Role.REGION_ADMIN: _lazy("Organization department"),
}


def owner_label(role: str) -> str:
    return str(OWNER_LABELS.get(role, role))


@dataclass(frozen=True)
class ConsequenceFilter:
    state: str = ConsequenceState.OPEN
    kind: str = ""
    unit_id: int | None = None
    year: int | None = None

    @classmethod
    def states(cls) -> list[tuple[str, str]]:
        return [
            (ConsequenceState.OPEN, str(ConsequenceState.OPEN.label)),
            (OVERDUE, str(_lazy("Overdue"))),
            (ConsequenceState.DONE, str(ConsequenceState.DONE.label)),
            (ConsequenceState.CANCELLED, str(ConsequenceState.CANCELLED.label)),
            (ALL, str(_lazy("All"))),
        ]

    @classmethod
    def of(
        cls, state: str | None, kind: str | None, unit_id: int | None, year: int | None
    ) -> ConsequenceFilter:
        """From the page's query string; an unknown value reads as no filter."""
        states = {value for value, _label in cls.states()}
        return cls(
            state=state if state in states else ConsequenceState.OPEN,
            kind=kind if kind in ConsequenceKind.values else "",
            unit_id=unit_id,
            year=year if year is not None and 1990 <= year <= 2100 else None,
        )


def consequences_visible(user: User) -> QuerySet[ConsequenceTask]:
    """The consequences the user may see: the region office all of the region's;
    leaders (OVERSIGHT_ROLES) those of the units in their scope; anyone their own."""
    region_id = region_id_of(user)
    scope = scope_of(user, OVERSIGHT_ROLES)
    if scope.region_wide:
        seen = Q()
    else:
        seen = scope.unit_filter("unit__") if not scope.is_empty else Q(pk__in=[])
        if user.person_id is not None:
            seen |= Q(person_id=user.person_id)
    return ConsequenceTask.objects.filter(seen, region_id=region_id)


def may_record(actor: User, task: ConsequenceTask, unit: Unit | None) -> bool:
    """The task's owner (the head of its unit, for a unit's task) or the region office."""
    if actor.region_id != task.region_id:
        return False
    if is_region_admin(actor):
        return True
    if task.owner_role != Role.UNIT_HEAD or unit is None:
        return False
    return scope_of(actor, {Role.UNIT_HEAD}).covers_path(unit.path, unit.pk)


def consequence_page(
    user: User, flt: ConsequenceFilter, page_number: str | None, today: dt.date
) -> Page[ConsequenceTask]:
    """One page of the consequences in scope, nearest due date first (two queries: the
    count and the page, whatever its length)."""
    rows = consequences_visible(user)
    if flt.state == OVERDUE:
        rows = rows.filter(state=ConsequenceState.OPEN, due_on__lt=today)
    elif flt.state != ALL:
        rows = rows.filter(state=flt.state)
    if flt.kind:
        rows = rows.filter(kind=flt.kind)
    if flt.unit_id is not None:
        rows = rows.filter(unit_id=flt.unit_id)
    if flt.year is not None:
        rows = rows.filter(year=flt.year)
    rows = rows.select_related("person", "unit", "done_by__person").order_by("due_on", "pk")
    return Paginator(rows, CONSEQUENCE_PAGE_SIZE).get_page(page_number)


def consequence_get(user: User, task_id: int) -> ConsequenceTask:
    task = (
        consequences_visible(user)
        .select_related("person", "unit", "done_by__person")
        .filter(pk=task_id)
        .first()
    )
    if task is None:
        raise Http404
    return task


def consequence_units(user: User) -> list[tuple[int, str]]:
    """The units the filter offers: those of the consequences in scope (one query)."""
    return list(
        consequences_visible(user)
        .filter(unit__isnull=False)
        .order_by("unit__path")
        .values_list("unit_id", "unit__name")
        .distinct()
    )


def consequences_owned(user: User) -> list[ConsequenceTask]:
    """The open consequences the user's units' heads carry out: the unit head's list
    (one query). Found through the grants now, so a new head finds them."""
    scope = scope_of(user, {Role.UNIT_HEAD})
    if scope.is_empty:
        return []
    return list(
        ConsequenceTask.objects.filter(
            scope.unit_filter("unit__"),
            region_id=region_id_of(user),
            owner_role=Role.UNIT_HEAD,
            state=ConsequenceState.OPEN,
        )
        .select_related("person", "unit")
        .order_by("due_on", "pk")
    )


@dataclass(frozen=True)
class OfficeConsequences:
    """The region office's list: its own open consequences by kind (how many, the
    nearest due date), and the units' consequences that are overdue."""

    own: list[tuple[str, int, dt.date]]
    overdue: list[ConsequenceTask]
    more_overdue: int


def consequences_of_office(region_id: int, today: dt.date) -> OfficeConsequences:
    """At most three queries, whatever the region's size."""
    own = list(
        ConsequenceTask.objects.filter(
            region_id=region_id, owner_role=Role.REGION_ADMIN, state=ConsequenceState.OPEN
        )
        .order_by("kind")
        .values("kind")
        .annotate(n=Count("pk"), first=Min("due_on"))
        .values_list("kind", "n", "first")
    )
    late = ConsequenceTask.objects.filter(
        region_id=region_id,
        state=ConsequenceState.OPEN,
        due_on__lt=today,
    ).exclude(owner_role=Role.REGION_ADMIN)
    overdue = list(
        late.select_related("person", "unit").order_by("due_on", "pk")[: OVERDUE_ON_HOME + 1]
    )
    more = 0
    if len(overdue) > OVERDUE_ON_HOME:
        overdue = overdue[:OVERDUE_ON_HOME]
        more = late.count() - OVERDUE_ON_HOME
    return OfficeConsequences(own, overdue, more)
