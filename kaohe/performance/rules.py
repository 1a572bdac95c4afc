"""Unit performance arithmetic. Pure: no ORM.

# --- months (P1) ---

A unit's month score is its category's indicator system rolled up (schemes.rollup:
scored indicators 0..max, 加减分 as the tree's bonus and deduction indicators, on the
total), plus its 民评 points, minus the deductions other sources make (the supervision
ledger's overdue findings: a mapping unit id → points). Units are ranked within their
category by score, highest first; units with the same score (to the cent) share a
rank and the next rank skips (1, 2, 2, 4: "competition ranking"), and the reward
list is every unit whose rank is within the region's reward places (so a tie at the
last place puts every tied unit on the list).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from kaohe.schemes.rollup import Entry, Node, roll_up

ZERO = Decimal(0)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class UnitScore:
    unit_id: int
    category_id: int
    indicators: Decimal  # the tree's total (加减分 included)
    public: Decimal  # 民评
    deductions: Decimal  # other sources' (positive: points lost)
    score: Decimal
    rank: int = 0
    rewarded: bool = False
    # A veto triggered or a pass/fail item failed (一票否决): ranked, never rewarded.
    barred: bool = False


def unit_month_score(
    *,
    unit_id: int,
    category_id: int,
    nodes: Sequence[Node],
    entries: Mapping[str, Entry],
    public: Decimal,
    deduction: Decimal,
) -> UnitScore:
    """One unit's month: the tree's roll-up + 民评 − other deductions, to the cent."""
    rolled = roll_up(nodes, entries) if nodes else None
    indicators = rolled.total if rolled is not None else ZERO
    barred = rolled is not None and bool(rolled.vetoed or rolled.failed)
    score = (indicators + public - deduction).quantize(CENT, ROUND_HALF_UP)
    return UnitScore(unit_id, category_id, indicators, public, deduction, score, barred=barred)


def ranked(scores: Sequence[UnitScore], reward_places: int) -> list[UnitScore]:
    """The scores ranked within their categories (competition ranking: ties share a
    rank, the next skips) and the rewarded marked: rank ≤ reward_places, unless a veto
    or a failed pass/fail item bars the unit (its rank stands)."""
    by_category: dict[int, list[UnitScore]] = defaultdict(list)
    for s in scores:
        by_category[s.category_id].append(s)
    out: list[UnitScore] = []
    for category_id in sorted(by_category):
        rows = sorted(by_category[category_id], key=lambda s: (-s.score, s.unit_id))
        rank = 0
        previous: Decimal | None = None
        for position, s in enumerate(rows, start=1):
            if s.score != previous:
                rank, previous = position, s.score
            out.append(
                UnitScore(
                    s.unit_id,
                    s.category_id,
                    s.indicators,
                    s.public,
                    s.deductions,
                    s.score,
                    rank,
                    rank <= reward_places and not s.barred,
                    s.barred,
                )
            )
    return out


def month_end(year: int, month: int) -> dt.date:
    """The month's last day."""
    return dt.date(year, month, calendar.monthrange(year, month)[1])


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
