"""Reads of due process, each scoped to the user asking: outside their scope, Http404.

Each part of issue 17 keeps its functions in a block headed with its name."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import cast

from django.core.paginator import Page, Paginator
from django.db.models import Case as SqlCase
from django.db.models import Count, F, Max, Q, QuerySet, Value, When, Window
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kaohe.accounts.access import Scope, is_region_admin, scope_of
from kaohe.accounts.models import Role, User
from kaohe.core import clock as today_clock
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
from kaohe.outcomes.selectors import ARCHIVE_ROLES
from kaohe.scoring.explain import grade_label
from kaohe.scoring.models import AnnualRun
from kaohe.scoring.selectors import office_annual_run

DOCKET_PAGE_SIZE = 25


def review_last_day(notice: Notice) -> dt.date:
    """The last day the cadre may request a 复核 of `notice` (calendar days from its
    issue, on the region's calendar): as stored when it was issued, so a later change
    of the region's figures does not move it."""
    if notice.review_due_on is not None:
        return notice.review_due_on
    days = policy_for(notice.region_id).review_request_days
    cal = region_calendar_around(notice.region_id, notice.issued_on)
    return calendar_deadline(cal, notice.issued_on, days)


def direct_appeal_last_day(notice: Notice) -> dt.date | None:
    """The last day of a 申诉 lodged without a 复核, where the region allows one (as
    stored when the notice was issued)."""
    if notice.appeal_direct_due_on is not None:
        return notice.appeal_direct_due_on
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
        if case.new_composite is not None:
            text += " · " + _("composite %(score)s") % {"score": case.new_composite}
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


def open_publicities(region_id: int, today: dt.date) -> list[tuple[int, int, dt.date]]:
    """The region's 公示 still running on `today` as (id, year, last day): one query
    (the home page's facts, cached with them; starting, updating or confirming a 公示
    forgets the region's)."""
    return [
        (pk, year, last)
        for pk, year, last in Publicity.objects.filter(region_id=region_id, confirmed_at=None)
        .annotate(last=Max("entries__ends_on"))
        .filter(last__gte=today)
        .order_by("last", "pk")
        .values_list("pk", "year", "last")
    ]


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
        # Their units' candidates, and the leaders posted to the whole region.
        entries = entries.filter(scope.unit_filter("unit__") | Q(region_wide=True))
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


# --- notice part: the written notice (书面通知) and the cadre's 本人意见 ---------------

# Who sees a unit's overdue unsigned notices among their tasks: the unit's head and
# administrator (who chase the signature), the office for the whole region.
NOTICE_CHASER_ROLES = frozenset({Role.UNIT_HEAD, Role.UNIT_ADMIN, Role.REGION_ADMIN})
# The names a task line shows before "and N more" (the page lists them all).
OVERDUE_NAMES_SHOWN = 5
OVERDUE_PAGE_SIZE = 50


def day_text(day: dt.date | None) -> str:
    """A date as the notice writes it (2026年12月3日)."""
    if day is None:
        return "—"
    return _("%(year)s-%(month)s-%(day)s") % {"year": day.year, "month": day.month, "day": day.day}


def notice_get(user: User, notice_id: int) -> Notice:
    """The notice `user` may read, or 404: their own; for a leader of the archive's
    roles, a notice of a unit within their scope; the region's for its office. One
    query."""
    if user.region_id is None:
        raise Http404
    rows = Notice.objects.filter(pk=notice_id, region_id=user.region_id).select_related(
        "person", "unit"
    )
    notice = rows.first()
    if notice is None:
        raise Http404
    if user.person_id is not None and notice.person_id == user.person_id:
        return notice
    scope = scope_of(user, ARCHIVE_ROLES)
    if scope.is_empty or scope.region_id != notice.region_id:
        raise Http404
    if scope.region_wide:
        return notice
    unit = notice.unit
    if unit is None or not scope.covers_path(unit.path, unit.pk):
        raise Http404
    return notice


def review_request_url(notice_id: int) -> str:
    """The page where the cadre requests a 复核 of the notice."""
    return reverse("dueprocess:review_request", kwargs={"notice_id": notice_id})


@dataclass(frozen=True)
class NoticeView:
    """A notice as its page and PDF show it: the figures as notified, the rights with
    their last days and the days left, the signature."""

    notice: Notice
    person_name: str
    unit_name: str
    grade: str  # the label
    headline: str
    lines: list[str]
    review_clock: Clock | None
    sign_clock: Clock
    rights: list[str]
    own: bool  # the reader is the notice's cadre
    may_sign: bool
    superseded: bool
    review_url: str


def _rights(notice: Notice) -> list[str]:
    """The cadre's rights and their last days, in the words of the notice."""
    policy = policy_for(notice.region_id)
    rights = [_("You may request a 复核 before %(day)s.") % {"day": day_text(notice.review_due_on)}]
    rights.append(
        _(
            "If you do not accept the 复核 decision, you may lodge a 申诉 within %(n)s days "
            "of receiving it."
        )
        % {"n": policy.appeal_request_days}
    )
    if notice.appeal_direct_due_on is not None:
        rights.append(
            _("You may also lodge a 申诉 directly, without a 复核, before %(day)s.")
            % {"day": day_text(notice.appeal_direct_due_on)}
        )
    rights.append(
        _("Please sign this notice with your opinion before %(day)s.")
        % {"day": day_text(notice.sign_due_on)}
    )
    return rights


def notice_view(user: User, notice_id: int) -> NoticeView:
    notice = notice_get(user, notice_id)
    today = today_clock.today()
    cal = region_calendar_around(notice.region_id, notice.issued_on)
    review = (
        clock(cal, notice.review_due_on, today, workdays=False)
        if notice.review_due_on is not None
        else None
    )
    text = notice.explanation.split("\n")
    own = notice.person_id == user.person_id
    superseded = notice.superseded_by_id is not None
    return NoticeView(
        notice=notice,
        person_name=notice.person.name,
        unit_name=notice.unit.name if notice.unit is not None else "—",
        grade=grade_label(notice.grade),
        headline=text[0] if text else "",
        lines=[line for line in text[1:] if line],
        review_clock=review,
        sign_clock=clock(cal, notice.sign_due_on, today, workdays=False),
        rights=_rights(notice),
        own=own,
        may_sign=own and notice.signed_at is None and not superseded,
        superseded=superseded,
        review_url=review_request_url(notice.pk)
        if own and notice.signed_at is not None and notice.agrees is False and not superseded
        else "",
    )


@dataclass(frozen=True)
class MyNotice:
    pk: int
    year: int
    signed: bool


def my_notices(user: User) -> list[MyNotice]:
    """The user's current notices (not superseded), newest year first: one query."""
    if user.person_id is None:
        return []
    rows = (
        Notice.objects.filter(person_id=user.person_id, superseded_by__isnull=True)
        .order_by("-year", "-pk")
        .values_list("pk", "year", "signed_at")
    )
    return [MyNotice(pk, year, signed_at is not None) for pk, year, signed_at in rows]


def my_unsigned_notices(person_id: int) -> list[tuple[int, int, dt.date]]:
    """The person's current unsigned notices as (id, year, sign-by day): one query (the
    home page's facts, cached with them)."""
    return list(
        Notice.objects.filter(
            person_id=person_id, superseded_by__isnull=True, signed_at__isnull=True
        )
        .order_by("sign_due_on", "pk")
        .values_list("pk", "year", "sign_due_on")
    )


def overdue_notices(user: User, today: dt.date) -> QuerySet[Notice]:
    """The current unsigned notices past their sign-by day in the units `user` chases
    (NOTICE_CHASER_ROLES), oldest due first; none outside them."""
    scope = scope_of(user, NOTICE_CHASER_ROLES)
    if scope.is_empty or scope.region_id is None:
        return Notice.objects.none()
    rows = Notice.objects.filter(
        region_id=scope.region_id,
        superseded_by__isnull=True,
        signed_at__isnull=True,
        sign_due_on__lt=today,
    )
    if not scope.region_wide:
        rows = rows.filter(scope.unit_filter("unit__"))
    return rows.order_by("sign_due_on", "unit_id", "pk")


@dataclass(frozen=True)
class OverdueSummary:
    total: int
    names: list[str]  # the first OVERDUE_NAMES_SHOWN
    first_due: dt.date | None


def overdue_summary(user: User, today: dt.date) -> OverdueSummary:
    """How many notices are overdue in the user's units and the first names: one query
    (the count is a window over the bounded rows)."""
    rows = list(
        overdue_notices(user, today)
        .annotate(total=Window(Count("pk")), who=F("person__name"))
        .values_list("total", "who", "sign_due_on")[:OVERDUE_NAMES_SHOWN]
    )
    if not rows:
        return OverdueSummary(0, [], None)
    return OverdueSummary(rows[0][0], [r[1] for r in rows], rows[0][2])


def overdue_page_rows(user: User, today: dt.date) -> QuerySet[Notice]:
    """The overdue notices for the page listing them (404 without a chaser's role)."""
    if scope_of(user, NOTICE_CHASER_ROLES).is_empty:
        raise Http404
    return overdue_notices(user, today).select_related("person", "unit")


def notice_section(person: Person, year: int) -> ArchiveSection | None:
    """The archive's section of the year's notices and the cadre's 本人意见 (one query;
    every notice of the year, a superseded one marked)."""
    rows = list(
        Notice.objects.filter(person_id=person.pk, year=year)
        .order_by("pk")
        .values_list("issued_on", "grade", "signed_at", "agrees", "opinion", "superseded_by_id")
    )
    if not rows:
        return None
    shown: list[tuple[str, ...]] = []
    for issued_on, grade, signed_at, agrees, opinion, superseded in rows:
        if signed_at is None:
            signed, view = _("Not signed"), "—"
        else:
            signed = timezone.localtime(signed_at).strftime("%Y-%m-%d %H:%M")
            view = _("Agrees") if agrees else _("Disagrees")
        issued = day_text(issued_on)
        if superseded is not None:
            issued = _("%(day)s (superseded)") % {"day": issued}
        shown.append((issued, grade_label(grade), signed, view, opinion or "—"))
    return ArchiveSection(
        key="notice",
        title=_("Written notice and own opinion"),
        header=(_("Issued on"), _("Grade"), _("Signed at"), _("Own opinion"), _("Opinion text")),
        rows=shown,
    )
