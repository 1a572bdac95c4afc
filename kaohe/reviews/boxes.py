"""Folding submitted ballots into sealed ballot boxes (decision 31).

A ballot leaves no row of its own. It is added to the box of its (round, unit, rater
group), whose whole tally stays sealed (`kaohe.reviews.seal`) until the round closes:
a reader of the database, or of its files' earlier versions, finds only ciphertext.
Closing opens every box at once (`closing.round_results`).

`ballot_fold` is the one-ballot path of `services.ballot_submit`; `ballots_fold` does
the same for many ballots at once (the demo, the benchmarks) and gives the same boxes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kaohe.reviews.models import BallotBox, ReviewRound
from kaohe.reviews.seal import BoxTally, seal, unseal

Key = tuple[int, str]  # (target person id, aspect)
BATCH_SIZE = 5000


@dataclass(frozen=True)
class CastBallot:
    """A ballot as the services see it: its score for every (target, aspect) it covers."""

    unit_id: int
    group: str
    values: dict[Key, int]


def ballot_fold(round_: ReviewRound, ballot: CastBallot) -> None:
    """Add one ballot to its box, in the caller's transaction (which has locked the
    round, so no other ballot of the round is folded at the same time)."""
    box = BallotBox.objects.filter(
        round_id=round_.pk, unit_id=ballot.unit_id, rater_group=ballot.group
    ).first()
    round_id, unit_id, group = round_.pk, ballot.unit_id, ballot.group
    tally = (
        unseal(box.sealed, round_id=round_id, unit_id=unit_id, group=group)
        if box is not None
        else BoxTally()
    )
    tally.add_ballot(ballot.values)
    sealed = seal(tally, round_id=round_id, unit_id=unit_id, group=group)
    if box is None:
        BallotBox.objects.create(
            round_id=round_.pk, unit_id=ballot.unit_id, rater_group=ballot.group, sealed=sealed
        )
    else:
        BallotBox.objects.filter(pk=box.pk).update(sealed=sealed)


def ballots_fold(round_: ReviewRound, ballots: Iterable[CastBallot]) -> None:
    """Fold many ballots into the boxes of a round that has none yet, in bulk: the
    same boxes as submitting them one by one, in any order."""
    assert not BallotBox.objects.filter(round=round_).exists(), "only into an empty round"
    tallies: dict[tuple[int, str], BoxTally] = {}
    for ballot in ballots:
        tallies.setdefault((ballot.unit_id, ballot.group), BoxTally()).add_ballot(ballot.values)
    BallotBox.objects.bulk_create(
        (
            BallotBox(
                round=round_,
                unit_id=unit_id,
                rater_group=group,
                sealed=seal(tally, round_id=round_.pk, unit_id=unit_id, group=group),
            )
            for (unit_id, group), tally in sorted(tallies.items())
        ),
        batch_size=BATCH_SIZE,
    )


def boxes_open(round_: ReviewRound) -> Iterable[tuple[int, str, BoxTally]]:
    """At close: every box of the round, opened: (unit, rater group, tally)."""
    for unit_id, group, sealed in (
        BallotBox.objects.filter(round=round_)
        .values_list("unit_id", "rater_group", "sealed")
        .iterator(chunk_size=BATCH_SIZE)
    ):
        yield unit_id, group, unseal(sealed, round_id=round_.pk, unit_id=unit_id, group=group)
