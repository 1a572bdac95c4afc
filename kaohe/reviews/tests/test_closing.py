"""The database's results equal the pure reference in kaohe.reviews.tally, to the cent."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.db import transaction

from kaohe.org.models import ASPECTS, Membership
from kaohe.reviews import boxes, closing, policies, services
from kaohe.reviews.boxes import CastBallot
from kaohe.reviews.models import (
    OVERALL,
    BallotBox,
    RaterGroup,
    ReviewRound,
    RoundResult,
)
from kaohe.reviews.tally import Tally as RefTally
from kaohe.reviews.tally import result_from_tallies, suppression
from kaohe.testing import World


def _round(world: World, cadence: str, trim_above: int) -> ReviewRound:
    round_ = services.round_create(
        actor=world.users["region_admin"],
        region=world.region,
        year=2026,
        number=1,
        starts_on=dt.date(2026, 4, 1),
        ends_on=dt.date(2026, 4, 10),
        cadence=cadence,
    )
    round_.trim_above = trim_above
    round_.save(update_fields=["trim_above"])
    return round_


def _random_ballots(round_: ReviewRound, rng: random.Random) -> list[CastBallot]:
    """Ballots for every unit in scope: each group present or not, 1–12 ballots each,
    on every aspect the round has."""
    members: dict[int, list[int]] = {}
    for unit_id, person_id in (
        Membership.objects.filter(region_id=round_.region_id)
        .on(round_.period_end)
        .in_scope()
        .values_list("unit_id", "person_id")
    ):
        members.setdefault(unit_id, []).append(person_id)
    ballots = []
    for unit_id, targets in members.items():
        sheet = [(t, d) for t in targets for d in round_.dimensions]
        for group in RaterGroup:
            if rng.random() < 0.25:
                continue
            for _ in range(rng.randint(1, 12)):
                values = {key: rng.randint(50, 100) for key in sheet}
                ballots.append(CastBallot(unit_id, str(group), values))
    return ballots


@pytest.mark.parametrize(
    ("cadence", "trim_above", "k"),
    [
        (ReviewRound.Cadence.QUARTERLY, 5, 3),
        (ReviewRound.Cadence.QUARTERLY, 6, 5),
        (ReviewRound.Cadence.ANNUAL, 4, 3),
    ],
)
def test_sql_results_equal_the_reference_under_the_k_rule(
    world: World, cadence: str, trim_above: int, k: int
) -> None:
    round_ = _round(world, cadence, trim_above)
    round_.min_shown = k
    round_.save(update_fields=["min_shown"])
    # A unit type whose plan leaves out a group: its weight goes to the others, and it
    # is never the second group hidden against subtraction.
    plan = policies.plan_for(world.region.pk, world.bureau.unit_type)
    plan.leader_weight, plan.team_weight, plan.others_weight = 50, 0, 50
    plan.save()
    services.weights_fix(round_)  # as opening the round does
    rng = random.Random(f"{cadence}{trim_above}{k}")
    ballots = _random_ballots(round_, rng)
    boxes.ballots_fold(round_, ballots)
    given: dict[int, dict[str, dict[str, list[int]]]] = {}
    cast: dict[tuple[int, str], int] = {}
    unit_of: dict[int, int] = {}
    for b in ballots:
        cast[(b.unit_id, b.group)] = cast.get((b.unit_id, b.group), 0) + 1
        for (target, dimension), value in b.values.items():
            unit_of[target] = b.unit_id
            given.setdefault(target, {}).setdefault(dimension, {}).setdefault(b.group, []).append(
                value
            )

    with transaction.atomic():
        written = closing.round_results(round_)
    assert written == len(given)
    assert not BallotBox.objects.filter(round=round_).exists()

    results = {r.target_id: r for r in RoundResult.objects.filter(round=round_)}
    unit_types = dict(
        Membership.objects.filter(region=world.region).values_list("person_id", "unit__unit_type")
    )
    groups_in_order = [str(g) for g in RaterGroup]
    for target_id, dims in given.items():
        unit_id = unit_of[target_id]
        weights = policies.plan_for(world.region.pk, unit_types[target_id]).weights()
        tallies = {d: {g: RefTally.of(v) for g, v in groups.items()} for d, groups in dims.items()}
        expected, per_dimension = result_from_tallies(tallies, weights, trim_above)
        counts = {f.group: f.count for f in expected.groups}
        hidden, withheld = suppression({g: counts.get(g, 0) for g in groups_in_order}, k, weights)
        got = results[target_id]
        counting = sum(n for g, n in counts.items() if weights[g] > 0)
        enough = counting >= k and not withheld
        assert got.score == (expected.score if enough else None), target_id
        assert got.rater_count == sum(cast.get((unit_id, g), 0) for g in groups_in_order)

        def shown(group: str, count: int, hidden: set[str] = hidden) -> bool:
            return group not in hidden and count >= k

        assert {g: (v["count"], v["mean"]) for g, v in got.groups.items()} == {
            f.group: (f.count, f"{f.mean:.2f}")
            if f.mean is not None and shown(f.group, f.count)
            else (None, None)
            for f in expected.groups
        }
        assert got.weights == {
            g: f"{w:.4f}" for g, w in expected.weights.items() if shown(g, counts[g])
        }
        if cadence != ReviewRound.Cadence.ANNUAL:
            assert got.dimensions == {} and set(dims) == {OVERALL}
            continue
        assert set(got.dimensions) == {str(d) for d in ASPECTS}
        for dimension, result in per_dimension.items():
            figures = got.dimensions[dimension]
            aspect_counting = sum(f.count for f in result.groups if weights[f.group] > 0)
            aspect_enough = aspect_counting >= k and not withheld
            assert figures["score"] == (
                f"{result.score:.2f}" if aspect_enough and result.score is not None else None
            )
            expected_groups = {
                f.group: (f.count, f"{f.mean:.2f}")
                for f in result.groups
                if f.mean is not None and shown(f.group, f.count)
            }
            present = {g: v for g, v in figures["groups"].items() if v["count"] is not None}
            assert {g: (v["count"], v["mean"]) for g, v in present.items()} == expected_groups


def test_reference_rounds_half_up_exactly() -> None:
    # (88 + 89) / 2 = 88.5 exactly, and weights 40:30 on means 80.00 and 81.00 give
    # 80.428571…: both by the exact rule, not by binary floating point.
    weights = {"leader": Decimal(40), "team": Decimal(30), "others": Decimal(30)}
    tallies = {OVERALL: {"leader": RefTally.of([80]), "team": RefTally.of([81])}}
    result, _dims = result_from_tallies(tallies, weights, 5)
    assert result.score == Decimal("80.43")
    assert RefTally.of([88, 89]).mean_hundredths(5) == 8850
    assert RefTally.of([50, 60, 70, 80, 90, 100]).mean_hundredths(5) == 7500  # trimmed
    assert RefTally.of([50, 100]).mean_hundredths(0) == 7500  # two scores are never trimmed
