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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from kaohe.schemes.rollup import Entry, Node, roll_up

ZERO = Decimal(0)
HUNDRED = Decimal(100)
CENT = Decimal("0.01")
NO_ENTRY = Entry()
# An entry as (value, occurrences, flag): an `Entry`, or the plain tuple the scoring
# service builds per result row (a named tuple's constructor costs several times more).
Entered = tuple[Decimal | None, int | None, bool | None]
Scored = tuple[Decimal, list[str]]

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
        self._total = _compiled(self._flat)
        self.adjusting = tuple(
            Adjusting(n.name, KINDS.get(n.kind, GROUP), n.key, n.per_occurrence, n.cap)
            for n in adjusting
        )

    def total(self, entries: Mapping[str, Entered]) -> tuple[Decimal, list[str]]:
        """roll_up(base, entries).total and .vetoed."""
        return self._total(entries)

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


def _compiled(flat: Sequence[tuple[Any, ...]]) -> Callable[[Mapping[str, Entered]], Scored]:
    """`Tree.total` as one straight-line function for this tree, built once per tree
    shape and called once per person: a city's quarter rolls up some 300,000 people
    over a few dozen nodes each, and walking the nodes in a loop (unpacking each,
    testing its kind) cost three times the arithmetic.

    The generated code does what roll_up does, node by node in roll_up's order,
    with the same Decimal operations in the same order (so the same roundings):
    a leaf's score from its entry (none: zero), a group's from its children's
    rounded scores, clipped to its maximum and its cap; every score rounded to the
    cent; the roots' unrounded scores summed. Only fixed code and slot numbers are
    written into the source: every key, name and figure of the tree is read from
    the tuples bound to it (K, N, C), so no text of a scheme reaches `exec`."""
    constants: list[Decimal] = []
    keys: list[str] = []
    names: list[str] = []

    def c(value: Decimal) -> str:
        constants.append(value)
        return f"C[{len(constants) - 1}]"

    def k(key: str) -> str:
        keys.append(key)
        return f"K[{len(keys) - 1}]"

    read = {kid for op in flat if op[1] == GROUP for kid, *_rest in op[7]}
    lines = ["def total(entries):", "    get = entries.get", "    vetoed = []", "    total = ZERO"]
    for slot, kind, key, points, limit, per_occurrence, cap, kids, root, name in flat:
        body: list[str] = []  # computes s, the node's score, when it has one
        if kind == GROUP:
            # One statement per child: a chained expression of thousands of terms
            # would exceed the compiler's nesting limit.
            body.append("s = ZERO")
            body += [
                f"s += r{kid} / {c(most)} * {c(weight)} / HUNDRED * {c(points)}"
                if counts == WEIGHTED
                else f"s += r{kid}"
                for kid, counts, weight, most in kids
            ]
            if limit is not None:
                body.append(f"if s > {c(limit)}: s = {c(limit)}")
            if cap is not None:
                body.append(f"if s < {c(-cap)}: s = {c(-cap)}")
            lines += [f"    {line}" for line in body]
        elif kind in (SCORED, DEDUCTION, BONUS):
            lines.append(f"    e = get({k(key)})")
            if kind == SCORED:
                lines.append("    if e is not None and e[0] is not None:")
                body = ["s = e[0]", "if s < ZERO: s = ZERO", f"if s > {c(points)}: s = {c(points)}"]
            elif kind == DEDUCTION:
                lines.append("    if e is not None:")
                body = [f"s = {c(per_occurrence)} * (e[1] or 0)"]
                if cap is not None:
                    body.append(f"if s > {c(cap)}: s = {c(cap)}")
                body.append("s = -s")
            else:
                lines.append("    if e is not None:")
                body = ["s = e[0] or ZERO", "if s < ZERO: s = ZERO"]
                if cap is not None:
                    body.append(f"if s > {c(cap)}: s = {c(cap)}")
            if slot in read:
                body.append(f"r{slot} = s.quantize(CENT, ROUND_HALF_UP)")
            if root:
                body.append("total += s")
            lines += [f"        {line}" for line in body]
            if slot in read:
                lines.append(f"    else: r{slot} = ZERO")
            continue
        else:
            # Veto and pass/fail items score nothing; a triggered veto is named.
            if kind == VETO:
                names.append(name)
                lines.append(f"    e = get({k(key)})")
                lines.append(f"    if e is not None and e[2]: vetoed.append(N[{len(names) - 1}])")
            if slot in read:
                lines.append(f"    r{slot} = ZERO")
            continue
        if slot in read:
            lines.append(f"    r{slot} = s.quantize(CENT, ROUND_HALF_UP)")
        if root:
            lines.append("    total += s")
    lines.append("    return total.quantize(CENT, ROUND_HALF_UP), vetoed")
    namespace: dict[str, Any] = {
        "ZERO": ZERO,
        "HUNDRED": HUNDRED,
        "CENT": CENT,
        "ROUND_HALF_UP": ROUND_HALF_UP,
        "C": tuple(constants),
        "K": tuple(keys),
        "N": tuple(names),
    }
    # The source is this function's own fixed text and slot numbers (see above).
    exec("\n".join(lines), namespace)  # noqa: S102
    function: Callable[[Mapping[str, Entered]], Scored] = namespace["total"]
    return function
