"""Reads of survey results: indices per target, unit and region with their intervals,
rankings, a unit's trend and released comments, and what the feeds (performance's
民评 points, scoring's plus and minus items, the ledger's low items) take from them.

Counts are grouped in SQL (one GROUP BY over responses for n, one over answers for
favourable and answered per index kind), by (survey, unit, named cadre), whatever the
number of surveys, units or responses; pooling into units and regions is a sum in
Python. A unit's result pools its targets that name no cadre (the unit and its service
windows); a named cadre's result is that cadre's own targets.

Nothing of a result (no index, no favourable count, no comment) is shown below the
region's k counted responses (`SurveyPolicy.min_responses`), nor before the survey
closes: a unit reading its result before and after one more response would read that
respondent's answers. A `Result` then carries n and k only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser
from django.db.models import Case, Count, IntegerField, Q, Sum, When
from django.http import Http404

from kaohe.accounts.access import SURVEY_RESULT_ROLES, is_region_admin, scope_of
from kaohe.accounts.models import User
from kaohe.org.models import Unit
from kaohe.surveys import stats
from kaohe.surveys.models import (
    FAVOURABLE_FROM,
    Answer,
    Comment,
    CommentState,
    IndexKind,
    Response,
    Survey,
    SurveyPolicy,
    SurveyState,
    Target,
)
from kaohe.surveys.policies import policy_for
from kaohe.worklogs.rules import Period

OVERALL = ""  # the kind of the overall index, which pools every index question
KINDS: tuple[str, ...] = tuple(IndexKind.values)
# (survey, unit, named cadre or None): the grain of the SQL groups.
Key = tuple[int, int, int | None]


# ------------------------------------------------------------------ counts and results


@dataclass
class Tally:
    """Counted responses and, per index kind, (favourable, answers): summed over
    targets."""

    n: int = 0
    counts: dict[str, list[int]] = field(default_factory=dict)

    def add(self, other: Tally) -> None:
        self.n += other.n
        for kind, (favourable, answers) in other.counts.items():
            mine = self.counts.setdefault(kind, [0, 0])
            mine[0] += favourable
            mine[1] += answers


@dataclass(frozen=True, slots=True)
class IndexResult:
    kind: str  # an IndexKind value, or OVERALL
    favourable: int
    answers: int
    value: Decimal
    low: Decimal
    high: Decimal

    @property
    def label(self) -> str:
        return str(IndexKind(self.kind).label) if self.kind else ""


@dataclass(frozen=True, slots=True)
class Result:
    """What may be shown of a tally: n and k always; the indices only when n ≥ k and
    the survey is closed (`final`)."""

    n: int
    k: int
    indices: tuple[IndexResult, ...] = ()  # the kinds answered, in IndexKind's order
    overall: IndexResult | None = None
    final: bool = True

    @property
    def shown(self) -> bool:
        return self.final and self.n >= self.k

    def of(self, kind: str) -> IndexResult | None:
        return next((i for i in self.indices if i.kind == kind), None)


def _index(kind: str, favourable: int, answers: int) -> IndexResult | None:
    value = stats.index(favourable, answers)
    interval = stats.wilson(favourable, answers)
    if value is None or interval is None:
        return None
    return IndexResult(kind, favourable, answers, value, *interval)


def result_of(tally: Tally, k: int, *, final: bool = True) -> Result:
    """The tally's result under the threshold k: below it, or before the survey closes
    (`final` false), n and k only. A kind with fewer than k answers is left out too
    (index questions are required, so this holds only for rows typed in before)."""
    if not final or tally.n < k:
        return Result(tally.n, k, final=final)
    indices = []
    for kind in KINDS:
        favourable, answers = tally.counts.get(kind, (0, 0))
        if answers < k:
            continue
        item = _index(kind, favourable, answers)
        if item is not None:
            indices.append(item)
    overall = _index(OVERALL, sum(i.favourable for i in indices), sum(i.answers for i in indices))
    return Result(tally.n, k, tuple(indices), overall)


def _favourable() -> Sum:
    wanted = Q(pk__in=[])
    for kind, lowest in FAVOURABLE_FROM.items():
        wanted |= Q(question__kind=kind, value__gte=lowest)
    return Sum(Case(When(wanted, then=1), default=0, output_field=IntegerField()))


def tallies(
    survey_ids: Sequence[int], *, unit_ids: Sequence[int] | None = None
) -> dict[Key, Tally]:
    """Counted responses and favourable/answered per index kind, keyed by (survey,
    unit, named cadre or None): two grouped queries."""
    if not survey_ids:
        return {}
    where = Q(target__survey_id__in=list(survey_ids), counted=True)
    if unit_ids is not None:
        where &= Q(target__unit_id__in=list(unit_ids))
    out: dict[Key, Tally] = defaultdict(Tally)
    for survey_id, unit_id, person_id, n in (
        Response.objects.filter(where)
        .order_by()
        .values("target__survey_id", "target__unit_id", "target__person_id")
        .annotate(n=Count("pk"))
        .values_list("target__survey_id", "target__unit_id", "target__person_id", "n")
    ):
        out[(survey_id, unit_id, person_id)].n = n
    answer_where = Q(
        response__target__survey_id__in=list(survey_ids),
        response__counted=True,
        question__kind__in=list(FAVOURABLE_FROM),
    ) & ~Q(question__index="")
    if unit_ids is not None:
        answer_where &= Q(response__target__unit_id__in=list(unit_ids))
    for survey_id, unit_id, person_id, kind, favourable, answers in (
        Answer.objects.filter(answer_where)
        .order_by()
        .values(
            "response__target__survey_id",
            "response__target__unit_id",
            "response__target__person_id",
            "question__index",
        )
        .annotate(favourable=_favourable(), answers=Count("pk"))
        .values_list(
            "response__target__survey_id",
            "response__target__unit_id",
            "response__target__person_id",
            "question__index",
            "favourable",
            "answers",
        )
    ):
        out[(survey_id, unit_id, person_id)].counts[kind] = [int(favourable or 0), answers]
    return dict(out)


def unit_tallies(counts: dict[Key, Tally]) -> dict[tuple[int, int], Tally]:
    """Per (survey, unit): the unit's targets that name no cadre, pooled."""
    out: dict[tuple[int, int], Tally] = defaultdict(Tally)
    for (survey_id, unit_id, person_id), tally in counts.items():
        if person_id is None:
            out[(survey_id, unit_id)].add(tally)
    return dict(out)


def person_tallies(counts: dict[Key, Tally]) -> dict[tuple[int, int], Tally]:
    """Per (survey, named cadre): the cadre's targets, pooled."""
    out: dict[tuple[int, int], Tally] = defaultdict(Tally)
    for (survey_id, _unit_id, person_id), tally in counts.items():
        if person_id is not None:
            out[(survey_id, person_id)].add(tally)
    return dict(out)


# ------------------------------------------------------------------ scoped pages


def _region_office(user: User | AnonymousUser) -> int:
    """The acting region administrator's region; anyone else sees nothing (404)."""
    if not isinstance(user, User) or user.region_id is None or not is_region_admin(user):
        raise Http404
    return user.region_id


@dataclass(frozen=True, slots=True)
class SurveyRow:
    survey: Survey
    region: Result  # the region's units with k responses or more, pooled


@dataclass(frozen=True, slots=True)
class RegionOverview:
    k: int
    surveys: list[SurveyRow]  # the office's; empty for anyone else
    units: list[Unit]  # the units whose pages the user may open (unit administrators, heads)


def region_overview(user: User | AnonymousUser) -> RegionOverview:
    """The results' home page: for the region's office every survey taking or having
    taken answers with the region's index; for a unit's administrators and heads the
    units they may open. Anyone else: 404."""
    if not isinstance(user, User) or user.region_id is None:
        raise Http404
    region_id = user.region_id
    k = policy_for(region_id).min_responses
    if not is_region_admin(user):
        scope = scope_of(user, SURVEY_RESULT_ROLES)
        if scope.is_empty:
            raise Http404
        units = list(Unit.objects.filter(scope.unit_filter()).order_by("path").only("name", "path"))
        return RegionOverview(k, [], units)
    surveys = list(
        Survey.objects.filter(region_id=region_id)
        .exclude(state=SurveyState.DRAFT)
        .order_by("-closes_on", "-pk")
    )
    pooled: dict[int, Tally] = defaultdict(Tally)
    for (survey_id, _unit_id), tally in unit_tallies(tallies([s.pk for s in surveys])).items():
        if tally.n >= k:  # as `ranked_results`: no unit below k is pooled
            pooled[survey_id].add(tally)
    rows = [
        SurveyRow(s, result_of(pooled.get(s.pk, Tally()), k, final=s.state == SurveyState.CLOSED))
        for s in surveys
    ]
    return RegionOverview(k, rows, [])


@dataclass(frozen=True, slots=True)
class RankRow:
    rank: int
    unit_id: int
    unit_name: str
    result: Result


@dataclass(frozen=True, slots=True)
class FewerRow:
    unit_id: int
    unit_name: str
    n: int


@dataclass(frozen=True, slots=True)
class Ranking:
    survey: Survey
    policy: SurveyPolicy
    region: Result
    ranked: list[RankRow]  # by the overall index, ties sharing a rank (1, 2, 2, 4)
    fewer: list[FewerRow]  # below k: listed apart, never ranked nor shown
    kinds: list[str]  # the index kinds any ranked unit has, for the table's columns


def _units_of(survey_ids: Sequence[int]) -> dict[tuple[int, int], str]:
    """(survey, unit) → the unit's name, for each unit a survey targets."""
    return {
        (s, u): name
        for s, u, name in Target.objects.filter(survey_id__in=list(survey_ids))
        .order_by()
        .values_list("survey_id", "unit_id", "unit__name")
        .distinct()
    }


def ranked_results(survey: Survey, k: int) -> tuple[Result, list[RankRow], list[FewerRow]]:
    """The region's pooled result and the units' ranking of one survey (three queries).
    The region pools the units with k responses or more only: pooling one below k
    would let the region's counts less the shown units' give its result away."""
    units = _units_of([survey.pk])
    per_unit = unit_tallies(tallies([survey.pk]))
    final = survey.state == SurveyState.CLOSED
    region = Tally()
    shown: list[tuple[Decimal, str, int, Result]] = []
    fewer: list[FewerRow] = []
    for (_s, unit_id), name in units.items():
        tally = per_unit.get((survey.pk, unit_id), Tally())
        result = result_of(tally, k, final=final)
        if result.overall is None:
            fewer.append(FewerRow(unit_id, name, tally.n))
        else:
            region.add(tally)
            shown.append((result.overall.value, name, unit_id, result))
    shown.sort(key=lambda r: (-r[0], r[1]))
    ranked: list[RankRow] = []
    for i, (value, name, unit_id, result) in enumerate(shown):
        same = ranked and shown[i - 1][0] == value
        ranked.append(RankRow(ranked[-1].rank if same else i + 1, unit_id, name, result))
    fewer.sort(key=lambda r: r.unit_name)
    return result_of(region, k, final=final), ranked, fewer


def survey_ranking(user: User | AnonymousUser, survey_id: int) -> Ranking:
    """A survey's ranking of units, for its region's office; 404 for anyone else."""
    region_id = _region_office(user)
    survey = (
        Survey.objects.filter(region_id=region_id, pk=survey_id)
        .exclude(state=SurveyState.DRAFT)
        .select_related("group")
        .first()
    )
    if survey is None:
        raise Http404
    policy = policy_for(region_id)
    region, ranked, fewer = ranked_results(survey, policy.min_responses)
    kinds = [k for k in KINDS if any(r.result.of(k) for r in ranked)]
    return Ranking(survey, policy, region, ranked, fewer, kinds)


@dataclass(frozen=True, slots=True)
class UnitSurvey:
    survey: Survey
    result: Result
    comments: list[str]  # released texts; none below k


@dataclass(frozen=True, slots=True)
class UnitResults:
    unit: Unit
    k: int
    rows: list[UnitSurvey]  # newest first
    trend: list[UnitSurvey]  # the closed surveys, oldest first


def unit_results(user: User | AnonymousUser, unit_id: int) -> UnitResults:
    """A unit's results in each survey that targets it (open or closed), its trend over
    the closed ones and their released comments; the unit must lie in the user's scope
    (the office: its region; a unit's administrators and heads: their units), else 404.
    Six queries whatever the number of surveys."""
    scope = scope_of(user, SURVEY_RESULT_ROLES)
    unit = Unit.objects.filter(scope.unit_filter(), pk=unit_id).only("name", "region_id").first()
    if unit is None:
        raise Http404
    k = policy_for(unit.region_id).min_responses
    surveys = list(
        Survey.objects.filter(
            region_id=unit.region_id, pk__in=Target.objects.filter(unit=unit).values("survey_id")
        )
        .exclude(state=SurveyState.DRAFT)
        .order_by("-closes_on", "-pk")
    )
    per_unit = unit_tallies(tallies([s.pk for s in surveys], unit_ids=[unit.pk]))
    results = {
        s.pk: result_of(
            per_unit.get((s.pk, unit.pk), Tally()), k, final=s.state == SurveyState.CLOSED
        )
        for s in surveys
    }
    comments = released_comments(unit.pk, [pk for pk, r in results.items() if r.shown])
    rows = [UnitSurvey(s, results[s.pk], comments.get(s.pk, [])) for s in surveys]
    trend = [r for r in reversed(rows) if r.survey.state == SurveyState.CLOSED]
    return UnitResults(unit, k, rows, trend)


def released_comments(unit_id: int, survey_ids: Sequence[int]) -> dict[int, list[str]]:
    """The moderators' released texts of the unit's counted responses in these surveys
    (pass only surveys where the unit has k responses), in question order; ordered by
    text within a question, so their order says nothing of when they came."""
    out: dict[int, list[str]] = defaultdict(list)
    if not survey_ids:
        return out
    for survey_id, text in (
        Comment.objects.filter(
            state=CommentState.RELEASED,
            response__counted=True,
            response__target__unit_id=unit_id,
            response__target__person__isnull=True,
            response__target__survey_id__in=list(survey_ids),
        )
        .order_by("question__position", "released_text")
        .values_list("response__target__survey_id", "released_text")
    ):
        if text.strip():
            out[survey_id].append(text)
    return out


# ------------------------------------------------------------------ feeds


@dataclass(frozen=True, slots=True)
class MonthIndex:
    """A unit's overall index in the closed surveys of a performance month (pooled if
    there are several), with k counted responses or more."""

    survey_names: tuple[str, ...]
    n: int
    index: Decimal


def unit_month_indices(region_id: int, year: int, month: int) -> dict[int, MonthIndex]:
    """unit → its overall index for performance month (year, month), from the region's
    closed surveys of that month; units below k are absent (their typed 民评 stays)."""
    surveys = list(
        Survey.objects.filter(
            region_id=region_id, year=year, month=month, state=SurveyState.CLOSED
        ).order_by("closes_on", "pk")
    )
    if not surveys:
        return {}
    k = policy_for(region_id).min_responses
    names = {s.pk: s.name for s in surveys}
    pooled: dict[int, Tally] = defaultdict(Tally)
    seen: dict[int, list[str]] = defaultdict(list)
    for (survey_id, unit_id), tally in sorted(unit_tallies(tallies(list(names))).items()):
        # Each survey's tally must reach k on its own: pooling one below k with one
        # shown apart would give the small one's result away by difference.
        if tally.n < k:
            continue
        pooled[unit_id].add(tally)
        seen[unit_id].append(names[survey_id])
    out = {}
    for unit_id, tally in pooled.items():
        overall = result_of(tally, k).overall
        if overall is not None:
            out[unit_id] = MonthIndex(tuple(seen[unit_id]), tally.n, overall.value)
    return out


@dataclass(frozen=True, slots=True)
class CadreItem:
    """A named cadre's plus (positive) or minus item from one survey."""

    survey_name: str
    n: int
    index: Decimal
    points: Decimal


def person_adjustments(region_id: int, year: int, quarter: int) -> dict[int, tuple[CadreItem, ...]]:
    """person → the plus and minus items of the quarter from the region's closed surveys
    that feed cadres and closed in it: index ≥ policy.cadre_bonus_from gains
    cadre_bonus, index < policy.low_index loses cadre_deduction; below k nothing."""
    period = Period(year, quarter)
    surveys = {
        s.pk: s.name
        for s in Survey.objects.filter(
            region_id=region_id,
            feeds_cadres=True,
            state=SurveyState.CLOSED,
            closes_on__gte=period.start,
            closes_on__lte=period.end,
        ).order_by("closes_on", "pk")
    }
    if not surveys:
        return {}
    policy = policy_for(region_id)
    out: dict[int, list[CadreItem]] = defaultdict(list)
    for (survey_id, person_id), tally in sorted(person_tallies(tallies(list(surveys))).items()):
        overall = result_of(tally, policy.min_responses).overall
        if overall is None:
            continue
        if overall.value >= policy.cadre_bonus_from:
            points = policy.cadre_bonus
        elif overall.value < policy.low_index:
            points = -policy.cadre_deduction
        else:
            continue
        if points:
            out[person_id].append(CadreItem(surveys[survey_id], tally.n, overall.value, points))
    return {p: tuple(items) for p, items in out.items()}


@dataclass(frozen=True, slots=True)
class LowItem:
    unit_id: int
    unit_name: str
    kind: str
    value: Decimal


def low_items(survey: Survey, policy: SurveyPolicy) -> list[LowItem]:
    """Each unit's index kinds below policy.low_index, for units with k responses."""
    _region, ranked, _fewer = ranked_results(survey, policy.min_responses)
    return [
        LowItem(row.unit_id, row.unit_name, item.kind, item.value)
        for row in sorted(ranked, key=lambda r: r.unit_name)
        for item in row.result.indices
        if item.value < policy.low_index
    ]
