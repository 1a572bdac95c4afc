"""Reads of the outcomes domain (用实绩), each given the acting user and scoped (404
outside the scope). Each part of issue 16 keeps its functions in one block headed by a
comment naming the part, so that the parts merge as concatenations."""

from __future__ import annotations

# ---------------------------------------------------------------- archive
# The archive page of a cadre's year, its PDF (same content), the search across years
# and a cadre's own list of years. Frozen figures come from YearRecord; the year's
# logs and summaries are read as they are.
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils.translation import gettext as _

from kaohe.accounts.access import scope_of
from kaohe.accounts.models import Role, User
from kaohe.conduct.models import AbsenceRecord, DisciplineRecord
from kaohe.core import clock
from kaohe.org.models import Membership, Person
from kaohe.outcomes.models import YearRecord, YearRecordCorrection
from kaohe.scoring.explain import grade_label
from kaohe.scoring.models import AnnualResult, QuarterResult, RunState
from kaohe.scoring.presenters import result_display
from kaohe.scoring.selectors import MyResult, tier_label
from kaohe.worklogs.compliance import Tally, compliance_counts
from kaohe.worklogs.models import Summary, SummaryKind
from kaohe.worklogs.policies import policy_for as worklog_policy_for

# Who reads other people's archives: the assessment office (the organization
# department) for the whole region, the unit's leaders within their scope.
ARCHIVE_ROLES = frozenset({Role.REGION_ADMIN, Role.UNIT_HEAD, Role.TEAM_MEMBER})
ARCHIVE_PAGE_SIZE = 50
FIRST_YEAR = 2000


def archive_searcher(user: User) -> bool:
    """Whether `user` may search other people's archives (the navigation's link)."""
    return not scope_of(user, ARCHIVE_ROLES).is_empty


def _valid_year(year: int) -> int:
    if not FIRST_YEAR <= year <= clock.today().year + 1:
        raise Http404
    return year


def archive_person(user: User, person_id: int, year: int) -> Person:
    """The person whose archive of `year` `user` may read, or 404: their own; the
    region's for its assessment office; for a leader, someone who held a position in
    a unit within their scope during the year, or whose archived year was in one. One
    query."""
    _valid_year(year)
    if user.region_id is None:
        raise Http404
    people = Person.objects.filter(pk=person_id, region_id=user.region_id)
    if user.person_id != person_id:
        scope = scope_of(user, ARCHIVE_ROLES)
        if scope.is_empty:
            raise Http404
        if not scope.region_wide:
            units = scope.unit_filter("unit__")
            worked = Membership.objects.filter(units, person_id=OuterRef("pk")).overlapping(
                dt.date(year, 1, 1), dt.date(year, 12, 31)
            )
            archived = YearRecord.objects.filter(units, person_id=OuterRef("pk"), year=year)
            people = people.filter(Exists(worked) | Exists(archived))
    person = people.first()
    if person is None:
        raise Http404
    return person


def my_archive_years(user: User) -> list[YearRecord]:
    """The user's own archived years, newest first (none without a person)."""
    if user.person_id is None:
        return []
    return list(YearRecord.objects.filter(person_id=user.person_id).order_by("-year"))


@dataclass(frozen=True)
class ArchiveFilter:
    name: str = ""
    unit: str = ""
    year: int | None = None
    grade: str = ""


def archive_search(user: User, f: ArchiveFilter) -> QuerySet[YearRecord]:
    """The archived years `user` may read across years (the office: its region's;
    leaders: those archived in units within their scope), filtered by name, unit (as
    it was named that year), year and grade; 404 for a user who reads no one's."""
    scope = scope_of(user, ARCHIVE_ROLES)
    if scope.is_empty or scope.region_id is None:
        raise Http404
    rows = YearRecord.objects.filter(region_id=scope.region_id)
    if not scope.region_wide:
        rows = rows.filter(scope.unit_filter("unit__"))
    if f.name:
        rows = rows.filter(person__name__contains=f.name)
    if f.unit:
        rows = rows.filter(unit_name__contains=f.unit)
    if f.year is not None:
        rows = rows.filter(year=f.year)
    if f.grade:
        rows = rows.filter(grade=f.grade)
    return rows.select_related("person").order_by("-year", "unit_name", "person__name", "pk")


# --- the page of one year


@dataclass(frozen=True)
class QuarterLine:
    quarter: int
    score: Decimal
    grade: str  # the label
    rank: int
    rank_total: int


@dataclass(frozen=True)
class SummaryLine:
    title: str
    timeliness: str
    content: str
    written_at: dt.datetime


@dataclass(frozen=True)
class CorrectionLine:
    field: str  # the figure's label
    old: str
    new: str
    reason: str
    basis: str
    at: dt.datetime


@dataclass(frozen=True)
class ConductLine:
    kind: str  # the label
    start: dt.date
    end: dt.date | None
    detail: str  # the document, or the days / times away


@dataclass
class ArchiveView:
    """Everything the archive of one cadre's year shows, as display values: the page
    and the PDF read the same object."""

    person: Person
    year: int
    record: YearRecord | None  # None until the year is published (or imported)
    unit_name: str
    post: str
    tier: str
    grade: str
    quarter_grades: list[str]
    logs: Tally
    summaries: list[SummaryLine]
    quarters: list[QuarterLine]
    headline: str
    explanation: list[str]
    corrections: list[CorrectionLine]
    discipline: list[ConductLine]
    absences: list[ConductLine]
    # Filled by the consequences part at merge (what the year's results set in motion
    # and what became of it); the archive part leaves it empty.
    consequences: list[Any] = field(default_factory=list)


def _quarter_total() -> Subquery:
    """How many results the row's unit has in the row's run: the M of rank N of M."""
    same = QuarterResult.objects.filter(run_id=OuterRef("run_id"), unit_id=OuterRef("unit_id"))
    return Subquery(
        same.order_by().values("run_id").annotate(n=Count("id")).values("n")[:1],
        output_field=IntegerField(),
    )


def archived_value(field_name: str, text: str) -> str:
    """A correction's stored text as the page shows it: grades by their labels."""
    if field_name == "grade":
        return grade_label(text)
    if field_name == "quarter_grades":
        return "、".join(grade_label(g) for g in text.split(","))
    if field_name == "priority":
        return _("Yes") if text == "1" else _("No")
    if field_name == "tier":
        return tier_label(text)
    return text or "—"


def _field_label(name: str) -> str:
    """A figure of the archive by the name the page gives it."""
    labels = {
        "unit_name": _("Unit"),
        "post": _("Post"),
        "tier": _("Rank tier"),
        "composite": _("Composite score"),
        "grade": _("Grade"),
        "rank_in_tier": _("Rank in the tier"),
        "tier_size": _("People in the tier"),
        "rank_in_unit": _("Rank in the unit"),
        "unit_size": _("People in the unit"),
        "quarter_grades": _("Quarter grades"),
        "priority": _("All four quarters 好"),
    }
    return labels.get(name, "—")


def archive_view(user: User, person_id: int, year: int) -> ArchiveView:
    """The archive of `person_id`'s `year` as `user` may read it (404 outside scope):
    a fixed number of queries, however many logs, quarters, corrections or records."""
    person = archive_person(user, person_id, year)
    record = YearRecord.objects.filter(person=person, year=year).first()
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    counts = compliance_counts(
        region_id=person.region_id,
        unit_ids=None,
        start=start,
        end=end,
        today=clock.today(),
        policy=worklog_policy_for(person.region_id),
        person_ids=[person.pk],
    )
    logs = counts.tallies().get(person.pk, Tally())
    written = sorted(
        Summary.objects.filter(person=person, year=year),
        key=lambda s: (s.kind == SummaryKind.ANNUAL, s.quarter),
    )
    summaries = [
        SummaryLine(
            _("Annual summary")
            if s.kind == SummaryKind.ANNUAL
            else _("Quarter %(q)s summary") % {"q": s.quarter},
            s.get_timeliness_display(),
            s.content,
            s.created_at,
        )
        for s in written
    ]
    quarters = [
        QuarterLine(
            r.run.quarter,
            r.score,
            grade_label(r.grade),
            r.rank_in_unit,
            r.rank_total,
        )
        for r in QuarterResult.objects.filter(
            person=person, run__year=year, run__region_id=person.region_id
        )
        .filter(run__state=RunState.PUBLISHED)
        .select_related("run")
        .annotate(rank_total=_quarter_total())
        .order_by("run__quarter")
    ]
    headline, lines = "", []
    if record is not None and record.run_id is not None:
        result = (
            AnnualResult.objects.filter(run_id=record.run_id, person=person)
            .select_related("run")
            .first()
        )
        if result is not None:
            shown = result_display(
                MyResult(
                    "year",
                    result.pk,
                    str(result.run),
                    year,
                    0,
                    result.unit_id,
                    result.composite,
                    result.grade,
                    result.rank_in_tier,
                    record.tier_size or 0,
                    result.receipt_at,
                    result.steps,
                    list(result.consequences),
                ),
                record.unit_name,
            )
            headline, lines = shown.headline, shown.lines
    corrections = (
        [
            CorrectionLine(
                _field_label(c.field),
                archived_value(c.field, c.old_value),
                archived_value(c.field, c.new_value),
                c.reason,
                c.basis,
                c.created_at,
            )
            for c in YearRecordCorrection.objects.filter(record=record).order_by("created_at", "pk")
        ]
        if record is not None
        else []
    )
    discipline = [
        ConductLine(d.get_kind_display(), d.start, d.end, d.document)
        for d in DisciplineRecord.objects.filter(person=person, start__lte=end)
        .filter(Q(end__isnull=True) | Q(end__gte=start))
        .order_by("start", "pk")
    ]
    absences = [
        ConductLine(
            a.get_kind_display(),
            a.start,
            a.end,
            (_("%(n)s times") % {"n": a.times})
            if a.kind == "late_early"
            else (_("%(n)s days") % {"n": a.days.normalize()}),
        )
        for a in AbsenceRecord.objects.filter(
            person=person, start__lte=end, end__gte=start
        ).order_by("start", "pk")
    ]
    return ArchiveView(
        person=person,
        year=year,
        record=record,
        unit_name=record.unit_name if record else "",
        post=record.post if record else "",
        tier=tier_label(record.tier) if record and record.tier else "—",
        grade=grade_label(record.grade) if record else "—",
        quarter_grades=[grade_label(g) for g in record.quarter_grades] if record else [],
        logs=logs,
        summaries=summaries,
        quarters=quarters,
        headline=headline,
        explanation=lines,
        corrections=corrections,
        discipline=discipline,
        absences=absences,
    )
