"""Rolling indicator results up a scheme's tree (R4.3, R4.7). Pure: no ORM.

Leaf scores by kind:
- scored: the entered points, clipped to 0..max;
- deduction: occurrences × points each, at most the cap, subtracted;
- bonus: the entered points, at most the cap;
- veto / pass-fail: no points, but a flag the annual rules read.
A group adds up its children. Where a group's children carry weights, each
weighted child contributes (its score / its max) × weight% × the group's max,
rounded to the cent (decision 30); deductions and bonuses under it still add
directly. A group with a max is
clipped to it (and a deduction group to minus its cap).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

ZERO = Decimal(0)
HUNDRED = Decimal(100)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Node:
    key: str
    parent: str | None
    name: str
    kind: str  # scored, deduction, bonus, veto, pass_fail, group
    max_points: Decimal = ZERO
    per_occurrence: Decimal = ZERO
    cap: Decimal = ZERO
    weight: Decimal | None = None
    position: int = 0


class Entry(NamedTuple):
    """One result as entered. A named tuple: a city's quarter reads millions."""

    value: Decimal | None = None
    occurrences: int | None = None
    flag: bool | None = None


@dataclass
class NodeScore:
    key: str
    name: str
    score: Decimal
    max_points: Decimal
    detail: str = ""


@dataclass
class RollUp:
    total: Decimal
    scores: dict[str, NodeScore] = field(default_factory=dict)
    vetoed: list[str] = field(default_factory=list)  # names of triggered vetoes
    failed: list[str] = field(default_factory=list)  # names of failed pass/fail items


def plain(value: Decimal) -> str:
    """30 rather than 3E+1, 0.5 rather than 0.50: numbers as people write them."""
    return format(value.normalize(), "f")


def _q(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


def node_max(node: Node, children: Sequence[Node], maxima: Mapping[str, Decimal]) -> Decimal:
    if node.kind == "scored":
        return node.max_points
    if node.kind == "bonus":
        return node.cap
    if node.kind == "group":
        if node.max_points > 0:
            return node.max_points
        return sum((maxima[c.key] for c in children if c.kind in ("scored", "group")), ZERO)
    return ZERO


def roll_up(nodes: Sequence[Node], entries: Mapping[str, Entry]) -> RollUp:
    """Score every node bottom-up; the total is the sum of the top-level nodes."""
    children: dict[str | None, list[Node]] = defaultdict(list)
    for node in nodes:
        children[node.parent].append(node)
    for siblings in children.values():
        siblings.sort(key=lambda n: n.position)
    result = RollUp(total=ZERO)
    maxima: dict[str, Decimal] = {}

    def visit(node: Node) -> Decimal:
        kids = children.get(node.key, [])
        for kid in kids:
            visit(kid)
        maxima[node.key] = node_max(node, kids, maxima)
        entry = entries.get(node.key, Entry())
        detail = ""
        if node.kind == "scored":
            score = min(max(entry.value or ZERO, ZERO), node.max_points)
        elif node.kind == "deduction":
            count = entry.occurrences or 0
            raw = node.per_occurrence * count
            score = -(min(raw, node.cap) if node.cap > 0 else raw)
            detail = f"{count} × {node.per_occurrence}"
        elif node.kind == "bonus":
            score = (
                min(max(entry.value or ZERO, ZERO), node.cap)
                if node.cap > 0
                else max(entry.value or ZERO, ZERO)
            )
        elif node.kind == "veto":
            score = ZERO
            if entry.flag:
                result.vetoed.append(node.name)
        elif node.kind == "pass_fail":
            score = ZERO
            if entry.flag is False:
                result.failed.append(node.name)
        else:
            score = _group_score(node, kids, result.scores, maxima)
        result.scores[node.key] = NodeScore(
            node.key, node.name, _q(score), maxima[node.key], detail
        )
        return score

    result.total = _q(sum((visit(root) for root in children.get(None, [])), ZERO))
    return result


def _group_score(
    node: Node, kids: Sequence[Node], scores: Mapping[str, NodeScore], maxima: Mapping[str, Decimal]
) -> Decimal:
    weighted = [k for k in kids if k.weight is not None]
    total = ZERO
    for kid in kids:
        kid_score = scores[kid.key].score
        if kid.weight is not None and maxima[kid.key] > 0 and node.max_points > 0:
            # Each share rounded to the cent (decision 30): the shares a page shows add
            # up to the group's score, and the sum is exact.
            total += _q(kid_score * kid.weight * node.max_points / (maxima[kid.key] * HUNDRED))
        elif kid.weight is None or not weighted:
            total += kid_score
    if node.max_points > 0:
        total = min(total, node.max_points)
    if node.cap > 0:
        total = max(total, -node.cap)
    return total
