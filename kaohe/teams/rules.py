"""The teams' year, pure: each team's weighted score, the ranking, and the grades under
the 优秀 quota, each with the steps that explain it (codes and figures; teams.explain
words them). No database here: the inputs are plain values.

- A team's score is Σ weight × component / 100 over the five components, each out of
  100. A team missing any component gets no score, no rank and no grade: the missing
  ones are listed, and the office enters them and computes again.
- Ranks count the teams with a score, highest first; equal scores share a rank (1, 2,
  2, 4).
- Grades: the score's band (优秀 from `excellent_from`, 良好 from `good_from`, 一般 from
  `fair_from`, else 较差), then the quota: at most ⌊n × share / 100⌋ of the n teams
  graded are 优秀, taken by score. Where the last place inside the quota ties with the
  first outside, every tied team stays 良好 and is flagged: the quota is never
  exceeded and no tie is broken silently (the cadres' rule, scoring.engine).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
COMPONENTS = ("performance", "democratic", "leader", "public", "party")


class StepCode(StrEnum):
    """The explanation's steps; teams.explain holds a text for each."""

    MEMBERS = "members"
    COMPONENT = "component"  # a component's value, source and weighted points
    MISSING = "missing"  # a component without a value
    NOT_SCORED = "not_scored"  # the missing ones stop the score
    COMPOSITE = "composite"
    RANK = "rank"
    QUOTA = "quota"
    BAND = "band"
    QUOTA_PUSHED = "quota_pushed"  # 优秀 by band, beyond the quota: 良好
    TIE = "tie"  # tied at the quota line: 良好, the office decides
    GRADE = "grade"


@dataclass(frozen=True)
class Policy:
    weights: Mapping[str, Decimal]  # component → % (the five add up to 100)
    excellent_from: Decimal = Decimal(90)
    good_from: Decimal = Decimal(80)
    fair_from: Decimal = Decimal(60)
    excellent_share: Decimal = Decimal(20)  # % of the teams graded


@dataclass(frozen=True)
class TeamInput:
    unit_id: int
    values: Mapping[str, Decimal | None]  # component → value out of 100, None if missing
    sources: Mapping[str, str] = field(default_factory=dict)  # component → source code
    extras: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # source's figures
    members: int = 0


@dataclass
class TeamOutcome:
    unit_id: int
    missing: list[str]
    composite: Decimal | None
    rank: int | None = None
    grade: str = ""
    quota_tie: bool = False
    steps: list[dict[str, Any]] = field(default_factory=list)


def _s(value: Decimal) -> str:
    return str(value.quantize(CENT, ROUND_HALF_UP))


def _pct(value: Decimal) -> str:
    """A weight or share as a person writes it: 60, 12.5."""
    return f"{value.normalize():f}"


def step(code: StepCode, **params: str) -> dict[str, Any]:
    return {"code": code.value, "params": params}


def quota(count: int, share: Decimal) -> int:
    """How many of `count` teams may be 优秀 (rounded down)."""
    return int((Decimal(count) * share / HUNDRED).to_integral_value(rounding=ROUND_FLOOR))


def band(score: Decimal, policy: Policy) -> str:
    if score >= policy.excellent_from:
        return "excellent"
    if score >= policy.good_from:
        return "good"
    if score >= policy.fair_from:
        return "fair"
    return "poor"


def composite(team: TeamInput, policy: Policy) -> TeamOutcome:
    """The team's weighted score with a step per component, or the missing ones."""
    steps = [step(StepCode.MEMBERS, count=str(team.members))]
    missing: list[str] = []
    total = Decimal(0)
    for name in COMPONENTS:
        value = team.values.get(name)
        weight = policy.weights[name]
        if value is None:
            missing.append(name)
            steps.append(step(StepCode.MISSING, component=name, weight=_pct(weight)))
            continue
        points = value * weight / HUNDRED
        total += points
        steps.append(
            step(
                StepCode.COMPONENT,
                component=name,
                value=_s(value),
                weight=_pct(weight),
                points=_s(points),
                source=team.sources.get(name, ""),
                **dict(team.extras.get(name, {})),
            )
        )
    if missing:
        steps.append(step(StepCode.NOT_SCORED, count=str(len(missing))))
        return TeamOutcome(team.unit_id, missing, None, steps=steps)
    score = total.quantize(CENT, ROUND_HALF_UP)
    steps.append(step(StepCode.COMPOSITE, score=_s(score)))
    return TeamOutcome(team.unit_id, [], score, steps=steps)


def grade_year(teams: Iterable[TeamInput], policy: Policy) -> dict[int, TeamOutcome]:
    """Every team's outcome: score, rank among the scored, grade under the quota."""
    outcomes = {t.unit_id: composite(t, policy) for t in teams}
    scored = sorted(
        (o for o in outcomes.values() if o.composite is not None),
        key=lambda o: (-(o.composite or 0), o.unit_id),
    )
    count = len(scored)
    limit = quota(count, policy.excellent_share)
    # Ranks: equal scores share the place of the first of them.
    for index, o in enumerate(scored):
        previous = scored[index - 1] if index else None
        o.rank = previous.rank if previous and previous.composite == o.composite else index + 1
    candidates = [o for o in scored if band(o.composite or Decimal(0), policy) == "excellent"]
    tied_score: Decimal | None = None
    if (
        len(candidates) > limit > 0
        and candidates[limit - 1].composite == candidates[limit].composite
    ):
        tied_score = candidates[limit].composite
    inside = {o.unit_id for o in candidates[:limit] if o.composite != tied_score}
    quota_step = step(
        StepCode.QUOTA,
        count=str(count),
        share=_pct(policy.excellent_share),
        limit=str(limit),
    )
    for o in scored:
        assert o.composite is not None and o.rank is not None
        b = band(o.composite, policy)
        o.steps.append(step(StepCode.RANK, rank=str(o.rank), count=str(count)))
        o.steps.append(step(StepCode.BAND, score=_s(o.composite), grade=b))
        grade = b
        if b == "excellent":
            o.steps.append(quota_step)
            if tied_score is not None and o.composite == tied_score:
                grade, o.quota_tie = "good", True
                o.steps.append(step(StepCode.TIE, score=_s(o.composite)))
            elif o.unit_id not in inside:
                grade = "good"
                o.steps.append(step(StepCode.QUOTA_PUSHED, limit=str(limit)))
        o.grade = grade
        o.steps.append(step(StepCode.GRADE, grade=grade))
    return outcomes
