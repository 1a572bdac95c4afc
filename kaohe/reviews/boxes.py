"""Folding submitted ballots into ballot boxes and tallies (decision 31).

A ballot leaves no row of its own. It is added to the box of its (round, unit, rater
group): while the group has cast at most k valid ballots the box's whole tally is
sealed (`kaohe.reviews.seal`); the ballot that brings it to k + 1 opens the box into
plain `Tally` rows, one per target and aspect, each then holding at least k scores
(a member of the group does not rate themselves); later ballots are added to those
rows in place. Closing the round opens the boxes that are still sealed.

`ballot_fold` is the one-ballot path of `services.ballot_submit`; `ballots_fold` does
the same for many ballots at once (the demo, the benchmarks) and gives the same rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection

from kaohe.core import sql
from kaohe.reviews.models import BallotBox, ReviewRound, Tally
from kaohe.reviews.seal import BoxTally, seal, unseal

Key = tuple[int, str]  # (target person id, aspect)
BATCH_SIZE = 5000
VALUES_BATCH = 1000  # rows per multi-row statement: 9,000 parameters, within both limits


@dataclass(frozen=True)
class CastBallot:
    """A ballot as the services see it: whom it covers and what it gives (None: void)."""

    unit_id: int
    group: str
    sheet: Sequence[Key]
    values: dict[Key, int] | None


def opens_at(round_: ReviewRound) -> int:
    """Valid ballots that open a box: k + 1, so that every target's tally in the group
    (which misses at most the target's own ballot) holds at least k scores."""
    return max(3, round_.min_shown) + 1


def ballot_fold(round_: ReviewRound, ballot: CastBallot) -> None:
    """Add one ballot to its box, in the caller's transaction (which has locked the
    round, so no other ballot of the round is folded at the same time)."""
    box, _created = BallotBox.objects.get_or_create(
        round_id=round_.pk, unit_id=ballot.unit_id, rater_group=ballot.group
    )
    if box.sealed is None and box.valid is not None:
        _add_to_open_box(round_, box, ballot)
        return
    tally = (
        unseal(box.sealed, round_id=round_.pk, unit_id=box.unit_id, group=box.rater_group)
        if box.sealed is not None
        else BoxTally()
    )
    tally.add_ballot(list(ballot.sheet), ballot.values)
    if tally.valid >= opens_at(round_):
        _open(round_, box, tally)
    else:
        box.sealed = seal(tally, round_id=round_.pk, unit_id=box.unit_id, group=box.rater_group)
        box.save(update_fields=["sealed"])


def ballots_fold(round_: ReviewRound, ballots: Iterable[CastBallot]) -> None:
    """Fold many ballots into the boxes of a round that has none yet, in bulk: the
    same boxes and tallies as submitting them one by one, in any order."""
    assert not BallotBox.objects.filter(round=round_).exists(), "only into an empty round"
    tallies: dict[tuple[int, str], BoxTally] = {}
    for ballot in ballots:
        tallies.setdefault((ballot.unit_id, ballot.group), BoxTally()).add_ballot(
            list(ballot.sheet), ballot.values
        )
    threshold = opens_at(round_)
    boxes = []
    open_rows: list[list[Any]] = []
    for (unit_id, group), tally in sorted(tallies.items()):
        if tally.valid >= threshold:
            boxes.append(
                BallotBox(
                    round=round_,
                    unit_id=unit_id,
                    rater_group=group,
                    valid=tally.valid,
                    void=tally.void,
                )
            )
            open_rows += _tally_rows(round_, unit_id, group, tally)
        else:
            boxes.append(
                BallotBox(
                    round=round_,
                    unit_id=unit_id,
                    rater_group=group,
                    sealed=seal(tally, round_id=round_.pk, unit_id=unit_id, group=group),
                )
            )
    BallotBox.objects.bulk_create(boxes, batch_size=BATCH_SIZE)
    _insert_tallies(open_rows)


def boxes_open_all(round_: ReviewRound) -> int:
    """At close: open every box still sealed into plain tallies. Returns how many.

    Set-based: one multi-row INSERT per batch of tallies and one UPDATE … FROM VALUES
    per batch of boxes (a per-box UPDATE, or Django's CASE-per-row bulk_update, cost
    minutes for a city's eight thousand leaders' boxes).
    """
    rows: list[list[Any]] = []
    opened: list[list[Any]] = []
    for box_id, unit_id, group, sealed in (
        BallotBox.objects.filter(round=round_, sealed__isnull=False)
        .values_list("pk", "unit_id", "rater_group", "sealed")
        .iterator(chunk_size=BATCH_SIZE)
    ):
        assert sealed is not None
        tally = unseal(sealed, round_id=round_.pk, unit_id=unit_id, group=group)
        opened.append([box_id, tally.valid, tally.void])
        rows += _tally_rows(round_, unit_id, group, tally)
    _insert_tallies(rows)
    table = sql.table(BallotBox)
    with connection.cursor() as cursor:
        for start in range(0, len(opened), VALUES_BATCH):
            batch = opened[start : start + VALUES_BATCH]
            marks = ", ".join(["(%s, %s, %s)"] * len(batch))
            # Columns from the model, values as parameters.
            cursor.execute(
                f"WITH v (id, valid, void) AS (VALUES {marks}) "  # noqa: S608
                f"UPDATE {table} SET sealed = NULL, valid = v.valid, void = v.void "
                f"FROM v WHERE {table}.id = v.id",
                [value for row in batch for value in row],
            )
    return len(opened)


# ------------------------------------------------------------------------ internals

_COLUMNS = [
    "round_id",
    "unit_id",
    "target_id",
    "rater_group",
    "dimension",
    "count",
    "total",
    "low",
    "high",
]


def _tally_rows(round_: ReviewRound, unit_id: int, group: str, tally: BoxTally) -> list[list[Any]]:
    # Targets covered only by void ballots get rows too (count 0), so whether a result
    # exists never tells whether a small group's ballots were void.
    return [
        [round_.pk, unit_id, target, group, aspect, e.count, e.total, e.low, e.high]
        for (target, aspect), e in sorted(tally.entries.items())
    ]


def _insert_tallies(rows: list[list[Any]]) -> None:
    """Multi-row INSERTs: a city's close inserts a hundred thousand tallies, and
    executemany sends them one statement per row."""
    if not rows:
        return
    names = ", ".join(sql.column(Tally, c) for c in _COLUMNS)
    row_marks = "(" + ", ".join(["%s"] * len(_COLUMNS)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), VALUES_BATCH):
            batch = rows[start : start + VALUES_BATCH]
            marks = ", ".join([row_marks] * len(batch))
            cursor.execute(
                f"INSERT INTO {sql.table(Tally)} ({names}) VALUES {marks}",  # noqa: S608
                [value for row in batch for value in row],
            )


def _open(round_: ReviewRound, box: BallotBox, tally: BoxTally) -> None:
    _insert_tallies(_tally_rows(round_, box.unit_id, box.rater_group, tally))
    box.sealed, box.valid, box.void = None, tally.valid, tally.void
    box.save(update_fields=["sealed", "valid", "void"])


def _add_to_open_box(round_: ReviewRound, box: BallotBox, ballot: CastBallot) -> None:
    """One statement for the ballot's scores: an upsert that adds each to its row."""
    assert box.valid is not None and box.void is not None
    if ballot.values is None:
        box.void += 1
        box.save(update_fields=["void"])
        return
    box.valid += 1
    box.save(update_fields=["valid"])
    least, greatest = ("LEAST", "GREATEST") if connection.vendor == "postgresql" else ("MIN", "MAX")
    table = sql.table(Tally)
    names = ", ".join(sql.column(Tally, c) for c in _COLUMNS)
    rows: list[list[Any]] = [
        [round_.pk, ballot.unit_id, target, ballot.group, aspect, 1, value, value, value]
        for (target, aspect), value in ballot.values.items()
    ]
    marks = ", ".join(["(" + ", ".join(["%s"] * len(_COLUMNS)) + ")"] * len(rows))
    statement = (
        f"INSERT INTO {table} ({names}) VALUES {marks} "  # noqa: S608
        "ON CONFLICT (round_id, target_id, rater_group, dimension) DO UPDATE SET "
        f"count = {table}.count + 1, total = {table}.total + excluded.total, "
        f"low = CASE WHEN {table}.count = 0 THEN excluded.low "
        f"ELSE {least}({table}.low, excluded.low) END, "
        f"high = CASE WHEN {table}.count = 0 THEN excluded.high "
        f"ELSE {greatest}({table}.high, excluded.high) END"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [v for row in rows for v in row])
