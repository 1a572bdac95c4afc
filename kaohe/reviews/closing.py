"""Closing a round in the database: open the sealed boxes, write the results from the
tallies, drop the tallies and boxes — in the caller's one transaction (decision 31).

Each step is set-based SQL, so the tallies never travel to Python. The arithmetic is
the pure reference in `kaohe.reviews.tally` done in integers (hundredths, rounded
half up), so both give the same figures to the cent; a test holds them to that.

What a closed round keeps (decision 31): per target the weighted score, when at least
k valid ballots rated the target; per rater group its count, mean and weight, only
where the group has at least k scores and is not hidden so that another hidden group
cannot be subtracted from the score; per unit the void ballots, only where at least
k were void. Nothing else of the ballots survives the close.

PostgreSQL keeps each open round's tallies in a partition of their own (migration
0007), so deleting them is dropping a table. SQLite has one plain table.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from itertools import combinations
from typing import TYPE_CHECKING

from django.db import connection

from kaohe.org.models import Unit
from kaohe.reviews.boxes import boxes_open_all
from kaohe.reviews.models import RaterGroup, ReviewRound
from kaohe.reviews.tally import effective_weights

if TYPE_CHECKING:
    from django.db.backends.utils import CursorWrapper

Param = int | str
FOUR_PLACES = Decimal("0.0001")
GROUPS = [str(g) for g in RaterGroup]  # the plan's order: leader, team, others
SCRATCH = "kaohe_tally"  # temporary tables, private to the connection
BOXES = "kaohe_boxes"


def _partition(round_id: int) -> str:
    # Built from an integer primary key, never from input.
    return f"reviews_tally_r{int(round_id)}"


def partition_create(round_: ReviewRound) -> None:
    """Give an opening round its own partition of the tally table (PostgreSQL)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {_partition(round_.pk)} "
            f"PARTITION OF reviews_tally FOR VALUES IN ({int(round_.pk)})"
        )


def round_results(round_: ReviewRound) -> int:
    """Open the sealed boxes, write every result, keep the void counts that may be
    kept, and delete the round's tallies and boxes. Returns the results written.

    Runs in the caller's transaction with the state change, so a close is all or
    nothing: killed at any moment, the round is still open with every ballot in it.
    """
    boxes_open_all(round_)
    scores_tally(round_)
    sql, params = _results_sql(round_)
    with connection.cursor() as cursor:
        written = 0
        if sql:
            cursor.execute(sql, params)
            written = int(cursor.rowcount)
        k = max(3, round_.min_shown)
        cursor.execute(
            "INSERT INTO reviews_invalidballots (round_id, unit_id, count) "
            f"SELECT %s, unit_id, void FROM {BOXES} WHERE void >= %s AND valid >= %s",
            [round_.pk, k, k],
        )
        cursor.execute(f"DROP TABLE {SCRATCH}")
        cursor.execute(f"DROP TABLE {BOXES}")
        _tallies_delete(cursor, round_)
    return written


STATS = ("n", "total", "low", "high")  # a tally's columns, per group in the scratch table


def scores_tally(round_: ReviewRound) -> int:
    """The round's tallies side by side: a row per target and aspect with each group's
    count, sum, lowest and highest, and a row per unit with each group's ballots cast
    (valid and void). Returns the rows of the first."""
    pg = connection.vendor == "postgresql"
    per_group = ", ".join(
        f"COUNT(*) FILTER (WHERE rater_group = '{g}') AS c{i}, "
        f"COALESCE(SUM(count) FILTER (WHERE rater_group = '{g}'), 0) AS n{i}, "
        f"SUM(total) FILTER (WHERE rater_group = '{g}') AS total{i}, "
        f"MIN(low) FILTER (WHERE rater_group = '{g}' AND count > 0) AS low{i}, "
        f"MAX(high) FILTER (WHERE rater_group = '{g}' AND count > 0) AS high{i}"
        for i, g in enumerate(GROUPS)
    )
    cast = ", ".join(
        f"COALESCE(SUM(valid + void) FILTER (WHERE rater_group = '{g}'), 0) AS b{i}"
        for i, g in enumerate(GROUPS)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {SCRATCH}")
        cursor.execute(f"DROP TABLE IF EXISTS {BOXES}")
        if pg:
            # Memory for the hash aggregate, so it does not spill to disk.
            cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {SCRATCH} AS "
            f"SELECT MIN(unit_id) AS unit_id, target_id, dimension, {per_group} "
            "FROM reviews_tally WHERE round_id = %s GROUP BY target_id, dimension",
            [round_.pk],
        )
        cursor.execute(
            f"CREATE TEMPORARY TABLE {BOXES} AS "
            f"SELECT unit_id, {cast}, SUM(valid) AS valid, SUM(void) AS void "
            "FROM reviews_ballotbox WHERE round_id = %s GROUP BY unit_id",
            [round_.pk],
        )
        cursor.execute(f"SELECT COUNT(*) FROM {SCRATCH}")
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def _tallies_delete(cursor: CursorWrapper, round_: ReviewRound) -> None:
    cursor.execute("DELETE FROM reviews_ballotbox WHERE round_id = %s", [round_.pk])
    if connection.vendor == "postgresql":
        cursor.execute(f"DROP TABLE IF EXISTS {_partition(round_.pk)}")
        # Rows of a round opened before its partition existed sit in the default one.
        cursor.execute("DELETE FROM reviews_tally WHERE round_id = %s", [round_.pk])
        return
    cursor.execute("SELECT EXISTS (SELECT 1 FROM reviews_tally WHERE round_id <> %s)", [round_.pk])
    row = cursor.fetchone()
    if row is not None and not row[0]:
        # No other round is voting: without a WHERE clause SQLite frees the table's
        # pages at once instead of deleting row by row from both indexes.
        cursor.execute("DELETE FROM reviews_tally")
    else:
        cursor.execute("DELETE FROM reviews_tally WHERE round_id = %s", [round_.pk])


def _values(rows: list[list[Param | None]]) -> tuple[str, list[Param | None]]:
    """An inline table: its VALUES placeholders and their parameters."""
    width = len(rows[0])
    marks = ", ".join(["(" + ", ".join(["%s"] * width) + ")"] * len(rows))
    return marks, [value for row in rows for value in row]


def _plans(round_: ReviewRound) -> tuple[list[list[Param | None]], list[list[Param | None]]]:
    """The rater plans of the round's unit types, as two inline tables: (unit type,
    weight of each group) and, for every unit type and mask of groups with scores,
    the weight those groups share and each group's effective weight in
    ten-thousandths (NULL where it does not count)."""
    from kaohe.reviews.services import plan_for

    unit_types = sorted(
        set(
            Unit.objects.filter(pk__in=round_.units.values("unit_id")).values_list(
                "unit_type", flat=True
            )
        )
    )
    plans: list[list[Param | None]] = []
    masks: list[list[Param | None]] = []
    for unit_type in unit_types:
        weights = plan_for(round_.region_id, unit_type).weights()
        plans.append([unit_type, *(int(weights[g]) for g in GROUPS)])
        for size in range(len(GROUPS) + 1):
            for present in combinations(range(len(GROUPS)), size):
                used = effective_weights(weights, {GROUPS[i] for i in present})
                masks.append(
                    [
                        unit_type,
                        sum(1 << i for i in present),
                        int(sum((weights[g] for g in used), Decimal(0))),
                        *(
                            int(used[g].quantize(FOUR_PLACES, ROUND_HALF_UP) * 10000)
                            if g in used
                            else None
                            for g in GROUPS
                        ),
                    ]
                )
    return plans, masks


class _Dialect:
    """The few spellings that differ between PostgreSQL and SQLite."""

    def __init__(self) -> None:
        self.pg = connection.vendor == "postgresql"

    def text_object(self, key: str, value: str) -> str:
        """An aggregate: the JSON text of an object from a key column (a fixed code)
        and a JSON text value per row. Text all the way, parsed once at the end:
        SQLite's aggregates drop the JSON subtype that would keep it from quoting."""
        concat = "string_agg" if self.pg else "group_concat"
        return f"""('{{' || {concat}('"' || {key} || '": ' || ({value}), ', ') || '}}')"""

    def parse(self, text: str) -> str:
        """JSON text as a JSON value."""
        return f"CAST({text} AS jsonb)" if self.pg else f"json({text})"

    def hundredths(self, column: str) -> str:
        """An integer number of hundredths as text with two decimals: 8850 → '88.50'."""
        if self.pg:
            # Integer arithmetic and text, several times cheaper than numeric casts
            # over 100,000 rows; means are never negative.
            return f"(({column}) / 100)::text || '.' || lpad((({column}) %% 100)::text, 2, '0')"
        return f"printf('%%.2f', {column} / 100.0)"

    def decimal(self, column: str) -> str:
        if self.pg:
            return f"CAST(CAST({column} AS numeric) / 100 AS numeric(6, 2))"
        return f"{column} / 100.0"

    def empty(self) -> str:
        return "'{}'::jsonb" if self.pg else "'{}'"


def _figures(d: _Dialect, shown: str, n: str, mean: str) -> str:
    """A group's figures as JSON text: count and mean where `shown`, nulls otherwise.

    Built by concatenation and parsed once: on PostgreSQL a third of the cost of
    nested jsonb_build_object calls per row. Every part is a number or a fixed code,
    so nothing needs escaping.
    """
    return (
        f"CASE WHEN {shown} THEN "
        f"""'{{"count": ' || {n} || ', "mean": "' || {d.hundredths(mean)} || '"}}' """
        """ELSE '{"count": null, "mean": null}' END"""
    )


def _object(pairs: list[tuple[str, str]]) -> str:
    """A JSON object's text from (fixed key, JSON text expression) pairs."""
    inner = " || ', ' || ".join(f"""'"{key}": ' || ({value})""" for key, value in pairs)
    return f"('{{' || {inner} || '}}')"


def _hidden(alias: str, i: int) -> str:
    """Whether group i is hidden for a row of `alias` (with columns s0.., n0..): its
    ballots covered the target but gave fewer than k scores (s), or it is the smallest other scored
    group where exactly one is hidden, so that the score cannot be taken apart by
    subtraction (`tally.suppressed_groups`, the reference)."""
    indexes = range(len(GROUPS))
    one = " + ".join(f"{alias}.s{j}" for j in indexes) + " = 1"
    others = " AND ".join(
        f"NOT ({alias}.s{j} = 0 AND {alias}.n{j} > 0 AND ({alias}.n{j} < {alias}.n{i}"
        + (f" OR {alias}.n{j} = {alias}.n{i}" if j < i else "")
        + "))"
        for j in indexes
        if j != i
    )
    chosen = f"{alias}.s{i} = 0 AND {alias}.n{i} > 0 AND {others}"
    return f"CASE WHEN {alias}.s{i} = 1 OR ({one} AND {chosen}) THEN 1 ELSE 0 END"


def _results_sql(round_: ReviewRound) -> tuple[str, list[Param | None]]:
    """One INSERT … SELECT over the scratch tallies: group means, weighted score and,
    in the annual evaluation, each aspect's figures, with the anonymity rule applied
    (decision 31): only what rests on at least k ballots is written.

    The scratch table already has a row per target (and aspect) with the groups side
    by side (there are three), so the weighting is arithmetic on a row.
    """
    plans, masks = _plans(round_)
    if not plans:
        return "", []
    d = _Dialect()
    k = max(3, round_.min_shown)
    annual = round_.cadence == ReviewRound.Cadence.ANNUAL
    indexes = range(len(GROUPS))
    plan_marks, plan_params = _values(plans)
    mask_marks, mask_params = _values(masks)
    weight_columns = ", ".join(f"w{i}" for i in indexes)
    used_columns = ", ".join(f"u{i}" for i in indexes)
    params: list[Param | None] = [*plan_params, *mask_params]

    def mean(i: int) -> str:
        """Group i's (trimmed) mean in hundredths, rounded half up; NULL without scores."""
        params.extend([round_.trim_above] * 3)
        trim = f"t.n{i} > %s AND t.n{i} > 2"
        count = f"(CASE WHEN {trim} THEN t.n{i} - 2 ELSE t.n{i} END)"
        total = (
            f"CAST(CASE WHEN {trim} THEN t.total{i} - t.low{i} - t.high{i} "
            f"ELSE t.total{i} END AS BIGINT)"
        )
        return f"CASE WHEN t.n{i} > 0 THEN (2 * 100 * {total} + {count}) / (2 * {count}) END"

    counts = ", ".join(f"t.c{i}, t.n{i}" for i in indexes)
    means = ", ".join(f"{mean(i)} AS mean{i}" for i in indexes)
    steps = [
        f"pl (unit_type, {weight_columns}) AS (VALUES {plan_marks})",
        f"m (unit_type, mask, wsum, {used_columns}) AS (VALUES {mask_marks})",
        # Per target and aspect: each group's count and (trimmed) mean in hundredths.
        f"dm AS (SELECT t.unit_id, t.target_id, t.dimension AS dim, {counts}, {means} "
        f"FROM {SCRATCH} t)",
    ]
    if annual:
        # Per group over the aspects: the raters' count and the mean of the means.
        over = ", ".join(
            f"MAX(c{i}) AS c{i}, MAX(n{i}) AS n{i}, "
            f"(2 * CAST(SUM(mean{i}) AS BIGINT) + COUNT(mean{i})) / "
            f"(2 * NULLIF(COUNT(mean{i}), 0)) AS mean{i}"
            for i in indexes
        )
        steps.append(
            f"gm AS (SELECT unit_id, target_id, {over} FROM dm GROUP BY unit_id, target_id)"
        )
    else:
        steps.append("gm AS (SELECT * FROM dm)")

    def weighing(alias: str) -> list[str]:
        """The mask of groups that count and Σ weight × mean, for rows of `alias`."""
        live = [f"({alias}.n{i} > 0 AND pl.w{i} > 0)" for i in indexes]
        mask = " + ".join(f"(CASE WHEN {c} THEN {1 << i} ELSE 0 END)" for i, c in enumerate(live))
        wmean = " + ".join(
            f"(CASE WHEN {c} THEN pl.w{i} * {alias}.mean{i} ELSE 0 END)" for i, c in enumerate(live)
        )
        wsum = " + ".join(f"(CASE WHEN {c} THEN pl.w{i} ELSE 0 END)" for i, c in enumerate(live))
        return [mask, wmean, wsum]

    # Per target: which groups cast ballots that covered the target (c: a void ballot
    # covers it too) but gave it fewer than k scores (s), so that hiding never tells
    # whether a small group's ballots were void; and how many ballots covered the
    # target, from the boxes, as participation tells (a rater does not rate themselves).
    mask, wmean, _wsum = weighing("gm")
    small = ", ".join(
        f"CASE WHEN gm.c{i} > 0 AND gm.n{i} < {k} THEN 1 ELSE 0 END AS s{i}" for i in indexes
    )
    cast = " + ".join(f"COALESCE(bx.b{i}, 0)" for i in indexes)
    steps.append(
        f"hb AS (SELECT gm.*, pl.unit_type, {mask} AS mask, {wmean} AS wmean, {small}, "
        f"{cast} - CASE WHEN p.id IS NULL THEN 0 ELSE 1 END AS cast_ "
        "FROM gm JOIN org_unit u ON u.id = gm.unit_id JOIN pl ON pl.unit_type = u.unit_type "
        f"LEFT JOIN {BOXES} bx ON bx.unit_id = gm.unit_id "
        "LEFT JOIN reviews_participation p ON p.round_id = %s AND p.unit_id = gm.unit_id "
        "AND p.rater_id = gm.target_id)"
    )
    params.append(round_.pk)
    hide = ", ".join(f"{_hidden('hb', i)} AS h{i}" for i in indexes)
    steps.append(f"q AS (SELECT hb.*, {hide} FROM hb)")

    def shown(alias: str, i: int) -> str:
        return f"q.h{i} = 0 AND {alias}.n{i} >= {k}"

    dimensions = d.empty()
    join_dimensions = ""
    if annual:
        _mask, dwmean, dwsum = weighing("dm")
        score = d.hundredths(f"(2 * ({dwmean}) + ({dwsum})) / (2 * ({dwsum}))")
        enough = " + ".join(f"dm.n{i}" for i in indexes) + f" >= {k}"
        groups = _object(
            [
                (g, _figures(d, shown("dm", i), f"dm.n{i}", f"dm.mean{i}"))
                for i, g in enumerate(GROUPS)
            ]
        )
        aspect = _object(
            [
                (
                    "score",
                    f"""CASE WHEN ({dwsum}) > 0 AND {enough} THEN '"' || {score} || '"' """
                    "ELSE 'null' END",
                ),
                ("groups", groups),
            ]
        )
        steps.append(
            f"dims AS (SELECT dm.unit_id, dm.target_id, {d.text_object('dm.dim', aspect)} AS dims "
            "FROM dm JOIN q ON q.unit_id = dm.unit_id AND q.target_id = dm.target_id "
            "JOIN pl ON pl.unit_type = q.unit_type "
            "WHERE dm.dim <> '' GROUP BY dm.unit_id, dm.target_id)"
        )
        dimensions = d.parse("COALESCE(dims.dims, '{}')")
        join_dimensions = (
            " LEFT JOIN dims ON dims.unit_id = q.unit_id AND dims.target_id = q.target_id"
        )
    enough = " + ".join(f"q.n{i}" for i in indexes) + f" >= {k}"
    columns = ["round_id", "unit_id", "target_id", "score", "rater_count", "dimensions"]
    values = [
        "%s",
        "q.unit_id",
        "q.target_id",
        f"CASE WHEN m.wsum > 0 AND {enough} THEN "
        + d.decimal("(2 * q.wmean + m.wsum) / (2 * m.wsum)")
        + " END",
        "q.cast_",
        dimensions,
    ]
    for i, g in enumerate(GROUPS):
        for stat, value in (("count", f"q.n{i}"), ("mean", f"q.mean{i}"), ("weight", f"m.u{i}")):
            columns.append(f"{g}_{stat}")
            values.append(f"CASE WHEN {shown('q', i)} THEN {value} END")
    sql = (
        f"INSERT INTO reviews_roundresult ({', '.join(columns)}) "
        "WITH " + ", ".join(steps) + " "
        f"SELECT {', '.join(values)} "
        "FROM q JOIN m ON m.unit_type = q.unit_type AND m.mask = q.mask" + join_dimensions
    )
    params.append(round_.pk)
    return sql, params
