"""Gathering a period's inputs for the engine (R5): a fixed number of queries for
the whole region, none per unit or person — memberships in force, quota pools, the
closed round's results (from reviews' selector), indicator results, work-log
deductions, and for the year the published quarters, unit results and flags.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import itertools
import operator
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from operator import itemgetter
from typing import Any, NamedTuple

from django.db import connection, models
from django.utils.translation import gettext as _

from kaohe.conduct import rules as conduct_rules
from kaohe.conduct.models import AbsenceKind, AbsenceRecord, ConductEffect, DisciplineRecord
from kaohe.conduct.policies import policy_for as conduct_policy_for
from kaohe.core import sql
from kaohe.org.models import LeadershipRole, Membership, MembershipStatus, QuotaPoolMember
from kaohe.performance.models import UnitYearMark
from kaohe.performance.selectors import unit_year_marks, unit_year_scores
from kaohe.reviews.models import ReviewRound
from kaohe.reviews.selectors import closed_round, round_result_scores
from kaohe.scoring import engine
from kaohe.scoring.indicators import IndicatorPart, indicator_parts
from kaohe.scoring.models import (
    PersonYearFlag,
    QuarterResult,
    QuarterRun,
    RunState,
)
from kaohe.surveys.results import person_adjustments
from kaohe.worklogs.compliance import worklog_deductions
from kaohe.worklogs.policies import policy_for as worklog_policy_for
from kaohe.worklogs.rules import Period


def _fetched(rows: models.QuerySet[Any]) -> list[tuple[Any, ...]]:
    """A values_list query's rows. On PostgreSQL as the driver returns them, with no
    Django iterator or converter call per row: the year reads 1.8 million rows, and
    Django's iteration cost more than the queries (for these columns psycopg returns
    what Django would: ints, Decimals, strings, dates). SQLite needs Django's
    converters (its decimals come as floats)."""
    if not sql.is_postgres():
        return list(rows)
    sql_text, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql_text, params)
        fetched: list[tuple[Any, ...]] = cursor.fetchall()
        return fetched


def _pools(region_id: int, year: int) -> dict[int, int]:
    """unit id → pool id; a unit without a pool is its own pool (negative id)."""
    return dict(
        QuotaPoolMember.objects.filter(year=year, unit__region_id=region_id).values_list(
            "unit_id", "pool_id"
        )
    )


def _round_scores(
    region_id: int, year: int, cadence: str, number: int
) -> tuple[dict[int, Decimal], dict[int, int]]:
    """The closed round's scores by target, and the targets it rated on fewer than k
    valid ballots, whose score is withheld (decision 31), with that k."""
    round_ = closed_round(region_id, year, cadence, number)
    if round_ is None:
        return {}, {}
    scores: dict[int, Decimal] = {}
    withheld: dict[int, int] = {}
    k = max(3, round_.min_shown)
    for target, score in _fetched(round_result_scores(round_)):
        if score is None:
            withheld[target] = k
        else:
            scores[target] = score
    return scores, withheld


class Member(NamedTuple):
    """The columns of a membership in force that scoring reads."""

    unit_id: int
    status: str
    leadership_role: str
    tier: str


def members_on(region_id: int, day: dt.date) -> dict[int, Member]:
    """Person id → their in-scope membership on `day`, in one query of plain columns."""
    rows = _fetched(
        Membership.objects.filter(region_id=region_id)
        .on(day)
        .in_scope()
        .order_by()
        .values_list(
            "person_id", "unit_id", "status", "leadership_role", "rank_level__tier", "valid_from"
        )
    )
    person_ids = list(map(_first, rows))
    if len(set(person_ids)) == len(person_ids):
        # Everyone once (a person's rows never overlap): the dict built in C, no
        # Python step per row (300,000 at city scale).
        return dict(zip(person_ids, map(_member, map(_member_columns, rows)), strict=True))
    out: dict[int, Member] = {}
    since: dict[int, dt.date] = {}
    for person_id, unit_id, status, role, tier, valid_from in rows:
        # Should two be in force, the later one counts.
        if person_id not in since or valid_from > since[person_id]:
            since[person_id] = valid_from
            out[person_id] = Member(unit_id, status, role, tier)
    return out


_first = operator.itemgetter(0)
_member_columns = operator.itemgetter(1, 2, 3, 4)
# Member's four fields from a tuple of four, in C (Member has no defaults to fill).
_member: Callable[[tuple[Any, ...]], Member] = functools.partial(tuple.__new__, Member)


def quarter_inputs(
    region_id: int, period: Period, today: dt.date
) -> tuple[list[engine.QuarterInput], dict[int, Member]]:
    members = members_on(region_id, period.end)
    pools = _pools(region_id, period.year)
    evaluation, withheld = _round_scores(
        region_id, period.year, ReviewRound.Cadence.QUARTERLY, period.quarter
    )
    indicators = indicator_parts(region_id, members, period)
    deductions = worklog_deductions(
        region_id=region_id, period=period, today=today, person_ids=list(members)
    )
    wl_policy = worklog_policy_for(region_id)
    per_log = wl_policy.deduction_per_missing_log
    per_log_text = per_log.normalize()
    per_summary = wl_policy.deduction_per_missing_quarterly
    missing_logs_label = _("missing daily logs")
    missing_summary_label = _("missing quarterly summary")
    probation = MembershipStatus.PROBATION
    no_part: IndicatorPart = (None, (), ())
    surveyed = _survey_adjustments(region_id, period)

    # Work-log deductions by count: the same few dozen for a whole region.
    @functools.cache
    def worklog_adjustments(logs: int, summaries: int) -> tuple[engine.Adjustment, ...]:
        out = []
        if logs:
            out.append(
                engine.Adjustment(missing_logs_label, -logs * per_log, f"{logs} × {per_log_text}")
            )
        if summaries:
            out.append(engine.Adjustment(missing_summary_label, -summaries * per_summary))
        return tuple(out)

    inputs = []
    for person_id in sorted(members):
        m = members[person_id]
        d = deductions[person_id]
        adjustments = worklog_adjustments(d.missing_logs, d.missing_quarterly_summaries)
        scheme_part, scheme_adjustments, vetoed = indicators.get(person_id, no_part)
        if person_id in surveyed:
            adjustments = (*adjustments, *surveyed[person_id])
        inputs.append(
            engine.QuarterInput(
                person_id,
                pools.get(m.unit_id, -m.unit_id),
                evaluation.get(person_id),
                scheme_part,
                (*scheme_adjustments, *adjustments) if scheme_adjustments else adjustments,
                tuple(vetoed),
                m.status != probation,
                withheld.get(person_id, 0),
            )
        )
    return inputs, members


def _survey_adjustments(region_id: int, period: Period) -> dict[int, tuple[engine.Adjustment, ...]]:
    """Named cadres' plus and minus items from the quarter's public surveys (R3.7)."""
    if not period.quarter:
        return {}
    label = _("public survey of a named cadre")
    return {
        person_id: tuple(
            engine.Adjustment(
                label,
                item.points,
                _("《%(name)s》 %(n)s responses, favourable %(index)s%%")
                % {"name": item.survey_name, "n": item.n, "index": item.index},
            )
            for item in items
        )
        for person_id, items in person_adjustments(region_id, period.year, period.quarter).items()
    }


def _quarter_results(
    run_id: int,
) -> tuple[Sequence[int], Sequence[Decimal], Sequence[str]]:
    """A run's results as three columns: person, score, grade. On PostgreSQL one row
    of arrays, the scores as whole cents: the server sends one row rather than a
    city's 300,000 and Python builds a Decimal per distinct score (a few thousand)
    rather than per row. The same scores (two places) either way."""
    if not sql.is_postgres():
        rows = _fetched(
            QuarterResult.objects.filter(run_id=run_id)
            .order_by()
            .values_list("person_id", "score", "grade")
        )
        if not rows:
            return (), (), ()
        person_ids, scores, grades = zip(*rows, strict=True)
        return person_ids, scores, grades
    r = {f: sql.column(QuarterResult, f) for f in ("run_id", "person_id", "score", "grade")}
    # Table and column names from the model; the run is bound. Every aggregate of the
    # one group is fed the rows in the same order, so the arrays line up.
    query = (
        f"SELECT array_agg({r['person_id']}), array_agg(({r['score']} * 100)::int4), "  # noqa: S608
        f"string_agg({r['grade']}, ',') FROM {sql.table(QuarterResult)} "
        f"WHERE {r['run_id']} = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, [run_id])
        row = cursor.fetchone()
    if row is None or row[0] is None:
        return (), (), ()
    person_ids, cents, grades_text = row
    # Grades are codes without commas ("" where not graded); scores have two places.
    decimal_of = {c: Decimal(c).scaleb(-2) for c in set(cents)}
    return person_ids, list(map(decimal_of.__getitem__, cents)), grades_text.split(",")


def _conduct(region_id: int, year: int) -> dict[int, tuple[engine.Conduct, ...]]:
    """Person id → the discipline records and the leave that bear on `year`'s grade
    (R5.13, R5.4), each as the engine's Conduct with the step that cites it. One query
    for the whole region: its discipline records whose period may overlap the year
    and its leave records overlapping it, as one UNION (they are few; the rules that
    sort out which apply are conduct.rules, per record, not per person)."""
    policy = conduct_policy_for(region_id)
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    days_field = models.DecimalField(max_digits=5, decimal_places=1)
    discipline = (
        DisciplineRecord.objects.filter(region_id=region_id, start__lte=last)
        .filter(
            models.Q(end__gte=first)
            | models.Q(end__isnull=True, start__gte=conduct_rules.earliest_start(year, policy))
        )
        .annotate(leave_days=models.Value(Decimal(0), output_field=days_field))
        .order_by()
        .values_list("person_id", "kind", "start", "end", "document", "leave_days")
    )
    leave = (
        AbsenceRecord.objects.filter(
            region_id=region_id, kind=AbsenceKind.LEAVE, start__lte=last, end__gte=first
        )
        .annotate(no_document=models.Value("", output_field=models.CharField()))
        .order_by()
        .values_list("person_id", "kind", "start", "end", "no_document", "days")
    )
    rows = _fetched(discipline.union(leave, all=True))
    if not rows:
        return {}
    effect_of = {e.value: e for e in engine.Effect}
    cited: dict[int, list[tuple[dt.date, str, engine.Conduct]]] = defaultdict(list)
    leave_days: dict[int, Decimal] = defaultdict(Decimal)
    codes = {
        engine.Effect.NO_EXCELLENT: engine.StepCode.CONDUCT_NO_EXCELLENT,
        engine.Effect.NO_GRADE: engine.StepCode.CONDUCT_NO_GRADE,
        engine.Effect.INCOMPETENT: engine.StepCode.CONDUCT_INCOMPETENT,
    }
    for person_id, kind, start, end, document, days in rows:
        if kind == AbsenceKind.LEAVE:
            leave_days[person_id] += conduct_rules.days_in_year(start, end, Decimal(days), year)
            continue
        found = conduct_rules.applied(kind, start, end, document, year, policy)
        if found is None:
            continue
        effect = effect_of[found.effect]
        figures = {
            "kind": kind,
            "document": document,
            "start": start.isoformat(),
            "end": found.end.isoformat(),
            "default": "1" if found.default_end else "0",
        }
        cited[person_id].append(
            (start, kind, engine.Conduct(effect, engine.Step(codes[effect], figures)))
        )
    for person_id, days in leave_days.items():
        effect_found = conduct_rules.leave_effect(days, policy)
        if effect_found == ConductEffect.NONE:
            continue
        effect = effect_of[effect_found]
        code = (
            engine.StepCode.LEAVE_NO_GRADE
            if effect is engine.Effect.NO_GRADE
            else engine.StepCode.LEAVE_NO_EXCELLENT
        )
        step = engine.Step(
            code, {"days": format(days.normalize(), "f"), "limit": str(policy.leave_days_limit)}
        )
        cited[person_id].append((last, "~leave", engine.Conduct(effect, step)))
    # Oldest record first: the explanation reads in the order things happened.
    return {
        person_id: tuple(c for _start, _kind, c in sorted(found, key=itemgetter(0, 1)))
        for person_id, found in cited.items()
    }


def annual_inputs(region_id: int, year: int) -> tuple[list[engine.AnnualInput], dict[int, Member]]:
    memberships = members_on(region_id, dt.date(year, 12, 31))
    pools = _pools(region_id, year)
    democratic, withheld = _round_scores(region_id, year, ReviewRound.Cadence.ANNUAL, 1)
    # The units' year results (performance: computed from the months, or overridden).
    unit_scores = unit_year_scores(region_id=region_id, year=year)
    # The published quarters in order, one plain query each (no join, no sort), each
    # made into a column aligned with the people in order by dict and map calls (in
    # C): a person's quarters are then one tuple each from zip, with no Python step
    # per result row (1.2 million at city scale).
    people = sorted(memberships)
    score_columns: list[list[Decimal | None]] = []
    complete = True  # everyone in force has a result in every run (no None to drop)
    grade_columns: list[list[str | None]] = []
    for run_id in (
        QuarterRun.objects.filter(region_id=region_id, year=year, state=RunState.PUBLISHED)
        .order_by("quarter", "pk")
        .values_list("pk", flat=True)
    ):
        person_ids, run_scores, run_grades = _quarter_results(run_id)
        if not person_ids:
            continue
        score_of = dict(zip(person_ids, run_scores, strict=True))
        complete = complete and sum(map(score_of.__contains__, people)) == len(people)
        score_columns.append(list(map(score_of.get, people)))
        grade_columns.append(list(map(dict(zip(person_ids, run_grades, strict=True)).get, people)))
    no_quarters: tuple[None, ...] = ()
    quarters_of: Iterator[tuple[Decimal | None, ...]] = (
        zip(*score_columns, strict=True) if score_columns else itertools.repeat(no_quarters)
    )
    grades_of = zip(*grade_columns, strict=True) if grade_columns else itertools.repeat(no_quarters)
    # A year's grades come in a few dozen sequences: each made into grades once, keyed
    # by the person's column of grades as read (None where not in a run, "" ungraded).
    grade_of = {g.value: g for g in engine.QuarterGrade}
    sequences = _Sequences(grade_of)
    flags: dict[int, dict[str, str]] = defaultdict(dict)
    # In the order entered, so the latest flag of a kind counts.
    for person_id, kind, reason in (
        PersonYearFlag.objects.filter(year=year, person__region_id=region_id)
        .order_by("pk")
        .values_list("person_id", "kind", "reason")
    ):
        flags[person_id][kind] = reason
    _unit_marks(flags, memberships, unit_year_marks(region_id=region_id, year=year))
    # Column by column, each a map over the people in order (in C); the inputs then
    # one AnnualInput call each, its defaults (flags) filled for the few flagged below.
    members = list(map(memberships.__getitem__, people))
    unit_ids = [m.unit_id for m in members]
    pool_of = {u: pools.get(u, -u) for u in set(unit_ids)}  # a unit in no pool: its own
    if not complete:
        # A None where the person has no result in a run, dropped; compared by
        # identity (`None in` would compare each Decimal with None, an ABC check each).
        quarters_of = (tuple(x for x in scores if x is not None) for scores in quarters_of)
    main, probation = str(LeadershipRole.MAIN), str(MembershipStatus.PROBATION)
    inputs = list(
        map(
            engine.AnnualInput,
            people,
            map(pool_of.__getitem__, unit_ids),
            [m.tier for m in members],
            map(operator.eq, [m.leadership_role for m in members], itertools.repeat(main)),
            map(democratic.get, people),
            map(unit_scores.get, unit_ids),
            quarters_of,  # the columns may be an endless repeat of no quarters
            map(sequences.__getitem__, grades_of),
            map(operator.eq, [m.status for m in members], itertools.repeat(probation)),
        )
    )
    if withheld:
        for person_id, k in withheld.items():
            _replace_input(inputs, people, person_id, withheld=k)
    investigation, veto = PersonYearFlag.Kind.INVESTIGATION, PersonYearFlag.Kind.VETO
    affirmation, bar = PersonYearFlag.Kind.AFFIRMATION, PersonYearFlag.Kind.BAR
    for person_id, f in flags.items():
        _replace_input(
            inputs,
            people,
            person_id,
            under_investigation=investigation in f,
            veto=f.get(veto, ""),
            affirmation=f.get(affirmation, ""),
            bars=(f[bar],) if bar in f else (),
        )
    # Discipline and long leave (conduct): one query for the region, set on the few
    # people with a record as the flags are.
    for person_id, records in _conduct(region_id, year).items():
        _replace_input(inputs, people, person_id, conduct=records)
    return inputs, memberships


def _unit_marks(
    flags: dict[int, dict[str, str]],
    memberships: dict[int, Member],
    marks: dict[int, list[tuple[str, str]]],
) -> None:
    """R5.8 through the unit: a unit that won a 真抓实干 incentive makes its main
    leader 优秀 directly, one criticized by name bars them from 优秀, each citing its
    document; added to the person's own flags of the kind (both cited). Only the
    main leader of the unit on the year's last day; nobody else in the unit."""
    if not marks:
        return
    main = str(LeadershipRole.MAIN)
    texts: dict[str, tuple[str, str]] = {
        UnitYearMark.Kind.INCENTIVE: (
            PersonYearFlag.Kind.AFFIRMATION,
            _("the unit won a 真抓实干 incentive (%(document)s)"),
        ),
        UnitYearMark.Kind.CRITICISM: (
            PersonYearFlag.Kind.VETO,
            _("the unit was criticized by name at district level or above (%(document)s)"),
        ),
    }
    for person_id, member in memberships.items():
        if member.leadership_role != main or member.unit_id not in marks:
            continue
        for kind, document in marks[member.unit_id]:
            if kind not in texts:
                continue
            flag, text = texts[kind]
            cited = text % {"document": document}
            own = flags[person_id].get(flag)
            flags[person_id][flag] = f"{own}；{cited}" if own else cited


class _Sequences(dict[tuple[str | None, ...], tuple[engine.QuarterGrade, ...]]):
    """A year's grades come in a few dozen sequences: each made into grades once,
    keyed by the person's column of grades as read (None where not in a run, ""
    ungraded), on the first lookup that misses."""

    def __init__(self, grade_of: dict[str, engine.QuarterGrade]) -> None:
        super().__init__()
        self.grade_of = grade_of

    def __missing__(self, read: tuple[str | None, ...]) -> tuple[engine.QuarterGrade, ...]:
        grades = self[read] = tuple(self.grade_of[g] for g in read if g)
        return grades


def _replace_input(
    inputs: list[engine.AnnualInput], people: list[int], person_id: int, **fields: Any
) -> None:
    """Set fields of the person's input (people in order, the inputs aligned with
    them); a person not in force that year has none."""
    at = bisect.bisect_left(people, person_id)
    if at < len(people) and people[at] == person_id:
        inputs[at] = inputs[at]._replace(**fields)
