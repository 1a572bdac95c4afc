"""The demo county's rating rounds: three closed quarters with realistic, anonymous,
rule-abiding ballots written in bulk, and the current quarter open for the personas."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Count
from django.test import override_settings
from pytest_django import DjangoDbBlocker

from kaohe.accounts.models import User
from kaohe.core.models import AuditEvent
from kaohe.demo.org import generate_demo
from kaohe.demo.reviews import DemoRoundsResult, _ballot, generate_demo_rounds
from kaohe.org.models import LeadershipRole, Membership, Region, UnitType
from kaohe.reviews import policies, services
from kaohe.reviews.models import (
    BallotBox,
    DraftBallot,
    ExtraRater,
    Participation,
    ReviewRound,
    RoundResult,
    RoundState,
    RoundUnit,
)
from kaohe.reviews.tally import high_score_limit

YEAR = 2026
TODAY = dt.date(2026, 11, 20)  # in the fourth quarter: three quarters are over
FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"


@dataclass(frozen=True)
class Loaded:
    region: Region
    result: DemoRoundsResult
    seconds: float


@pytest.fixture(scope="module")
def loaded(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[Loaded]:
    """Generate the county and its rounds once for the module, rolled back at the end:
    it takes seconds, and the tests here only read (or write inside their own
    rolled-back transaction)."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=[FAST_HASHER]),
        transaction.atomic(),
    ):
        demo = generate_demo(year=YEAR)
        result = generate_demo_rounds(region_id=demo.region_id, year=YEAR, today=TODAY)
        yield Loaded(Region.objects.get(pk=demo.region_id), result, result.seconds)
        transaction.set_rollback(True)


def rounds(region: Region) -> dict[int, ReviewRound]:
    return {r.number: r for r in ReviewRound.objects.filter(region=region, year=YEAR)}


def in_scope(round_: ReviewRound) -> dict[tuple[int, int], str]:
    """(unit, person) → leadership role of everyone assessed at the period's end."""
    return {
        (unit_id, person_id): role
        for unit_id, person_id, role in Membership.objects.filter(region_id=round_.region_id)
        .on(round_.period_end)
        .in_scope()
        .values_list("unit_id", "person_id", "leadership_role")
    }


@pytest.mark.django_db
def test_three_quarters_closed_and_the_current_one_open(loaded: Loaded) -> None:
    by_number = rounds(loaded.region)
    assert sorted(by_number) == [1, 2, 3, 4]
    states = {n: r.state for n, r in by_number.items()}
    assert states == {
        1: RoundState.PUBLISHED,
        2: RoundState.PUBLISHED,
        3: RoundState.CLOSED,  # the latest quarter's results await publication
        4: RoundState.OPEN,
    }
    q1 = by_number[1]
    assert q1.starts_on == dt.date(2026, 4, 1) and q1.ends_on == dt.date(2026, 4, 10)
    assert by_number[4].starts_on <= TODAY
    result = loaded.result
    assert result.created
    assert (result.rounds, result.published, result.closed, result.open) == (4, 2, 1, 1)
    # Closed rounds keep results only; the open one has no ballot yet.
    assert not BallotBox.objects.filter(round__region=loaded.region).exists()
    shown = [
        f["count"]
        for r in RoundResult.objects.filter(round__region=loaded.region)
        for f in r.groups.values()
        if f["count"] is not None
    ]
    assert 0.5 * result.scores < sum(shown) < result.scores  # small groups are not kept


@pytest.mark.django_db
def test_nearly_every_assessed_cadre_has_a_result(loaded: Loaded) -> None:
    for number in (1, 2, 3):
        round_ = rounds(loaded.region)[number]
        assessed = in_scope(round_)
        results = dict(RoundResult.objects.filter(round=round_).values_list("target_id", "unit_id"))
        assert set(results.items()) <= {(p, u) for u, p in assessed}
        assert len(results) >= 0.98 * len(assessed), (number, len(results), len(assessed))
        missing_score = RoundResult.objects.filter(round=round_, score__isnull=True).count()
        assert missing_score <= 0.01 * len(results)


@pytest.mark.django_db
def test_every_ballot_comes_from_a_member_or_an_approved_outside_rater(loaded: Loaded) -> None:
    for number in (1, 2, 3):
        round_ = rounds(loaded.region)[number]
        members = set(in_scope(round_))
        extras = set(
            ExtraRater.objects.filter(
                round_unit__round=round_, round_unit__proposal=RoundUnit.Proposal.APPROVED
            ).values_list("round_unit__unit_id", "person_id")
        )
        voted = list(Participation.objects.filter(round=round_).values_list("unit_id", "rater_id"))
        assert len(voted) == len(set(voted))
        strays = [pair for pair in voted if pair not in members and pair not in extras]
        assert not strays
        # Outside raters voted too, and every voting unit could vote.
        assert any(pair in extras for pair in voted)
        can_vote = set(
            RoundUnit.objects.filter(
                round=round_,
                proposal__in=[RoundUnit.Proposal.NOT_NEEDED, RoundUnit.Proposal.APPROVED],
            ).values_list("unit_id", flat=True)
        )
        assert {u for u, _r in voted} <= can_vote
        assert round_.starts_on <= min(
            Participation.objects.filter(round=round_).values_list("submitted_on", flat=True)
        )


@pytest.mark.django_db
def test_turnout_is_realistic(loaded: Loaded) -> None:
    for number in (1, 2, 3):
        round_ = rounds(loaded.region)[number]
        expected = (
            len(in_scope(round_)) + ExtraRater.objects.filter(round_unit__round=round_).count()
        )
        voted = Participation.objects.filter(round=round_).count()
        assert 0.94 <= voted / expected <= 0.995, (number, voted, expected)


@pytest.mark.django_db
def test_small_units_have_three_to_five_approved_outside_raters(loaded: Loaded) -> None:
    for number in (1, 2, 3):
        round_ = rounds(loaded.region)[number]
        assessed = Counter(u for u, _p in in_scope(round_))
        small = RoundUnit.objects.filter(round=round_).exclude(
            proposal=RoundUnit.Proposal.NOT_NEEDED
        )
        assert small.count() >= 10
        for ru in small.select_related("unit"):
            assert assessed[ru.unit_id] < services.SMALL_UNIT
            assert ru.proposal == RoundUnit.Proposal.APPROVED
            assert ru.proposal_note and ru.decision_note
            raters = list(ExtraRater.objects.filter(round_unit=ru).values_list("person_id"))
            assert 3 <= len(raters) <= 5, ru.unit.name
        youth = small.get(unit__name="团区委")
        towns = set(
            Membership.objects.filter(
                person_id__in=ExtraRater.objects.filter(round_unit=youth).values("person_id")
            )
            .on(round_.period_end)
            .values_list("unit__unit_type", flat=True)
        )
        assert towns == {UnitType.TOWN}
    approvals = AuditEvent.objects.filter(region=loaded.region, action="reviews.raters.approve")
    assert approvals.count() == 3  # one per closed round


@pytest.mark.django_db
def test_no_ballot_gives_more_than_30_percent_high_scores(loaded: Loaded) -> None:
    # Closed rounds keep no single score, so the generator's ballots are checked as
    # it makes them, with the rounds' own rules.
    rng = random.Random(7)
    for round_ in rounds(loaded.region).values():
        for size in (2, 3, 7, 11, 24, 60):
            for _ in range(50):
                values = _ballot(rng, round_, [rng.uniform(78, 93) for _ in range(size)])
                high = sum(v >= round_.high_score for v in values)
                assert high <= high_score_limit(size, round_.high_share)
                assert all(round_.score_min <= v <= round_.score_max for v in values)
                assert len(set(values)) > 1


@pytest.mark.django_db
def test_scores_spread_like_real_ballots(loaded: Loaded) -> None:
    shown = [
        (f["count"], Decimal(f["mean"]))
        for r in RoundResult.objects.filter(round__region=loaded.region)
        for f in r.groups.values()
        if f["count"] is not None
    ]
    n = sum(count for count, _mean in shown)
    assert n > 30_000
    assert 80 < sum(count * mean for count, mean in shown) / n < 90
    means = [mean for _count, mean in shown]
    assert min(means) < 78 and max(means) > 90
    q3 = rounds(loaded.region)[3]
    roles = dict(
        Membership.objects.filter(region=loaded.region)
        .on(q3.period_end)
        .in_scope()
        .values_list("person_id", "leadership_role")
    )
    by_role: dict[str, list[Decimal]] = defaultdict(list)
    for target_id, score in RoundResult.objects.filter(round=q3).values_list("target_id", "score"):
        if score is not None:
            by_role[roles[target_id]].append(score)
    mean = {role: sum(s) / len(s) for role, s in by_role.items()}
    assert mean[LeadershipRole.MAIN] > mean[LeadershipRole.TEAM] > mean[LeadershipRole.STAFF]
    assert Decimal(78) < mean[LeadershipRole.STAFF] < Decimal(90)


@pytest.mark.django_db
def test_no_drafts_and_the_open_round_is_empty(loaded: Loaded) -> None:
    assert not DraftBallot.objects.exists()
    q4 = rounds(loaded.region)[4]
    assert not Participation.objects.filter(round=q4).exists()
    assert not BallotBox.objects.filter(round=q4).exists()
    assert not RoundResult.objects.filter(round=q4).exists()
    assert q4.units.count() >= 80


@pytest.mark.django_db
def test_the_personas_can_vote_in_the_open_round(loaded: Loaded) -> None:
    q4 = rounds(loaded.region)[4]
    for login in ("cadre", "team_member", "unit_head"):
        user = User.objects.get(username=login)
        assert user.person is not None
        ru = RoundUnit.objects.select_related("round", "unit").get(
            round=q4, unit__memberships__person=user.person
        )
        sheet = policies.ballot_sheet(rater=user.person, round_unit=ru)
        assert sheet is not None and len(sheet.targets) >= 7 and ru.can_vote
    cadre = User.objects.get(username="cadre")
    assert cadre.person is not None
    ru = RoundUnit.objects.select_related("round", "unit").get(
        round=q4, unit__memberships__person=cadre.person
    )
    sheet = policies.ballot_sheet(rater=cadre.person, round_unit=ru)
    assert sheet is not None
    values = {str(p.pk): 80 + i % 9 for i, p in enumerate(sheet.targets)}
    services.ballot_submit(actor=cadre, round_unit=ru, values=values)


MODELS = (ReviewRound, RoundUnit, ExtraRater, Participation, BallotBox, RoundResult)


def _counts() -> dict[str, int]:
    models = (ReviewRound, RoundUnit, ExtraRater, Participation, BallotBox, RoundResult)
    return {model.__name__: model._default_manager.count() for model in models}


@pytest.mark.django_db
def test_a_second_run_creates_nothing(loaded: Loaded) -> None:
    before = _counts()
    events = AuditEvent.objects.count()
    again = generate_demo_rounds(region_id=loaded.region.pk, year=YEAR, today=TODAY)
    assert not again.created and again.scores == 0
    after = _counts()
    assert after == before and AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_results_count_the_groups_of_each_unit(loaded: Loaded) -> None:
    """A cadre's result counts no more scores per group than the unit has raters in it."""
    q3 = rounds(loaded.region)[3]
    group_sizes: dict[int, Counter[str]] = defaultdict(Counter)
    for (unit_id, _person), role in in_scope(q3).items():
        group_sizes[unit_id][policies.ROLE_GROUP[LeadershipRole(role)]] += 1
    for ru in RoundUnit.objects.filter(round=q3).annotate(n=Count("extra_raters")):
        group_sizes[ru.unit_id]["others"] += ru.n
    for result in RoundResult.objects.filter(round=q3):
        for group, figure in result.groups.items():
            if figure["count"] is not None:
                assert 3 <= figure["count"] <= group_sizes[result.unit_id][group]
