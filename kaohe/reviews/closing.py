"""Closing a round in the database: tally the scores, write the results, drop the scores.

Each step is set-based SQL, so millions of scores never travel to Python. The
arithmetic is the pure reference in `kaohe.reviews.tally` done in integers
(hundredths, rounded half up), so both give the same figures to the cent; a test
holds them to that.

What a closed round keeps of its scores is a tally per target, rater group and
aspect — how many, their sum, the lowest and the highest — stored in the result
itself (decision 26). That is enough for every rule, holds nothing of any single
ballot, and lets a reopened round add its late ballots when it closes again.

PostgreSQL keeps each open round's score rows in a partition of their own (migration
0005), so deleting them is dropping a table. SQLite has one plain table.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from itertools import combinations
from typing import TYPE_CHECKING

from django.db import connection

from kaohe.org.models import Unit
from kaohe.reviews.models import OVERALL, RaterGroup, ReviewRound, RoundResult
from kaohe.reviews.tally import effective_weights

if TYPE_CHECKING:
    from django.db.backends.utils import CursorWrapper

Param = int | str
FOUR_PLACES = Decimal("0.0001")
GROUPS = [str(g) for g in RaterGroup]  # the plan's order: leader, team, others
SCRATCH = "kaohe_tally"  # a temporary table, private to the connection


def _partition(round_id: int) -> str:
    # Built from an integer primary key, never from input.
    return f"reviews_score_r{int(round_id)}"


def partition_create(round_: ReviewRound) -> None:
    """Give an opening round its own partition of the score table (PostgreSQL)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {_partition(round_.pk)} "
            f"PARTITION OF reviews_score FOR VALUES IN ({int(round_.pk)})"
        )


STATS = ("n", "total", "low", "high")  # a tally's columns, per group in the scratch table


def _stat_columns() -> list[str]:
    return [f"{stat}{i}" for i in range(len(GROUPS)) for stat in STATS]


def scores_tally(round_: ReviewRound) -> int:
    """Step 1: tally the round's scores into the scratch table: a row per target and
    aspect, with each group's count, sum, lowest and highest side by side; a reopened
    round's earlier tallies join them. Returns the rows.

    Runs in the caller's transaction, one that no submission shares, together with
    `results_write`.
    """
    pg = connection.vendor == "postgresql"
    per_group = ", ".join(
        f"COUNT(*) FILTER (WHERE rater_group = '{g}') AS n{i}, "
        f"SUM(value) FILTER (WHERE rater_group = '{g}') AS total{i}, "
        f"MIN(value) FILTER (WHERE rater_group = '{g}') AS low{i}, "
        f"MAX(value) FILTER (WHERE rater_group = '{g}') AS high{i}"
        for i, g in enumerate(GROUPS)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {SCRATCH}")
        if pg:
            # Memory for the hash aggregate, so it does not spill to disk. As
            # CREATE TABLE AS, PostgreSQL may aggregate with parallel workers (it plans
            # none for an INSERT's SELECT); the keys in an order the index does not
            # give keep it from walking the index in one process instead.
            cursor.execute("SET LOCAL work_mem = '64MB'")
            keys = "dimension, target_id"
        else:
            keys = "target_id, dimension"  # the index's order: no sort
        cursor.execute(
            f"CREATE TEMPORARY TABLE {SCRATCH} AS "
            f"SELECT MIN(unit_id) AS unit_id, target_id, dimension, {per_group} "
            f"FROM reviews_score WHERE round_id = %s GROUP BY {keys}",
            [round_.pk],
        )
        _earlier_tallies(cursor, round_, pg=pg)
        cursor.execute(f"SELECT COUNT(*) FROM {SCRATCH}")
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def _earlier_tallies(cursor: CursorWrapper, round_: ReviewRound, *, pg: bool) -> None:
    """Add the tallies kept by the results of a round closed before (and reopened) to
    the scratch table, in SQL: from their columns, or for the annual evaluation from
    each aspect's JSON (`->`, `->>` work alike in both databases)."""
    annual = round_.cadence == ReviewRound.Cadence.ANNUAL
    if annual:
        figures = "a.value -> 'groups'"
        stats = ", ".join(
            f"COALESCE(CAST({figures} -> '{g}' ->> 'count' AS INTEGER), 0), "
            + ", ".join(
                f"CAST({figures} -> '{g}' ->> '{stat}' AS INTEGER)"
                for stat in ("total", "low", "high")
            )
            for g in GROUPS
        )
    else:
        stats = ", ".join(
            f"r.{g}_{stat}" for g in GROUPS for stat in ("count", "total", "low", "high")
        )
    each = "jsonb_each" if pg else "json_each"
    source = (
        f"reviews_roundresult r, {each}(r.dimensions) AS a" if annual else "reviews_roundresult r"
    )
    aspect = "a.key" if annual else f"'{OVERALL}'"
    columns = ", ".join(["unit_id", "target_id", "dimension", *_stat_columns()])
    cursor.execute(
        f"INSERT INTO {SCRATCH} ({columns}) "
        f"SELECT r.unit_id, r.target_id, {aspect}, {stats} FROM {source} WHERE r.round_id = %s",
        [round_.pk],
    )


def results_write(round_: ReviewRound) -> int:
    """Step 2: every target's result from the tallies, written by one INSERT … SELECT;
    then the round's score rows and the scratch table are dropped. Returns how many."""
    earlier = RoundResult.objects.filter(round=round_)
    sql, params = _results_sql(round_, merge=earlier.exists())
    earlier.delete()
    with connection.cursor() as cursor:
        written = 0
        if sql:
            cursor.execute(sql, params)
            written = int(cursor.rowcount)
        cursor.execute(f"DROP TABLE {SCRATCH}")
        _scores_delete(cursor, round_)
    return written


def _scores_delete(cursor: CursorWrapper, round_: ReviewRound) -> None:
    if connection.vendor == "postgresql":
        cursor.execute(f"DROP TABLE IF EXISTS {_partition(round_.pk)}")
        # Rows of a round opened before partitions existed sit in the default one.
        cursor.execute("DELETE FROM reviews_score WHERE round_id = %s", [round_.pk])
        return
    cursor.execute("SELECT EXISTS (SELECT 1 FROM reviews_score WHERE round_id <> %s)", [round_.pk])
    row = cursor.fetchone()
    if row is not None and not row[0]:
        # No other round is voting: without a WHERE clause SQLite frees the table's
        # pages at once instead of deleting row by row from both indexes.
        cursor.execute("DELETE FROM reviews_score")
    else:
        cursor.execute("DELETE FROM reviews_score WHERE round_id = %s", [round_.pk])


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


def _figures(d: _Dialect, n: str, mean: str, total: str, low: str, high: str) -> str:
    """A group's figures as JSON text: count and mean, and the tally they come from.

    Built by concatenation and parsed once: on PostgreSQL a third of the cost of
    nested jsonb_build_object calls per row. Every part is a number or a fixed code,
    so nothing needs escaping.
    """
    return (
        f"CASE WHEN {n} > 0 THEN "
        f"""'{{"count": ' || {n} || ', "mean": "' || {d.hundredths(mean)} || '", '"""
        f"""|| '"total": ' || {total} || ', "low": ' || {low} || ', "high": ' || {high} """
        """|| '}' ELSE '{"count": 0, "mean": null}' END"""
    )


def _object(pairs: list[tuple[str, str]]) -> str:
    """A JSON object's text from (fixed key, JSON text expression) pairs."""
    inner = " || ', ' || ".join(f"""'"{key}": ' || ({value})""" for key, value in pairs)
    return f"('{{' || {inner} || '}}')"


def _results_sql(round_: ReviewRound, *, merge: bool) -> tuple[str, list[Param | None]]:
    """One INSERT … SELECT over the scratch tallies: group means, weighted score and,
    in the annual evaluation, each aspect's figures.

    The scratch table already has a row per target (and aspect) with the groups side
    by side (there are three), so the weighting is arithmetic on a row.
    """
    plans, masks = _plans(round_)
    if not plans:
        return "", []
    d = _Dialect()
    annual = round_.cadence == ReviewRound.Cadence.ANNUAL
    indexes = range(len(GROUPS))
    plan_marks, plan_params = _values(plans)
    mask_marks, mask_params = _values(masks)
    weight_columns = ", ".join(f"w{i}" for i in indexes)
    used_columns = ", ".join(f"u{i}" for i in indexes)
    source = SCRATCH
    if merge:
        # A reopened round's earlier tallies sit beside the new ones: add them up.
        sums = ", ".join(
            # PostgreSQL sums integers as numeric: back to integers for integer division.
            f"CAST(SUM(n{i}) AS BIGINT) AS n{i}, CAST(SUM(total{i}) AS BIGINT) AS total{i}, "
            f"MIN(low{i}) AS low{i}, MAX(high{i}) AS high{i}"
            for i in indexes
        )
        source = (
            f"(SELECT MIN(unit_id) AS unit_id, target_id, dimension, {sums} "
            f"FROM {SCRATCH} GROUP BY target_id, dimension)"
        )
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

    tallies = ", ".join(f"t.n{i}, t.total{i}, t.low{i}, t.high{i}" for i in indexes)
    means = ", ".join(f"{mean(i)} AS mean{i}" for i in indexes)
    steps = [
        f"pl (unit_type, {weight_columns}) AS (VALUES {plan_marks})",
        f"m (unit_type, mask, wsum, {used_columns}) AS (VALUES {mask_marks})",
        # Per target and aspect: each group's (trimmed) mean in hundredths.
        "dm AS (SELECT t.unit_id, t.target_id, t.dimension AS dim, "
        f"{tallies}, {means} FROM {source} t)",
    ]
    if annual:
        # Per group over the aspects: the raters' count and the mean of the means.
        over = ", ".join(
            f"MAX(n{i}) AS n{i}, CAST(SUM(total{i}) AS BIGINT) AS total{i}, "
            f"MIN(low{i}) AS low{i}, MAX(high{i}) AS high{i}, "
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

    mask, wmean, _wsum = weighing("gm")
    steps.append(
        f"q AS (SELECT gm.*, pl.unit_type, {mask} AS mask, {wmean} AS wmean "
        "FROM gm JOIN org_unit u ON u.id = gm.unit_id JOIN pl ON pl.unit_type = u.unit_type)"
    )

    def groups_of(alias: str) -> str:
        return _object(
            [
                (
                    g,
                    _figures(
                        d,
                        f"{alias}.n{i}",
                        f"{alias}.mean{i}",
                        f"{alias}.total{i}",
                        f"{alias}.low{i}",
                        f"{alias}.high{i}",
                    ),
                )
                for i, g in enumerate(GROUPS)
            ]
        )

    dimensions = d.empty()
    join_dimensions = ""
    if annual:
        _mask, dwmean, dwsum = weighing("dm")
        score = d.hundredths(f"(2 * ({dwmean}) + ({dwsum})) / (2 * ({dwsum}))")
        aspect = _object(
            [
                (
                    "score",
                    f"""CASE WHEN ({dwsum}) > 0 THEN '"' || {score} || '"' ELSE 'null' END""",
                ),
                ("groups", groups_of("dm")),
            ]
        )
        steps.append(
            f"dims AS (SELECT dm.unit_id, dm.target_id, {d.text_object('dm.dim', aspect)} AS dims "
            "FROM dm JOIN org_unit u ON u.id = dm.unit_id JOIN pl ON pl.unit_type = u.unit_type "
            "WHERE dm.dim <> '' GROUP BY dm.unit_id, dm.target_id)"
        )
        dimensions = d.parse("COALESCE(dims.dims, '{}')")
        join_dimensions = (
            " LEFT JOIN dims ON dims.unit_id = q.unit_id AND dims.target_id = q.target_id"
        )
    raters = " + ".join(f"q.n{i}" for i in indexes)
    columns = ["round_id", "unit_id", "target_id", "score", "rater_count", "dimensions"]
    values = [
        "%s",
        "q.unit_id",
        "q.target_id",
        "CASE WHEN m.wsum > 0 THEN " + d.decimal("(2 * q.wmean + m.wsum) / (2 * m.wsum)") + " END",
        raters,
        dimensions,
    ]
    for i, g in enumerate(GROUPS):
        for stat, value in (
            ("count", f"q.n{i}"),
            ("total", f"q.total{i}"),
            ("low", f"q.low{i}"),
            ("high", f"q.high{i}"),
            ("mean", f"q.mean{i}"),
            ("weight", f"m.u{i}"),
        ):
            columns.append(f"{g}_{stat}")
            values.append(value)
    sql = (
        f"INSERT INTO reviews_roundresult ({', '.join(columns)}) "
        "WITH " + ", ".join(steps) + " "
        f"SELECT {', '.join(values)} "
        "FROM q JOIN m ON m.unit_type = q.unit_type AND m.mask = q.mask" + join_dimensions
    )
    params.append(round_.pk)
    return sql, params
