"""The lists' two statements of each rule, on generated archives with every grade, gaps,
imported years, missing ranks and blank quarters, on both databases:

- the facts the SQL refresh writes on each record (services.year_facts_refresh) are
  those `rules.facts_of` states from the person's history;
- for every list, the records its SQL predicate (outcomes.lists.list_q) selects are
  exactly those whose Python entries (rules.record_entries) hold that list, and the
  entries read from the facts are those `rules.derive` makes from the histories."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from django.utils import timezone

from kaohe.org.models import Person
from kaohe.outcomes.lists import FACT_FIELDS, facts, list_q
from kaohe.outcomes.models import OutcomesPolicy, RecordSource, YearRecord
from kaohe.outcomes.policies import list_policy, policy_for
from kaohe.outcomes.rules import (
    ListKind,
    ListPolicy,
    YearFacts,
    derive,
    facts_of,
    next_facts,
    record_entries,
)
from kaohe.outcomes.services import year_facts_refresh
from kaohe.testing import World

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


def _both_ways(world: World, facts_in: list[YearFacts], year: int, policy: ListPolicy) -> None:
    records = YearRecord.objects.filter(region=world.region, year=year)
    stored = {row[0]: facts(row) for row in records.values_list(*FACT_FIELDS)}
    by_person: dict[int, list[YearFacts]] = {}
    for f in facts_in:
        by_person.setdefault(f.person_id, []).append(f)
    # The SQL facts are the Python statement's.
    assert stored == {p: facts_of(h, year) for p, h in by_person.items() if p in stored}
    # Each predicate lists exactly the records whose entries hold its list.
    seen: set[str] = set()
    for kind in ListKind:
        listed = set(records.filter(list_q(kind, year, policy)).values_list("person_id", flat=True))
        expected = {p for p, f in stored.items() if record_entries(f, policy, only=kind)}
        assert listed == expected, kind
        if listed:
            seen.add(str(kind))
    assert seen >= {"promotion", "award", "tenure", "training", "bonus_cut"}
    # And the entries from the facts are those the rules make from the histories.
    from_facts = [e for p in sorted(stored) for e in record_entries(stored[p], policy)]
    assert len(from_facts) > 50
    assert from_facts == list(derive(facts_in, year, policy))


def _refresh(world: World) -> None:
    year_facts_refresh(region_id=world.region.pk, years=range(2020, 2027))


@pytest.mark.parametrize("seed", [1, 2])
def test_predicates_match_the_rules(world: World, seed: int) -> None:
    generated = _archive(world, seed)
    _refresh(world)
    for year in (2024, 2026):
        _both_ways(world, generated, year, ListPolicy())


def test_predicates_match_with_the_regions_own_figures(world: World) -> None:
    generated = _archive(world, 3)
    _refresh(world)
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
    _both_ways(world, generated, 2026, policy)


def test_refreshing_one_person_from_a_year_on(world: World) -> None:
    generated = _archive(world, 4)
    _refresh(world)
    person = generated[0].person_id
    record = YearRecord.objects.filter(person_id=person).order_by("year").first()
    assert record is not None
    YearRecord.objects.filter(person_id=person).update(excellent_years=0, counted_years=0)
    changed = year_facts_refresh(region_id=world.region.pk, person_id=person, from_year=record.year)
    assert changed == YearRecord.objects.filter(person_id=person).count()
    history = [f for f in generated if f.person_id == person]
    for row in YearRecord.objects.filter(person_id=person).values_list(*FACT_FIELDS):
        assert facts(row) == facts_of(history, row[1])


@pytest.mark.parametrize("seed", [5, 6])
def test_facts_carried_on_year_by_year_are_those_of_the_whole_history(
    world: World, seed: int
) -> None:
    """What the archive writes with a year's new records (rules.next_facts, from the
    person's latest year before) equals rules.facts_of over the whole history."""
    generated = _archive(world, seed)
    by_person: dict[int, list[YearFacts]] = {}
    for f in generated:
        by_person.setdefault(f.person_id, []).append(f)
    checked = 0
    for history in by_person.values():
        prev = None
        for current in sorted(history, key=lambda f: f.year):
            carried = next_facts(prev, current)
            assert carried == facts_of(history, current.year)
            prev = carried
            checked += 1
    assert checked > 300
