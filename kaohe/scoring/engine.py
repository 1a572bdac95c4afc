"""The scoring engine (R5): dataclasses in, dataclasses out, no ORM, no I/O.

Every result carries its explanation as a list of `Step`s (a code and its
figures); kaohe.scoring.explain turns them into plain Chinese. The same inputs
always give the same outputs, in any order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from enum import StrEnum
from operator import itemgetter
from types import MappingProxyType
from typing import NamedTuple, TypeVar

import numpy as np

ZERO = Decimal(0)
HUNDRED = Decimal(100)
CENT = Decimal("0.01")


class QuarterGrade(StrEnum):
    GOOD = "good"  # 好
    FAIRLY_GOOD = "fairly_good"  # 较好
    AVERAGE = "average"  # 一般
    POOR = "poor"  # 较差


class AnnualGrade(StrEnum):
    EXCELLENT = "excellent"  # 优秀
    COMPETENT = "competent"  # 称职
    BASIC = "basic"  # 基本称职
    INCOMPETENT = "incompetent"  # 不称职
    NONE = "none"  # comments only: probation, or a punishment in its period (R5.11, R5.13)
    PENDING = "pending"  # under investigation


class Grading(StrEnum):
    """How a quarter's grades are found (a region's setting, decision "grading by rank")."""

    RANK = "rank"  # the highest scores up to the pool's quota are 好; bands only as floors
    BANDS = "bands"  # by score bands first, then the quota caps 好


QUARTER_ORDER = [
    QuarterGrade.GOOD,
    QuarterGrade.FAIRLY_GOOD,
    QuarterGrade.AVERAGE,
    QuarterGrade.POOR,
]


NO_FIGURES: Mapping[str, str] = MappingProxyType({})


class StepCode(StrEnum):
    """Every code a step of an explanation carries: the one registry the engine (and
    the services' own steps) emit and `explain` renders, each code with its text there
    (a test fails on a code without one). The values are stored in every result's
    steps, so they never change: a new wording is a new text, not a new value."""

    # The quarter's score: its parts (the headline formula), then what follows.
    PART_EVALUATION = "part.evaluation"
    PART_INDICATORS = "part.indicators"
    PART_NONE = "part.none"
    PART_WITHHELD = "part.withheld"
    ADJUSTMENT = "adjustment"
    CLIPPED = "clipped"
    SCORE = "score"
    # The quarter's grade.
    BAND = "band"
    FLOOR = "floor"
    QUOTA = "quota"
    RANK = "rank"
    RANK_WITHHELD = "rank.withheld"
    QUOTA_PUSHED = "quota_pushed"
    TIE = "tie"  # the year's too
    VETO = "veto"
    NOT_GRADED = "not_graded"
    GRADE = "grade"
    PROPOSED = "proposed"  # the unit head's decision (services.quarter_propose)
    # The year's composite.
    ANNUAL_ROLE = "annual.role"
    ANNUAL_DEMOCRATIC = "annual.democratic"
    ANNUAL_UNIT_RESULT = "annual.unit_result"
    ANNUAL_QUARTERLY = "annual.quarterly"
    ANNUAL_WITHHELD = "annual.withheld"
    ANNUAL_COMPOSITE = "annual.composite"
    # The year's grade.
    ANNUAL_QUOTA = "annual.quota"
    ANNUAL_RANK = "annual.rank"
    LADDER = "ladder"
    PROBATION = "probation"
    INVESTIGATION = "investigation"
    BAR_VETO = "bar.veto"
    BAR_LOW_QUARTER = "bar.low_quarter"
    BAR_FEW_GOOD = "bar.few_good"
    BAR_OTHER = "bar.other"
    AFFIRMATION = "affirmation"
    PRIORITY = "priority"
    ANNUAL_GRADE = "annual.grade"
    # Discipline and leave (R5.13, R5.4): each record cited with what it does.
    CONDUCT_NO_EXCELLENT = "conduct.no_excellent"
    CONDUCT_NO_GRADE = "conduct.no_grade"
    CONDUCT_INCOMPETENT = "conduct.incompetent"
    LEAVE_NO_EXCELLENT = "leave.no_excellent"
    LEAVE_NO_GRADE = "leave.no_grade"


# The codes the loops below look up per person, as module globals: `StepCode.X` is an
# enum member's class-attribute lookup, about ten times a global's on Python 3.11, and a
# city's quarter looks them up millions of times.
_PART_EVALUATION = StepCode.PART_EVALUATION
_ADJUSTMENT = StepCode.ADJUSTMENT
_SCORE = StepCode.SCORE
_ANNUAL_COMPOSITE = StepCode.ANNUAL_COMPOSITE
_ANNUAL_RANK = StepCode.ANNUAL_RANK


class Step(NamedTuple):
    """One line of an explanation: a stable code and the figures it mentions.

    A named tuple, not a dataclass: a city's quarter makes millions of them."""

    code: StepCode
    figures: Mapping[str, str] = NO_FIGURES


def _q(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


def _pct(value: Decimal) -> str:
    """40 rather than 40.00: shares as people write them."""
    return format(value.normalize(), "f")


def _s(value: Decimal | int) -> str:
    return str(value.quantize(CENT, ROUND_HALF_UP)) if isinstance(value, Decimal) else str(value)


def quota(count: int, share: Decimal, rounding: str) -> int:
    """How many of `count` may hold a capped grade; rounding is floor, half_up or ceiling."""
    mode = {"floor": ROUND_FLOOR, "half_up": ROUND_HALF_UP, "ceiling": ROUND_CEILING}[rounding]
    return int((Decimal(count) * share).to_integral_value(rounding=mode))


# ---------------------------------------------------------------- quarterly score


@dataclass(frozen=True, slots=True)
class QuarterPolicy:
    evaluation_weight: Decimal = Decimal(70)  # % of the score from the 360 rating
    indicator_weight: Decimal = Decimal(30)  # % from the scheme's indicators
    good_from: Decimal = Decimal(90)
    fairly_good_from: Decimal = Decimal(80)
    average_from: Decimal = Decimal(60)
    good_share: Decimal = Decimal("0.40")
    rounding: str = "floor"
    grading: Grading = Grading.RANK


@dataclass(frozen=True, slots=True)
class Adjustment:
    """A deduction (negative) or bonus outside the weighted part, with its reason."""

    label: str
    points: Decimal
    detail: str = ""


@dataclass(frozen=True, slots=True)
class QuarterInput:
    person_id: int
    pool_id: int
    evaluation: Decimal | None  # the round's weighted score, 50–100
    indicators: Decimal | None  # the scheme's weighted part, out of 100
    adjustments: tuple[Adjustment, ...] = ()
    vetoed: tuple[str, ...] = ()
    graded: bool = True  # probation: scored but not graded
    # k of the round when it rated the person but on fewer than k valid ballots, so the
    # rating was withheld (decision 31) and its weight went to the other part; else 0.
    withheld: int = 0


@dataclass(frozen=True, slots=True)
class QuarterScore:
    person_id: int
    pool_id: int
    score: Decimal
    steps: tuple[Step, ...]
    graded: bool
    vetoed: tuple[str, ...]
    # No rating kept (fewer than k valid ballots): the score is the indicators' alone,
    # so by rank it is not set against the others' for 好 (decision "grading by rank").
    withheld: bool = False


# Per combination of parts present (rating, indicators): each part's step code, its
# share of the weight and that share as printed. The same for everyone in a run, so
# worked out once per policy rather than once per person.
_Shares = dict[tuple[bool, bool], tuple[tuple[StepCode, Decimal, str], ...]]


def _shares(policy: QuarterPolicy) -> _Shares:
    table: _Shares = {}
    for present in ((True, True), (True, False), (False, True), (False, False)):
        parts = [
            (code, weight)
            for code, here, weight in (
                (StepCode.PART_EVALUATION, present[0], policy.evaluation_weight),
                (StepCode.PART_INDICATORS, present[1], policy.indicator_weight),
            )
            if here and weight > 0
        ]
        total = sum((w for _c, w in parts), ZERO)
        table[present] = tuple(
            (code, weight / total, _pct(_q(weight / total * HUNDRED))) for code, weight in parts
        )
    return table


def _withheld(memo: dict[tuple[object, ...], Step], code: StepCode, minimum: int) -> Step:
    key: tuple[object, ...] = (code, minimum)
    step = memo.get(key)
    if step is None:
        step = memo[key] = Step(code, {"minimum": str(minimum)})
    return step


def quarter_score(inp: QuarterInput, policy: QuarterPolicy) -> QuarterScore:
    """Weighted evaluation and indicators, then deductions and bonuses, clipped to 0..100.

    A missing part gives its weight to the other; with neither, the score is 0.
    """
    return quarter_scores([inp], policy)[0]


def quarter_scores(inputs: Iterable[QuarterInput], policy: QuarterPolicy) -> list[QuarterScore]:
    """`quarter_score` for many people, sharing the work that does not depend on them."""
    shares = _shares(policy)
    memo: dict[tuple[object, ...], Step] = {}
    out = []
    for inp in inputs:
        evaluation, indicators = inp.evaluation, inp.indicators
        parts = shares[(evaluation is not None, indicators is not None)]
        steps: list[Step] = []
        if evaluation is None and inp.withheld:
            steps.append(_withheld(memo, StepCode.PART_WITHHELD, inp.withheld))
        base = ZERO
        for code, share, printed in parts:
            value = evaluation if code == _PART_EVALUATION else indicators
            assert value is not None
            base += value * share
            key: tuple[object, ...] = (code, printed, value)
            step = memo.get(key)
            if step is None:
                step = memo[key] = Step(code, {"value": _s(value), "weight": printed})
            steps.append(step)
        if not parts:
            steps.append(STEP_NO_PARTS)
        score = base
        for adj in inp.adjustments:
            points = adj.points
            if points == 0:
                continue
            score += points
            key = (_ADJUSTMENT, adj.label, points, adj.detail)
            step = memo.get(key)
            if step is None:
                step = memo[key] = Step(
                    _ADJUSTMENT,
                    {"label": adj.label, "points": _s(points), "detail": adj.detail},
                )
            steps.append(step)
        clipped = ZERO if score < ZERO else HUNDRED if score > HUNDRED else score
        if clipped != score:
            steps.append(Step(StepCode.CLIPPED, {"from": _s(score), "to": _s(clipped)}))
        final = clipped.quantize(CENT, ROUND_HALF_UP)
        key = (_SCORE, final)
        step = memo.get(key)
        if step is None:
            step = memo[key] = Step(_SCORE, {"score": str(final)})
        steps.append(step)
        out.append(
            QuarterScore(
                inp.person_id,
                inp.pool_id,
                final,
                tuple(steps),
                inp.graded,
                inp.vetoed,
                evaluation is None and inp.withheld > 0,
            )
        )
    return out


STEP_NO_PARTS = Step(StepCode.PART_NONE)


def band(score: Decimal, policy: QuarterPolicy) -> QuarterGrade:
    if score >= policy.good_from:
        return QuarterGrade.GOOD
    if score >= policy.fairly_good_from:
        return QuarterGrade.FAIRLY_GOOD
    if score >= policy.average_from:
        return QuarterGrade.AVERAGE
    return QuarterGrade.POOR


def floor_band(score: Decimal, policy: QuarterPolicy) -> QuarterGrade:
    """Under the rank rule, the highest grade a score allows: the bands act only as
    floors (below `average_from` 较差, below `fairly_good_from` 一般); any higher score
    may be 好 if its rank in the pool falls within the quota."""
    if score >= policy.fairly_good_from:
        return QuarterGrade.GOOD
    if score >= policy.average_from:
        return QuarterGrade.AVERAGE
    return QuarterGrade.POOR


@dataclass(frozen=True, slots=True)
class QuarterGradeResult:
    person_id: int
    pool_id: int
    score: Decimal
    band: QuarterGrade | None  # the highest grade the score allows under the rule
    grade: QuarterGrade | None  # None: not graded (probation)
    tie: bool  # equal score at the quota boundary: a person decides
    steps: tuple[Step, ...]


def quarter_grades(
    scores: Iterable[QuarterScore], policy: QuarterPolicy
) -> dict[int, QuarterGradeResult]:
    """Each pool's grades under the policy's rule, within its 好 quota.

    By rank (the default, seed 004): those not barred and above the floors are taken
    by score, highest first, up to the quota; they are 好 and the rest 较好. By bands:
    the score's band first, then the quota; those pushed out fall to 较好. Either way,
    where the last place inside the quota ties with the first outside, every tied
    person stays 较好 and is flagged, and the free places are left for a person to
    give: the quota is never exceeded and no tie is broken silently.
    """
    by_pool: dict[int, list[QuarterScore]] = defaultdict(list)
    for s in scores:
        by_pool[s.pool_id].append(s)
    by_rank = policy.grading == Grading.RANK
    ceiling = floor_band if by_rank else band
    grade_steps = {g: Step(StepCode.GRADE, {"grade": g.value}) for g in QuarterGrade}
    # One object per distinct line, shared by everyone it reads the same for.
    band_steps: dict[Decimal, Step] = {}  # by score
    rank_steps: dict[int, list[Step]] = {}  # by limit, then place − 1
    share = _pct(policy.good_share * HUNDRED)
    good, fairly_good = QuarterGrade.GOOD, QuarterGrade.FAIRLY_GOOD
    band_code = StepCode.FLOOR if by_rank else StepCode.BAND
    out: dict[int, QuarterGradeResult] = {}
    for pool_id in sorted(by_pool):
        members = sorted(by_pool[pool_id], key=lambda s: (-s.score, s.person_id))
        bands = {m.person_id: ceiling(m.score, policy) for m in members if m.graded}
        graded = [m for m in members if m.graded]
        limit = quota(len(graded), policy.good_share, policy.rounding)
        candidates = [
            m
            for m in graded
            if bands[m.person_id] == good and not m.vetoed and not (by_rank and m.withheld)
        ]
        inside = candidates[:limit]
        tied_score = None
        if (
            len(candidates) > limit
            and limit > 0
            and candidates[limit - 1].score == candidates[limit].score
        ):
            tied_score = candidates[limit].score
        good_ids = {m.person_id for m in inside if m.score != tied_score}
        # By rank: the candidates' places, counted in the members' (score) order below.
        place = 0
        pool_rank_steps = rank_steps.setdefault(limit, []) if by_rank else []
        # One quota step for the whole pool: every member's explanation shows it.
        quota_step = Step(
            StepCode.QUOTA, {"count": str(len(graded)), "share": share, "limit": str(limit)}
        )
        for m in members:
            if not m.graded:
                out[m.person_id] = QuarterGradeResult(
                    m.person_id, pool_id, m.score, None, None, False, STEPS_NOT_GRADED
                )
                continue
            b = bands[m.person_id]
            first: Step | None
            if by_rank and b == good and not m.vetoed and not m.withheld:
                # By rank: the place among those who may be 好 names the rule that applied.
                place += 1
                if place > len(pool_rank_steps):
                    pool_rank_steps.append(
                        Step(StepCode.RANK, {"place": str(place), "limit": str(limit)})
                    )
                first = pool_rank_steps[place - 1]
            elif by_rank and b == good:
                first = None  # barred: the veto or withheld step says why, not a floor
            else:
                first = band_steps.get(m.score)
                if first is None:
                    first = band_steps[m.score] = Step(
                        band_code, {"score": _s(m.score), "grade": b.value}
                    )
            grade, tie, extra = b, False, None
            if b == good:
                if m.vetoed:
                    grade = fairly_good
                    extra = Step(StepCode.VETO, {"reasons": "、".join(m.vetoed)})
                elif by_rank and m.withheld:
                    grade, extra = fairly_good, STEP_RANK_WITHHELD
                elif tied_score is not None and m.score == tied_score:
                    grade, tie = fairly_good, True
                    extra = Step(StepCode.TIE, {"score": _s(m.score)})
                elif by_rank:
                    if place > limit:
                        grade = fairly_good  # the place already says it is beyond the quota
                elif m.person_id not in good_ids:
                    grade = fairly_good
                    extra = STEP_QUOTA_PUSHED
            steps: tuple[Step, ...]
            if first is None:
                steps = (quota_step, *((extra,) if extra else ()), grade_steps[grade])
            elif extra:
                steps = (first, quota_step, extra, grade_steps[grade])
            else:
                steps = (first, quota_step, grade_steps[grade])
            out[m.person_id] = QuarterGradeResult(
                m.person_id, pool_id, m.score, b, grade, tie, steps
            )
    return out


STEPS_NOT_GRADED = (Step(StepCode.NOT_GRADED),)
STEP_QUOTA_PUSHED = Step(StepCode.QUOTA_PUSHED)
STEP_RANK_WITHHELD = Step(StepCode.RANK_WITHHELD)


# ---------------------------------------------------------------- annual


@dataclass(frozen=True, slots=True)
class AnnualPolicy:
    # (democratic evaluation, unit annual result, quarterly average) in %, by role (R5.2)
    main_leader_weights: tuple[Decimal, Decimal, Decimal] = (Decimal(10), Decimal(30), Decimal(60))
    other_weights: tuple[Decimal, Decimal, Decimal] = (Decimal(10), Decimal(20), Decimal(70))
    excellent_share: Decimal = Decimal("0.20")
    rounding: str = "floor"
    min_good_quarters: int = 2  # 优秀 needs at least this many 好 quarters
    failing: tuple[QuarterGrade, ...] = (QuarterGrade.POOR,)  # quarters that climb the ladder


class Effect(StrEnum):
    """What a discipline record or long leave does to the year's grade (R5.13); the
    values equal conduct.models.ConductEffect's, which the engine does not import."""

    NO_EXCELLENT = "no_excellent"  # cannot be 优秀
    NO_GRADE = "no_grade"  # comments only, no grade (as probation)
    INCOMPETENT = "incompetent"  # 不称职, whatever the scores


class Conduct(NamedTuple):
    """A record (or the year's leave) bearing on the grade: what it does and the step
    that cites it (kind, document, period) in the explanation."""

    effect: Effect
    step: Step


_SEVERITY = {Effect.INCOMPETENT: 3, Effect.NO_GRADE: 2, Effect.NO_EXCELLENT: 1}


def heaviest(conduct: Sequence[Conduct]) -> Effect | None:
    """The effect that decides where several records apply: the heaviest (practice:
    "按照对其年度考核结果影响较重的处理处分确定"); every record is cited all the same."""
    if not conduct:
        return None
    return max((c.effect for c in conduct), key=_SEVERITY.__getitem__)


class AnnualInput(NamedTuple):
    """A person's year as the engine reads it. A named tuple, like Step: a province's
    year makes hundreds of thousands, and a frozen dataclass is built five times slower."""

    person_id: int
    pool_id: int
    tier: str  # rank tier, for rankings (R5.10)
    main_leader: bool
    democratic: Decimal | None
    unit_result: Decimal | None
    quarter_scores: tuple[Decimal, ...]
    quarter_grades: tuple[QuarterGrade, ...]
    probation: bool = False
    under_investigation: bool = False
    veto: str = ""  # reason: cannot be 优秀 (R5.8)
    affirmation: str = ""  # reason: 优秀 directly (R5.8)
    bars: tuple[str, ...] = ()  # other bars to 优秀 (long leave, 诫勉 …)
    withheld: int = 0  # as QuarterInput.withheld, for the democratic evaluation
    conduct: tuple[Conduct, ...] = ()  # discipline and long leave (R5.13, R5.4)


class AnnualResult(NamedTuple):
    """A person's year as the engine decides it (a named tuple, as AnnualInput)."""

    person_id: int
    pool_id: int
    tier: str
    composite: Decimal
    grade: AnnualGrade
    priority: bool  # all four quarters 好 (R5.5)
    consequences: tuple[str, ...]  # the escalation ladder's steps reached (R5.6)
    tie: bool
    steps: tuple[Step, ...]
    rank_in_tier: int = 0


# Per role and combination of parts present: each part's place in (democratic, unit
# result, quarterly average), its step code, its share and that share as printed.
_AnnualShares = dict[tuple[bool, bool, bool, bool], tuple[tuple[int, StepCode, Decimal, str], ...]]


def _annual_shares(policy: AnnualPolicy) -> _AnnualShares:
    table: _AnnualShares = {}
    for main in (True, False):
        weights = policy.main_leader_weights if main else policy.other_weights
        for present in (
            (a, b, c) for a in (True, False) for b in (True, False) for c in (True, False)
        ):
            parts = [
                (index, code, weight)
                for index, (code, here, weight) in enumerate(
                    zip(
                        (
                            StepCode.ANNUAL_DEMOCRATIC,
                            StepCode.ANNUAL_UNIT_RESULT,
                            StepCode.ANNUAL_QUARTERLY,
                        ),
                        present,
                        weights,
                        strict=True,
                    )
                )
                if here and weight > 0
            ]
            total = sum((w for _i, _c, w in parts), ZERO)
            table[(main, *present)] = tuple(
                (index, code, weight / total, _pct(_q(weight / total * HUNDRED)))
                for index, code, weight in parts
            )
    return table


ROLE_STEPS = {
    True: Step(StepCode.ANNUAL_ROLE, {"role": "main"}),
    False: Step(StepCode.ANNUAL_ROLE, {"role": "other"}),
}


def annual_composite(inp: AnnualInput, policy: AnnualPolicy) -> tuple[Decimal, list[Step]]:
    return _composite(inp, _annual_shares(policy), {})


def _composite(
    inp: AnnualInput, shares: _AnnualShares, memo: dict[tuple[object, ...], Step]
) -> tuple[Decimal, list[Step]]:
    """The composite and its steps; `memo` shares equal steps across a run."""
    scores = inp.quarter_scores
    quarterly = sum(scores, ZERO) / len(scores) if scores else None
    democratic, unit_result, main = inp.democratic, inp.unit_result, inp.main_leader
    values = (democratic, unit_result, quarterly)
    steps = [ROLE_STEPS[main]]
    if democratic is None and inp.withheld:
        steps.append(_withheld(memo, StepCode.ANNUAL_WITHHELD, inp.withheld))
    composite = ZERO
    for index, code, share, printed in shares[
        (main, democratic is not None, unit_result is not None, quarterly is not None)
    ]:
        value = values[index]
        assert value is not None
        composite += value * share
        # Memo keys by the figure's text: hashing a fresh Decimal costs several times
        # as much as printing it, and nearly every person brings fresh ones.
        part = (code, printed, str(value))
        step = memo.get(part)
        if step is None:
            step = memo[part] = Step(code, {"value": _s(value), "weight": printed})
        steps.append(step)
    composite = composite.quantize(CENT, ROUND_HALF_UP)
    score = str(composite)
    total = (_ANNUAL_COMPOSITE, score)
    step = memo.get(total)
    if step is None:
        step = memo[total] = Step(_ANNUAL_COMPOSITE, {"score": score})
    steps.append(step)
    return composite, steps


LADDER = ("talk", "notice", "basic", "incompetent")


def _ladder(
    grades: Sequence[QuarterGrade], failing: Sequence[QuarterGrade]
) -> tuple[int, tuple[str, ...]]:
    count = sum(grades.count(f) for f in dict.fromkeys(failing))
    return count, LADDER[:count]


class _QuarterRules(NamedTuple):
    """What a person's quarter grades decide on their own: the same for everyone with
    the same grades, so worked out once per distinct sequence in a run."""

    consequences: tuple[str, ...]  # the ladder's steps reached (R5.6)
    ladder: Step | None  # the step that says so
    bars: tuple[Step, ...]  # bars to 优秀 from the quarters: low ones, too few 好
    priority: bool  # all four quarters 好 (R5.5)


def _quarter_rules(grades: tuple[QuarterGrade, ...], policy: AnnualPolicy) -> _QuarterRules:
    failing, consequences = _ladder(grades, policy.failing)
    ladder = (
        Step(StepCode.LADDER, {"count": str(failing), "steps": ",".join(consequences)})
        if consequences
        else None
    )
    goods = grades.count(QuarterGrade.GOOD)
    low = grades.count(QuarterGrade.AVERAGE) + grades.count(QuarterGrade.POOR)
    bars: list[Step] = []
    if low:
        bars.append(Step(StepCode.BAR_LOW_QUARTER, {"count": str(low)}))
    if goods < policy.min_good_quarters:
        bars.append(
            Step(
                StepCode.BAR_FEW_GOOD,
                {"count": str(goods), "needed": str(policy.min_good_quarters)},
            )
        )
    return _QuarterRules(consequences, ladder, tuple(bars), len(grades) == 4 and goods == 4)


STEP_PROBATION = Step(StepCode.PROBATION)
STEP_INVESTIGATION = Step(StepCode.INVESTIGATION)
STEP_PRIORITY = Step(StepCode.PRIORITY)

# A row of annual_grades: the input, its composite, its steps so far, its quarters' rules.
_AnnualRow = tuple[AnnualInput, Decimal, list[Step], _QuarterRules]


def _row_person(row: _AnnualRow) -> int:
    return row[0].person_id


def annual_grades(inputs: Iterable[AnnualInput], policy: AnnualPolicy) -> dict[int, AnnualResult]:
    """Composite, the rules, then each pool's 优秀 quota, then rankings per tier."""
    shares = _annual_shares(policy)
    grade_steps = {g: Step(StepCode.ANNUAL_GRADE, {"grade": g.value}) for g in AnnualGrade}
    memo: dict[tuple[object, ...], Step] = {}
    # Four quarters' grades come in a few dozen sequences across a whole region.
    rules_of: dict[tuple[QuarterGrade, ...], _QuarterRules] = {}
    by_pool: dict[int, list[_AnnualRow]] = defaultdict(list)
    for inp in inputs:
        composite, steps = _composite(inp, shares, memo)
        rules = rules_of.get(inp.quarter_grades)
        if rules is None:
            rules = rules_of[inp.quarter_grades] = _quarter_rules(inp.quarter_grades, policy)
        if rules.ladder is not None:
            steps.append(rules.ladder)
        by_pool[inp.pool_id].append((inp, composite, steps, rules))
    decided: dict[int, tuple[AnnualGrade, list[Step], bool]] = {}  # grade, steps, tie
    excellent, competent = AnnualGrade.EXCELLENT, AnnualGrade.COMPETENT
    incompetent, no_grade = Effect.INCOMPETENT, Effect.NO_GRADE
    for pool_id in sorted(by_pool):
        rows = by_pool[pool_id]
        # By composite, highest first, then by person: two stable sorts, no key tuples.
        rows.sort(key=_row_person)
        rows.sort(key=itemgetter(1), reverse=True)
        # Discipline is rare: the few rows with records get their heaviest effect here.
        effects = {r[0].person_id: heaviest(r[0].conduct) for r in rows if r[0].conduct}
        gradable = sum(
            1
            for r in rows
            if not r[0].probation
            and not r[0].under_investigation
            and (not effects or effects.get(r[0].person_id) is not no_grade)
        )
        limit = quota(gradable, policy.excellent_share, policy.rounding)
        eligible: list[_AnnualRow] = []
        affirmed = 0
        for row in rows:
            inp, _composite_score, steps, rules = row
            failing = len(rules.consequences)
            effect = effects.get(inp.person_id) if effects else None
            if inp.probation:
                decided[inp.person_id] = (AnnualGrade.NONE, [*steps, STEP_PROBATION], False)
            elif inp.under_investigation:
                decided[inp.person_id] = (
                    AnnualGrade.PENDING,
                    [*steps, STEP_INVESTIGATION],
                    False,
                )
            elif effect is incompetent or effect is no_grade:
                # 不称职 or comments only, whatever the scores; every record cited.
                decided[inp.person_id] = (
                    AnnualGrade.INCOMPETENT if effect is incompetent else AnnualGrade.NONE,
                    [*steps, *(c.step for c in inp.conduct)],
                    False,
                )
            elif failing >= 3:
                if effect is not None:  # cited, though the quarters decide
                    steps.extend(c.step for c in inp.conduct)
                grade = AnnualGrade.INCOMPETENT if failing >= 4 else AnnualGrade.BASIC
                decided[inp.person_id] = (grade, steps, False)
            else:
                bars = list(rules.bars)
                if inp.veto:
                    bars.insert(0, Step(StepCode.BAR_VETO, {"reason": inp.veto}))
                if inp.bars:
                    bars.extend(Step(StepCode.BAR_OTHER, {"reason": b}) for b in inp.bars)
                if effect is not None:  # only "no 优秀" is left: cited as bars
                    bars.extend(c.step for c in inp.conduct)
                if inp.affirmation and not inp.veto and effect is None:
                    affirmed += 1
                    decided[inp.person_id] = (
                        excellent,
                        [*steps, Step(StepCode.AFFIRMATION, {"reason": inp.affirmation})],
                        False,
                    )
                elif bars:
                    steps.extend(bars)
                    decided[inp.person_id] = (competent, steps, False)
                else:
                    eligible.append(row)
        places = max(0, limit - affirmed)
        boundary = None
        if len(eligible) > places > 0 and eligible[places - 1][1] == eligible[places][1]:
            boundary = eligible[places][1]
        quota_step = Step(
            StepCode.ANNUAL_QUOTA,
            {"count": str(gradable), "limit": str(limit), "places": str(places)},
        )
        for index, (inp, composite, steps, _rules) in enumerate(eligible):
            # The place among those eligible names the rule: 优秀 by rank within the quota.
            key = (_ANNUAL_RANK, index + 1, places)
            rank_step = memo.get(key)
            if rank_step is None:
                rank_step = memo[key] = Step(
                    _ANNUAL_RANK, {"place": str(index + 1), "places": str(places)}
                )
            if composite == boundary:
                decided[inp.person_id] = (
                    competent,
                    [*steps, quota_step, rank_step, Step(StepCode.TIE, {"score": _s(composite)})],
                    True,
                )
            elif index < places:
                steps.extend((quota_step, rank_step))
                decided[inp.person_id] = (excellent, steps, False)
            else:
                steps.extend((quota_step, rank_step, STEP_QUOTA_PUSHED))
                decided[inp.person_id] = (competent, steps, False)
    ranks = group_ranks(
        (inp.person_id, inp.tier, composite)
        for rows in by_pool.values()
        for inp, composite, _steps, _rules in rows
    )
    results: dict[int, AnnualResult] = {}
    for pool_id in sorted(by_pool):
        for inp, composite, _steps, rules in by_pool[pool_id]:  # sorted above
            grade, steps, tie = decided[inp.person_id]
            if rules.priority:
                steps.append(STEP_PRIORITY)
            steps.append(grade_steps[grade])
            results[inp.person_id] = AnnualResult(
                inp.person_id,
                pool_id,
                inp.tier,
                composite,
                grade,
                rules.priority,
                rules.consequences,
                tie,
                tuple(steps),
                ranks[inp.person_id],
            )
    return results


_Group = TypeVar("_Group", bound=Hashable)


def group_ranks(rows: Iterable[tuple[int, _Group, Decimal]]) -> dict[int, int]:
    """Competition ranking (1, 2, 2, 4) by score, highest first, within each group
    (the rank tier across the region, R5.10; the unit in a quarter): (person, group,
    score) in, person → rank out; equal scores share a rank.

    The engine's scores have two places: as whole cents they are sorted and ranked
    in numpy (a city's 300,000 composites: a fraction of sorting Decimals in Python).
    Scores that are not whole cents are ranked in Python, as Decimals."""
    listed = list(rows)
    if not listed:
        return {}
    count = len(listed)
    scores = map(float, map(_third, listed))
    as_float = np.fromiter(scores, dtype=np.float64, count=count) * 100
    cents = np.rint(as_float)
    if not np.all(np.abs(as_float - cents) < _NOT_CENTS):
        return _group_ranks_exact(listed)
    code_of = {g: i for i, g in enumerate(dict.fromkeys(map(_second, listed)))}
    groups = map(code_of.__getitem__, map(_second, listed))
    group = np.fromiter(groups, dtype=np.int64, count=count)
    person = np.fromiter(map(_first, listed), dtype=np.int64, count=count)
    # By group, then score highest first, then person (np.lexsort: the last key first).
    order = np.lexsort((person, -cents, group))
    group, cents = group[order], cents[order]
    at = np.arange(count)
    new_group = np.ones(count, dtype=bool)
    new_group[1:] = group[1:] != group[:-1]
    new_score = new_group.copy()
    new_score[1:] |= cents[1:] != cents[:-1]
    # A rank is the position of the first of its equal scores, counted from its group's first.
    first_equal = np.maximum.accumulate(np.where(new_score, at, 0))
    group_start = np.maximum.accumulate(np.where(new_group, at, 0))
    ranks = first_equal - group_start + 1
    return dict(zip(person[order].tolist(), ranks.tolist(), strict=True))


# How far from a whole number of cents a score's float may be and still be one: the
# engine's scores (at most 100.00, two places) come within 1e-11 of theirs.
_NOT_CENTS = 1e-6
_first, _second, _third = itemgetter(0), itemgetter(1), itemgetter(2)


def _group_ranks_exact(rows: Iterable[tuple[int, _Group, Decimal]]) -> dict[int, int]:
    """group_ranks for any Decimals, in Python."""
    by_group: dict[_Group, list[tuple[int, Decimal]]] = defaultdict(list)
    for person_id, group, score in rows:
        by_group[group].append((person_id, score))
    ranks: dict[int, int] = {}
    for members in by_group.values():
        # By person, then (stably) by score, highest first: one comparison of
        # Decimals per step instead of two for (−score, person) tuples.
        members.sort(key=itemgetter(0))
        members.sort(key=itemgetter(1), reverse=True)
        previous: Decimal | None = None
        rank = 0
        for position, (person_id, score) in enumerate(members, start=1):
            if score != previous:
                rank, previous = position, score
            ranks[person_id] = rank
    return ranks
