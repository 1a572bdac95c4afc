"""A round close that fails part-way leaves the open round with every ballot in it, and
a round without results is never published (issue 12).

Closing opens the sealed boxes, writes the results and drops the tallies and boxes.
While that was two transactions (the state change, then the results), a close cut off
after the first left a closed round with no results that could still be published,
and its ballots were out of reach of voting. `bench/close_kill.py` kills real closes
at 20 moments; these tests replay the failure without timing, by making a step of the
close raise, on whichever database the suite runs on.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.utils import translation

from kaohe.core.errors import ApplicationError
from kaohe.core.models import AuditEvent
from kaohe.reviews import closing, services
from kaohe.reviews.models import (
    BallotBox,
    DraftBallot,
    InvalidBallots,
    Participation,
    ReviewRound,
    RoundEvent,
    RoundResult,
    RoundState,
    Tally,
)
from kaohe.reviews.tests.fixtures import bureau_unit
from kaohe.testing import World

# Real transactions: the close commits or rolls back as it does in production.
pytestmark = pytest.mark.django_db(transaction=True)

RATERS = ["unit_head", "team_member", "cadre", *(f"B{i:02d}" for i in range(8))]
DRAFTING = "B08"  # saves a draft and does not submit: the close deletes drafts


class Boom(Exception):
    """The failure planted in the close."""


def _vote(world: World, round_: ReviewRound) -> None:
    """The bureau's ballots through the services: the main leader's and the team's
    boxes stay sealed (one ballot each), the others' box is opened by its fourth
    ballot; one ballot gives everyone the same score (void); one rater keeps a draft."""
    round_unit = bureau_unit(round_, world)
    for n, name in enumerate(RATERS):
        user = world.users[name]
        assert user.person is not None
        sheet = services.ballot_sheet(rater=user.person, round_unit=round_unit)
        assert sheet is not None
        void = name == "B07"
        values = {
            str(p.pk): 75 if void else 60 + (n * 7 + i * 5) % 30
            for i, p in enumerate(sheet.targets)
        }
        services.ballot_submit(actor=user, round_unit=round_unit, values=values)
    head = str(world.people["head"].pk)
    services.ballot_save_draft(
        actor=world.users[DRAFTING], round_unit=round_unit, values={head: 80}
    )


def _partition_exists(round_: ReviewRound) -> bool | None:
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [f"reviews_tally_r{round_.pk}"])
        row = cursor.fetchone()
    return bool(row and row[0])


def _snapshot(round_: ReviewRound) -> dict[str, Any]:
    """Everything a close touches, as values."""
    return {
        "state": ReviewRound.objects.get(pk=round_.pk).state,
        "events": list(RoundEvent.objects.filter(round=round_).values_list("state", flat=True)),
        "audit": AuditEvent.objects.count(),
        "boxes": sorted(
            (b.unit_id, b.rater_group, bytes(b.sealed or b""), b.valid, b.void)
            for b in BallotBox.objects.filter(round=round_)
        ),
        "tallies": sorted(
            Tally.objects.filter(round=round_).values_list(
                "unit_id", "target_id", "rater_group", "dimension", "count", "total", "low", "high"
            )
        ),
        "participation": sorted(
            Participation.objects.filter(round=round_).values_list(
                "unit_id", "rater_id", "submitted_on"
            )
        ),
        "drafts": sorted(
            (rater, json.dumps(values, sort_keys=True))
            for rater, values in DraftBallot.objects.filter(round=round_).values_list(
                "rater_id", "values"
            )
        ),
        "results": RoundResult.objects.filter(round=round_).count(),
        "void_counts": InvalidBallots.objects.filter(round=round_).count(),
        "tally_partition": _partition_exists(round_),
    }


def _after_opening_boxes(m: pytest.MonkeyPatch, seen: dict[str, int]) -> None:
    original = closing.boxes_open_all

    def fail(round_: ReviewRound) -> int:
        seen["opened"] = original(round_)
        raise Boom

    m.setattr(closing, "boxes_open_all", fail)


def _after_results_insert(m: pytest.MonkeyPatch, seen: dict[str, int]) -> None:
    def fail(cursor: Any, round_: ReviewRound) -> None:
        seen["results"] = RoundResult.objects.filter(round=round_).count()
        raise Boom

    m.setattr(closing, "_tallies_delete", fail)


def _after_dropping_tallies(m: pytest.MonkeyPatch, seen: dict[str, int]) -> None:
    original = closing._tallies_delete

    def fail(cursor: Any, round_: ReviewRound) -> None:
        original(cursor, round_)
        seen["tallies_left"] = Tally.objects.filter(round=round_).count()
        seen["results"] = RoundResult.objects.filter(round=round_).count()
        raise Boom

    m.setattr(closing, "_tallies_delete", fail)


FAILURES: dict[str, Callable[[pytest.MonkeyPatch, dict[str, int]], None]] = {
    "after the sealed boxes are opened": _after_opening_boxes,
    "after the results are written": _after_results_insert,
    "after the tallies and boxes are dropped": _after_dropping_tallies,
}


@pytest.mark.parametrize("moment", list(FAILURES))
def test_a_close_failing_part_way_leaves_the_round_open_with_every_ballot(
    big: World, q1: ReviewRound, monkeypatch: pytest.MonkeyPatch, moment: str
) -> None:
    admin = big.users["region_admin"]
    _vote(big, q1)
    before = _snapshot(q1)
    assert before["boxes"] and before["tallies"] and before["drafts"]
    assert any(sealed for _u, _g, sealed, _v, _x in before["boxes"])

    seen: dict[str, int] = {}
    with monkeypatch.context() as m:
        FAILURES[moment](m, seen)
        with pytest.raises(Boom):
            services.round_close(actor=admin, round_=q1)
    # The failure struck where it was meant to: past the step named.
    if moment == "after the sealed boxes are opened":
        assert seen["opened"] == 2
    else:
        assert seen["results"] == 12
    if moment == "after the tallies and boxes are dropped":
        assert seen["tallies_left"] == 0

    assert _snapshot(q1) == before
    with translation.override("zh-hans"), pytest.raises(ApplicationError) as refused:
        services.round_publish(actor=admin, round_=q1)
    assert re.search(r"[\u4e00-\u9fff]", refused.value.message)
    assert ReviewRound.objects.get(pk=q1.pk).state == RoundState.OPEN

    # Nothing is left wedged: the same round closes completely afterwards.
    assert services.round_close(actor=admin, round_=q1) == 12
    assert RoundResult.objects.filter(round=q1).count() == 12
    assert not BallotBox.objects.filter(round=q1).exists()
    assert not Tally.objects.filter(round=q1).exists()
    assert _partition_exists(q1) in (None, False)


def test_a_closed_round_without_results_is_not_published(big: World, q1: ReviewRound) -> None:
    """A round closed without its results (as a close cut off between its two
    transactions left it before decision 31) is refused in Chinese, and stays closed."""
    admin = big.users["region_admin"]
    _vote(big, q1)
    ReviewRound.objects.filter(pk=q1.pk).update(state=RoundState.CLOSED)
    q1.refresh_from_db()

    with translation.override("zh-hans"), pytest.raises(ApplicationError) as refused:
        services.round_publish(actor=admin, round_=q1)
    message = refused.value.message
    assert re.search(r"[\u4e00-\u9fff]", message)
    assert not re.search(r"[A-Za-z]", message), message
    assert ReviewRound.objects.get(pk=q1.pk).state == RoundState.CLOSED
    assert not RoundEvent.objects.filter(round=q1, state=RoundState.PUBLISHED).exists()
