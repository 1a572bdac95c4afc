"""The indicator part of everyone's quarterly score, for a whole region at once
(R4.3, R5.1).

A city's quarter holds some ten million indicator results. Read one by one into
Python objects they cost more than everything else the quarter does, so they travel
as columns: PostgreSQL packs each unit's results into arrays (`array_agg`, sent as
bytes), numpy decodes them, and every step after that — placing a result in its
unit's tree, checking it counts, scoring the trees — works on whole columns. Units
whose trees have the same shape (most are drafted from a few templates) share one
prepared `Tree` and are scored together. See docs/decisions.md, "Scoring at city
scale".
"""

from __future__ import annotations

import struct
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple, Protocol

import numpy as np
import psycopg
from django.db import connection
from django.db.models import TextField
from django.db.models.functions import Cast
from numpy.typing import NDArray

from kaohe.core import sql
from kaohe.org.models import Unit
from kaohe.schemes.models import Indicator, IndicatorResult
from kaohe.schemes.rollup import CENT, Node
from kaohe.schemes.selectors import versions_in_force_many
from kaohe.scoring import engine
from kaohe.scoring.trees import DEDUCTION, Scores, Tree
from kaohe.worklogs.rules import Period

Ids = NDArray[np.int64]
# Per person: the scheme's part out of 100 (None: the scheme has no maximum), its
# top-level deductions and bonuses, and the names of triggered vetoes.
IndicatorPart = tuple[Decimal | None, tuple[engine.Adjustment, ...], tuple[str, ...]]


class HasUnit(Protocol):
    @property
    def unit_id(self) -> int: ...


class Results(NamedTuple):
    """The quarter's results as columns, one element per result row."""

    person: Ids
    unit: Ids
    indicator: Ids
    value: Ids  # cents; an empty value is 0, as roll_up scores it
    occurrences: Ids  # an empty count is 0
    flag: NDArray[np.bool_]  # an empty flag is False


@dataclass(frozen=True, slots=True)
class _Prepared:
    """The region's trees: one per shape, and where each indicator's results go."""

    trees: list[Tree]
    unit_shape: dict[int, int]  # unit → its tree's index
    indicators: Ids  # indicator ids, sorted
    indicator_unit: Ids  # … the unit whose scheme holds each
    indicator_column: Ids  # … and its column in that unit's tree


def indicator_parts(
    region_id: int, members: Mapping[int, HasUnit], period: Period
) -> dict[int, IndicatorPart]:
    """Per person with results: the indicator part of their quarterly score, from the
    results their unit entered under the schemes in force. Automatic indicators are
    skipped (the work-log deductions are applied once, directly), and a person's
    results count under the unit they are in at the quarter's end.

    Three queries for the whole region (the versions in force, their indicators, the
    quarter's results), whatever the number of units."""
    prepared = _prepare(region_id, period)
    if prepared is None:
        return {}
    return _score(prepared, members, _results(region_id, period))


# Figures are read as text: a shape is a key of tuples, and hashing strings is far
# cheaper than hashing Decimals (a city has a million indicators in force).
FIGURES = ("max_points", "per_occurrence", "cap", "weight")


def _prepare(region_id: int, period: Period) -> _Prepared | None:
    versions = versions_in_force_many(region_id, period)
    if not versions:
        return None
    version_unit = {v.pk: unit_id for unit_id, vs in versions.items() for v in vs}
    unit_rows: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for row in (
        Indicator.objects.filter(version_id__in=list(version_unit), auto_source="")
        .order_by("version_id", "position", "id")
        .annotate(**{f"{f}_text": Cast(f, TextField()) for f in FIGURES})
        .values_list(
            "version_id",
            "id",
            "parent_id",
            "name",
            "kind",
            *(f"{f}_text" for f in FIGURES),
            "position",
        )
    ):
        unit_rows[version_unit[row[0]]].append(row)
    shapes: dict[tuple[tuple[Any, ...], ...], int] = {}
    trees: list[Tree] = []
    by_place: list[list[int]] = []  # per tree: each place's column
    unit_shape: dict[int, int] = {}
    indicators: list[int] = []
    units: list[int] = []
    columns: list[int] = []
    for unit_id, rows in unit_rows.items():
        place = {row[1]: i for i, row in enumerate(rows)}
        # The tree's shape: each node's place, its parent's place and its figures. A
        # parent that is not in the tree (an automatic item) keeps the node out of
        # it; its row id then makes the shape the unit's own.
        shape = tuple(
            (
                i,
                None if parent_id is None else place.get(parent_id, f"#{parent_id}"),
                *figures,
            )
            for i, (_version, _pk, parent_id, *figures) in enumerate(rows)
        )
        index = shapes.get(shape)
        if index is None:
            index = shapes[shape] = len(trees)
            tree = _tree(shape)
            trees.append(tree)
            by_place.append([tree.columns[str(i)] for i in range(len(shape))])
        unit_shape[unit_id] = index
        indicators += place
        units += [unit_id] * len(rows)
        columns += by_place[index]
    table = np.array([indicators, units, columns], dtype=np.int64).reshape(3, -1)
    table = table[:, np.argsort(table[0])]
    return _Prepared(trees, unit_shape, table[0], table[1], table[2])


def _tree(shape: Sequence[tuple[Any, ...]]) -> Tree:
    """The tree of a shape, its nodes keyed by place; top-level deductions and bonuses
    apart, as they adjust the quarterly score directly."""

    def figure(text: str) -> Decimal:
        # As the model gives it: two decimals, whatever text the database sent (an
        # explanation prints the figure, and a ratio's exponent follows it).
        return Decimal(text).quantize(CENT)

    nodes = [
        Node(
            str(i),
            None if parent is None else str(parent),
            name,
            kind,
            figure(points),
            figure(per_occurrence),
            figure(cap),
            None if weight is None else figure(weight),
            position,
        )
        for i, parent, name, kind, points, per_occurrence, cap, weight, position in shape
    ]
    adjusting = [n for n in nodes if n.parent is None and n.kind in ("deduction", "bonus")]
    return Tree([n for n in nodes if n not in adjusting], adjusting)


def _results(region_id: int, period: Period) -> Results:
    """The quarter's results in the region's units. A row can hold evidence (linked
    work logs) before any value is typed; it is no result yet."""
    if sql.is_postgres():
        return _results_postgresql(region_id, period)
    # SQLite: plain rows (a county's tens of thousands). Values have two decimals
    # (entry refuses more, schemes migration 0003 settled older ones), so the
    # rounded float × 100 is the exact number of cents.
    r = _columns()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {r['person']}, {r['unit']}, {r['indicator']}, "
            f"COALESCE(CAST(ROUND({r['value']} * 100) AS INTEGER), 0), "
            f"COALESCE({r['occurrences']}, 0), COALESCE({r['flag']}, 0) {_source(r)}",
            [region_id, period.year, period.quarter],
        )
        table = np.array(cursor.fetchall(), dtype=np.int64).reshape(-1, 6)
    return Results(
        table[:, 0], table[:, 1], table[:, 2], table[:, 3], table[:, 4], table[:, 5] != 0
    )


def _columns() -> dict[str, str]:
    return {
        name: f"r.{sql.column(IndicatorResult, name)}"
        for name in ("person", "unit", "indicator", "value", "occurrences", "flag")
    }


def _source(r: Mapping[str, str]) -> str:
    """The quarter's rows in the region's units (parameters: region, year, quarter),
    without those that hold only evidence."""
    return (
        f"FROM {sql.table(IndicatorResult)} r "
        f"JOIN {sql.table(Unit)} u ON u.{sql.column(Unit, 'id')} = {r['unit']} "
        f"WHERE u.{sql.column(Unit, 'region')} = %s "
        f"AND r.{sql.column(IndicatorResult, 'year')} = %s "
        f"AND r.{sql.column(IndicatorResult, 'quarter')} = %s "
        f"AND NOT ({r['value']} IS NULL AND {r['occurrences']} IS NULL AND {r['flag']} IS NULL)"
    )


# How PostgreSQL sends an array of fixed-size values (array_send): dimensions, a
# has-nulls flag and the element type, one (size, lower bound) per dimension, then
# every element as its length and its bytes, big-endian.
_ONE_DIMENSION = 12 + 8


def _results_postgresql(region_id: int, period: Period) -> Results:
    """One row per unit, each column an array sent as bytes: ten million results
    as some 15,000 rows, which numpy decodes without touching each value in Python.
    Rows come one unit after another from the unit index, so grouping them sorts
    nothing."""
    r = _columns()
    source = _source(r)
    params = [region_id, period.year, period.quarter]
    columns = [
        (r["person"], ">i8"),
        (r["indicator"], ">i8"),
        (f"COALESCE(({r['value']} * 100)::int4, 0)", ">i4"),
        (f"COALESCE({r['occurrences']}, 0)", ">i4"),
        (f"COALESCE({r['flag']}, false)", "?"),
    ]
    select = ", ".join(f"array_send(array_agg({expression}))" for expression, _type in columns)
    # Every aggregate of a group is fed the group's rows in the same order, so the
    # arrays line up element by element.
    connection.validate_no_broken_transaction()
    with connection.cursor() as django_cursor, connection.wrap_database_errors:
        # Django's cursor binds on the client and reads text, which would send the
        # arrays as hex; a plain psycopg cursor on the same connection (so in the same
        # transaction, its errors wrapped as Django's) reads them as bytes.
        cursor = psycopg.Cursor(django_cursor.connection)
        with cursor:
            cursor.execute(
                f"SELECT {r['unit']}, {select} {source} GROUP BY {r['unit']}",
                params,
                binary=True,
            )
            rows = cursor.fetchall()
    units = np.array([row[0] for row in rows], dtype=np.int64)
    person, indicator, value, occurrences, flag = (
        _elements([row[i + 1] for row in rows], element)
        for i, (_expression, element) in enumerate(columns)
    )
    counts = np.array([len(row[1]) for row in rows], dtype=np.int64)
    unit = np.repeat(units, (counts - _ONE_DIMENSION) // 12)
    return Results(person, unit, indicator, value, occurrences, flag.astype(np.bool_))


_HEADER = struct.Struct(">iiI")  # dimensions, has nulls, element type


def _elements(arrays: Sequence[bytes], element: str) -> NDArray[np.int64]:
    """The values of one-dimensional arrays without nulls (the query coalesces), one
    array after another, as int64. numpy reads each array's elements in one go."""
    item = np.dtype([("length", ">i4"), ("value", element)])
    parts = []
    for data in arrays:
        dimensions, has_nulls, _type = _HEADER.unpack_from(data)
        if dimensions != 1 or has_nulls:
            raise ValueError("expected one-dimensional arrays without nulls")
        parts.append(np.frombuffer(data, item, offset=_ONE_DIMENSION))
    if not parts:
        return np.empty(0, np.int64)
    records = np.concatenate(parts)
    if (records["length"] != np.dtype(element).itemsize).any():
        raise ValueError("unexpected element length in an array")
    return records["value"].astype(np.int64)


def _find(keys: Ids, table: Ids) -> Ids:
    """Each key's index in the sorted, distinct table; -1 where it is absent. A
    dense table over the span is used where that is small (a region's ids lie close
    together), a binary search otherwise."""
    out = np.full(len(keys), -1, np.int64)
    if not len(table):
        return out
    low, high = int(table[0]), int(table[-1])
    inside = (keys >= low) & (keys <= high)
    if high - low < 8 * len(table) + 1_000_000:
        dense = np.full(high - low + 1, -1, np.int64)
        dense[table - low] = np.arange(len(table))
        out[inside] = dense[keys[inside] - low]
    else:
        at = np.searchsorted(table, keys[inside])
        out[inside] = np.where(table[at] == keys[inside], at, -1)
    return out


def _score(
    prepared: _Prepared, members: Mapping[int, HasUnit], results: Results
) -> dict[int, IndicatorPart]:
    # Where each result goes: its indicator's unit and column. It counts when that is
    # the unit it was entered under, and the person's unit at the quarter's end.
    order = np.fromiter(members, dtype=np.int64, count=len(members))
    member_unit = np.fromiter(
        (m.unit_id for m in members.values()), dtype=np.int64, count=len(members)
    )
    by_person = np.argsort(order)
    member_ids, member_unit = order[by_person], member_unit[by_person]
    if not len(member_ids) or not len(prepared.indicators):
        return {}
    index = _find(results.indicator, prepared.indicators)
    member = _find(results.person, member_ids)
    counts = (
        (index >= 0)
        & (prepared.indicator_unit[index] == results.unit)
        & (member >= 0)
        & (member_unit[member] == results.unit)
    )
    rows = np.flatnonzero(counts)
    person, unit = results.person[rows], results.unit[rows]
    column = prepared.indicator_column[index[rows]]

    # Everyone with results, grouped by tree shape so each shape's people form one
    # block; a person's row in the block holds their results by column.
    people, row_of = np.unique(person, return_inverse=True)
    person_unit = np.zeros(len(people), np.int64)
    person_unit[row_of] = unit
    person_shape = np.array([prepared.unit_shape[u] for u in person_unit.tolist()], dtype=np.int64)
    by_shape = np.argsort(person_shape, kind="stable")
    position = np.empty(len(people), np.int64)
    position[by_shape] = np.arange(len(people))
    starts = np.searchsorted(person_shape[by_shape], np.arange(len(prepared.trees) + 1))

    out: dict[int, IndicatorPart] = {}
    place = position[row_of]
    # The results sorted by shape once, so each shape takes a slice (a region may
    # have a shape per unit).
    shape_of_row = person_shape[row_of]
    by_row_shape = np.argsort(shape_of_row, kind="stable")
    row_starts = np.searchsorted(shape_of_row[by_row_shape], np.arange(len(prepared.trees) + 1))
    for shape, tree in enumerate(prepared.trees):
        first, last = int(starts[shape]), int(starts[shape + 1])
        if first == last:
            continue
        width = len(tree.columns)
        mine = by_row_shape[row_starts[shape] : row_starts[shape + 1]]
        cells = (place[mine] - first) * width + column[mine]
        size = (last - first) * width
        values = np.zeros(size, np.int64)
        occurrences = np.zeros(size, np.int64)
        flags = np.zeros(size, np.bool_)
        chosen = rows[mine]
        values[cells] = results.value[chosen]
        occurrences[cells] = results.occurrences[chosen]
        flags[cells] = results.flag[chosen]
        scores = tree.score(
            values.reshape(-1, width), occurrences.reshape(-1, width), flags.reshape(-1, width)
        )
        ids = people[by_shape[first:last]].tolist()
        out.update(_parts(tree, ids, scores))
    return out


def _parts(tree: Tree, ids: list[int], scores: Scores) -> dict[int, IndicatorPart]:
    """Each person's part: total / the maximum × 100, as the quarter reads it."""
    top_max = tree.top_max
    part_of: dict[int, Decimal | None] = {}
    extra: dict[int, list[engine.Adjustment]] = defaultdict(list)
    for node, points, counts in scores.adjustments:
        for row in np.flatnonzero(points).tolist():
            detail = f"{counts[row]} × {node.per_occurrence}" if node.kind == DEDUCTION else ""
            extra[row].append(
                engine.Adjustment(node.name, Decimal(int(points[row])).scaleb(-2), detail)
            )
    vetoed: dict[int, list[str]] = defaultdict(list)
    for name, who in scores.vetoed:
        for row in np.flatnonzero(who).tolist():
            vetoed[row].append(name)
    out: dict[int, IndicatorPart] = {}
    for row, (person_id, total) in enumerate(zip(ids, scores.totals.tolist(), strict=True)):
        if total in part_of:
            part = part_of[total]
        else:
            part = part_of[total] = (
                Decimal(total).scaleb(-2) / top_max * 100 if top_max > 0 else None
            )
        out[person_id] = (
            part,
            tuple(extra.get(row, ())),
            tuple(vetoed.get(row, ())),
        )
    return out
