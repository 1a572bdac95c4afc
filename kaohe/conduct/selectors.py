"""Reads of discipline and absence records: the scoped pages' lists (404 outside the
acting user's scope) and, for the archive and the forms, bulk reads by person that
trust their caller's scope (they are given people the caller already may see)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple, TypeVar

from django.core.paginator import Page, Paginator
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from kaohe.accounts.access import scope_of
from kaohe.accounts.models import Role, User
from kaohe.conduct import rules
from kaohe.conduct.models import (
    AbsenceKind,
    AbsenceRecord,
    ConductPolicy,
    DisciplineKind,
    DisciplineRecord,
)
from kaohe.conduct.policies import policy_for
from kaohe.org.models import Membership, Person, Unit
from kaohe.org.selectors import visible_people, visible_units

# Who sees the records of the people in their scope, and who records them.
READ_ROLES = frozenset({Role.REGION_ADMIN, Role.UNIT_ADMIN, Role.UNIT_HEAD})
WRITE_ROLES = frozenset({Role.REGION_ADMIN, Role.UNIT_ADMIN})
PAGE_SIZE = 50


def can_read(user: User) -> bool:
    return not scope_of(user, READ_ROLES).is_empty


def can_write(user: User) -> bool:
    return not scope_of(user, WRITE_ROLES).is_empty


def people_in_scope(user: User, roles: Iterable[str] = READ_ROLES) -> QuerySet[Person]:
    """The people whose records `user` may read (or, with WRITE_ROLES, record)."""
    return visible_people(user, roles)


def person_by_staff_no(user: User, staff_no: str) -> Person | None:
    """The person of the acting user's region with this staff number, or None."""
    staff_no = staff_no.strip()
    if not staff_no or user.region_id is None:
        return None
    return Person.objects.filter(region_id=user.region_id, staff_no=staff_no).first()


def units_for_filter(user: User) -> QuerySet[Unit]:
    return visible_units(user, READ_ROLES).order_by("path").only("pk", "name")


def _current_unit_name(day: dt.date) -> Subquery:
    """The name of the unit a person is in on `day` (for the lists' unit column)."""
    current = (
        Membership.objects.filter(person=OuterRef("person_id")).on(day).order_by("-valid_from")
    )
    return Subquery(current.values("unit__name")[:1])


def _overlaps_year(year: int, policy: ConductPolicy) -> Q:
    """Records whose period (the default one where no end was given) overlaps `year`."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    blank_end = Q(pk__in=[])
    for kind in DisciplineKind.values:
        months = rules.default_months(kind, policy)
        if months is None:  # no period: the day itself
            blank_end |= Q(kind=kind, start__gte=first)
        else:  # start + months − 1 day ≥ 1 January ⇔ start > 1 January − months
            blank_end |= Q(kind=kind, start__gt=rules.add_months(first, -months))
    return Q(start__lte=last) & (Q(end__gte=first) | (Q(end__isnull=True) & blank_end))


@dataclass(frozen=True)
class DisciplineRow:
    pk: int
    person_name: str
    staff_no: str
    unit_name: str
    kind: str
    kind_label: str
    start: dt.date
    end: dt.date  # the period's last day: the record's own, or the default one
    default_end: bool
    document: str
    note: str


@dataclass(frozen=True)
class AbsenceRow:
    pk: int
    person_name: str
    staff_no: str
    unit_name: str
    kind_label: str
    start: dt.date
    end: dt.date
    days: Decimal
    times: int
    note: str


def discipline_page(
    user: User,
    *,
    today: dt.date,
    kind: str = "",
    unit_id: int | None = None,
    year: int | None = None,
    page: int = 1,
) -> tuple[list[DisciplineRow], Page[Any]]:
    """The discipline records of the people in the user's scope, newest first, one page:
    a count and a page query, whatever the page's length."""
    qs = _filtered(DisciplineRecord, user, kind, DisciplineKind.values, unit_id)
    policy = policy_for(user.region_id or 0)
    if year is not None:
        qs = qs.filter(_overlaps_year(year, policy))
    paged = _paged(qs, today, page, "document", "note")
    labels = dict(DisciplineKind.choices)
    rows = [
        DisciplineRow(
            pk,
            name,
            staff_no,
            unit_name or "—",
            kind_code,
            str(labels.get(kind_code, kind_code)),
            start,
            rules.period_end(kind_code, start, end, policy),
            end is None,
            document,
            note,
        )
        for pk, name, staff_no, unit_name, kind_code, start, end, document, note in paged
    ]
    return rows, paged


def absence_page(
    user: User,
    *,
    today: dt.date,
    kind: str = "",
    unit_id: int | None = None,
    year: int | None = None,
    page: int = 1,
) -> tuple[list[AbsenceRow], Page[Any]]:
    """The absence records of the people in the user's scope, newest first, one page."""
    qs = _filtered(AbsenceRecord, user, kind, AbsenceKind.values, unit_id)
    if year is not None:
        qs = qs.filter(start__lte=dt.date(year, 12, 31), end__gte=dt.date(year, 1, 1))
    paged = _paged(qs, today, page, "days", "times", "note")
    labels = dict(AbsenceKind.choices)
    rows = [
        AbsenceRow(pk, name, staff_no, unit_name or "—", str(labels.get(k, k)), s, e, d, t, note)
        for pk, name, staff_no, unit_name, k, s, e, d, t, note in paged
    ]
    return rows, paged


_Record = TypeVar("_Record", DisciplineRecord, AbsenceRecord)


def _filtered(
    model: type[_Record], user: User, kind: str, kinds: list[str], unit_id: int | None
) -> QuerySet[_Record]:
    """The model's records of the people in the user's scope, of `kind` (when it is one
    of `kinds`) and of people who were ever in `unit_id`; 404 for a user of no region."""
    if user.region_id is None:
        raise Http404
    qs = model._default_manager.filter(region_id=user.region_id, person__in=people_in_scope(user))
    if kind in kinds:
        qs = qs.filter(kind=kind)
    if unit_id is not None:
        qs = qs.filter(
            Exists(Membership.objects.filter(person=OuterRef("person_id"), unit_id=unit_id))
        )
    return qs


def _paged(qs: QuerySet[Any], today: dt.date, page: int, *columns: str) -> Page[Any]:
    """One page of a list, newest first: (pk, name, staff number, unit today, kind,
    start, end, *columns) rows, a count and a page query."""
    listed = (
        qs.annotate(unit_name=_current_unit_name(today))
        .order_by("-start", "-pk")
        .values_list(
            "pk", "person__name", "person__staff_no", "unit_name", "kind", "start", "end", *columns
        )
    )
    return Paginator(listed, PAGE_SIZE).get_page(page)


def discipline_get(
    user: User, record_id: int, roles: Iterable[str] = READ_ROLES
) -> DisciplineRecord:
    """One record of a person in the user's scope (with `roles`); 404 otherwise."""
    if user.region_id is None:
        raise Http404
    record = (
        DisciplineRecord.objects.filter(
            pk=record_id, region_id=user.region_id, person__in=people_in_scope(user, roles)
        )
        .select_related("person")
        .first()
    )
    if record is None:
        raise Http404
    return record


# ---------------------------------------------------------------- for other domains


class RecordRow(NamedTuple):
    """A discipline record as the archive and the forms show it."""

    person_id: int
    kind: str
    kind_label: str
    start: dt.date
    end: dt.date  # the period's last day: the record's own, or the policy's default
    default_end: bool
    document: str
    note: str


def records_for_people(
    person_ids: Sequence[int], start: dt.date, end: dt.date
) -> dict[int, list[RecordRow]]:
    """Person → their discipline records whose period overlaps `start`–`end`, oldest
    first: one query for any number of people (the caller has scoped them)."""
    if not person_ids:
        return {}
    # A blank end is read with its region's default period, in Python: such records are
    # few, and the policy's months are the region's to change.
    rows = (
        DisciplineRecord.objects.filter(person_id__in=list(person_ids), start__lte=end)
        .filter(Q(end__gte=start) | Q(end__isnull=True))
        .order_by("start", "pk")
        .values_list("region_id", "person_id", "kind", "start", "end", "document", "note")
    )
    labels = dict(DisciplineKind.choices)
    out: dict[int, list[RecordRow]] = defaultdict(list)
    policies: dict[int, ConductPolicy] = {}
    for region_id, person_id, kind, first, last, document, note in rows:
        policy = policies.get(region_id)
        if policy is None:
            policy = policies[region_id] = policy_for(region_id)
        period_last = rules.period_end(kind, first, last, policy)
        if period_last < start:
            continue
        out[person_id].append(
            RecordRow(
                person_id,
                kind,
                str(labels.get(kind, kind)),
                first,
                period_last,
                last is None,
                document,
                note,
            )
        )
    return dict(out)


class AbsenceTotals(NamedTuple):
    """A person's absences in a period, as the 平时考核登记表 reports them."""

    absent_days: Decimal  # 旷工
    leave_days: Decimal  # 请假
    late_early_times: int  # 迟到早退


NO_ABSENCE = AbsenceTotals(Decimal(0), Decimal(0), 0)


def absence_totals(
    person_ids: Sequence[int], start: dt.date, end: dt.date
) -> dict[int, AbsenceTotals]:
    """Person → their 旷工 days, 请假 days and 迟到早退 times in `start`–`end` (days of a
    record running past either end counted in proportion); people with none are left
    out (read `NO_ABSENCE` for them). One query for any number of people."""
    if not person_ids:
        return {}
    rows = (
        AbsenceRecord.objects.filter(person_id__in=list(person_ids), start__lte=end, end__gte=start)
        .order_by()
        .values_list("person_id", "kind", "start", "end", "days", "times")
    )
    absent: dict[int, Decimal] = defaultdict(Decimal)
    leave: dict[int, Decimal] = defaultdict(Decimal)
    late: dict[int, int] = defaultdict(int)
    for person_id, kind, first, last, days, times in rows:
        if kind == AbsenceKind.LATE_EARLY:
            late[person_id] += times
            continue
        share = rules.days_within(first, last, Decimal(days), start, end)
        (absent if kind == AbsenceKind.ABSENT else leave)[person_id] += share
        late.setdefault(person_id, 0)
    return {
        p: AbsenceTotals(absent.get(p, Decimal(0)), leave.get(p, Decimal(0)), late[p]) for p in late
    }
