"""A unit's indicator tree prepared once per run and scored for many people at once
(R4.3, R4.7).

`kaohe.schemes.rollup.roll_up` is the reference, the rule written plainly for one
person: it rebuilds and sorts the tree and keeps a NodeScore for every node on every
call, which a city's quarter (some 300,000 people, ten million results) cannot
afford. `Tree`
orders the nodes once, takes every maximum from `roll_up` itself, and then scores
everyone who shares the tree in one pass over the nodes, each node an operation on a
column of integer cents (numpy), keeping only what the quarterly score reads: the
total, the triggered vetoes, and each top-level deduction or bonus.

Integers are exact here because every figure has two decimals (the model fields) and
roll_up rounds each weighted share to the cent (decision 30): scores are whole cents
at every node, so adding, clipping and capping them is integer arithmetic, and a
weighted share is one integer division rounded half up, as `Decimal.quantize` does.
test_trees checks the result against `roll_up` on generated trees.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

import numpy as np
from numpy.typing import NDArray

from kaohe.schemes.rollup import Node, roll_up

ZERO = Decimal(0)
# Values and occurrences per person (rows) and column (`Tree.columns`), in cents and
# counts; flags as booleans. An absent entry is 0 / False, which every kind scores as
# roll_up scores a missing entry.
Cents = NDArray[np.int64]
Flags = NDArray[np.bool_]

SCORED, DEDUCTION, BONUS, VETO, PASS_FAIL, GROUP = range(6)
# roll_up scores any other kind as a group.
KINDS = {
    "scored": SCORED,
    "deduction": DEDUCTION,
    "bonus": BONUS,
    "veto": VETO,
    "pass_fail": PASS_FAIL,
}
# Magnitudes below this are safe in int64 arithmetic with room for the rounding's
# doubling. A block whose figures could reach it is scored with Python integers.
_INT64_SAFE = 2**62


def cents(value: Decimal) -> int:
    """A figure with at most two decimals as whole cents."""
    return int(value.scaleb(2).to_integral_exact())


@dataclass(frozen=True, slots=True)
class _Share:
    """How a group counts one child: as it is, or as its weighted share
    (score × weight% × the group's maximum / the child's maximum)."""

    slot: int
    weighted: bool
    numerator: int = 0  # weight × the group's maximum, in hundredths × cents
    denominator: int = 1  # the child's maximum in cents × 100% in hundredths


@dataclass(frozen=True, slots=True)
class _Op:
    """One node, in the order roll_up visits them (children first)."""

    slot: int
    column: int
    name: str
    kind: int
    max_points: int  # cents
    per_occurrence: int  # cents
    cap: int  # cents
    shares: tuple[_Share, ...]
    root: bool
    read: bool  # a parent reads its score


@dataclass(frozen=True, slots=True)
class Adjusting:
    """A top-level deduction or bonus: applied to the quarterly score directly."""

    name: str
    kind: int
    key: str
    column: int
    per_occurrence: Decimal
    cap: Decimal


@dataclass(frozen=True, slots=True)
class Scores:
    """What a quarter reads of everyone's roll-up, one array element per person."""

    totals: Cents  # roll_up(base).total, in cents
    vetoed: list[tuple[str, Flags]]  # each veto item in roll_up's order: who triggered it
    adjustments: list[tuple[Adjusting, Cents, Cents]]  # node, points in cents, occurrences


def round_half_up(numerator: NDArray[np.int64], denominator: int) -> Cents:
    """numerator / denominator to the nearest integer, halves away from zero: what
    `Decimal.quantize(..., ROUND_HALF_UP)` does with the exact quotient."""
    magnitude = (2 * np.abs(numerator) + denominator) // (2 * denominator)
    out: Cents = np.where(numerator < 0, -magnitude, magnitude)
    return out


class Tree:
    """`base` is scored as roll_up would score it; `adjusting` nodes one by one.

    `columns` maps each node's key to its column in the arrays `score` takes."""

    def __init__(self, base: Sequence[Node], adjusting: Sequence[Node] = ()) -> None:
        maxima = {key: s.max_points for key, s in roll_up(base, {}).scores.items()}
        self.top_max = sum(
            (maxima[n.key] for n in base if n.parent is None and n.kind in ("scored", "group")),
            ZERO,
        )
        self.columns = {node.key: i for i, node in enumerate([*base, *adjusting])}
        children: dict[str | None, list[Node]] = defaultdict(list)
        for node in base:
            children[node.parent].append(node)
        for siblings in children.values():
            siblings.sort(key=lambda n: n.position)
        ops: list[_Op] = []
        slots: dict[str, int] = {}
        read: set[str] = set()

        def compile_(node: Node, root: bool) -> None:
            kids = children.get(node.key, [])
            for kid in kids:
                compile_(kid, False)
            kind = KINDS.get(node.kind, GROUP)
            shares = []
            if kind == GROUP:
                weighted = any(k.weight is not None for k in kids)
                for kid in kids:
                    if kid.weight is not None and maxima[kid.key] > 0 and node.max_points > 0:
                        # share = kid/most × weight/100 × points; in cents with the
                        # weight in hundredths: kid × weight × points / (most × 10⁴).
                        shares.append(
                            _Share(
                                slots[kid.key],
                                True,
                                cents(kid.weight) * cents(node.max_points),
                                cents(maxima[kid.key]) * 10_000,
                            )
                        )
                    elif kid.weight is None or not weighted:
                        shares.append(_Share(slots[kid.key], False))
                    else:
                        continue  # a weighted child worth nothing: roll_up skips it
                    read.add(kid.key)
            slots[node.key] = len(ops)
            ops.append(
                _Op(
                    len(ops),
                    self.columns[node.key],
                    node.name,
                    kind,
                    cents(node.max_points),
                    cents(node.per_occurrence),
                    cents(node.cap),
                    tuple(shares),
                    root,
                    False,
                )
            )

        for root in children.get(None, []):
            compile_(root, True)
        # Only the scores a parent reads are kept while scoring.
        keys = {slot: key for key, slot in slots.items()}
        self._ops = tuple(replace(op, read=keys[op.slot] in read) for op in ops)
        self.adjusting = tuple(
            Adjusting(
                n.name,
                KINDS.get(n.kind, GROUP),
                n.key,
                self.columns[n.key],
                n.per_occurrence,
                n.cap,
            )
            for n in adjusting
        )

    def score(self, values: Cents, occurrences: Cents, flags: Flags) -> Scores:
        """Everyone's roll_up(base, entries).total and .vetoed, and the points of each
        top-level deduction or bonus as roll_up([node], entries) scores it alone.

        The arrays have one row per person and one column per node (`columns`)."""
        people = values.shape[0]
        largest_value = int(np.abs(values).max(initial=0))
        largest_count = int(np.abs(occurrences).max(initial=0))
        # int64 wraps silently; where the figures could overflow it (they would have
        # to be absurd), every column is worked out with Python's exact integers.
        kind: Any = np.int64
        if not self._fits(largest_value, largest_count):
            kind = object
            values, occurrences = values.astype(object), occurrences.astype(object)
        scores: dict[int, Cents] = {}
        totals: Cents = np.zeros(people, kind)
        vetoed: list[tuple[str, Flags]] = []
        for op in self._ops:
            s: Cents
            if op.kind == SCORED:
                s = np.minimum(np.maximum(values[:, op.column], 0), op.max_points)
            elif op.kind == DEDUCTION:
                s = -_deducted(op.per_occurrence, op.cap, occurrences[:, op.column])
            elif op.kind == BONUS:
                s = _bonus(op.cap, values[:, op.column])
            elif op.kind in (VETO, PASS_FAIL):
                # Veto and pass/fail items score nothing; a triggered veto is named.
                if op.kind == VETO:
                    vetoed.append((op.name, flags[:, op.column].copy()))
                s = np.zeros(people, kind)
            else:
                s = np.zeros(people, kind)
                for share in op.shares:
                    kid = scores[share.slot]
                    s += _weighted(kid, share) if share.weighted else kid
                if op.max_points > 0:
                    s = np.minimum(s, op.max_points)
                if op.cap > 0:
                    s = np.maximum(s, -op.cap)
            if op.read:
                scores[op.slot] = s
            if op.root:
                totals += s
        adjustments = []
        for node in self.adjusting:
            column = node.column
            counts = occurrences[:, column]
            points: Cents
            if node.kind == DEDUCTION:
                points = -_deducted(cents(node.per_occurrence), cents(node.cap), counts)
            elif node.kind == BONUS:
                points = _bonus(cents(node.cap), values[:, column])
            else:
                points = np.zeros(people, kind)
            adjustments.append((node, points, counts))
        return Scores(totals, vetoed, adjustments)

    def _fits(self, largest_value: int, largest_count: int) -> bool:
        """Whether no score, sum or product of `score` can leave int64 when no value
        exceeds `largest_value` cents and no count `largest_count`: a bound on every
        node's magnitude, worked out bottom-up as `score` works."""
        bound: dict[int, int] = {}
        for op in self._ops:
            if op.kind == SCORED:
                most = abs(op.max_points)
            elif op.kind == DEDUCTION:
                most = abs(op.per_occurrence) * largest_count
            elif op.kind == BONUS:
                most = largest_value
            elif op.kind in (VETO, PASS_FAIL):
                most = 0
            else:
                most = 0
                for share in op.shares:
                    kid = bound[share.slot]
                    if share.weighted:
                        product = 2 * kid * abs(share.numerator) + share.denominator
                        if product >= _INT64_SAFE:
                            return False
                        most += product // share.denominator
                    else:
                        most += kid
            if most >= _INT64_SAFE:
                return False
            bound[op.slot] = most
        roots = sum(bound[op.slot] for op in self._ops if op.root)
        counts = max((abs(cents(n.per_occurrence)) for n in self.adjusting), default=0)
        return roots < _INT64_SAFE and counts * largest_count < _INT64_SAFE


def _deducted(per_occurrence: int, cap: int, counts: Cents) -> Cents:
    raw: Cents = counts * per_occurrence
    return np.minimum(raw, cap) if cap > 0 else raw


def _bonus(cap: int, values: Cents) -> Cents:
    points: Cents = np.maximum(values, 0)
    return np.minimum(points, cap) if cap > 0 else points


def _weighted(kid: Cents, share: _Share) -> Cents:
    """The child's weighted share in cents, rounded half up (decision 30)."""
    return round_half_up(kid * share.numerator, share.denominator)
