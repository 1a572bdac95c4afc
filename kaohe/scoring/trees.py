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
        self.keys = frozenset(n.key for n in base) | {n.key for n in adjusting}
        self.adjusting = tuple(
            Adjusting(n.name, KINDS.get(n.kind, GROUP), n.key, n.per_occurrence, n.cap)
            for n in adjusting
        )

    def total(self, entries: Mapping[str, Entry]) -> tuple[Decimal, list[str]]:
        """roll_up(base, entries).total and .vetoed."""
        rounded: list[Decimal] = [ZERO] * len(self.ops)
        vetoed: list[str] = []
        total = ZERO
        for op in self.ops:
            kind = op.kind
            if kind == GROUP:
                score = ZERO
                for slot, counts, weight, most in op.kids:
                    if counts == WEIGHTED:
                        score += rounded[slot] / most * weight / HUNDRED * op.max_points
                    else:
                        score += rounded[slot]
                if op.max_points > 0:
                    score = min(score, op.max_points)
                if op.cap > 0:
                    score = max(score, -op.cap)
            else:
                entry = entries.get(op.key, NO_ENTRY)
                if kind == SCORED:
                    score = min(max(entry.value or ZERO, ZERO), op.max_points)
                elif kind == DEDUCTION:
                    raw = op.per_occurrence * (entry.occurrences or 0)
                    score = -(min(raw, op.cap) if op.cap > 0 else raw)
                elif kind == BONUS:
                    value = max(entry.value or ZERO, ZERO)
                    score = min(value, op.cap) if op.cap > 0 else value
                else:
                    score = ZERO
                    if kind == VETO and entry.flag:
                        vetoed.append(op.name)
            rounded[op.slot] = score.quantize(CENT, ROUND_HALF_UP)
            if op.root:
                total += score
        return _q(total), vetoed

    def adjustments(self, entries: Mapping[str, Entry]) -> list[tuple[str, Decimal, str]]:
        """(name, points, detail) of each top-level deduction or bonus that is not zero,
        as roll_up([node], entries) scores it alone."""
        out = []
        for node in self.adjusting:
            entry = entries.get(node.key, NO_ENTRY)
            detail = ""
            if node.kind == DEDUCTION:
                count = entry.occurrences or 0
                raw = node.per_occurrence * count
                score = -(min(raw, node.cap) if node.cap > 0 else raw)
                detail = f"{count} × {node.per_occurrence}"
            elif node.kind == BONUS:
                value = max(entry.value or ZERO, ZERO)
                score = min(value, node.cap) if node.cap > 0 else value
            else:
                score = ZERO
            points = _q(score)
            if points:
                out.append((node.name, points, detail))
        return out
