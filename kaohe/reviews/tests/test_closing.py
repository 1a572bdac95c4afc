"""The database's results equal the pure reference in kaohe.reviews.tally, to the cent."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest

from kaohe.org.models import ASPECTS, Membership
from kaohe.reviews import closing, services
from kaohe.reviews.models import (
    OVERALL,
    RaterGroup,
    ReviewRound,
    RoundResult,
    Score,
)
from kaohe.reviews.tally import Tally, result_from_tallies
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


def _random_scores(round_: ReviewRound, rng: random.Random) -> list[Score]:
    """Scores for everyone in scope: each group present or not, 1–12 scores each, on
    every dimension the round has."""
    rows = []
    for unit_id, person_id in (
        Membership.objects.filter(region_id=round_.region_id)
        .on(round_.period_end)
        .in_scope()
        .values_list("unit_id", "person_id")
    ):
        for group in RaterGroup:
            if rng.random() < 0.25:
                continue
            raters = rng.randint(1, 12)
            for dimension in round_.dimensions:
                rows += [
                    Score(
                        round=round_,
                        unit_id=unit_id,
                        target_id=person_id,
                        rater_group=group,
                        dimension=dimension,
                        value=rng.randint(50, 100),
                    )
                    for _ in range(raters)
                ]
    return rows


@pytest.mark.parametrize(
    ("cadence", "trim_above"),
    [
        (ReviewRound.Cadence.QUARTERLY, 5),
        (ReviewRound.Cadence.QUARTERLY, 0),
        (ReviewRound.Cadence.ANNUAL, 3),
    ],
)
def test_sql_results_equal_the_reference(world: World, cadence: str, trim_above: int) -> None:
    round_ = _round(world, cadence, trim_above)
    # A unit type whose plan leaves out a group: its weight goes to the others.
    plan = services.plan_for(world.region.pk, world.bureau.unit_type)
    plan.team_weight = 0
    plan.leader_weight = 35
    plan.save()
    rng = random.Random(f"{cadence}{trim_above}")
    scores = _random_scores(round_, rng)
    Score.objects.bulk_create(scores)
    given: dict[int, dict[str, dict[str, list[int]]]] = {}
    for s in scores:
        given.setdefault(s.target_id, {}).setdefault(s.dimension, {}).setdefault(
            s.rater_group, []
        ).append(s.value)

    # A scratch row per target and aspect, the groups side by side.
    assert closing.scores_tally(round_) == sum(len(dims) for dims in given.values())
    assert closing.results_write(round_) == len(given)
    assert not Score.objects.filter(round=round_).exists()

    results = {r.target_id: r for r in RoundResult.objects.filter(round=round_)}
    unit_types = dict(
        Membership.objects.filter(region=world.region).values_list("person_id", "unit__unit_type")
    )
    for target_id, dims in given.items():
        weights = services.plan_for(world.region.pk, unit_types[target_id]).weights()
        tallies = {d: {g: Tally.of(v) for g, v in groups.items()} for d, groups in dims.items()}
        expected, per_dimension = result_from_tallies(tallies, weights, trim_above)
        got = results[target_id]
        assert got.score == expected.score, target_id
        assert got.rater_count == expected.rater_count
        assert {g: (v["count"], v["mean"]) for g, v in got.groups.items()} == {
            f.group: (f.count, None if f.mean is None else f"{f.mean:.2f}") for f in expected.groups
        }
        for group, v in got.groups.items():  # the tallies kept, pooled over the aspects
            values = [x for groups in dims.values() for x in groups.get(group, [])]
            if values:
                assert (v["total"], v["low"], v["high"]) == (sum(values), min(values), max(values))
        assert got.weights == {g: f"{w:.4f}" for g, w in expected.weights.items()}
        if cadence != ReviewRound.Cadence.ANNUAL:
            assert got.dimensions == {} and set(dims) == {OVERALL}
            continue
        assert set(got.dimensions) == {str(d) for d in ASPECTS}
        for dimension, result in per_dimension.items():
            shown = got.dimensions[dimension]
            assert shown["score"] == (None if result.score is None else f"{result.score:.2f}")
            present = {g: v for g, v in shown["groups"].items() if v["count"]}
            assert {g: (v["count"], v["mean"]) for g, v in present.items()} == {
                f.group: (f.count, f"{f.mean:.2f}") for f in result.groups
            }


def test_reference_rounds_half_up_exactly() -> None:
    # (88 + 89) / 2 = 88.5 exactly, and weights 40:30 on means 80.00 and 81.00 give
    # 80.428571…: both by the exact rule, not by binary floating point.
    weights = {"leader": Decimal(40), "team": Decimal(30), "others": Decimal(30)}
    tallies = {OVERALL: {"leader": Tally.of([80]), "team": Tally.of([81])}}
    result, _dims = result_from_tallies(tallies, weights, 5)
    assert result.score == Decimal("80.43")
    assert Tally.of([88, 89]).mean_hundredths(5) == 8850
    assert Tally.of([50, 60, 70, 80, 90, 100]).mean_hundredths(5) == 7500  # trimmed
    assert Tally.of([50, 100]).mean_hundredths(0) == 7500  # two scores are never trimmed
