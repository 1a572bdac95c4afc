"""Rounds, ballots and their refusals; outside raters for small units."""

from __future__ import annotations

import pytest
from django.http import Http404

from kaohe.accounts.errors import AccountErrorCode
from kaohe.core.models import AuditEvent
from kaohe.reviews import policies, selectors, services
from kaohe.reviews.errors import ReviewErrorCode
from kaohe.reviews.models import (
    BallotBox,
    DraftBallot,
    Participation,
    ReviewRound,
    RoundResult,
    RoundState,
    RoundUnit,
)
from kaohe.reviews.tests.fixtures import bureau_unit, folded
from kaohe.testing import World, refused

pytestmark = pytest.mark.django_db


def ballot(
    world: World, rater_key: str, round_unit: RoundUnit, base: int = 80
) -> dict[str, object]:
    sheet = policies.ballot_sheet(rater=world.users[rater_key].person, round_unit=round_unit)  # type: ignore[arg-type]
    assert sheet is not None
    return {str(p.pk): base + i % 7 for i, p in enumerate(sheet.targets)}


def scored(round_: ReviewRound) -> int:
    """How many scores an open round holds, opened with the key as a close would."""
    return sum(e.count for e in folded(round_).values())


def test_the_round_covers_units_and_flags_the_small_ones(big: World, q1: ReviewRound) -> None:
    units = {ru.unit.name: ru.proposal for ru in q1.units.select_related("unit")}
    assert units["区人力资源和社会保障局"] == RoundUnit.Proposal.NOT_NEEDED  # 12 people
    assert units["城关镇"] == RoundUnit.Proposal.MISSING  # 2 people
    assert q1.period_end.isoformat() == "2026-03-31"


def test_the_ballot_lists_everyone_but_the_rater(big: World, q1: ReviewRound) -> None:
    sheet = policies.ballot_sheet(rater=big.people["b0"], round_unit=bureau_unit(q1, big))
    assert sheet is not None and len(sheet.targets) == 11 and big.people["b0"] not in sheet.targets
    assert sheet.group == "others" and sheet.high_limit == 3  # 30% of 11, rounded down


def test_the_score_that_would_push_high_scores_past_30_percent_is_refused(
    big: World, q1: ReviewRound
) -> None:
    ru = bureau_unit(q1, big)
    values = ballot(big, "B00", ru)
    targets = list(values)
    for key in targets[:3]:
        values[key] = 92
    services.ballot_save_draft(
        actor=big.users["B00"], round_unit=ru, values=values
    )  # 3 of 11: allowed
    values[targets[3]] = 90
    with refused(ReviewErrorCode.BALLOT_INVALID) as caught:
        services.ballot_submit(actor=big.users["B00"], round_unit=ru, values=values)
    assert "4 人" in caught.value.message and "最多 3 人" in caught.value.message
    assert not Participation.objects.exists() and scored(q1) == 0


@pytest.mark.parametrize(
    ("value", "fragment"),
    [("49", "50 至 100"), ("101", "50 至 100"), ("八十", "整数"), ("", "还没有打分")],
)
def test_out_of_range_and_missing_scores_are_refused(
    big: World, q1: ReviewRound, value: str, fragment: str
) -> None:
    ru = bureau_unit(q1, big)
    values = ballot(big, "B00", ru)
    values[next(iter(values))] = value
    with refused(ReviewErrorCode.BALLOT_INVALID, match=fragment):
        services.ballot_submit(actor=big.users["B00"], round_unit=ru, values=values)
    assert scored(q1) == 0


def test_a_ballot_is_submitted_once_and_its_draft_is_deleted(big: World, q1: ReviewRound) -> None:
    ru = bureau_unit(q1, big)
    values = ballot(big, "B00", ru)
    services.ballot_save_draft(actor=big.users["B00"], round_unit=ru, values=values)
    assert DraftBallot.objects.count() == 1
    services.ballot_submit(actor=big.users["B00"], round_unit=ru, values=values)
    assert DraftBallot.objects.count() == 0 and scored(q1) == 11
    with refused(ReviewErrorCode.BALLOT_ALREADY_SUBMITTED):
        services.ballot_submit(actor=big.users["B00"], round_unit=ru, values=values)
    assert scored(q1) == 11 and Participation.objects.count() == 1


def test_a_person_not_on_the_plan_gets_404(big: World, q1: ReviewRound) -> None:
    ru = bureau_unit(q1, big)
    with pytest.raises(Http404):
        services.ballot_submit(actor=big.users["cadre_other"], round_unit=ru, values={})


def test_a_uniform_ballot_is_refused(big: World, q1: ReviewRound) -> None:
    ru = bureau_unit(q1, big)
    values = {k: 85 for k in ballot(big, "B01", ru)}
    with refused(ReviewErrorCode.BALLOT_UNIFORM):
        services.ballot_submit(actor=big.users["B01"], round_unit=ru, values=values)
    # Refused, not counted as void: nothing is written (decision 31).
    assert scored(q1) == 0 and not Participation.objects.exists()
    assert not BallotBox.objects.exists()
    # With the rule off, such a ballot is a ballot like any other.
    q1.uniform_invalid = False
    q1.save(update_fields=["uniform_invalid"])
    services.ballot_submit(actor=big.users["B01"], round_unit=bureau_unit(q1, big), values=values)
    assert scored(q1) == 11


def test_closing_computes_results_and_reopening_collects_again(big: World, q1: ReviewRound) -> None:
    ru = bureau_unit(q1, big)
    for i, key in enumerate(["B00", "B01", "B02", "B03", "B04", "B05", "unit_head", "team_member"]):
        services.ballot_submit(
            actor=big.users[key], round_unit=ru, values=ballot(big, key, ru, base=75 + i)
        )
    services.round_close(actor=big.users["region_admin"], round_=q1)
    # The boxes and tallies are gone; only results that rest on k ballots remain.
    assert not BallotBox.objects.exists()
    assert RoundResult.objects.filter(round=q1).count() == 12
    head = RoundResult.objects.get(round=q1, target=big.people["head"])
    # The head is rated by the team member (1) and 6 others: the team group is below k,
    # so it is hidden, and the others with it, or the score would give the team member's
    # score away by subtraction. The head's own ballot does not cover the head.
    assert head.rater_count == 7 and head.score is not None
    assert head.groups["team"] == {"count": None, "mean": None}
    assert head.groups["others"] == {"count": None, "mean": None}
    # A staff member: the leader's one score and the team's one are hidden, and they
    # hold fewer than k together, so the others are hidden too (the score less them
    # would rest on two ballots); the score rests on all eight.
    staff = RoundResult.objects.get(round=q1, target=big.people["b8"])
    assert staff.score is not None and staff.rater_count == 8
    assert all(v == {"count": None, "mean": None} for v in staff.groups.values())
    with refused(ReviewErrorCode.REOPEN_NEEDS_REASON):
        services.round_reopen(actor=big.users["region_admin"], round_=q1, reason="")
    services.round_reopen(actor=big.users["region_admin"], round_=q1, reason="有单位漏投，需补投")
    q1.refresh_from_db()
    assert q1.state == RoundState.OPEN
    # Reopening discards the results and every ballot: all vote again (decision 31).
    assert not RoundResult.objects.filter(round=q1).exists()
    assert not Participation.objects.filter(round=q1).exists()
    shown = selectors.results(big.users["region_admin"], q1, ru)
    assert shown == []
    assert AuditEvent.objects.get(action="reviews.round.open", details__reason="有单位漏投，需补投")
    assert AuditEvent.objects.get(action="reviews.round.discard", details={"ballots": 8})
    services.ballot_submit(actor=big.users["B00"], round_unit=ru, values=ballot(big, "B00", ru))
    services.round_close(actor=big.users["region_admin"], round_=q1)
    # One ballot after the reopen: nothing rests on it.
    assert not RoundResult.objects.filter(round=q1, score__isnull=False).exists()


def test_only_the_region_office_runs_the_round(big: World, q1: ReviewRound) -> None:
    with refused(AccountErrorCode.NOT_REGION_OFFICE):
        services.round_close(actor=big.users["unit_admin"], round_=q1)


def test_a_small_unit_votes_only_after_its_outside_raters_are_approved(
    big: World, q1: ReviewRound
) -> None:
    town = RoundUnit.objects.get(round=q1, unit=big.town)
    raters = [big.people[k] for k in ("b0", "b1", "b2")]
    with refused(ReviewErrorCode.RATERS_NOT_APPROVED):
        services.ballot_submit(actor=big.users["cadre_other"], round_unit=town, values={})
    with refused(ReviewErrorCode.NOT_UNIT_ADMIN):
        services.extra_raters_propose(
            actor=big.users["unit_admin"], round_unit=town, people=raters, note="熟悉"
        )
    services.extra_raters_propose(
        actor=big.users["region_admin"], round_unit=town, people=raters, note="同属就业条线"
    )
    with refused(ReviewErrorCode.REJECTION_NEEDS_REASON):
        services.extra_raters_decide(
            actor=big.users["region_admin"], round_unit=town, approve=False, note=""
        )
    services.extra_raters_decide(
        actor=big.users["region_admin"], round_unit=town, approve=True, note="同意"
    )
    sheet = policies.ballot_sheet(rater=big.people["b0"], round_unit=town)
    assert sheet is not None and sheet.group == "others" and len(sheet.targets) == 2
    values = {str(p.pk): 80 + i for i, p in enumerate(sheet.targets)}
    services.ballot_submit(actor=big.users["B00"], round_unit=town, values=values)


def test_a_subordinate_units_raters_are_approved_by_its_superior(
    big: World, q1: ReviewRound
) -> None:
    centre = RoundUnit.objects.get(round=q1, unit=big.centre)
    raters = [big.people[k] for k in ("b3", "b4", "b5")]
    services.extra_raters_propose(
        actor=big.users["unit_admin"], round_unit=centre, people=raters, note="业务相近"
    )
    services.extra_raters_decide(
        actor=big.users["unit_admin"], round_unit=centre, approve=True, note="同意"
    )
    assert RoundUnit.objects.get(pk=centre.pk).proposal == RoundUnit.Proposal.APPROVED
