"""A month's computation as one SQL statement (PostgreSQL): every category's indicator
tree compiled into an expression over the month's entries pivoted per unit, 民评 and
other sources' deductions added, ranked within categories (RANK(): ties share a rank,
the next skips) and written with the reward list, in one INSERT … SELECT.

The expression is schemes.rollup's arithmetic written in SQL, node by node (scored
0..max, deductions × points capped, bonuses capped, groups summed, weighted shares of
a group's max rounded to the cent, a group clipped to its max and a deduction group to
minus its cap; every value has two places, as `roll_up` keeps each node), so the database
does what the pure roll-up does without the rows coming out: a province's month is
then a few times one aggregate over the same rows (bench/performance.py, which also
checks that both give every unit the same score). SQLite, the demo's and the tests'
database, runs the pure roll-up in Python (services.month_compute).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from decimal import Decimal

from kaohe.core import sql
from kaohe.org.models import Unit
from kaohe.performance.models import MonthEntry, PublicEvaluation, UnitMonthResult
from kaohe.schemes.rollup import Node, node_max


def _n(value: Decimal) -> str:
    """A decimal literal (the values come from decimal columns, never from a user)."""
    return f"CAST('{format(value, 'f')}' AS numeric)"


def tree_expression(nodes: Sequence[Node], columns: Mapping[str, str]) -> str:
    """The SQL total of a tree, over `columns` (leaf key → the pivot's column holding
    its value, or for a deduction its occurrences)."""
    children: dict[str | None, list[Node]] = defaultdict(list)
    for node in nodes:
        children[node.parent].append(node)
    for siblings in children.values():
        siblings.sort(key=lambda n: n.position)
    maxima: dict[str, Decimal] = {}

    def visit(node: Node) -> str:
        kids = children.get(node.key, [])
        kid_sql = {kid.key: visit(kid) for kid in kids}
        maxima[node.key] = node_max(node, kids, maxima)
        column = columns.get(node.key, "NULL")
        if node.kind == "scored":
            score = f"LEAST(GREATEST(COALESCE({column}, 0), 0), {_n(node.max_points)})"
        elif node.kind == "deduction":
            raw = f"({_n(node.per_occurrence)} * COALESCE({column}, 0))"
            score = f"(-LEAST({raw}, {_n(node.cap)}))" if node.cap > 0 else f"(-{raw})"
        elif node.kind == "bonus":
            value = f"GREATEST(COALESCE({column}, 0), 0)"
            score = f"LEAST({value}, {_n(node.cap)})" if node.cap > 0 else value
        elif node.kind in ("veto", "pass_fail"):
            score = "0"
        else:
            weighted = any(k.weight is not None for k in kids)
            parts = []
            for kid in kids:
                if kid.weight is not None and maxima[kid.key] > 0 and node.max_points > 0:
                    parts.append(
                        f"ROUND({kid_sql[kid.key]} * {_n(kid.weight)} * {_n(node.max_points)}"
                        f" / {_n(maxima[kid.key] * 100)}, 2)"
                    )
                elif kid.weight is None or not weighted:
                    parts.append(kid_sql[kid.key])
            score = "(" + " + ".join(parts or ["0"]) + ")"
            if node.max_points > 0:
                score = f"LEAST({score}, {_n(node.max_points)})"
            if node.cap > 0:
                score = f"GREATEST({score}, {_n(-node.cap)})"
        # Every input has two places (the columns' scale), and so does every sum, clip
        # and product by a count: only a weighted share needs rounding, as roll_up's
        # quantizing of each node changes nothing else.
        return score

    roots = [visit(root) for root in children.get(None, [])]
    return "ROUND(" + (" + ".join(roots) or "0") + ", 2)"


def compute_sql(
    *,
    month_id: int,
    region_id: int,
    systems: Mapping[int, tuple[Sequence[Node], Mapping[str, int]]],
    reward_places: int,
    deductions: Mapping[int, Decimal],
) -> tuple[str, list[int | str]]:
    """The INSERT of the month's results. `systems`: category id → (its nodes, leaf key
    → indicator id). The month's entries are read once: pivoted per unit into one
    column per leaf position (a leaf's value, or a deduction's occurrences), and each
    unit's category picks its tree's expression over them."""
    unit, entry, public = sql.table(Unit), sql.table(MonthEntry), sql.table(PublicEvaluation)
    # (indicator id, position, bar): bar 1 for a veto (barred when ticked), 2 for a
    # pass/fail item (barred when failed), 0 for the rest.
    slots: list[tuple[int, int, int]] = []
    cases: list[str] = []
    width = 0
    for category_id, (nodes, leaves) in sorted(systems.items()):
        columns: dict[str, str] = {}
        kinds = {n.key: n.kind for n in nodes}
        for position, (key, indicator_id) in enumerate(sorted(leaves.items())):
            columns[key] = f"p.c{position}"
            bar = {"veto": 1, "pass_fail": 2}.get(kinds.get(key, ""), 0)
            slots.append((int(indicator_id), position, bar))
        width = max(width, len(leaves))
        cases.append(f"WHEN {int(category_id)} THEN {tree_expression(nodes, columns)}")
    pivot = ""
    if slots:
        mapping = ", ".join(f"({i}, {pos}, {bar})" for i, pos, bar in slots)
        amount = "COALESCE(e.value, CAST(e.occurrences AS numeric))"
        cells = ", ".join(
            f"MAX(CASE WHEN m.slot = {pos} THEN {amount} END) AS c{pos}" for pos in range(width)
        )
        barred = (
            "BOOL_OR((m.bar = 1 AND e.flag IS TRUE) OR (m.bar = 2 AND e.flag IS FALSE)) AS barred"
        )
        pivot = (
            f"LEFT JOIN (SELECT e.unit_id, {cells}, {barred} FROM {entry} e "  # noqa: S608
            f"JOIN (VALUES {mapping}) m(indicator_id, slot, bar) "
            "ON m.indicator_id = e.indicator_id "
            "WHERE e.month_id = %s GROUP BY e.unit_id) p ON p.unit_id = u.id"
        )
    other = json.dumps({str(k): format(v, "f") for k, v in deductions.items() if v})
    names = ", ".join(
        sql.column(UnitMonthResult, f)
        for f in ("month", "unit", "category", "score", "rank", "rewarded")
    )
    categories = ", ".join(str(int(c)) for c in systems) or "NULL"
    statement = (
        f"INSERT INTO {sql.table(UnitMonthResult)} ({names}) "  # noqa: S608
        "SELECT %s, unit_id, category_id, score, r, r <= %s AND NOT barred FROM ("
        "SELECT unit_id, category_id, score, barred, "
        "RANK() OVER (PARTITION BY category_id ORDER BY score DESC) AS r FROM ("
        "SELECT u.id AS unit_id, u.performance_category_id AS category_id, "
        f"{'COALESCE(p.barred, false)' if slots else 'false'} AS barred, "
        f"ROUND(CASE u.performance_category_id {' '.join(cases) or 'WHEN 0 THEN 0'} END "
        "+ COALESCE(pe.points, 0) - COALESCE(d.points, 0), 2) AS score "
        f"FROM {unit} u {pivot} "
        f"LEFT JOIN {public} pe ON pe.unit_id = u.id AND pe.month_id = %s "
        "LEFT JOIN (SELECT CAST(key AS bigint) AS unit_id, CAST(value AS numeric) AS points "
        "FROM jsonb_each_text(CAST(%s AS jsonb))) d ON d.unit_id = u.id "
        "WHERE u.region_id = %s AND u.is_active "
        f"AND u.performance_category_id IN ({categories})"
        ") s) ranked"
    )
    params: list[int | str] = [month_id, reward_places]
    if pivot:
        params.append(month_id)
    return statement, [*params, month_id, other, region_id]
