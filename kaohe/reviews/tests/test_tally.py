"""The ballot arithmetic: trimmed means, weights, suppression, the 30% limit."""

from __future__ import annotations

import random
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from kaohe.reviews.tally import (
    effective_weights,
    high_score_limit,
    is_uniform,
    suppression,
    target_result,
    trimmed_mean,
)

WEIGHTS = {"leader": Decimal(40), "team": Decimal(30), "others": Decimal(30)}
scores = st.lists(st.integers(min_value=50, max_value=100), max_size=12)
ballots = st.fixed_dictionaries({"leader": scores, "team": scores, "others": scores})


def test_trimmed_mean_drops_one_highest_and_one_lowest_above_five() -> None:
    assert trimmed_mean([60, 70, 80, 90, 100], 5) == Decimal("80.00")  # five: no trimming
    assert trimmed_mean([50, 70, 80, 90, 95, 100], 5) == Decimal("83.75")  # (70+80+90+95)/4
    assert trimmed_mean([], 5) is None
    assert trimmed_mean([88], 5) == Decimal("88.00")


def test_an_empty_groups_weight_is_shared_in_proportion() -> None:
    used = effective_weights(WEIGHTS, {"leader", "others"})
    assert used == {"leader": Decimal(40) / 70, "others": Decimal(30) / 70}
    result = target_result({"leader": [90], "others": [80, 80, 80]}, WEIGHTS, 5)
    assert result.score == Decimal("85.71")  # (90*40 + 80*30) / 70


def test_the_seed_004_weighting_by_hand() -> None:
    # 领导主评 92, 同级互评 88 (4 peers), 其他参评 80 (6 raters: 70 and 95 trimmed off).
    result = target_result(
        {"leader": [92], "team": [86, 90, 88, 88], "others": [70, 78, 80, 80, 82, 95]}, WEIGHTS, 5
    )
    assert [g.mean for g in result.groups] == [Decimal("92.00"), Decimal("88.00"), Decimal("80.00")]
    assert result.score == Decimal("87.20")  # 92*0.4 + 88*0.3 + 80*0.3


@given(ballots)
def test_the_weighted_score_lies_between_the_group_means(ballot: dict[str, list[int]]) -> None:
    result = target_result(ballot, WEIGHTS, 5)
    means = [g.mean for g in result.groups if g.mean is not None]
    if not means:
        assert result.score is None
    else:
        assert result.score is not None
        assert min(means) - Decimal("0.01") <= result.score <= max(means) + Decimal("0.01")


@given(ballots, st.randoms(use_true_random=False))
def test_the_result_does_not_depend_on_the_order_of_ballots(
    ballot: dict[str, list[int]], rnd: random.Random
) -> None:
    shuffled = {g: rnd.sample(v, len(v)) for g, v in ballot.items()}
    reordered = dict(reversed(list(shuffled.items())))
    assert target_result(ballot, WEIGHTS, 5).score == target_result(reordered, WEIGHTS, 5).score


@given(
    st.fixed_dictionaries({g: st.integers(0, 10) for g in ("leader", "team", "others")}),
    st.sampled_from([(40, 30, 30), (60, 0, 40), (40, 0, 60), (0, 50, 50), (10, 30, 60)]),
)
def test_suppression_never_leaves_fewer_than_k_hidden_scores_to_subtraction(
    counts: dict[str, int], weights: tuple[int, int, int]
) -> None:
    plan = dict(zip(("leader", "team", "others"), map(Decimal, weights), strict=True))
    hidden, withheld = suppression(counts, 3, plan)
    assert all(counts[g] >= 3 for g in counts if counts[g] and g not in hidden)
    # The hidden groups that count in the score hold no scores or at least k together,
    # or the score is withheld: the score less the shown groups never rests on fewer.
    hidden_scores = sum(counts[g] for g in hidden if plan[g] > 0)
    assert hidden_scores == 0 or hidden_scores >= 3 or withheld


def test_high_score_limit_and_uniform_ballots() -> None:
    assert [high_score_limit(n, Decimal("0.3")) for n in (1, 3, 4, 10, 17)] == [0, 0, 1, 3, 5]
    assert is_uniform([85, 85, 85]) and not is_uniform([85, 86]) and not is_uniform([90])
