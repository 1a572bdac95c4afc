"""Pure arithmetic of unit performance, no database."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


# --- year (P2) ---


@dataclass(frozen=True)
class YearRollup:
    """A unit's year from its months and its year-end evaluation."""

    months_average: Decimal | None
    months_counted: int
    year_end: Decimal | None
    computed: Decimal | None


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def year_rollup(
    month_scores: Iterable[Decimal],
    year_end: Decimal | None,
    *,
    months_weight: Decimal,
    year_end_weight: Decimal,
) -> YearRollup:
    """The months' average (over the published months the unit has a score in) and
    the year's computed result: average × months weight + year-end × year-end weight
    (weights in percent, adding up to 100), each to two places, the average rounded
    first so that the page's sum adds up.

    A part with a weight above zero that is missing (no published month, no year-end
    score) leaves the year without a computed result: it is not made up from the other
    part (docs/decisions.md, "A unit's year with a part missing")."""
    scores = list(month_scores)
    average = cents(sum(scores, Decimal(0)) / len(scores)) if scores else None
    computed: Decimal | None = None
    months_ok = average is not None or months_weight == 0
    year_end_ok = year_end is not None or year_end_weight == 0
    if months_ok and year_end_ok:
        total = (average or Decimal(0)) * months_weight + (year_end or Decimal(0)) * year_end_weight
        computed = cents(total / HUNDRED)
    return YearRollup(average, len(scores), year_end, computed)


def ranks(scores: dict[int, Decimal]) -> dict[int, int]:
    """Competition ranking, highest first (1, 1, 3): key → place."""
    ordered = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    out: dict[int, int] = {}
    previous: Decimal | None = None
    place = 0
    for i, (key, score) in enumerate(ordered, start=1):
        if score != previous:
            place, previous = i, score
        out[key] = place
    return out


def weights_valid(months_weight: Decimal, year_end_weight: Decimal) -> bool:
    """The two weights of the year add up to 100, neither below 0."""
    return (
        months_weight >= 0 and year_end_weight >= 0 and months_weight + year_end_weight == HUNDRED
    )
