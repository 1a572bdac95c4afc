"""A round close that fails part-way leaves the open round with every ballot in it, and
a round without results is never published (issue 12).

Closing opens the sealed boxes, writes the results and drops the boxes.
While that was two transactions (the state change, then the results), a close cut off
after the first left a closed round with no results that could still be published,
and its ballots were out of reach of voting. `bench/close_kill.py` kills real closes
at 20 moments; these tests replay the failure without timing, by making a step of the
close raise, on whichever database the suite runs on.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import translation

from kaohe.core.errors import ApplicationError
from kaohe.core.models import AuditEvent
from kaohe.reviews import closing, policies, services
from kaohe.reviews.errors import ReviewErrorCode
from kaohe.reviews.models import (
    BallotBox,
    DraftBallot,
    Participation,
    ReviewRound,
    RoundResult,
    RoundState,
)
from kaohe.reviews.selectors import round_history
from kaohe.reviews.tests.fixtures import bureau_unit
from kaohe.testing import World

# Real transactions: the close commits or rolls back as it does in production.
pytestmark = pytest.mark.django_db(transaction=True)

RATERS = ["unit_head", "team_member", "cadre", *(f"B{i:02d}" for i in range(8))]
DRAFTING = "B08"  # saves a draft and does not submit: the close deletes drafts


class Boom(Exception):
    """The failure planted in the close."""


def _vote(world: World, round_: ReviewRound) -> None:
    """The bureau's ballots through the services, each folded into its group's sealed
    box; one rater keeps a draft."""
    round_unit = bureau_unit(round_, world)
    for n, name in enumerate(RATERS):
        user = world.users[name]
        assert user.person is not None
        sheet = policies.ballot_sheet(rater=user.person, round_unit=round_unit)
        assert sheet is not None
        values = {str(p.pk): 60 + (n * 7 + i * 5) % 30 for i, p in enumerate(sheet.targets)}
        services.ballot_submit(actor=user, round_unit=round_unit, values=values)
    head = str(world.people["head"].pk)
    services.ballot_save_draft(
        actor=world.users[DRAFTING], round_unit=round_unit, values={head: 80}
    )


def _snapshot(round_: ReviewRound) -> dict[str, Any]:
    """Everything a close touches, as values."""
    return {
        "state": ReviewRound.objects.get(pk=round_.pk).state,
        "events": [line.state for line in round_history(round_)],
        "audit": AuditEvent.objects.count(),
        "boxes": sorted(
            (b.unit_id, b.rater_group, bytes(b.sealed))
            for b in BallotBox.objects.filter(round=round_)
        ),
        "participation": sorted(
            Participation.objects.filter(round=round_).values_list(
                "unit_id", "rater_id", "submitted_on"
            )
        ),
        "drafts": sorted(
            (rater, bytes(sealed))
            for rater, sealed in DraftBallot.objects.filter(round=round_).values_list(
                "rater_id", "sealed"
            )
        ),
        "results": RoundResult.objects.filter(round=round_).count(),
    }


def _after_opening_boxes(m: pytest.MonkeyPatch, seen: dict[str, int]) -> None:
    original = closing.scores_tally

    def fail(round_: ReviewRound) -> int:
        seen["opened"] = original(round_)
        raise Boom

    m.setattr(closing, "scores_tally", fail)


def _after_results_insert(m: pytest.MonkeyPatch, seen: dict[str, int]) -> None:
    def fail(round_: ReviewRound) -> None:
        seen["results"] = RoundResult.objects.filter(round=round_).count()
        raise Boom

    m.setattr(closing, "_boxes_delete", fail)


def _after_dropping_boxes(m: pytest.MonkeyPatch, seen: dict[str, int]) -> None:
    original = closing._boxes_delete

    def fail(round_: ReviewRound) -> None:
        original(round_)
        seen["boxes_left"] = BallotBox.objects.filter(round=round_).count()
        seen["results"] = RoundResult.objects.filter(round=round_).count()
        raise Boom

    m.setattr(closing, "_boxes_delete", fail)


FAILURES: dict[str, Callable[[pytest.MonkeyPatch, dict[str, int]], None]] = {
    "after the sealed boxes are opened": _after_opening_boxes,
    "after the results are written": _after_results_insert,
    "after the boxes are dropped": _after_dropping_boxes,
}


@pytest.mark.parametrize("moment", list(FAILURES))
def test_a_close_failing_part_way_leaves_the_round_open_with_every_ballot(
    big: World, q1: ReviewRound, monkeypatch: pytest.MonkeyPatch, moment: str
) -> None:
    admin = big.users["region_admin"]
    _vote(big, q1)
    before = _snapshot(q1)
    assert before["boxes"] and before["drafts"] and before["participation"]

    seen: dict[str, int] = {}
    with monkeypatch.context() as m:
        FAILURES[moment](m, seen)
        with pytest.raises(Boom):
            services.round_close(actor=admin, round_=q1)
    # The failure struck where it was meant to: past the step named.
    if moment == "after the sealed boxes are opened":
        assert seen["opened"] == 12
    else:
        assert seen["results"] == 12
    if moment == "after the boxes are dropped":
        assert seen["boxes_left"] == 0

    assert _snapshot(q1) == before
    with translation.override("zh-hans"), pytest.raises(ApplicationError) as refused:
        services.round_publish(actor=admin, round_=q1)
    assert refused.value.code == ReviewErrorCode.NO_RESULTS_TO_PUBLISH
    assert re.search(r"[\u4e00-\u9fff]", refused.value.message)
    assert ReviewRound.objects.get(pk=q1.pk).state == RoundState.OPEN

    # Nothing is left wedged: the same round closes completely afterwards.
    assert services.round_close(actor=admin, round_=q1) == 12
    assert RoundResult.objects.filter(round=q1).count() == 12
    assert not BallotBox.objects.filter(round=q1).exists()


def test_a_closed_round_without_results_is_not_published(big: World, q1: ReviewRound) -> None:
    """A round closed without its results (as a close cut off between its two
    transactions left it before decision 31) is refused in Chinese, and stays closed."""
    admin = big.users["region_admin"]
    _vote(big, q1)
    ReviewRound.objects.filter(pk=q1.pk).update(state=RoundState.CLOSED)
    q1.refresh_from_db()

    with translation.override("zh-hans"), pytest.raises(ApplicationError) as refused:
        services.round_publish(actor=admin, round_=q1)
    assert refused.value.code == ReviewErrorCode.NO_RESULTS_TO_PUBLISH
    message = refused.value.message
    assert re.search(r"[\u4e00-\u9fff]", message)
    assert not re.search(r"[A-Za-z]", message), message
    assert ReviewRound.objects.get(pk=q1.pk).state == RoundState.CLOSED
    assert RoundState.PUBLISHED not in [line.state for line in round_history(q1)]
