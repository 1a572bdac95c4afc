"""Adding up anonymous ballots (R3.2, R3.5, R3.9). Pure: numbers in, numbers out.

The round service feeds this with score values grouped by target and rater
group; nothing here knows who gave which score.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

TWO_PLACES = Decimal("0.01")


def half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up, for non-negative integers, exactly."""
    return (2 * numerator + denominator) // (2 * denominator)


@dataclass(frozen=True)
class Tally:
    """What is kept of one group's scores for one target (and dimension) once a round
    closes: enough for every rule, nothing of any single ballot."""

    count: int
    total: int
    low: int
    high: int

    @classmethod
    def of(cls, values: Sequence[int]) -> Tally:
        return cls(len(values), sum(values), min(values), max(values))

    def mean_hundredths(self, trim_above: int) -> int:
        """The mean in hundredths, rounded half up; above `trim_above` scores (and with
        at least three) one highest and one lowest are dropped first (R3.9)."""
        count, total = self.count, self.total
        if count > trim_above and count > 2:
            count, total = count - 2, total - self.low - self.high
        return half_up(100 * total, count)


def trimmed_mean(values: Sequence[int], trim_above: int) -> Decimal | None:
    """Mean of `values`; with more than `trim_above` values, one highest and one
    lowest are dropped first (R3.9). None for no values."""
    if not values:
        return None
    return Decimal(Tally.of(values).mean_hundredths(trim_above)) / 100


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
    """The effective weights and the weighted mean of the groups that have scores:
    Σ weight × mean / Σ weight over those groups, rounded half up to 0.01, exactly
    (the database computes the same in integers when a round closes)."""
    means = {f.group: f.mean for f in figures if f.count and f.mean is not None}
    used = effective_weights(weights, set(means))
    if not used:
        return {}, None
    live = {g: weights[g] for g in used}
    total = sum((live[g] * means[g] for g in live), Decimal(0)) / sum(live.values())
    return used, total.quantize(TWO_PLACES, ROUND_HALF_UP)


def target_result(
    scores: Mapping[str, Sequence[int]], weights: Mapping[str, Decimal], trim_above: int
) -> TargetResult:
    """Group means (trimmed where configured) weighted by rater group: the one-aspect
    case of `result_from_tallies`, from the scores themselves."""
    tallies = {group: Tally.of(values) for group, values in scores.items() if values}
    return result_from_tallies({"": tallies}, weights, trim_above)[0]


def result_from_tallies(
    tallies: Mapping[str, Mapping[str, Tally]],
    weights: Mapping[str, Decimal],
    trim_above: int,
) -> tuple[TargetResult, dict[str, TargetResult]]:
    """One target's result from its tallies by dimension, then rater group.

    Each dimension's group means are trimmed means; a group's overall mean is the mean
    of its dimension means, rounded half up (with one dimension, the mean itself); the
    score weighs the groups' overall means. For the annual democratic evaluation the
    second value holds each of 德能勤绩廉 on its own; it is empty otherwise.
    """
    per_dimension: dict[str, TargetResult] = {}
    means: dict[str, list[int]] = {}
    counts: dict[str, int] = {}
    for dimension in sorted(tallies):
        figures = []
        for group in weights:
            tally = tallies[dimension].get(group)
            if tally is None:
                continue
            hundredths = tally.mean_hundredths(trim_above)
            means.setdefault(group, []).append(hundredths)
            counts[group] = max(counts.get(group, 0), tally.count)
            figures.append(GroupFigure(group, tally.count, Decimal(hundredths) / 100))
        used, score = weighted_score(figures, weights)
        per_dimension[dimension] = TargetResult(tuple(figures), used, score)
    overall = tuple(
        GroupFigure(
            group,
            counts.get(group, 0),
            Decimal(half_up(sum(means[group]), len(means[group]))) / 100
            if group in means
            else None,
        )
        for group in weights
    )
    used, score = weighted_score(overall, weights)
    dimensions = {d: r for d, r in per_dimension.items() if d}
    return TargetResult(overall, used, score), dimensions


def is_uniform(values: Sequence[int]) -> bool:
    """A ballot that gives everyone the same score (invalid by default, R3.9)."""
    return len(values) > 1 and len(set(values)) == 1


def high_score_limit(ballot_size: int, share: Decimal) -> int:
    """How many people on a ballot may get the high score: share of them, rounded down."""
    return int((Decimal(ballot_size) * share).to_integral_value(rounding="ROUND_FLOOR"))


def suppression(
    counts: Mapping[str, int], minimum: int, weights: Mapping[str, Decimal]
) -> tuple[set[str], bool]:
    """Which groups' figures must not be shown or kept, and whether the score must be
    withheld (decision 31). `counts` (scores per group) is in plan order.

    A group with fewer than `minimum` scores (but some) is hidden. If the hidden groups
    that count in the score (weight above 0) hold between 1 and `minimum` − 1 scores
    together, the score less the shown groups would be a figure on those few scores,
    so the smallest other group that counts (the first in plan order on a tie) is
    hidden too — it holds `minimum` or more, so one suffices; where there is none, the
    score is withheld.
    """
    hidden = {g for g, n in counts.items() if 0 < n < minimum}
    few = sum(counts[g] for g in hidden if weights.get(g, Decimal(0)) > 0)
    withheld = False
    if 0 < few < minimum:
        others = sorted(
            (n, i, g)
            for i, (g, n) in enumerate(counts.items())
            if n > 0 and g not in hidden and weights.get(g, Decimal(0)) > 0
        )
        if others:
            hidden.add(others[0][2])
        else:
            withheld = True
    return hidden, withheld
