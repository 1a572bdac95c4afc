"""The year's arithmetic, pure (P2)."""

from __future__ import annotations

from decimal import Decimal

from kaohe.performance import rules

D = Decimal


def test_the_year_weighs_the_months_average_and_the_year_end() -> None:
    # (90 + 85 + 80) / 3 = 85.00; 85 × 70% + 95 × 30% = 59.5 + 28.5 = 88.00
    year = rules.year_rollup(
        [D(90), D(85), D(80)], D(95), months_weight=D(70), year_end_weight=D(30)
    )
    assert (year.months_average, year.months_counted, year.computed) == (D("85.00"), 3, D("88.00"))


def test_the_average_is_rounded_before_it_is_weighed() -> None:
    # 88.333… → 88.33; 88.33 × 60% + 90 × 40% = 52.998 + 36 = 88.998 → 89.00
    year = rules.year_rollup(
        [D(90), D(85), D(90)], D(90), months_weight=D(60), year_end_weight=D(40)
    )
    assert year.months_average == D("88.33") and year.computed == D("89.00")


def test_a_missing_part_leaves_no_computed_result() -> None:
    no_year_end = rules.year_rollup([D(90)], None, months_weight=D(70), year_end_weight=D(30))
    assert no_year_end.months_average == D("90.00") and no_year_end.computed is None
    no_months = rules.year_rollup([], D(90), months_weight=D(70), year_end_weight=D(30))
    assert no_months.months_counted == 0 and no_months.computed is None
    # A part weighed at 0 is not needed.
    months_only = rules.year_rollup([D(80)], None, months_weight=D(100), year_end_weight=D(0))
    assert months_only.computed == D("80.00")


def test_ranks_share_a_place_on_a_tie() -> None:
    assert rules.ranks({1: D(90), 2: D(95), 3: D(90), 4: D(80)}) == {2: 1, 1: 2, 3: 2, 4: 4}


def test_the_weights_add_up_to_100() -> None:
    assert rules.weights_valid(D(70), D(30))
    assert not rules.weights_valid(D(70), D(40))
    assert not rules.weights_valid(D(110), D(-10))
