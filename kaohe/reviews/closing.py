"""Closing a round in the database: open the sealed boxes into scratch tables, write
the results, drop the boxes — in the caller's one transaction (decision 31).

The boxes are opened in Python (they are sealed) and their tallies loaded into a
temporary table in bulk (`sql.load`: COPY on PostgreSQL); everything after that is set-based SQL.
The arithmetic is the pure reference in `kaohe.reviews.tally` done in integers
(hundredths, rounded half up), so both give the same figures to the cent; a test
holds them to that.

What a closed round keeps (decision 31): per target the weighted score, where at
least k scores of the groups that count rated the target and the score cannot be
taken apart; per rater group its count, mean and weight, only where the group gave at
least k scores and is not hidden so that another hidden group could be subtracted
from the score. Nothing else of the ballots survives the close.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from itertools import combinations
from typing import Any

from django.db import connection

from kaohe.core import sql
from kaohe.reviews.boxes import boxes_open
from kaohe.reviews.models import (
    BallotBox,
    Participation,
    RaterGroup,
    ReviewRound,
    RoundResult,
    RoundUnit,
)
from kaohe.reviews.tally import effective_weights

Param = int | str
FOUR_PLACES = Decimal("0.0001")
GROUPS = [str(g) for g in RaterGroup]  # the plan's order: leader, team, others
SCRATCH = "kaohe_tally"  # temporary tables, private to the connection
BOXES = "kaohe_boxes"
STATS = ("n", "total", "low", "high")  # per group: count, sum, lowest, highest
BATCH = 1000


def round_results(round_: ReviewRound) -> int:
    """Open the boxes, write every result and delete the boxes. Returns the results.

    Runs in the caller's transaction with the state change, so a close is all or
    nothing: killed at any moment, the round is still open with every ballot in it.
    """
    scores_tally(round_)
    statement, params = _results_sql(round_)
    with connection.cursor() as cursor:
        written = 0
        if statement:
            cursor.execute(statement, params)
            written = int(cursor.rowcount)
        cursor.execute(f"DROP TABLE {SCRATCH}")
        cursor.execute(f"DROP TABLE {BOXES}")
    _boxes_delete(round_)
    return written


def _boxes_delete(round_: ReviewRound) -> None:
    BallotBox.objects.filter(round=round_).delete()


def scores_tally(round_: ReviewRound) -> int:
    """The opened boxes side by side in two scratch tables: a row per target and aspect
    with each group's tally (count, sum, lowest, highest), and a row per unit
    with each group's ballots. Returns the rows of the first."""
    rows: dict[tuple[int, int, str], list[int | None]] = {}
    cast: dict[int, list[int]] = {}
    width = len(STATS)
    for unit_id, group, tally in boxes_open(round_):
        i = GROUPS.index(group)
        cast.setdefault(unit_id, [0] * len(GROUPS))[i] += tally.ballots
        for (target, aspect), e in tally.entries.items():
            row = rows.setdefault((unit_id, target, aspect), [0, None, None, None] * len(GROUPS))
            row[i * width : (i + 1) * width] = [e.count, e.total, e.low, e.high]
    columns = [f"{stat}{i}" for i in range(len(GROUPS)) for stat in STATS]
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {SCRATCH}")
        cursor.execute(f"DROP TABLE IF EXISTS {BOXES}")
        typed = ", ".join(f"{c} BIGINT" for c in columns)
        cursor.execute(
            f"CREATE TEMPORARY TABLE {SCRATCH} "
            f"(unit_id BIGINT, target_id BIGINT, dimension VARCHAR(8), {typed})"
        )
        cast_columns = [f"b{i}" for i in range(len(GROUPS))]
        cursor.execute(
            f"CREATE TEMPORARY TABLE {BOXES} "
            f"(unit_id BIGINT, {', '.join(f'{c} BIGINT' for c in cast_columns)})"
        )
        sql.load(
            cursor,
            SCRATCH,
            ["unit_id", "target_id", "dimension", *columns],
            ([u, t, d, *row] for (u, t, d), row in rows.items()),
        )
        sql.load(cursor, BOXES, ["unit_id", *cast_columns], ([u, *b] for u, b in cast.items()))
    return len(rows)


def _values(rows: list[list[Any]]) -> tuple[str, list[Any]]:
    """An inline table: its VALUES placeholders and their parameters."""
    width = len(rows[0])
    marks = ", ".join(["(" + ", ".join(["%s"] * width) + ")"] * len(rows))
    return marks, [value for row in rows for value in row]


def _masks(round_: ReviewRound) -> list[list[Param | None]]:
    """For every set of weights the round's units were given when voting opened and
    every mask of groups with scores, as an inline table: the weights, the mask, the
    weight those groups share and each group's effective weight in ten-thousandths
    (NULL where it does not count)."""
    triples = sorted(set(round_.units.values_list("leader_weight", "team_weight", "others_weight")))
    masks: list[list[Param | None]] = []
    for triple in triples:
        weights = {g: Decimal(w or 0) for g, w in zip(GROUPS, triple, strict=True)}
        for size in range(len(GROUPS) + 1):
            for present in combinations(range(len(GROUPS)), size):
                used = effective_weights(weights, {GROUPS[i] for i in present})
                masks.append(
                    [
                        *(int(weights[g]) for g in GROUPS),
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
    return masks


def _text_object(key: str, value: str) -> str:
    """An aggregate: the JSON text of an object from a key column (a fixed code) and a
    JSON text value per row. Text all the way, parsed once at the end (`sql.text_agg`)."""
    pairs = sql.text_agg(f"""'"' || {key} || '": ' || ({value})""", "', '")
    return f"""('{{' || {pairs} || '}}')"""


def _figures(shown: str, n: str, mean: str) -> str:
    """A group's figures as JSON text: count and mean where `shown`, nulls otherwise.

    Built by concatenation and parsed once: on PostgreSQL a third of the cost of
    nested jsonb_build_object calls per row. Every part is a number or a fixed code,
    so nothing needs escaping.
    """
    return (
        f"CASE WHEN {shown} THEN "
        f"""'{{"count": ' || {n} || ', "mean": "' || {sql.hundredths_text(mean)} || '"}}' """
        """ELSE '{"count": null, "mean": null}' END"""
    )


def _object(pairs: list[tuple[str, str]]) -> str:
    """A JSON object's text from (fixed key, JSON text expression) pairs."""
    inner = " || ', ' || ".join(f"""'"{key}": ' || ({value})""" for key, value in pairs)
    return f"('{{' || {inner} || '}}')"


def _candidate(alias: str, i: int) -> str:
    """Group i counts in the score and is shown, so it could be hidden as the second."""
    return f"({alias}.s{i} = 0 AND {alias}.n{i} > 0 AND {alias}.w{i} > 0)"


def _too_few_hidden(alias: str) -> str:
    """The groups that count in the score and are hidden hold between 1 and k − 1
    scores together: the score less the shown groups would be a figure on them."""
    hidden = " + ".join(
        f"(CASE WHEN {alias}.s{j} = 1 AND {alias}.w{j} > 0 THEN {alias}.n{j} ELSE 0 END)"
        for j in range(len(GROUPS))
    )
    return f"({hidden}) BETWEEN 1 AND {alias}.k_ - 1"


def _hidden(alias: str, i: int) -> str:
    """Whether group i is hidden for a row of `alias` (columns s, n, w per group): it
    gave the target fewer than k scores (s), or it is the smallest other group that
    counts in the score where the hidden groups that count hold fewer than k scores
    together, so that the score cannot be taken apart by subtraction
    (`tally.suppression`, the reference). A shown group holds k scores or more, so one
    more hidden group always suffices."""
    indexes = range(len(GROUPS))
    others = " AND ".join(
        f"NOT ({_candidate(alias, j)} AND ({alias}.n{j} < {alias}.n{i}"
        + (f" OR {alias}.n{j} = {alias}.n{i}" if j < i else "")
        + "))"
        for j in indexes
        if j != i
    )
    chosen = f"{_candidate(alias, i)} AND {others}"
    return (
        f"CASE WHEN {alias}.s{i} = 1 OR (({_too_few_hidden(alias)}) AND {chosen}) THEN 1 ELSE 0 END"
    )


def _withheld(alias: str) -> str:
    """The score is withheld: the hidden groups that count hold fewer than k scores and
    no other group that counts can be hidden with them."""
    candidates = " OR ".join(_candidate(alias, j) for j in range(len(GROUPS)))
    return f"(({_too_few_hidden(alias)}) AND NOT ({candidates}))"


def _results_sql(round_: ReviewRound) -> tuple[str, list[Param | None]]:
    """One INSERT … SELECT over the scratch tallies: group means, weighted score and,
    in the annual evaluation, each aspect's figures, with the anonymity rule applied
    (decision 31): only what rests on at least k ballots is written.

    The scratch table already has a row per target (and aspect) with the groups side
    by side (there are three), so the weighting is arithmetic on a row.
    """
    masks = _masks(round_)
    if not masks:
        return "", []
    k = max(3, round_.min_shown)
    annual = round_.cadence == ReviewRound.Cadence.ANNUAL
    indexes = range(len(GROUPS))
    mask_marks, mask_params = _values(masks)
    weight_columns = ", ".join(f"w{i}" for i in indexes)
    used_columns = ", ".join(f"u{i}" for i in indexes)
    params: list[Param | None] = [*mask_params]

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

    counts = ", ".join(f"t.n{i}" for i in indexes)
    means = ", ".join(f"{mean(i)} AS mean{i}" for i in indexes)
    steps = [
        f"m ({weight_columns}, mask, wsum, {used_columns}) AS (VALUES {mask_marks})",
        # Per target and aspect: each group's count and (trimmed) mean in hundredths.
        f"dm AS (SELECT t.unit_id, t.target_id, t.dimension AS dim, {counts}, {means} "  # noqa: S608
        f"FROM {SCRATCH} t)",
    ]
    if annual:
        # Per group over the aspects: the raters' count and the mean of the means.
        over = ", ".join(
            f"MAX(n{i}) AS n{i}, "
            f"(2 * CAST(SUM(mean{i}) AS BIGINT) + COUNT(mean{i})) / "
            f"(2 * NULLIF(COUNT(mean{i}), 0)) AS mean{i}"
            for i in indexes
        )
        steps.append(
            f"gm AS (SELECT unit_id, target_id, {over} FROM dm GROUP BY unit_id, target_id)"  # noqa: S608
        )
    else:
        steps.append("gm AS (SELECT * FROM dm)")

    def weighing(alias: str, weight: list[str]) -> list[str]:
        """The mask of groups that count and Σ weight × mean, for rows of `alias`, with
        each group's weight from the expressions `weight`."""
        live = [f"({alias}.n{i} > 0 AND {weight[i]} > 0)" for i in indexes]
        mask = " + ".join(f"(CASE WHEN {c} THEN {1 << i} ELSE 0 END)" for i, c in enumerate(live))
        wmean = " + ".join(
            f"(CASE WHEN {c} THEN {weight[i]} * {alias}.mean{i} ELSE 0 END)"
            for i, c in enumerate(live)
        )
        wsum = " + ".join(
            f"(CASE WHEN {c} THEN {weight[i]} ELSE 0 END)" for i, c in enumerate(live)
        )
        return [mask, wmean, wsum]

    ru, pa = RoundUnit, Participation
    # Each unit's weights as fixed when voting opened.
    fixed = [f"ru.{sql.column(ru, f'{g}_weight')}" for g in GROUPS]

    # Per target: which groups gave it fewer than k scores (s), and how many ballots
    # covered it, from the boxes, as participation tells (a rater does not rate
    # themselves).
    mask, wmean, _wsum = weighing("gm", fixed)
    small = ", ".join(
        f"CASE WHEN gm.n{i} > 0 AND gm.n{i} < {k} THEN 1 ELSE 0 END AS s{i}" for i in indexes
    )
    cast = " + ".join(f"COALESCE(bx.b{i}, 0)" for i in indexes)
    weights = ", ".join(f"{fixed[i]} AS w{i}" for i in indexes)
    params.append(round_.pk)
    steps.append(
        f"hb AS (SELECT gm.*, {weights}, {k} AS k_, {mask} AS mask, {wmean} AS wmean, "  # noqa: S608
        f"{small}, {cast} - CASE WHEN p.{sql.column(pa, 'id')} IS NULL THEN 0 ELSE 1 END AS cast_ "
        f"FROM gm JOIN {sql.table(ru)} ru "
        f"ON ru.{sql.column(ru, 'round')} = %s AND ru.{sql.column(ru, 'unit')} = gm.unit_id "
        f"LEFT JOIN {BOXES} bx ON bx.unit_id = gm.unit_id "
        f"LEFT JOIN {sql.table(pa)} p "
        f"ON p.{sql.column(pa, 'round')} = %s AND p.{sql.column(pa, 'unit')} = gm.unit_id "
        f"AND p.{sql.column(pa, 'rater')} = gm.target_id)"
    )
    params.append(round_.pk)
    hide = ", ".join(f"{_hidden('hb', i)} AS h{i}" for i in indexes)
    steps.append(
        f"q AS (SELECT hb.*, {hide}, CASE WHEN {_withheld('hb')} THEN 1 ELSE 0 END AS wh FROM hb)"  # noqa: S608
    )

    def shown(alias: str, i: int) -> str:
        return f"q.h{i} = 0 AND {alias}.n{i} >= {k}"

    dimensions = sql.json_empty_object()
    join_dimensions = ""
    if annual:
        _mask, dwmean, dwsum = weighing("dm", [f"q.w{i}" for i in indexes])
        score = sql.hundredths_text(f"(2 * ({dwmean}) + ({dwsum})) / (2 * ({dwsum}))")
        enough = (
            " + ".join(f"(CASE WHEN q.w{i} > 0 THEN dm.n{i} ELSE 0 END)" for i in indexes)
            + f" >= {k} AND q.wh = 0"
        )
        groups = _object(
            [(g, _figures(shown("dm", i), f"dm.n{i}", f"dm.mean{i}")) for i, g in enumerate(GROUPS)]
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
            f"dims AS (SELECT dm.unit_id, dm.target_id, {_text_object('dm.dim', aspect)} AS dims "  # noqa: S608
            "FROM dm JOIN q ON q.unit_id = dm.unit_id AND q.target_id = dm.target_id "
            "WHERE dm.dim <> '' GROUP BY dm.unit_id, dm.target_id)"
        )
        dimensions = sql.json_parse("COALESCE(dims.dims, '{}')")
        join_dimensions = (
            " LEFT JOIN dims ON dims.unit_id = q.unit_id AND dims.target_id = q.target_id"
        )
    # At least k scores from the groups that count, and a score that cannot be taken
    # apart.
    enough = (
        " + ".join(f"(CASE WHEN q.w{i} > 0 THEN q.n{i} ELSE 0 END)" for i in indexes)
        + f" >= {k} AND q.wh = 0"
    )
    columns = ["round", "unit", "target", "score", "rater_count", "dimensions"]
    values = [
        "%s",
        "q.unit_id",
        "q.target_id",
        f"CASE WHEN m.wsum > 0 AND {enough} THEN "
        + sql.hundredths_decimal("(2 * q.wmean + m.wsum) / (2 * m.wsum)")
        + " END",
        "q.cast_",
        dimensions,
    ]
    for i, g in enumerate(GROUPS):
        for stat, value in (("count", f"q.n{i}"), ("mean", f"q.mean{i}"), ("weight", f"m.u{i}")):
            columns.append(f"{g}_{stat}")
            values.append(f"CASE WHEN {shown('q', i)} THEN {value} END")
    statement = (
        f"INSERT INTO {sql.table(RoundResult)} ({sql.columns(RoundResult, columns)}) "
        "WITH " + ", ".join(steps) + " "  # noqa: S608
        f"SELECT {', '.join(values)} "
        "FROM q JOIN m ON m.w0 = q.w0 AND m.w1 = q.w1 AND m.w2 = q.w2 AND m.mask = q.mask"
        + join_dimensions
    )
    params.append(round_.pk)
    return statement, params
