"""Reads of the outcomes domain (用实绩), given the acting user and scoped to what they
may see (404 outside it). Each part of issue 16 keeps its selectors in one block below."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, F, IntegerField, Min, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from kaohe.accounts.access import (
    FORMS_ROLES,
    OVERSIGHT_ROLES,
    Scope,
    is_region_admin,
    region_id_of,
    scope_of,
)
from kaohe.accounts.models import Role, User
from kaohe.conduct.models import AbsenceKind, AbsenceRecord, DisciplineRecord
from kaohe.core import clock
from kaohe.core.http import parse_id
from kaohe.core.paging import CountedPaginator
from kaohe.org.models import Membership, MembershipStatus, Person, RankTier, Unit
from kaohe.org.selectors import ROLE_ORDER, unit_get
from kaohe.outcomes.citations import citation, list_title, reasons_stored
from kaohe.outcomes.lists import FACT_FIELDS, LIST_ORDER, facts, list_q
from kaohe.outcomes.models import (
    ConsequenceKind,
    ConsequenceState,
    ConsequenceTask,
    RecordSource,
    YearRecord,
    YearRecordCorrection,
)
from kaohe.outcomes.policies import list_policy, policy_for
from kaohe.outcomes.rules import RULES, ListKind, ListPolicy, Reason, record_entries
from kaohe.outcomes.sections import ArchiveSection, sections_for
from kaohe.scoring.engine import AnnualGrade
from kaohe.scoring.explain import grade_label
from kaohe.scoring.models import (
    AnnualResult,
    PersonYearFlag,
    QuarterResult,
    RunState,
)
from kaohe.scoring.presenters import result_display
from kaohe.scoring.selectors import MyResult, tier_label
from kaohe.worklogs.compliance import Tally, compliance_counts
from kaohe.worklogs.models import Summary, SummaryKind
from kaohe.worklogs.policies import policy_for as worklog_policy_for
from kaohe.worklogs.rules import Period


@dataclass(frozen=True)
class ImportedYear:
    year: int
    people: int
    excellent: int
    basic: int
    incompetent: int


def imported_years(user: User) -> list[ImportedYear]:
    """The region's imported years, each with its people and its grades counted: one
    grouped query, whatever the number of people. The assessment office only (404)."""
    if not is_region_admin(user) or user.region_id is None:
        raise Http404
    rows = (
        YearRecord.objects.filter(region_id=user.region_id, source=RecordSource.IMPORTED)
        .values("year")
        .annotate(
            people=Count("id"),
            excellent=Count("id", filter=Q(grade=AnnualGrade.EXCELLENT)),
            basic=Count("id", filter=Q(grade=AnnualGrade.BASIC)),
            incompetent=Count("id", filter=Q(grade=AnnualGrade.INCOMPETENT)),
        )
        .order_by("year")
    )
    return [
        ImportedYear(r["year"], r["people"], r["excellent"], r["basic"], r["incompetent"])
        for r in rows
    ]


# Who prints a unit's forms, or another person's (a cadre prints only their own).
FORM_ROLES = FORMS_ROLES
FORM_YEARS = (2000, 2099)


@dataclass(frozen=True)
class FormPerson:
    """Who the form is about, as of the period's last day (their membership then)."""

    person_id: int
    name: str
    gender: str  # org.Gender value, "" when unknown
    birth_date: dt.date | None
    unit: str
    post: str
    rank: str  # the membership's rank level (职级)
    probation: bool


@dataclass(frozen=True)
class Discipline:
    kind: str  # conduct.DisciplineKind value
    start: dt.date
    end: dt.date | None
    document: str


@dataclass(frozen=True)
class AnnualFormData:
    year: int
    who: FormPerson
    summary: str  # the annual summary (个人总结), "" if none was written
    grade: str  # AnnualGrade value from the archive or the published run, "" if none yet
    archived: bool  # the grade comes from the frozen archive (YearRecord)
    steps: list[Any]  # the result's explanation steps (none for an imported year)
    investigations: list[str]  # reasons of the year's 立案审查 flags
    discipline: list[Discipline]  # punishments in force during the year


@dataclass(frozen=True)
class QuarterFormData:
    year: int
    quarter: int
    who: FormPerson
    summary: str  # the quarterly summary (个人小结)
    absent_days: Decimal = Decimal(0)
    leave_days: Decimal = Decimal(0)
    late_early_times: int = 0
    discipline: list[Discipline] = field(default_factory=list)
    proposed: str = ""  # the unit head's grade (QuarterGrade value) in the live run
    change_reason: str = ""
    approved: str = ""  # the published grade


def form_period(year: int, quarter: int | None = None) -> Period:
    """The form's period (the year, or a quarter 1–4), or 404 for a year or quarter no
    form can have."""
    if not FORM_YEARS[0] <= year <= FORM_YEARS[1]:
        raise Http404
    if quarter is not None and not 1 <= quarter <= 4:
        raise Http404
    return Period(year, quarter or 0)


def _membership_rows() -> Any:
    return Membership.objects.select_related("person", "unit", "rank_level")


def form_unit(user: User, unit_id: int) -> Unit:
    """The unit whose forms `user` may print (its leaders and administrators within
    scope, the region's office), or 404."""
    return unit_get(user, unit_id, roles=FORM_ROLES)


def form_unit_memberships(unit: Unit, period: Period) -> list[Membership]:
    """Who the unit's forms are for: the assessed on the period's last day (the
    assessment scope, R1.5), leaders first, then by staff number. One query; for a
    year before kaohe (nobody's membership reaches it), those the archive holds in
    the unit that year, by staff number, with their latest membership (two more)."""
    rows = list(
        _membership_rows()
        .filter(unit=unit)
        .on(period.end)
        .in_scope()
        .annotate(role_order=ROLE_ORDER)
        .order_by("role_order", "person__staff_no")
    )
    if rows or period.quarter != 0:
        return rows
    archived = YearRecord.objects.filter(unit=unit, year=period.year).values("person_id")
    latest: dict[int, Membership] = {}
    for m in (
        _membership_rows()
        .filter(person_id__in=archived)
        .order_by("person__staff_no", "person_id", "-valid_from")
    ):
        latest.setdefault(m.person_id, m)
    return list(latest.values())


def form_person_membership(user: User, person_id: int, period: Period) -> tuple[Membership, bool]:
    """The person's membership for the form (in force on the period's last day, else
    their latest in the period) and whether `user` reads it as its leader or office
    (False: the person's own form); 404 unless it is theirs or within the scope of
    `FORM_ROLES`. One query (the grants are cached)."""
    if user.region_id is None:
        raise Http404
    rows = list(
        _membership_rows()
        .filter(person_id=person_id, region_id=user.region_id)
        .overlapping(period.start, period.end)
        .order_by("-valid_from")
    )
    # A year before the person's first membership in kaohe (an imported year): the
    # archive's record carries the year; their latest membership decides the scope.
    if (
        not rows
        and period.quarter == 0
        and YearRecord.objects.filter(person_id=person_id, year=period.year).exists()
    ):
        rows = list(
            _membership_rows()
            .filter(person_id=person_id, region_id=user.region_id)
            .order_by("-valid_from")[:1]
        )
    if not rows:
        raise Http404
    membership = next((m for m in rows if m.valid_to is None or m.valid_to >= period.end), rows[0])
    scope = scope_of(user, FORM_ROLES)
    unit = membership.unit
    if (
        not scope.is_empty
        and scope.region_id == unit.region_id
        and scope.covers_path(unit.path, unit.pk)
    ):
        return membership, True
    if user.person_id == person_id:
        return membership, False
    raise Http404


def _form_person(m: Membership) -> FormPerson:
    p = m.person
    return FormPerson(
        p.pk,
        p.name,
        p.gender,
        p.birth_date,
        m.unit.name,
        m.post,
        m.rank_level.name,
        m.status == MembershipStatus.PROBATION,
    )


def _discipline_by_person(
    ids: Sequence[int], start: dt.date, end: dt.date
) -> dict[int, list[Discipline]]:
    """Punishments in force at some time in start..end, per person. One query."""
    out: dict[int, list[Discipline]] = defaultdict(list)
    rows = (
        DisciplineRecord.objects.filter(person_id__in=ids, start__lte=end)
        .filter(Q(end__isnull=True) | Q(end__gte=start))
        .order_by("start", "pk")
        .values_list("person_id", "kind", "start", "end", "document")
    )
    for person_id, kind, begun, ended, document in rows:
        out[person_id].append(Discipline(kind, begun, ended, document))
    return out


def _summaries(ids: Sequence[int], kind: str, year: int, quarter: int) -> dict[int, str]:
    return dict(
        Summary.objects.filter(
            person_id__in=ids, kind=kind, year=year, quarter=quarter
        ).values_list("person_id", "content")
    )


def annual_forms(memberships: Sequence[Membership], year: int) -> list[AnnualFormData]:
    """The 年度考核登记表 data of these people for `year`, in their order: six queries
    whatever their number. The grade is the archived year's (YearRecord) where the
    year is archived, else the published run's; nothing unpublished is read."""
    ids = [m.person_id for m in memberships]
    if not ids:
        return []
    period = Period(year)
    records = {
        r.person_id: r
        for r in YearRecord.objects.filter(person_id__in=ids, year=year).only(
            "person_id", "grade", "run_id", "unit_name", "post"
        )
    }
    record_runs = {r.run_id for r in records.values() if r.run_id is not None}
    published = Q(run__year=year, run__state=RunState.PUBLISHED)
    if record_runs:
        published |= Q(run_id__in=record_runs)
    results: dict[int, tuple[int, str, list[Any]]] = {}
    for person_id, run_id, grade, steps in (
        AnnualResult.objects.filter(published, person_id__in=ids)
        .order_by("run__number")
        .values_list("person_id", "run_id", "grade", "steps")
    ):
        record = records.get(person_id)
        if record is not None and record.run_id is not None and record.run_id != run_id:
            continue  # the archive names its run; a later published run is not this form's
        results[person_id] = (run_id, grade, steps)
    summaries = _summaries(ids, SummaryKind.ANNUAL, year, 0)
    investigations: dict[int, list[str]] = defaultdict(list)
    for person_id, reason in PersonYearFlag.objects.filter(
        person_id__in=ids, year=year, kind=PersonYearFlag.Kind.INVESTIGATION
    ).values_list("person_id", "reason"):
        investigations[person_id].append(reason)
    discipline = _discipline_by_person(ids, period.start, period.end)
    forms = []
    for m in memberships:
        who = _form_person(m)
        if m.valid_from > period.end:
            # Only the archive knows the year (an imported one): not today's rank.
            who = FormPerson(who.person_id, who.name, who.gender, who.birth_date, "", "", "", False)
        record = records.get(m.person_id)
        result = results.get(m.person_id)
        if record is not None:
            # The archive keeps the year as it was: its unit and post snapshots.
            who = FormPerson(
                who.person_id,
                who.name,
                who.gender,
                who.birth_date,
                record.unit_name or who.unit,
                record.post or who.post,
                who.rank,
                who.probation,
            )
            grade = record.grade
        else:
            grade = result[1] if result else ""
        forms.append(
            AnnualFormData(
                year,
                who,
                summaries.get(m.person_id, ""),
                grade,
                record is not None,
                list(result[2]) if result else [],
                investigations.get(m.person_id, []),
                discipline.get(m.person_id, []),
            )
        )
    return forms


def quarter_forms(
    memberships: Sequence[Membership], year: int, quarter: int, *, unpublished: bool
) -> list[QuarterFormData]:
    """The 平时考核登记表 data of these people for the quarter, in their order: five
    queries whatever their number. The unit head's proposal comes from the quarter's
    live run, shown before publication only to leaders and the office (`unpublished`);
    the approved grade only from a published run."""
    ids = [m.person_id for m in memberships]
    if not ids:
        return []
    period = Period(year, quarter)
    live = (
        QuarterResult.objects.filter(person_id__in=ids, run__year=year, run__quarter=quarter)
        .exclude(run__state=RunState.SUPERSEDED)
        .order_by("run__number")
        .values_list("person_id", "grade", "change_reason", "run__state")
    )
    results = {person_id: (grade, reason, state) for person_id, grade, reason, state in live}
    summaries = _summaries(ids, SummaryKind.QUARTERLY, year, quarter)
    absences: dict[int, list[tuple[str, Decimal, int]]] = defaultdict(list)
    for person_id, kind, days, times in AbsenceRecord.objects.filter(
        person_id__in=ids, start__lte=period.end, end__gte=period.start
    ).values_list("person_id", "kind", "days", "times"):
        absences[person_id].append((kind, days, times))
    discipline = _discipline_by_person(ids, period.start, period.end)
    forms = []
    for m in memberships:
        grade, reason, state = results.get(m.person_id, ("", "", ""))
        is_published = state == RunState.PUBLISHED
        shown = is_published or unpublished
        away = absences.get(m.person_id, [])
        forms.append(
            QuarterFormData(
                year,
                quarter,
                _form_person(m),
                summaries.get(m.person_id, ""),
                absent_days=sum((d for k, d, _t in away if k == AbsenceKind.ABSENT), Decimal(0)),
                leave_days=sum((d for k, d, _t in away if k == AbsenceKind.LEAVE), Decimal(0)),
                late_early_times=sum(t for k, _d, t in away if k == AbsenceKind.LATE_EARLY),
                discipline=discipline.get(m.person_id, []),
                proposed=grade if shown else "",
                change_reason=reason if shown else "",
                approved=grade if is_published else "",
            )
        )
    return forms


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


def _records(user: User, year: int) -> QuerySet[YearRecord]:
    """The region's archived records of `year` in the user's scope (by the year's unit)."""
    scope = list_scope(user)
    records = YearRecord.objects.filter(region_id=_region(scope), year=year)
    if not scope.region_wide:
        records = records.filter(scope.unit_filter("unit__"))
    return records


def _policy(user: User) -> ListPolicy:
    return list_policy(policy_for(_region(list_scope(user))))


def list_years(user: User) -> list[int]:
    """The years the region has archived (each has its lists), latest first."""
    scope = list_scope(user)
    return list(
        YearRecord.objects.filter(region_id=_region(scope))
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
    """Every list of the year with its head count in the user's scope: one query (a
    count of the year's records under each list's predicate)."""
    policy = _policy(user)
    counts = _records(user, year).aggregate(
        **{str(k): Count("pk", filter=list_q(k, year, policy)) for k in ListKind}
    )
    return [ListSummary(k, list_title(k), int(counts[str(k)] or 0)) for k in ListKind]


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
    asked = parse_id(unit)
    if asked is not None:
        scope = list_scope(user)
        if Unit.objects.filter(scope.unit_filter(), pk=asked).exists():
            unit_id = asked
    return ListFilter(chosen_tier or "", unit_id)


def _list_rows(user: User, year: int, kind: ListKind, chosen: ListFilter) -> QuerySet[YearRecord]:
    rows = _records(user, year).filter(list_q(kind, year, _policy(user)))
    if chosen.tier:
        rows = rows.filter(tier=chosen.tier)
    if chosen.unit_id is not None:
        rows = rows.filter(unit_id=chosen.unit_id)
    return rows


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


# The columns of a shown line, then the record's facts (FACT_FIELDS).
ROW_FIELDS = (
    "person__staff_no",
    "person__name",
    "unit__code",
    "unit_name",
    "tier",
    "composite",
    *FACT_FIELDS,
)


class ListLines:
    """Turns the values of ROW_FIELDS into the list's lines: the figure and the reasons
    from the record's facts (the list's rule in rules.RULES), each distinct reason put
    into words once (a list's reasons repeat: the same year, counts and shares)."""

    def __init__(self, kind: ListKind, policy: ListPolicy) -> None:
        self.rule, self.policy = RULES[kind], policy
        self.tiers = {k: str(v) for k, v in RankTier.choices}
        self.grades: dict[str, str] = {}
        self.words: dict[tuple[Reason, ...], str] = {}

    def _citation(self, reasons: tuple[Reason, ...]) -> str:
        text = self.words.get(reasons)
        if text is None:
            text = self.words[reasons] = citation(reasons_stored(reasons))
        return text

    def _grade(self, grade: str) -> str:
        text = self.grades.get(grade)
        if text is None:
            text = self.grades[grade] = grade_label(grade) if grade else "—"
        return text

    def __call__(self, values: Sequence[Any]) -> ListRow:
        staff_no, name, code, uname, tier, composite, *fact_values = values
        f = facts(fact_values)
        entry = self.rule(f, self.policy)
        rank, size = f.rank_in_tier, f.tier_size
        return ListRow(
            staff_no=staff_no,
            name=name,
            unit_code=code or "",
            unit_name=uname,
            tier=self.tiers.get(tier, "—"),
            rank=f"{rank} / {size}" if rank and size else "—",
            composite=composite,
            grade=self._grade(f.grade),
            figure=entry.figure if entry else 0,
            citation=self._citation(entry.reasons) if entry else "—",
        )


def list_page(
    user: User, year: int, kind: ListKind, chosen: ListFilter, number: str | None
) -> Page[Any]:
    """One page of a list: two queries (its count and its rows) whatever its length."""
    records = _list_rows(user, year, kind, chosen)
    count = records.count()
    rows = records.order_by(*LIST_ORDER).values_list(*ROW_FIELDS)
    page = CountedPaginator(rows, LIST_PAGE_SIZE, count=count).get_page(number)
    line = ListLines(kind, _policy(user))
    page.object_list = [line(r) for r in page.object_list]
    return page


def list_export_count(user: User, year: int, kind: ListKind, chosen: ListFilter) -> int:
    return _list_rows(user, year, kind, chosen).count()


def list_export_rows(
    user: User, year: int, kind: ListKind, chosen: ListFilter, chunk: int
) -> Iterator[ListRow]:
    """Every row of a list, read in chunks (the export's stream)."""
    rows = _list_rows(user, year, kind, chosen).order_by(*LIST_ORDER).values_list(*ROW_FIELDS)
    line = ListLines(kind, _policy(user))
    for values in rows.iterator(chunk_size=chunk):
        yield line(values)


@dataclass(frozen=True)
class OwnEntry:
    kind: ListKind
    title: str
    figure: int
    citation: str


def eligibility_of(user: User, person_id: int, year: int) -> list[OwnEntry]:
    """The lists one person stands on for a year, for their archive page: the person
    themself, leaders over their unit in that year, the region's office; 404 otherwise."""
    records = YearRecord.objects.filter(person_id=person_id, year=year)
    if user.person_id != person_id:
        scope = scope_of(user, LIST_ROLES)
        if scope.is_empty or scope.region_id is None:
            raise Http404
        seen = Q(region_id=scope.region_id)
        if not scope.region_wide:
            seen &= scope.unit_filter("unit__")
        records = records.filter(seen)
        row = records.values_list("region_id", *FACT_FIELDS).first()
        if row is None and not _person_in(scope, person_id):
            raise Http404
    else:
        row = records.values_list("region_id", *FACT_FIELDS).first()
    return _own_entries(row)


def _own_entries(row: Sequence[Any] | None) -> list[OwnEntry]:
    """A record's lists (region, *FACT_FIELDS) with their titles and reasons, in the
    lists' order."""
    if row is None:
        return []
    region_id, *fact_values = row
    return [
        OwnEntry(e.kind, list_title(e.kind), e.figure, citation(reasons_stored(e.reasons)))
        for e in record_entries(facts(fact_values), list_policy(policy_for(region_id)))
    ]


def _person_in(scope: Scope, person_id: int) -> bool:
    """Whether a person with no entry is still one the user may look up (in the region
    for the office; for a leader, the person's current unit in their scope)."""
    if scope.region_wide:
        return Person.objects.filter(pk=person_id, region_id=_region(scope)).exists()
    return Membership.objects.filter(Q(person_id=person_id) & scope.unit_filter("unit__")).exists()


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
    eligibility: list[OwnEntry]  # the lists the year put the person on
    consequences: list[ConsequenceLine]  # what the year's results set in motion
    # What the apps above keep of the year (due process's notice and decisions).
    sections: list[ArchiveSection] = field(default_factory=list)


@dataclass(frozen=True)
class ConsequenceLine:
    """A consequence of the year as the archive shows it: what, why, and what became
    of it."""

    kind: str
    citation: str
    state: str
    due_on: dt.date
    done_on: dt.date | None
    note: str


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
    consequences = [
        ConsequenceLine(
            t.get_kind_display(),
            t.citation,
            t.get_state_display(),
            t.due_on,
            t.done_on,
            t.note,
        )
        for t in ConsequenceTask.objects.filter(person=person, year=year).order_by(
            F("quarter").asc(nulls_first=True), "due_on", "pk"
        )
    ]
    return ArchiveView(
        person=person,
        year=year,
        record=record,
        # archive_person has checked the reader may see this person's year.
        eligibility=_own_entries(
            (record.region_id, *(getattr(record, n) for n in FACT_FIELDS)) if record else None
        ),
        consequences=consequences,
        sections=sections_for(person, year),
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
