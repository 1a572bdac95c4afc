"""Reads of the supervision ledger, scoped to the acting user (404 outside):

- the region's office (region administrator) reads every finding of its region;
- a unit's administrators, heads and team members read their units' findings
  (`scope_of`: a grant with subordinate units covers those too);
- a group's members read the findings of their groups (the units those cover).

`overdue_deductions` feeds performance's month computation: no user, it shows nothing.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from kaohe.accounts.access import Scope, roles_of, scope_of
from kaohe.accounts.models import Role, User
from kaohe.core import clock
from kaohe.org.models import Unit
from kaohe.supervision.models import (
    GROUP_TO_ACT,
    UNIT_TO_ACT,
    Decision,
    Finding,
    FindingEvidence,
    FindingState,
    Rectification,
    Severity,
    SupervisionGroup,
)
from kaohe.supervision.policies import policy_for

# Who reads a unit's findings through their grants, and who rectifies them.
READ_ROLES = frozenset({Role.REGION_ADMIN, Role.UNIT_ADMIN, Role.UNIT_HEAD, Role.TEAM_MEMBER})
RECTIFY_ROLES = frozenset({Role.UNIT_ADMIN, Role.UNIT_HEAD})
PAGE_SIZE = 50
Membership = SupervisionGroup.members.through


def _my_groups(user: User) -> QuerySet[SupervisionGroup]:
    if user.region_id is None:
        return SupervisionGroup.objects.none()
    return SupervisionGroup.objects.filter(region_id=user.region_id, members=user)


def _my_group_ids(user: User) -> Subquery:
    rows = Membership.objects.filter(user_id=user.pk).values("supervisiongroup_id")
    return Subquery(rows)


def visible_findings(user: User) -> QuerySet[Finding]:
    """Every finding the user may open; no query until read."""
    if user.region_id is None or not user.is_active:
        return Finding.objects.none()
    scope = scope_of(user, READ_ROLES)
    base = Finding.objects.filter(region_id=user.region_id)
    if scope.region_wide:
        return base
    return base.filter(scope.unit_filter("unit__") | Q(group_id__in=_my_group_ids(user)))


def may_open_ledger(user: User) -> bool:
    """Whether the ledger is the user's page: a reading role, the supervisor's, or a
    place in a group (the last one query)."""
    if user.region_id is None:
        return False
    if not scope_of(user, READ_ROLES).is_empty or Role.SUPERVISOR in roles_of(user):
        return True
    return _my_groups(user).exists()


def my_groups(user: User) -> list[SupervisionGroup]:
    """The active groups the user is a member of, with the units they cover (two queries)."""
    return list(
        _my_groups(user).filter(active=True).prefetch_related("units").order_by("name", "pk")
    )


def is_member(user: User, group_id: int) -> bool:
    return Membership.objects.filter(user_id=user.pk, supervisiongroup_id=group_id).exists()


def rectify_scope(user: User) -> Scope:
    return scope_of(user, RECTIFY_ROLES)


def may_rectify(user: User, finding: Finding) -> bool:
    return rectify_scope(user).covers_path(finding.unit.path, finding.unit_id)


@dataclass(frozen=True)
class LedgerFilter:
    """The ledger's filters, already parsed (views.py); empty values filter nothing."""

    state: str = ""
    severity: str = ""
    overdue: bool = False
    unit_id: int | None = None
    group_id: int | None = None
    start: dt.date | None = None  # found on or after
    end: dt.date | None = None  # found on or before

    def apply(self, rows: QuerySet[Finding], today: dt.date) -> QuerySet[Finding]:
        if self.state in FindingState.values:
            rows = rows.filter(state=self.state)
        if self.severity in Severity.values:
            rows = rows.filter(severity=self.severity)
        if self.overdue:
            rows = rows.filter(deadline__lt=today).exclude(state=FindingState.STRUCK_OFF)
        if self.unit_id is not None:
            rows = rows.filter(unit_id=self.unit_id)
        if self.group_id is not None:
            rows = rows.filter(group_id=self.group_id)
        if self.start is not None:
            rows = rows.filter(found_on__gte=self.start)
        if self.end is not None:
            rows = rows.filter(found_on__lte=self.end)
        return rows


def ledger_rows(user: User, filters: LedgerFilter, today: dt.date) -> QuerySet[Finding]:
    """The findings the user may read, filtered, newest first (with unit and group)."""
    rows = filters.apply(visible_findings(user), today)
    return rows.select_related("unit", "group").order_by("-found_on", "-pk")


def ledger_page(user: User, filters: LedgerFilter, today: dt.date, page: int) -> Page[Finding]:
    """One page of the ledger: a count and a page query, whatever the number of rows."""
    return Paginator(ledger_rows(user, filters, today), PAGE_SIZE).get_page(page)


@dataclass(frozen=True)
class Tally:
    """The filtered findings of one unit or one group, counted."""

    pk: int
    name: str
    total: int
    open: int  # not struck off
    overdue: int
    struck_off: int


def _tallies(
    user: User, filters: LedgerFilter, today: dt.date, key: str, order: str
) -> list[Tally]:
    rows = (
        filters.apply(visible_findings(user), today)
        .order_by()
        .values(f"{key}_id", f"{key}__name", order)
        .annotate(
            total=Count("pk"),
            struck=Count("pk", filter=Q(state=FindingState.STRUCK_OFF)),
            late=Count("pk", filter=Q(deadline__lt=today) & ~Q(state=FindingState.STRUCK_OFF)),
        )
        .order_by(order, f"{key}_id")
    )
    return [
        Tally(
            r[f"{key}_id"],
            r[f"{key}__name"],
            r["total"],
            r["total"] - r["struck"],
            r["late"],
            r["struck"],
        )
        for r in rows
    ]


def ledger_tallies(user: User, filters: LedgerFilter, today: dt.date) -> list[Tally]:
    """The filtered findings counted per unit, in the tree's order (one GROUP BY)."""
    return _tallies(user, filters, today, "unit", "unit__path")


def group_tallies(user: User, filters: LedgerFilter, today: dt.date) -> list[Tally]:
    """The filtered findings counted per supervision group (one GROUP BY)."""
    return _tallies(user, filters, today, "group", "group__name")


def units_for_filter(user: User) -> list[Unit]:
    """The units the user's findings may belong to: those in the grants' scope and those
    the user's groups cover (one query)."""
    if user.region_id is None:
        return []
    scope = scope_of(user, READ_ROLES)
    covered = Q(supervision_groups__members=user) if not scope.region_wide else Q()
    return list(
        Unit.objects.filter(region_id=user.region_id)
        .filter(scope.unit_filter() | covered)
        .distinct()
        .order_by("path")
        .only("pk", "name")
    )


def groups_for_filter(user: User) -> list[SupervisionGroup]:
    """The groups whose findings the user may read: all the region's for its office,
    else the user's own and those covering the units in the user's scope (one query)."""
    if user.region_id is None:
        return []
    scope = scope_of(user, READ_ROLES)
    rows = SupervisionGroup.objects.filter(region_id=user.region_id)
    if not scope.region_wide:
        rows = rows.filter(Q(members=user) | scope.unit_filter("units__")).distinct()
    return list(rows.order_by("name", "pk").only("pk", "name"))


def finding_get(user: User, finding_id: int) -> Finding:
    finding = (
        visible_findings(user)
        .select_related("unit", "group", "recorded_by__person", "struck_off_by__person")
        .filter(pk=finding_id)
        .first()
    )
    if finding is None:
        raise Http404
    return finding


@dataclass(frozen=True)
class FindingFile:
    pk: int
    file_name: str
    rectification_id: int | None


@dataclass(frozen=True)
class FindingHistory:
    files: list[FindingFile]  # the group's own, recorded with the finding
    rounds: list[tuple[Rectification, list[FindingFile]]]  # oldest first


def finding_history(finding: Finding) -> FindingHistory:
    """The finding's files and its rectification rounds with theirs (two queries; the
    files' bytes are not read)."""
    files = [
        FindingFile(*row)
        for row in FindingEvidence.objects.filter(finding=finding)
        .order_by("pk")
        .values_list("pk", "file_name", "rectification_id")
    ]
    rounds = list(
        Rectification.objects.filter(finding=finding)
        .select_related("submitted_by__person", "decided_by__person")
        .order_by("number")
    )
    return FindingHistory(
        [f for f in files if f.rectification_id is None],
        [(r, [f for f in files if f.rectification_id == r.pk]) for r in rounds],
    )


def evidence_get(user: User, evidence_id: int) -> FindingEvidence:
    """A file of a finding the user may open; 404 otherwise."""
    evidence = FindingEvidence.objects.filter(
        pk=evidence_id, finding__in=visible_findings(user)
    ).first()
    if evidence is None:
        raise Http404
    return evidence


# --- tasks (the home page's list) ---


def findings_to_rectify(user: User, limit: int = 20) -> list[Finding]:
    """Findings waiting on the units the user rectifies for, nearest deadline first
    (one query)."""
    scope = rectify_scope(user)
    if scope.is_empty or scope.region_wide:  # the office rectifies nothing
        return []
    return list(
        Finding.objects.filter(scope.unit_filter("unit__"), state__in=UNIT_TO_ACT)
        .select_related("unit")
        .order_by("deadline", "pk")[:limit]
    )


def findings_to_verify(user: User, limit: int = 20) -> list[Finding]:
    """Findings of the user's groups waiting on the group: a rectification to verify,
    a verified one to strike off (one query)."""
    return list(
        Finding.objects.filter(group_id__in=_my_group_ids(user), state__in=GROUP_TO_ACT)
        .select_related("unit")
        .order_by("deadline", "pk")[:limit]
    )


# --- performance's input (contract 1 of issue 18) ---


def month_last_day(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def overdue_deductions(*, region_id: int, year: int, month: int) -> dict[int, Decimal]:
    """The points each unit loses in the month's score: for every finding overdue on the
    month's last day, or today in a month not yet over (its deadline before that day,
    not struck off by it, and no rectification with the group then: one submitted and
    not sent back by that day), the region's deduction for its severity (defaults 0.5
    for a general problem, 1 for a serious one), capped per unit and month (default 5).
    A finding overdue over several months deducts in each; a month not begun, nothing.
    Units without an overdue finding are absent. Two queries: the policy, and the
    findings counted per unit."""
    # A month computed before its end counts what is overdue so far, not what may be;
    # a month not begun has nothing overdue in it (not the days before it).
    today = clock.today()
    if (year, month) > (today.year, today.month):
        return {}
    policy = policy_for(region_id)
    last = min(month_last_day(year, month), today)
    # Waiting on the group (a rectification submitted by that day and not sent back by
    # it) is not the unit's delay.
    with_group = Rectification.objects.filter(
        finding=OuterRef("pk"), submitted_on__lte=last
    ).exclude(decision=Decision.SENT_BACK, decided_on__lte=last)
    rows = (
        Finding.objects.filter(region_id=region_id, deadline__lt=last)
        .filter(Q(struck_off_on__isnull=True) | Q(struck_off_on__gt=last))
        .exclude(Exists(with_group))
        .order_by()
        .values("unit_id")
        .annotate(
            general=Count("pk", filter=Q(severity=Severity.GENERAL)),
            serious=Count("pk", filter=Q(severity=Severity.SERIOUS)),
        )
    )
    result: dict[int, Decimal] = {}
    for row in rows:
        points = row["general"] * policy.general_deduction
        points += row["serious"] * policy.serious_deduction
        points = min(points, policy.monthly_cap)
        if points > 0:
            result[row["unit_id"]] = Decimal(points).quantize(Decimal("0.01"))
    return result
