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
from collections.abc import Mapping, Sequence
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
    indicators = roll_up(nodes, entries).total if nodes else ZERO
    score = (indicators + public - deduction).quantize(CENT, ROUND_HALF_UP)
    return UnitScore(unit_id, category_id, indicators, public, deduction, score)


def ranked(scores: Sequence[UnitScore], reward_places: int) -> list[UnitScore]:
    """The scores ranked within their categories (competition ranking: ties share a
    rank, the next skips) and the rewarded marked: rank ≤ reward_places."""
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
                    rank <= reward_places,
                )
            )
    return out


def month_end(year: int, month: int) -> dt.date:
    """The month's last day."""
    return dt.date(year, month, calendar.monthrange(year, month)[1])
