"""Adding up anonymous ballots (R3.2, R3.5, R3.9). Pure: numbers in, numbers out.

The round service feeds this with score values grouped by target and rater
group; nothing here knows who gave which score.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

TWO_PLACES = Decimal("0.01")


def trimmed_mean(values: Sequence[int], trim_above: int) -> Decimal | None:
    """Mean of `values`; with more than `trim_above` values, one highest and one
    lowest are dropped first (R3.9). None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    if trim_above >= 0 and len(ordered) > trim_above:
        ordered = ordered[1:-1]
    return (Decimal(sum(ordered)) / Decimal(len(ordered))).quantize(TWO_PLACES, ROUND_HALF_UP)


def effective_weights(weights: Mapping[str, Decimal], present: set[str]) -> dict[str, Decimal]:
    """Weights of the groups that have scores, rescaled to sum to 1.

    The stated rule for empty groups: their weight is shared among the other
    groups in proportion to those groups' own weights.
    """
    live = {g: w for g, w in weights.items() if g in present and w > 0}
    total = sum(live.values(), Decimal(0))
    if total == 0:
        return {}
    return {g: w / total for g, w in live.items()}


@dataclass(frozen=True)
class GroupFigure:
    group: str
    count: int
    mean: Decimal | None


@dataclass(frozen=True)
class TargetResult:
    """The evaluation component of one cadre in one round."""

    groups: tuple[GroupFigure, ...]
    weights: Mapping[str, Decimal]  # effective weights used
    score: Decimal | None

    @property
    def rater_count(self) -> int:
        return sum(g.count for g in self.groups)


def weighted_score(
    figures: Sequence[GroupFigure], weights: Mapping[str, Decimal]
) -> tuple[dict[str, Decimal], Decimal | None]:
    """The effective weights and the weighted mean of the groups that have scores."""
    means = {f.group: f.mean for f in figures if f.count and f.mean is not None}
    used = effective_weights(weights, set(means))
    if not used:
        return {}, None
    total = sum((used[g] * means[g] for g in used), Decimal(0))
    return used, total.quantize(TWO_PLACES, ROUND_HALF_UP)


def target_result(
    scores: Mapping[str, Sequence[int]], weights: Mapping[str, Decimal], trim_above: int
) -> TargetResult:
    """Group means (trimmed where configured) weighted by rater group."""
    figures = tuple(
        GroupFigure(
            group, len(scores.get(group, ())), trimmed_mean(scores.get(group, ()), trim_above)
        )
        for group in weights
    )
    used, score = weighted_score(figures, weights)
    return TargetResult(figures, used, score)


def is_uniform(values: Sequence[int]) -> bool:
    """A ballot that gives everyone the same score (invalid by default, R3.9)."""
    return len(values) > 1 and len(set(values)) == 1


def high_score_limit(ballot_size: int, share: Decimal) -> int:
    """How many people on a ballot may get the high score: share of them, rounded down."""
    return int((Decimal(ballot_size) * share).to_integral_value(rounding="ROUND_FLOOR"))


def suppressed_groups(counts: Mapping[str, int], minimum: int) -> set[str]:
    """Groups whose figures must not be shown.

    A group with fewer than `minimum` scores (but at least one) is hidden. If
    exactly one group is hidden, the weighted score and the other groups would
    give it away by subtraction, so the smallest other scored group is hidden too.
    """
    hidden = {g for g, n in counts.items() if 0 < n < minimum}
    if len(hidden) == 1:
        others = sorted((n, g) for g, n in counts.items() if n > 0 and g not in hidden)
        if others:
            hidden.add(others[0][1])
    return hidden
