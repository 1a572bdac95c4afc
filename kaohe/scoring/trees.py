"""A unit's indicator tree prepared once per run and scored per person (R4.3, R4.7).

`kaohe.schemes.rollup.roll_up` is the reference: it rebuilds and sorts the tree and
keeps a NodeScore for every node on every call, which the entry grid wants and a
city's quarter (one call per person) cannot afford. `Tree` orders the nodes once,
takes every maximum from `roll_up` itself, and then repeats the same arithmetic in
the same order per person, keeping only what the quarterly score reads: the total,
the triggered vetoes, and each top-level deduction or bonus. test_trees checks it
against `roll_up` on generated trees.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from kaohe.schemes.rollup import Entry, Node, roll_up

ZERO = Decimal(0)
HUNDRED = Decimal(100)
CENT = Decimal("0.01")
NO_ENTRY = Entry()
# An entry as (value, occurrences, flag): an `Entry`, or the plain tuple the scoring
# service builds per result row (a named tuple's constructor costs several times more).
Entered = tuple[Decimal | None, int | None, bool | None]
NO_PRESUMS: Mapping[str, Decimal] = {}

SCORED, DEDUCTION, BONUS, VETO, PASS_FAIL, GROUP = range(6)
# roll_up scores any other kind as a group.
KINDS = {
    "scored": SCORED,
    "deduction": DEDUCTION,
    "bonus": BONUS,
    "veto": VETO,
    "pass_fail": PASS_FAIL,
}
# How a group counts a child: its weighted share, its score as it is, or not at all.
WEIGHTED, ADDED = 0, 1


@dataclass(frozen=True, slots=True)
class _Op:
    """One node, in the order roll_up visits them (children first)."""

    slot: int
    key: str
    name: str
    kind: int
    max_points: Decimal
    per_occurrence: Decimal
    cap: Decimal
    # groups: (child's slot, how it counts, its weight, its maximum)
    kids: tuple[tuple[int, int, Decimal, Decimal], ...]
    root: bool


@dataclass(frozen=True, slots=True)
class Adjusting:
    """A top-level deduction or bonus: applied to the quarterly score directly."""

    name: str
    kind: int
    key: str
    per_occurrence: Decimal
    cap: Decimal


def _q(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


class Tree:
    """`base` is scored as roll_up would score it; `adjusting` nodes one by one."""

    def __init__(self, base: Sequence[Node], adjusting: Sequence[Node]) -> None:
        maxima = {key: s.max_points for key, s in roll_up(base, {}).scores.items()}
        self.top_max = sum(
            (maxima[n.key] for n in base if n.parent is None and n.kind in ("scored", "group")),
            ZERO,
        )
        children: dict[str | None, list[Node]] = defaultdict(list)
        for node in base:
            children[node.parent].append(node)
        for siblings in children.values():
            siblings.sort(key=lambda n: n.position)
        ops: list[_Op] = []
        slots: dict[str, int] = {}

        def compile_(node: Node, root: bool) -> None:
            kids = children.get(node.key, [])
            for kid in kids:
                compile_(kid, False)
            weighted = any(k.weight is not None for k in kids)
            terms = []
            for kid in kids:
                if kid.weight is not None and maxima[kid.key] > 0 and node.max_points > 0:
                    terms.append((slots[kid.key], WEIGHTED, kid.weight, maxima[kid.key]))
                elif kid.weight is None or not weighted:
                    terms.append((slots[kid.key], ADDED, ZERO, ZERO))
            slots[node.key] = len(ops)
            ops.append(
                _Op(
                    len(ops),
                    node.key,
                    node.name,
                    KINDS.get(node.kind, GROUP),
                    node.max_points,
                    node.per_occurrence,
                    node.cap,
                    tuple(terms),
                    root,
                )
            )

        for root in children.get(None, []):
            compile_(root, True)
        self.ops = tuple(ops)
        # Leaves whose rounded scores only ever add up into their group: scored,
        # deduction and bonus leaves under a group none of whose children carries a
        # weight. Their sum is exact in cents whatever the order, so the scoring
        # service may hand it over per group (`presums`) instead of leaf by leaf.
        pure = {
            node.key
            for node in base
            if node.key in children or node.kind == "group"
            if not any(kid.weight is not None for kid in children.get(node.key, []))
        }
        self.presummable = frozenset(
            n.key
            for n in base
            if n.parent in pure
            and n.kind in ("scored", "deduction", "bonus")
            and n.key not in children
        )
        # (slot, kind, key, max, max or None where not > 0, points per occurrence, cap
        # or None where not > 0, kids, root, name): what `total` reads, in its order.
        self._flat = tuple(
            (
                op.slot,
                op.kind,
                op.key,
                op.max_points,
                op.max_points if op.max_points > 0 else None,
                op.per_occurrence,
                op.cap if op.cap > 0 else None,
                op.kids,
                op.root,
                op.name,
            )
            for op in ops
        )
        self._lean = tuple(op for op in self._flat if op[2] not in self.presummable)
        self.keys = frozenset(n.key for n in base) | {n.key for n in adjusting}
        self.adjusting = tuple(
            Adjusting(n.name, KINDS.get(n.kind, GROUP), n.key, n.per_occurrence, n.cap)
            for n in adjusting
        )

    def total(
        self, entries: Mapping[str, Entered], presums: Mapping[str, Decimal] | None = None
    ) -> tuple[Decimal, list[str]]:
        """roll_up(base, entries).total and .vetoed.

        `presums`, group key → the sum of its presummable leaves' scores, stands for
        those leaves' entries (each leaf's result comes either in `entries` or in its
        group's presum, never both); when no presummable leaf has an entry of its
        own, their nodes are not visited at all.

        The hot loop of a city's quarter (one call per person, dozens of nodes): the
        nodes are read as plain tuples, a leaf without an entry is skipped (its
        score is the zero every slot starts at), and the comparisons with zero are
        made once, in `_flat`."""
        rounded: list[Decimal] = [ZERO] * len(self.ops)
        vetoed: list[str] = []
        total = ZERO
        get = entries.get
        ops = self._flat
        presum = NO_PRESUMS.get
        if presums is not None:
            presum = presums.get
            if self.presummable.isdisjoint(entries):
                ops = self._lean
        for slot, kind, key, points, limit, per_occurrence, cap, kids, root, name in ops:
            if kind == GROUP:
                score = presum(key, ZERO)
                for kid, counts, weight, most in kids:
                    if counts == WEIGHTED:
                        score += rounded[kid] / most * weight / HUNDRED * points
                    else:
                        score += rounded[kid]
                if limit is not None:
                    score = min(score, limit)
                if cap is not None:
                    score = max(score, -cap)
            else:
                entry = get(key)
                if entry is None:
                    continue
                if kind == SCORED:
                    value = entry[0]
                    if value is None:
                        continue
                    score = min(max(value, ZERO), points)
                elif kind == DEDUCTION:
                    raw = per_occurrence * (entry[1] or 0)
                    score = -(min(raw, cap) if cap is not None else raw)
                elif kind == BONUS:
                    value = max(entry[0] or ZERO, ZERO)
                    score = min(value, cap) if cap is not None else value
                else:
                    if kind == VETO and entry[2]:
                        vetoed.append(name)
                    continue
            rounded[slot] = score.quantize(CENT, ROUND_HALF_UP)
            if root:
                total += score
        return _q(total), vetoed

    def adjustments(self, entries: Mapping[str, Entered]) -> list[tuple[str, Decimal, str]]:
        """(name, points, detail) of each top-level deduction or bonus that is not zero,
        as roll_up([node], entries) scores it alone."""
        out = []
        for node in self.adjusting:
            value, occurrences, _flag = entries.get(node.key, NO_ENTRY)
            detail = ""
            if node.kind == DEDUCTION:
                count = occurrences or 0
                raw = node.per_occurrence * count
                score = -(min(raw, node.cap) if node.cap > 0 else raw)
                detail = f"{count} × {node.per_occurrence}"
            elif node.kind == BONUS:
                value = max(value or ZERO, ZERO)
                score = min(value, node.cap) if node.cap > 0 else value
            else:
                score = ZERO
            points = _q(score)
            if points:
                out.append((node.name, points, detail))
        return out
