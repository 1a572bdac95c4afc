"""The scoring engine (R5): dataclasses in, dataclasses out, no ORM, no I/O.

Every result carries its explanation as a list of `Step`s (a code and its
figures); kaohe.scoring.explain turns them into plain Chinese. The same inputs
always give the same outputs, in any order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from enum import StrEnum

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
    NONE = "none"  # probation: comments only
    PENDING = "pending"  # under investigation


QUARTER_ORDER = [
    QuarterGrade.GOOD,
    QuarterGrade.FAIRLY_GOOD,
    QuarterGrade.AVERAGE,
    QuarterGrade.POOR,
]


@dataclass(frozen=True)
class Step:
    """One line of an explanation: a stable code and the figures it mentions."""

    code: str
    figures: Mapping[str, str] = field(default_factory=dict)


def _q(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


def _pct(value: Decimal) -> str:
    """40 rather than 40.00: shares as people write them."""
    return format(value.normalize(), "f")


def _s(value: Decimal | int) -> str:
    return str(_q(Decimal(value))) if isinstance(value, Decimal) else str(value)


def quota(count: int, share: Decimal, rounding: str) -> int:
    """How many of `count` may hold a capped grade; rounding is floor, half_up or ceiling."""
    mode = {"floor": ROUND_FLOOR, "half_up": ROUND_HALF_UP, "ceiling": ROUND_CEILING}[rounding]
    return int((Decimal(count) * share).to_integral_value(rounding=mode))


# ---------------------------------------------------------------- quarterly score


@dataclass(frozen=True)
class QuarterPolicy:
    evaluation_weight: Decimal = Decimal(70)  # % of the score from the 360 rating
    indicator_weight: Decimal = Decimal(30)  # % from the scheme's indicators
    good_from: Decimal = Decimal(90)
    fairly_good_from: Decimal = Decimal(80)
    average_from: Decimal = Decimal(60)
    good_share: Decimal = Decimal("0.40")
    rounding: str = "floor"


@dataclass(frozen=True)
class Adjustment:
    """A deduction (negative) or bonus outside the weighted part, with its reason."""

    label: str
    points: Decimal
    detail: str = ""


@dataclass(frozen=True)
class QuarterInput:
    person_id: int
    pool_id: int
    evaluation: Decimal | None  # the round's weighted score, 50–100
    indicators: Decimal | None  # the scheme's weighted part, out of 100
    adjustments: tuple[Adjustment, ...] = ()
    vetoed: tuple[str, ...] = ()
    graded: bool = True  # probation: scored but not graded


@dataclass(frozen=True)
class QuarterScore:
    person_id: int
    pool_id: int
    score: Decimal
    steps: tuple[Step, ...]
    graded: bool
    vetoed: tuple[str, ...]


def quarter_score(inp: QuarterInput, policy: QuarterPolicy) -> QuarterScore:
    """Weighted evaluation and indicators, then deductions and bonuses, clipped to 0..100.

    A missing part gives its weight to the other; with neither, the score is 0.
    """
    steps: list[Step] = []
    parts = [
        (name, value, weight)
        for name, value, weight in (
            ("evaluation", inp.evaluation, policy.evaluation_weight),
            ("indicators", inp.indicators, policy.indicator_weight),
        )
        if value is not None and weight > 0
    ]
    total_weight = sum((w for _n, _v, w in parts), ZERO)
    base = ZERO
    for name, value, weight in parts:
        assert value is not None
        share = weight / total_weight
        base += value * share
        steps.append(
            Step(f"part.{name}", {"value": _s(value), "weight": _pct(_q(share * HUNDRED))})
        )
    if not parts:
        steps.append(Step("part.none"))
    score = base
    for adj in inp.adjustments:
        if adj.points == 0:
            continue
        score += adj.points
        steps.append(
            Step("adjustment", {"label": adj.label, "points": _s(adj.points), "detail": adj.detail})
        )
    clipped = min(max(score, ZERO), HUNDRED)
    if clipped != score:
        steps.append(Step("clipped", {"from": _s(score), "to": _s(clipped)}))
    steps.append(Step("score", {"score": _s(clipped)}))
    return QuarterScore(
        inp.person_id, inp.pool_id, _q(clipped), tuple(steps), inp.graded, inp.vetoed
    )


def band(score: Decimal, policy: QuarterPolicy) -> QuarterGrade:
    if score >= policy.good_from:
        return QuarterGrade.GOOD
    if score >= policy.fairly_good_from:
        return QuarterGrade.FAIRLY_GOOD
    if score >= policy.average_from:
        return QuarterGrade.AVERAGE
    return QuarterGrade.POOR


@dataclass(frozen=True)
class QuarterGradeResult:
    person_id: int
    pool_id: int
    score: Decimal
    band: QuarterGrade | None
    grade: QuarterGrade | None  # None: not graded (probation)
    tie: bool  # equal score at the quota boundary: a person decides
    steps: tuple[Step, ...]


def quarter_grades(
    scores: Iterable[QuarterScore], policy: QuarterPolicy
) -> dict[int, QuarterGradeResult]:
    """Grades by bands, then each pool's 好 quota.

    Those pushed out of 好 by the quota fall to 较好. Where the last place inside
    the quota ties with the first outside, every tied person stays 较好 and is
    flagged, and the free places are left for a person to give: the quota is
    never exceeded and no tie is broken silently.
    """
    by_pool: dict[int, list[QuarterScore]] = defaultdict(list)
    for s in scores:
        by_pool[s.pool_id].append(s)
    out: dict[int, QuarterGradeResult] = {}
    for pool_id in sorted(by_pool):
        members = sorted(by_pool[pool_id], key=lambda s: (-s.score, s.person_id))
        graded = [m for m in members if m.graded]
        limit = quota(len(graded), policy.good_share, policy.rounding)
        candidates = [
            m for m in graded if band(m.score, policy) == QuarterGrade.GOOD and not m.vetoed
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
        for m in members:
            steps = [
                Step(
                    "quota",
                    {
                        "count": str(len(graded)),
                        "share": _pct(policy.good_share * HUNDRED),
                        "limit": str(limit),
                    },
                )
            ]
            if not m.graded:
                out[m.person_id] = QuarterGradeResult(
                    m.person_id, pool_id, m.score, None, None, False, (Step("not_graded"),)
                )
                continue
            b = band(m.score, policy)
            steps.insert(0, Step("band", {"score": _s(m.score), "grade": b.value}))
            grade, tie = b, False
            if b == QuarterGrade.GOOD:
                if m.vetoed:
                    grade = QuarterGrade.FAIRLY_GOOD
                    steps.append(Step("veto", {"reasons": "、".join(m.vetoed)}))
                elif m.score == tied_score:
                    grade, tie = QuarterGrade.FAIRLY_GOOD, True
                    steps.append(Step("tie", {"score": _s(m.score)}))
                elif m.person_id not in good_ids:
                    grade = QuarterGrade.FAIRLY_GOOD
                    steps.append(Step("quota_pushed"))
            steps.append(Step("grade", {"grade": grade.value}))
            out[m.person_id] = QuarterGradeResult(
                m.person_id, pool_id, m.score, b, grade, tie, tuple(steps)
            )
    return out


# ---------------------------------------------------------------- annual


@dataclass(frozen=True)
class AnnualPolicy:
    # (democratic evaluation, unit annual result, quarterly average) in %, by role (R5.2)
    main_leader_weights: tuple[Decimal, Decimal, Decimal] = (Decimal(10), Decimal(30), Decimal(60))
    other_weights: tuple[Decimal, Decimal, Decimal] = (Decimal(10), Decimal(20), Decimal(70))
    excellent_share: Decimal = Decimal("0.20")
    rounding: str = "floor"
    min_good_quarters: int = 2  # 优秀 needs at least this many 好 quarters
    failing: tuple[QuarterGrade, ...] = (QuarterGrade.POOR,)  # quarters that climb the ladder


@dataclass(frozen=True)
class AnnualInput:
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


@dataclass(frozen=True)
class AnnualResult:
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


def annual_composite(inp: AnnualInput, policy: AnnualPolicy) -> tuple[Decimal, list[Step]]:
    weights = policy.main_leader_weights if inp.main_leader else policy.other_weights
    quarterly = (
        sum(inp.quarter_scores, ZERO) / len(inp.quarter_scores) if inp.quarter_scores else None
    )
    parts = [
        (code, value, weight)
        for code, value, weight in zip(
            ("democratic", "unit_result", "quarterly"),
            (inp.democratic, inp.unit_result, quarterly),
            weights,
            strict=True,
        )
        if value is not None and weight > 0
    ]
    total = sum((w for _c, _v, w in parts), ZERO)
    steps = [Step("annual.role", {"role": "main" if inp.main_leader else "other"})]
    composite = ZERO
    for code, value, weight in parts:
        assert value is not None
        share = weight / total
        composite += value * share
        steps.append(
            Step(f"annual.{code}", {"value": _s(value), "weight": _pct(_q(share * HUNDRED))})
        )
    composite = _q(composite)
    steps.append(Step("annual.composite", {"score": _s(composite)}))
    return composite, steps


def _ladder(
    grades: Sequence[QuarterGrade], failing: Sequence[QuarterGrade]
) -> tuple[int, tuple[str, ...]]:
    count = sum(1 for g in grades if g in failing)
    steps = ("talk", "notice", "basic", "incompetent")[:count]
    return count, steps


def annual_grades(inputs: Iterable[AnnualInput], policy: AnnualPolicy) -> dict[int, AnnualResult]:
    """Composite, the rules, then each pool's 优秀 quota, then rankings per tier."""
    computed: list[tuple[AnnualInput, Decimal, list[Step]]] = []
    for inp in inputs:
        composite, steps = annual_composite(inp, policy)
        computed.append((inp, composite, steps))
    by_pool: dict[int, list[tuple[AnnualInput, Decimal, list[Step]]]] = defaultdict(list)
    for row in computed:
        by_pool[row[0].pool_id].append(row)
    results: dict[int, AnnualResult] = {}
    for pool_id in sorted(by_pool):
        rows = sorted(by_pool[pool_id], key=lambda r: (-r[1], r[0].person_id))
        gradable = [r for r in rows if not r[0].probation and not r[0].under_investigation]
        limit = quota(len(gradable), policy.excellent_share, policy.rounding)
        eligible: list[tuple[AnnualInput, Decimal, list[Step]]] = []
        fixed: dict[int, tuple[AnnualGrade, list[Step], tuple[str, ...]]] = {}
        for inp, composite, steps in rows:
            failing, consequences = _ladder(inp.quarter_grades, policy.failing)
            if consequences:
                steps.append(
                    Step("ladder", {"count": str(failing), "steps": ",".join(consequences)})
                )
            if inp.probation:
                fixed[inp.person_id] = (AnnualGrade.NONE, [*steps, Step("probation")], consequences)
                continue
            if inp.under_investigation:
                fixed[inp.person_id] = (
                    AnnualGrade.PENDING,
                    [*steps, Step("investigation")],
                    consequences,
                )
                continue
            if failing >= 4:
                fixed[inp.person_id] = (AnnualGrade.INCOMPETENT, steps, consequences)
                continue
            if failing == 3:
                fixed[inp.person_id] = (AnnualGrade.BASIC, steps, consequences)
                continue
            goods = sum(1 for g in inp.quarter_grades if g == QuarterGrade.GOOD)
            low = [g for g in inp.quarter_grades if g in (QuarterGrade.AVERAGE, QuarterGrade.POOR)]
            bars: list[Step] = []
            if inp.veto:
                bars.append(Step("bar.veto", {"reason": inp.veto}))
            if low:
                bars.append(Step("bar.low_quarter", {"count": str(len(low))}))
            if goods < policy.min_good_quarters:
                bars.append(
                    Step(
                        "bar.few_good",
                        {"count": str(goods), "needed": str(policy.min_good_quarters)},
                    )
                )
            bars.extend(Step("bar.other", {"reason": b}) for b in inp.bars)
            if inp.affirmation and not inp.veto:
                fixed[inp.person_id] = (
                    AnnualGrade.EXCELLENT,
                    [*steps, Step("affirmation", {"reason": inp.affirmation})],
                    consequences,
                )
            elif bars:
                fixed[inp.person_id] = (AnnualGrade.COMPETENT, [*steps, *bars], consequences)
            else:
                eligible.append((inp, composite, steps))
        affirmed = sum(1 for g, _s2, _c in fixed.values() if g == AnnualGrade.EXCELLENT)
        places = max(0, limit - affirmed)
        boundary = None
        if len(eligible) > places > 0 and eligible[places - 1][1] == eligible[places][1]:
            boundary = eligible[places][1]
        for index, (inp, composite, steps) in enumerate(eligible):
            quota_step = Step(
                "annual.quota",
                {"count": str(len(gradable)), "limit": str(limit), "places": str(places)},
            )
            if composite == boundary:
                fixed[inp.person_id] = (
                    AnnualGrade.COMPETENT,
                    [*steps, quota_step, Step("tie", {"score": _s(composite)})],
                    (),
                )
            elif index < places:
                fixed[inp.person_id] = (AnnualGrade.EXCELLENT, [*steps, quota_step], ())
            else:
                fixed[inp.person_id] = (
                    AnnualGrade.COMPETENT,
                    [*steps, quota_step, Step("quota_pushed")],
                    (),
                )
        for inp, composite, _steps in rows:
            grade, steps, consequences = fixed[inp.person_id]
            if not consequences:
                consequences = _ladder(inp.quarter_grades, policy.failing)[1]
            priority = len(inp.quarter_grades) == 4 and all(
                g == QuarterGrade.GOOD for g in inp.quarter_grades
            )
            if priority:
                steps = [*steps, Step("priority")]
            results[inp.person_id] = AnnualResult(
                inp.person_id,
                pool_id,
                inp.tier,
                composite,
                grade,
                priority,
                consequences,
                any(s.code == "tie" for s in steps),
                (*steps, Step("annual.grade", {"grade": grade.value})),
            )
    return rank_within_tiers(results)


def rank_within_tiers(results: Mapping[int, AnnualResult]) -> dict[int, AnnualResult]:
    """Competition ranking (1, 2, 2, 4) by composite within each rank tier (R5.10)."""
    by_tier: dict[str, list[AnnualResult]] = defaultdict(list)
    for r in results.values():
        by_tier[r.tier].append(r)
    ranked: dict[int, AnnualResult] = {}
    for rows in by_tier.values():
        rows.sort(key=lambda r: (-r.composite, r.person_id))
        previous: Decimal | None = None
        rank = 0
        for position, r in enumerate(rows, start=1):
            if r.composite != previous:
                rank, previous = position, r.composite
            ranked[r.person_id] = AnnualResult(**{**r.__dict__, "rank_in_tier": rank})
    return ranked
