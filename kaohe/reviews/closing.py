"""Closing a round in the database: fold the scores into tallies, compute the results.

Both steps are set-based SQL, so millions of scores never travel to Python. The
arithmetic is the pure reference in `kaohe.reviews.tally` done in integers
(hundredths, rounded half up), so both give the same figures to the cent; a test
holds them to that.

PostgreSQL keeps each open round's score rows in a partition of their own (migration
0005), so deleting them after the fold is dropping a table. SQLite has one plain table.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from itertools import combinations

from django.db import connection

from kaohe.org.models import Unit
from kaohe.reviews.models import ReviewRound, RoundResult, ScoreTally
from kaohe.reviews.tally import effective_weights

Param = int | str
FOUR_PLACES = Decimal("0.0001")


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


def scores_fold(round_: ReviewRound) -> int:
    """Fold the round's score rows into tallies and delete them; returns the tallies
    written or updated.

    A round closed before (and reopened) already has tallies: the new scores are
    added to them. Runs in the caller's transaction, a new one after the close, so
    the tallies share no transaction id with any submission.
    """
    low, high = ("LEAST", "GREATEST") if connection.vendor == "postgresql" else ("MIN", "MAX")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO reviews_scoretally "  # noqa: S608 (constants; values are parameters)
            "(round_id, unit_id, target_id, rater_group, dimension, count, total, low, high) "
            "SELECT round_id, unit_id, target_id, rater_group, dimension, "
            "COUNT(*), SUM(value), MIN(value), MAX(value) "
            "FROM reviews_score WHERE round_id = %s "
            "GROUP BY round_id, unit_id, target_id, rater_group, dimension "
            "ON CONFLICT (round_id, target_id, rater_group, dimension) DO UPDATE SET "
            "count = reviews_scoretally.count + excluded.count, "
            "total = reviews_scoretally.total + excluded.total, "
            f"low = {low}(reviews_scoretally.low, excluded.low), "
            f"high = {high}(reviews_scoretally.high, excluded.high)",
            [round_.pk],
        )
        folded = int(cursor.rowcount)
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP TABLE IF EXISTS {_partition(round_.pk)}")
        # What is left: the whole round on SQLite; on PostgreSQL rows that went to the
        # default partition (a round opened before partitions existed), usually none.
        cursor.execute("DELETE FROM reviews_score WHERE round_id = %s", [round_.pk])
    return folded


def _plan_rows(round_: ReviewRound) -> tuple[list[Param], str, list[Param], str]:
    """The rater plans as two inline tables: (unit type, group, weight, bit) and, for
    every unit type and mask of groups with scores, the weight those groups share and
    the effective weights as the JSON the results store."""
    from kaohe.reviews.services import plan_for

    unit_types = sorted(
        set(
            Unit.objects.filter(pk__in=round_.units.values("unit_id")).values_list(
                "unit_type", flat=True
            )
        )
    )
    weight_params: list[Param] = []
    mask_params: list[Param] = []
    for unit_type in unit_types:
        weights = plan_for(round_.region_id, unit_type).weights()
        bits = {group: 1 << i for i, group in enumerate(weights)}
        for group, weight in weights.items():
            weight_params += [unit_type, str(group), int(weight), bits[group]]
        for size in range(len(weights) + 1):
            for present in combinations(weights, size):
                used = effective_weights(weights, set(present))
                mask_params += [
                    unit_type,
                    sum(bits[g] for g in present),
                    int(sum(weights[g] for g in used)),
                    json.dumps(
                        {
                            str(g): str(w.quantize(FOUR_PLACES, ROUND_HALF_UP))
                            for g, w in used.items()
                        }
                    ),
                ]
    weight_values = ", ".join(["(%s, %s, %s, %s)"] * (len(weight_params) // 4))
    mask_values = ", ".join(["(%s, %s, %s, %s)"] * (len(mask_params) // 4))
    return weight_params, weight_values, mask_params, mask_values


class _Dialect:
    """The few spellings that differ between PostgreSQL and SQLite."""

    def __init__(self) -> None:
        self.pg = connection.vendor == "postgresql"

    def obj(self, *pairs: str) -> str:
        return f"{'jsonb_build_object' if self.pg else 'json_object'}({', '.join(pairs)})"

    def group_obj(self, key: str, value: str) -> str:
        return f"{'jsonb_object_agg' if self.pg else 'json_group_object'}({key}, {value})"

    def embed(self, column: str) -> str:
        """A JSON value from another step, embedded as JSON rather than as text."""
        return column if self.pg else f"json({column})"

    def parse(self, column: str) -> str:
        return f"CAST({column} AS jsonb)" if self.pg else column

    def hundredths(self, column: str) -> str:
        """An integer number of hundredths as text with two decimals: 8850 → '88.50'."""
        if self.pg:
            return f"CAST(CAST({column} AS numeric) / 100 AS numeric(8, 2))::text"
        return f"printf('%%.2f', {column} / 100.0)"

    def decimal(self, column: str) -> str:
        if self.pg:
            return f"CAST(CAST({column} AS numeric) / 100 AS numeric(6, 2))"
        return f"{column} / 100.0"

    def empty(self) -> str:
        return "'{}'::jsonb" if self.pg else "'{}'"


def results_compute(round_: ReviewRound) -> int:
    """Every target's group means, weighted score and (annual round) dimension figures,
    written by one INSERT … SELECT over the round's tallies; returns how many."""
    weight_params, weight_values, mask_params, mask_values = _plan_rows(round_)
    if not weight_params:
        RoundResult.objects.filter(round=round_).delete()
        return 0
    d = _Dialect()
    annual = round_.cadence == ReviewRound.Cadence.ANNUAL
    # A target's figures in one group and dimension: trimmed mean in hundredths.
    trim = "t.count > %s AND t.count > 2"
    steps = [
        f"w (unit_type, grp, weight, bit) AS (VALUES {weight_values})",
        f"m (unit_type, mask, wsum, used) AS (VALUES {mask_values})",
        "dm AS (SELECT t.unit_id, t.target_id, t.rater_group AS grp, t.dimension AS dim, "  # noqa: S608 (constants; values are parameters)
        "t.count AS n, "
        f"(2 * 100 * CAST(CASE WHEN {trim} THEN t.total - t.low - t.high ELSE t.total END "
        "AS BIGINT) "
        f"+ (CASE WHEN {trim} THEN t.count - 2 ELSE t.count END)) "
        f"/ (2 * (CASE WHEN {trim} THEN t.count - 2 ELSE t.count END)) AS mean "
        "FROM reviews_scoretally t WHERE t.round_id = %s)",
        # Per group over the dimensions: the raters' count and the mean of the means.
        "gm AS (SELECT unit_id, target_id, grp, MAX(n) AS n, "
        "(2 * CAST(SUM(mean) AS BIGINT) + COUNT(*)) / (2 * COUNT(*)) AS mean "
        "FROM dm GROUP BY unit_id, target_id, grp)",
        "tg AS (SELECT DISTINCT gm.unit_id, gm.target_id, u.unit_type FROM gm "
        "JOIN org_unit u ON u.id = gm.unit_id)",
        # Every group of the plan for every target, with its figures where it has any.
        "full_ AS (SELECT tg.unit_id, tg.target_id, tg.unit_type, w.grp, w.weight, w.bit, "
        "COALESCE(gm.n, 0) AS n, gm.mean FROM tg JOIN w ON w.unit_type = tg.unit_type "
        "LEFT JOIN gm ON gm.unit_id = tg.unit_id AND gm.target_id = tg.target_id "
        "AND gm.grp = w.grp)",
        "agg AS (SELECT unit_id, target_id, unit_type, "  # noqa: S608 (constants; values are parameters)
        "SUM(CASE WHEN n > 0 AND weight > 0 THEN bit ELSE 0 END) AS mask, "
        # PostgreSQL sums bigints as numeric: back to integers, for integer division.
        "CAST(SUM(CASE WHEN n > 0 AND weight > 0 THEN weight * mean ELSE 0 END) AS BIGINT) "
        "AS wmean, "
        "SUM(n) AS raters, "
        + d.group_obj(
            "grp",
            d.obj("'count'", "n", "'mean'", f"CASE WHEN n > 0 THEN {d.hundredths('mean')} END"),
        )
        + " AS groups FROM full_ GROUP BY unit_id, target_id, unit_type)",
    ]
    params: list[Param] = [*weight_params, *mask_params, *([round_.trim_above] * 3), round_.pk]
    dimensions = d.empty()
    join_dimensions = ""
    if annual:
        steps += [
            "dd AS (SELECT dm.unit_id, dm.target_id, dm.dim, "  # noqa: S608 (constants; values are parameters)
            "CAST(SUM(CASE WHEN w.weight > 0 THEN w.weight * dm.mean ELSE 0 END) AS BIGINT) "
            "AS wmean, "
            "CAST(SUM(CASE WHEN w.weight > 0 THEN w.weight ELSE 0 END) AS BIGINT) AS wsum, "
            + d.group_obj("dm.grp", d.obj("'count'", "dm.n", "'mean'", d.hundredths("dm.mean")))
            + " AS groups FROM dm JOIN tg ON tg.unit_id = dm.unit_id "
            "AND tg.target_id = dm.target_id "
            "JOIN w ON w.unit_type = tg.unit_type AND w.grp = dm.grp "
            "GROUP BY dm.unit_id, dm.target_id, dm.dim)",
            "dims AS (SELECT unit_id, target_id, "  # noqa: S608 (constants; values are parameters)
            + d.group_obj(
                "dim",
                d.obj(
                    "'score'",
                    "CASE WHEN wsum > 0 THEN "
                    + d.hundredths("(2 * wmean + wsum) / (2 * wsum)")
                    + " END",
                    "'groups'",
                    d.embed("groups"),
                ),
            )
            + " AS dims FROM dd WHERE dim <> '' GROUP BY unit_id, target_id)",
        ]
        dimensions = f"COALESCE({d.embed('dims.dims')}, {d.empty()})"
        join_dimensions = (
            "LEFT JOIN dims ON dims.unit_id = agg.unit_id AND dims.target_id = agg.target_id "
        )
    sql = (
        "INSERT INTO reviews_roundresult (round_id, unit_id, target_id, score, groups, "
        "weights, rater_count, dimensions) "
        "WITH " + ", ".join(steps) + " "
        "SELECT %s, agg.unit_id, agg.target_id, "
        "CASE WHEN m.wsum > 0 THEN "
        + d.decimal("(2 * agg.wmean + m.wsum) / (2 * m.wsum)")
        + f" END, {d.embed('agg.groups')}, {d.parse('m.used')}, agg.raters, {dimensions} "
        "FROM agg JOIN m ON m.unit_type = agg.unit_type AND m.mask = agg.mask " + join_dimensions
    )
    params.append(round_.pk)
    RoundResult.objects.filter(round=round_).delete()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)


def tallies_of(round_: ReviewRound) -> Sequence[ScoreTally]:
    """The round's tallies (for tests and audits: counts and sums, no ballot)."""
    return list(ScoreTally.objects.filter(round=round_))
