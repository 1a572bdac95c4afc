"""The index and its Wilson interval, with the arithmetic done by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kaohe.surveys.stats import index, wilson


def test_index_is_a_percentage_of_two_places_rounded_half_up() -> None:
    assert index(8, 10) == Decimal("80.00")
    # 7 / 12 = 0.583333… → 58.33
    assert index(7, 12) == Decimal("58.33")
    # 1 / 8 = 12.5% exactly; 1 / 16 = 6.25%; 1 / 32 = 3.125% → 3.13 (half up)
    assert index(1, 32) == Decimal("3.13")
    assert index(0, 10) == Decimal("0.00")
    assert index(10, 10) == Decimal("100.00")


def test_no_answers_no_index_no_interval() -> None:
    assert index(0, 0) is None
    assert wilson(0, 0) is None


def test_wilson_8_of_10_by_hand() -> None:
    # p = 0.8, n = 10, z² = 3.8416: z²/n = 0.38416, denominator 1.38416,
    # centre = 0.8 + 0.19208 = 0.99208,
    # p(1−p)/n = 0.016, z²/4n² = 0.009604, √0.025604 = 0.1600125, × 1.96 = 0.3136245;
    # low = 0.6784755 / 1.38416 = 0.490171 → 49.02, high = 1.3057045 / 1.38416 = 0.943319 → 94.33.
    assert wilson(8, 10) == (Decimal("49.02"), Decimal("94.33"))


def test_wilson_0_of_n_and_n_of_n() -> None:
    # 0 of 10: p = 0, margin = z·√(z²/4n²) = z²/2n, so low = 0 and
    # high = (z²/n) / (1 + z²/n) = 0.38416 / 1.38416 = 0.277540 → 27.75.
    assert wilson(0, 10) == (Decimal("0.00"), Decimal("27.75"))
    # 10 of 10 mirrors it: 1 − 0.277540 = 0.722460 → 72.25, high 100.
    assert wilson(10, 10) == (Decimal("72.25"), Decimal("100.00"))
    # 1 of 1: denominator 4.8416, low = (1 + 1.9208 − 1.96 × 0.98) / 4.8416 = 1 / 4.8416
    # = 0.206543 → 20.65.
    assert wilson(1, 1) == (Decimal("20.65"), Decimal("100.00"))


def test_wilson_52_of_100() -> None:
    # p = 0.52, z²/n = 0.038416, denominator 1.038416, centre 0.52 + 0.019208 = 0.539208;
    # p(1−p)/n = 0.002496, z²/4n² = 0.00009604, √0.00259204 = 0.0509121 × 1.96 = 0.0997877;
    # low = 0.4394203 / 1.038416 = 0.423164 → 42.32, high = 0.6389957 / 1.038416 = 0.615356 → 61.54.
    assert wilson(52, 100) == (Decimal("42.32"), Decimal("61.54"))


def test_the_interval_holds_the_index() -> None:
    for answers in (1, 2, 5, 13, 100):
        for favourable in range(answers + 1):
            value = index(favourable, answers)
            interval = wilson(favourable, answers)
            assert value is not None and interval is not None
            assert Decimal(0) <= interval[0] <= value <= interval[1] <= Decimal(100)


def test_impossible_counts_are_refused() -> None:
    with pytest.raises(ValueError):
        index(11, 10)
    with pytest.raises(ValueError):
        wilson(-1, 10)
