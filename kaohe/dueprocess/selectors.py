"""Reads of the due-process domain, given the acting user and scoped to what they may
see (outside it: Http404). Each part keeps its reads in its own block below."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, QuerySet, Window
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kaohe.accounts.access import scope_of
from kaohe.accounts.models import Role, User
from kaohe.core import clock as today_clock
from kaohe.dueprocess.clocks import Clock, clock, region_calendar_around
from kaohe.dueprocess.models import Notice
from kaohe.dueprocess.policies import policy_for
from kaohe.org.models import Person
from kaohe.outcomes.sections import ArchiveSection
from kaohe.outcomes.selectors import ARCHIVE_ROLES
from kaohe.scoring.explain import grade_label

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
    """The cases part's request page for the notice; empty until that part is merged
    (the lead drops the guard at the merge)."""
    try:
        return reverse("dueprocess:review_request", kwargs={"notice_id": notice_id})
    except NoReverseMatch:
        return ""


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
