"""Reads of due process, each scoped to the user asking: outside their scope, Http404.

Each part of issue 17 keeps its functions in a block headed with its name."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import cast

from django.core.paginator import Page, Paginator
from django.db.models import Case as SqlCase
from django.db.models import Count, Q, QuerySet, Value, When
from django.http import Http404
from django.utils.translation import gettext as _

from kaohe.accounts.access import Scope, is_region_admin, scope_of
from kaohe.accounts.models import User
from kaohe.dueprocess.clocks import Clock, calendar_deadline, clock, region_calendar_around
from kaohe.dueprocess.models import (
    Case,
    CaseEvidence,
    CaseState,
    Notice,
    Objection,
    Publicity,
    PublicityEntry,
)
from kaohe.dueprocess.policies import policy_for
from kaohe.org.models import Person
from kaohe.outcomes.sections import ArchiveSection
from kaohe.scoring.explain import grade_label
from kaohe.scoring.models import AnnualRun
from kaohe.scoring.selectors import office_annual_run

DOCKET_PAGE_SIZE = 25


def review_last_day(notice: Notice) -> dt.date:
    """The last day the cadre may request a 复核 of `notice` (calendar days from its
    issue, on the region's calendar)."""
    days = policy_for(notice.region_id).review_request_days
    cal = region_calendar_around(notice.region_id, notice.issued_on)
    return calendar_deadline(cal, notice.issued_on, days)


def direct_appeal_last_day(notice: Notice) -> dt.date | None:
    """The last day of a 申诉 lodged without a 复核, where the region allows one."""
    policy = policy_for(notice.region_id)
    if not policy.appeal_direct_allowed:
        return None
    cal = region_calendar_around(notice.region_id, notice.issued_on)
    return calendar_deadline(cal, notice.issued_on, policy.appeal_direct_days)


def deadline_clock(region_id: int, last_day: dt.date, today: dt.date) -> Clock:
    """A calendar-day deadline's clock on the region's calendar."""
    return clock(region_calendar_around(region_id, today), last_day, today, workdays=False)


def own_notice(user: User, notice_id: int) -> Notice:
    """The user's own notice (a cadre asks about no one else's)."""
    notice = (
        Notice.objects.select_related("person", "unit", "record")
        .filter(pk=notice_id, person_id=user.person_id or -1)
        .first()
    )
    if notice is None or user.person_id is None:
        raise Http404
    return notice


def is_deciding_body(user: User, case: Case) -> bool:
    """Whether `user` is of the body that decides `case` (its region's administrators)."""
    return is_region_admin(user) and user.region_id == case.body_region_id


def _visible(user: User) -> QuerySet[Case]:
    mine = Q(person_id=user.person_id) if user.person_id else Q(pk__in=[])
    if is_region_admin(user) and user.region_id is not None:
        mine |= Q(body_region_id=user.region_id)
    return Case.objects.filter(mine)


def case_get(user: User, case_id: int) -> Case:
    """A case the user is a party to: their own, or one on their body's docket."""
    case = (
        _visible(user)
        .select_related(
            "person",
            "notice",
            "notice__unit",
            "notice__record",
            "review",
            "decided_by",
            "correction",
            "region",
            "body_region",
        )
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise Http404
    return case


def case_evidence(case: Case) -> list[CaseEvidence]:
    """The case's evidence, without the files' bytes (one query)."""
    return list(
        CaseEvidence.objects.filter(case=case)
        .defer("content")
        .select_related("added_by__person")
        .order_by("added_at", "pk")
    )


def evidence_get(user: User, evidence_id: int) -> CaseEvidence:
    """A file of a case the user is a party to."""
    evidence = CaseEvidence.objects.filter(pk=evidence_id, case__in=_visible(user)).first()
    if evidence is None or not evidence.file_name:
        raise Http404
    return evidence


def notice_cases(notice: Notice) -> list[Case]:
    """Every case of a notice, oldest first (its 复核, then its 申诉)."""
    return list(
        Case.objects.filter(notice=notice)
        .select_related("decided_by", "correction")
        .order_by("filed_at", "pk")
    )


def my_cases(user: User) -> list[Case]:
    """The cadre's own cases, newest first."""
    if user.person_id is None:
        return []
    return list(
        Case.objects.filter(person_id=user.person_id)
        .select_related("notice")
        .order_by("-filed_at", "-pk")
    )


def docket_page(user: User, kind: str, page_number: str | None) -> Page[Case]:
    """One page of the open cases the user's body decides, nearest due date first (so
    the overdue come first): two queries, whatever the page's length."""
    if not is_region_admin(user) or user.region_id is None:
        raise Http404
    rows = (
        Case.objects.filter(body_region_id=user.region_id, kind=kind, state=CaseState.OPEN)
        .select_related("person", "region", "notice__unit")
        .order_by("due_on", "pk")
    )
    return Paginator(rows, DOCKET_PAGE_SIZE).get_page(page_number)


def designated_body(region_id: int) -> bool:
    """Whether the region's own administrators decide its 申诉 (no higher authority set)."""
    return policy_for(region_id).appeal_region_id is None


@dataclass(frozen=True)
class Step:
    day: dt.date
    text: str


def case_steps(case: Case, evidence: list[CaseEvidence]) -> list[Step]:
    """Every step of a case with its date, from its own fields (no query)."""
    steps = [Step(case.filed_on, _("Filed: %(kind)s") % {"kind": case.get_kind_display()})]
    for e in evidence:
        steps.append(
            Step(
                e.added_at.date(),
                _("Evidence added: %(what)s") % {"what": e.file_name or e.text[:40]},
            )
        )
    if case.extended_on:
        steps.append(
            Step(
                case.extended_on,
                _("Decision extended by %(days)s days to %(day)s: %(reason)s")
                % {
                    "days": case.extended_days,
                    "day": case.due_on.isoformat(),
                    "reason": case.extension_reason,
                },
            )
        )
    if case.decided_on:
        text = _("Decided: %(outcome)s") % {"outcome": case.get_outcome_display()}
        if case.new_grade:
            text += " · " + grade_label(case.new_grade)
        steps.append(Step(case.decided_on, text))
    return steps


# The archive's section (outcomes.sections): the year's cases and their decisions.
def cases_section(person: Person, year: int) -> ArchiveSection | None:
    cases = list(Case.objects.filter(person=person, year=year).order_by("filed_at", "pk"))
    if not cases:
        return None
    rows: list[tuple[str, ...]] = [
        (
            c.get_kind_display(),
            c.filed_on.isoformat(),
            c.due_on.isoformat(),
            c.get_state_display(),
            c.get_outcome_display() if c.outcome else "—",
            grade_label(c.new_grade) if c.new_grade else "—",
            c.reasons or "—",
        )
        for c in cases
    ]
    return ArchiveSection(
        key="cases",
        title=_("复核 and 申诉"),
        header=(
            _("Kind"),
            _("Filed on"),
            _("Decision due on"),
            _("State"),
            _("Decision"),
            _("Grade after the decision"),
            _("Reasons"),
        ),
        rows=rows,
    )


# ---------------------------------------------------------------- publicity (公示)

PUBLICITY_PAGE_SIZE = 50
DOCKET_PAGE_SIZE = 50


def _publicity_scope(user: User) -> Scope:
    """Anyone with a grant in the region sees its 公示, limited to the candidates of the
    units their grants cover (a cadre their unit, a unit head their units, the office
    the whole region)."""
    scope = scope_of(user)
    if scope.is_empty or scope.region_id is None:
        raise Http404
    return scope


def _region_of(scope: Scope) -> int:
    if scope.region_id is None:
        raise Http404
    return scope.region_id


def publicities(user: User) -> QuerySet[Publicity]:
    """The region's 公示, latest first."""
    scope = _publicity_scope(user)
    return Publicity.objects.filter(region_id=_region_of(scope)).order_by("-starts_on", "-pk")


def publicity_get(user: User, publicity_id: int) -> Publicity:
    scope = _publicity_scope(user)
    publicity = (
        Publicity.objects.filter(pk=publicity_id, region_id=_region_of(scope))
        .select_related("run")
        .first()
    )
    if publicity is None:
        raise Http404
    return publicity


def publicity_run(user: User, run_id: int) -> tuple[AnnualRun, Publicity | None]:
    """The office's year and its 公示, if started."""
    run = office_annual_run(user, run_id)
    return run, Publicity.objects.filter(run=run).first()


def _entries(user: User, publicity: Publicity) -> QuerySet[PublicityEntry]:
    scope = _publicity_scope(user)
    entries = PublicityEntry.objects.filter(publicity=publicity)
    if not scope.region_wide:
        entries = entries.filter(scope.unit_filter("unit__"))
    return entries


def publicity_units(user: User, publicity: Publicity) -> list[tuple[int, str]]:
    """The units the filter offers: those of the candidates in scope (one query)."""
    return list(
        _entries(user, publicity)
        .filter(unit__isnull=False)
        .order_by("unit__path")
        .values_list("unit_id", "unit_name")
        .distinct()
    )


def publicity_entries(
    user: User, publicity: Publicity, unit_id: int | None, page_number: str | None
) -> Page[PublicityEntry]:
    """One page of the candidates in scope, by unit and name, each with its count of
    objections still open (two queries: the count and the page)."""
    entries = _entries(user, publicity)
    if unit_id is not None:
        entries = entries.filter(unit_id=unit_id)
    entries = entries.annotate(
        open_objections=Count("objections", filter=Q(objections__finding=""))
    ).order_by("unit_name", "name", "pk")
    # The annotated rows are the model's rows with one more attribute.
    return cast(
        "Page[PublicityEntry]", Paginator(entries, PUBLICITY_PAGE_SIZE).get_page(page_number)
    )


def publicity_entry(user: User, publicity: Publicity, entry_id: int) -> PublicityEntry:
    entry = _entries(user, publicity).filter(pk=entry_id).select_related("unit").first()
    if entry is None:
        raise Http404
    return entry


def _docket(user: User) -> QuerySet[Objection]:
    """The region office's objections; anyone else: 404 (a cadre sees no docket)."""
    if not is_region_admin(user) or user.region_id is None:
        raise Http404
    return Objection.objects.filter(publicity__region_id=user.region_id)


def objection_docket(user: User, page_number: str | None) -> Page[Objection]:
    """The docket: open objections first (oldest first), then the answered ones, latest
    first (two queries). The author is read for named objections only: an anonymous
    one has none."""
    rows = (
        _docket(user)
        .select_related("entry", "publicity", "author__person")
        .annotate(answered=SqlCase(When(finding="", then=Value(0)), default=Value(1)))
        .order_by("answered", "-resolved_at", "raised_on", "pk")
    )
    return cast("Page[Objection]", Paginator(rows, DOCKET_PAGE_SIZE).get_page(page_number))


def objection_get(user: User, objection_id: int) -> Objection:
    objection = (
        _docket(user)
        .filter(pk=objection_id)
        .select_related("entry", "publicity__run", "author__person", "resolved_by__person")
        .first()
    )
    if objection is None:
        raise Http404
    return objection
