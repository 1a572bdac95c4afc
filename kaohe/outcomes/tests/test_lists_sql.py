"""The SQL derive (outcomes.lists_sql, PostgreSQL) against the rules (outcomes.rules):
generated archives with every grade, gaps, imported years, missing ranks and blank
quarters, derived both ways, every entry compared. Skipped on SQLite."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from kaohe.org.models import Person
from kaohe.outcomes.models import EligibilityEntry, OutcomesPolicy, RecordSource, YearRecord
from kaohe.outcomes.policies import policy_for
from kaohe.outcomes.rules import ListPolicy, YearFacts, derive
from kaohe.outcomes.services import eligibility_derive, list_policy
from kaohe.testing import World

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the SQL derive runs on PostgreSQL only"
)

GRADES = ["excellent", "excellent", "competent", "competent", "basic", "incompetent", "none"]
QUARTERS = ["good", "good", "fairly_good", "average", "poor", ""]


def _archive(world: World, seed: int) -> list[YearFacts]:
    rng = random.Random(seed)
    facts: list[YearFacts] = []
    for n in range(80):
        person = Person.objects.create(
            region=world.region, staff_no=f"G{seed}-{n}", name=f"生成{n}", gender="F"
        )
        for year in range(2020, 2027):
            if rng.random() < 0.15:  # a year missing from the archive
                continue
            grade = rng.choice(GRADES)
            size = rng.choice([None, 1, 2, 40, 41])
            rank = None if size is None else rng.randint(1, size)
            quarters = [rng.choice(QUARTERS) for _ in range(rng.choice([0, 3, 4, 4, 4]))]
            YearRecord.objects.create(
                region=world.region,
                person=person,
                year=year,
                source=RecordSource.IMPORTED if year < 2023 else RecordSource.KAOHE,
                unit=world.bureau,
                unit_name=world.bureau.name,
                tier="staff",
                composite=Decimal("80.00"),
                grade=grade,
                rank_in_tier=rank,
                tier_size=size,
                quarter_grades=quarters,
                frozen_at=timezone.now(),
            )
            facts.append(YearFacts(person.pk, year, grade, rank, size, tuple(quarters)))
    return facts


def _both_ways(world: World, facts: list[YearFacts], year: int, policy: ListPolicy) -> None:
    eligibility_derive(region_id=world.region.pk, year=year)
    stored = {
        (e.person_id, e.kind, e.figure, repr(e.reasons))
        for e in EligibilityEntry.objects.filter(region=world.region, year=year)
    }
    expected = {
        (e.person_id, str(e.kind), e.figure, repr([[str(r.why), *r.figures] for r in e.reasons]))
        for e in derive(facts, year, policy)
    }
    assert len(expected) > 50  # every list, many people: not two empty sets
    assert {k for _p, k, _f, _r in stored} >= {"promotion", "award", "tenure", "training"}
    assert stored == expected


@pytest.mark.parametrize("seed", [1, 2])
def test_sql_derive_matches_the_rules(world: World, seed: int) -> None:
    facts = _archive(world, seed)
    for year in (2024, 2026):
        _both_ways(world, facts, year, ListPolicy())


def test_sql_derive_matches_with_the_regions_own_figures(world: World) -> None:
    facts = _archive(world, 3)
    OutcomesPolicy.objects.create(
        region=world.region,
        promotion_top_share=Decimal("0.30"),
        promotion_excellent_years=2,
        award_top_share=Decimal("0.25"),
        merit_excellent_years=2,
        tenure_cut_months=3,
        pay_step_years=3,
        pay_level_years=0,
        prospect_good_quarters=2,
        bonus_cut_percent=15,
    )
    policy = list_policy(policy_for(world.region.pk))
    assert policy.pay_level_years == 0
    _both_ways(world, facts, 2026, policy)
