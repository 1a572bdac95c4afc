"""A year run's steps stored once (issue 14): each distinct line of the explanations
is one AnnualStep row of the run, each result names its lines by number, and a
result read as a model instance has the same `steps` the engine gave it, as before;
rows written before the catalog keep their own and read as they did."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import Count

from kaohe.scoring import engine, services
from kaohe.scoring.inputs import annual_inputs
from kaohe.scoring.models import AnnualResult, AnnualRun, AnnualStep, QuarterRun, RunState
from kaohe.scoring.policies import policy_for
from kaohe.scoring.tests.fixtures import year_ready
from kaohe.scoring.tests.test_annual import publish_quarters
from kaohe.testing import World

pytestmark = pytest.mark.django_db


def as_stored(steps: tuple[engine.Step, ...]) -> list[dict[str, Any]]:
    return [{"code": s.code.value, "figures": dict(s.figures)} for s in steps]


def test_the_year_stores_each_distinct_step_once_and_reads_every_result_as_the_engine_gave_it(
    big: World, graded: QuarterRun, django_assert_num_queries: Any
) -> None:
    publish_quarters(big, graded)
    year_ready(big)
    run = services.annual_compute(actor=big.users["region_admin"], region=big.region, year=2026)
    inputs, _members = annual_inputs(big.region.pk, 2026)
    policy = services.annual_policy(policy_for(big.region.pk), run.excellent_share)
    expected = {p: as_stored(r.steps) for p, r in engine.annual_grades(inputs, policy).items()}

    # The column keeps no steps; the numbers name the run's catalog.
    stored = list(AnnualResult.objects.filter(run=run).values_list("steps", "step_numbers"))
    assert stored and all(steps == [] and numbers for steps, numbers in stored)
    named = {int(n) for _steps, numbers in stored for n in numbers.split(",")}
    catalog = AnnualStep.objects.filter(run=run)
    assert set(catalog.values_list("number", flat=True)) == named
    assert catalog.count() < sum(len(s) for s in expected.values())  # shared lines once

    # Instances read their steps as the engine wrote them: two queries for the lot.
    with django_assert_num_queries(2):
        results = list(AnnualResult.objects.filter(run=run))
    assert {r.person_id: r.steps for r in results} == expected
    one = AnnualResult.objects.get(run=run, person=big.people["head"])
    assert one.steps == expected[big.people["head"].pk]

    # Computed again in place: the catalog is replaced, not added to.
    again = services.annual_compute(actor=big.users["region_admin"], region=big.region, year=2026)
    assert again.pk == run.pk
    assert not (
        AnnualStep.objects.filter(run=run)
        .values("number")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .exists()
    )
    assert {r.person_id: r.steps for r in AnnualResult.objects.filter(run=run)} == expected


def test_a_result_written_before_the_catalog_reads_its_own_steps(world: World) -> None:
    run = AnnualRun.objects.create(region=world.region, year=2025, state=RunState.PUBLISHED)
    steps = [{"code": "annual.composite", "figures": {"score": "91.50"}}]
    AnnualResult.objects.create(
        run=run,
        person=world.people["cadre"],
        unit=world.bureau,
        pool_id=0,
        tier="staff",
        composite="91.50",
        grade="excellent",
        steps=steps,
    )
    (result,) = AnnualResult.objects.filter(run=run)
    assert result.step_numbers == "" and result.steps == steps
