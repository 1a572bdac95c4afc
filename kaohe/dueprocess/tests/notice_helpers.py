"""A published year of the persona world with its archive, made by hand (the publish
itself is under test in test_notice_issue): the notice part's tests build on it."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from kaohe.dueprocess import services
from kaohe.dueprocess.models import Notice
from kaohe.org.models import Person, Unit
from kaohe.outcomes.models import YearRecord
from kaohe.scoring.models import AnnualResult, AnnualRun, RunState
from kaohe.testing import World

STEPS = [
    {"code": "annual.quarterly", "figures": {"value": "90.00", "weight": "60"}},
    {"code": "annual.composite", "figures": {"score": "88.50"}},
]


def extra_people(world: World, n: int, prefix: str) -> list[Person]:
    return Person.objects.bulk_create(
        Person(region=world.region, staff_no=f"{prefix}{i:05d}", name=f"{prefix}新人{i}")
        for i in range(n)
    )


def published_year(world: World, year: int = 2026, extra: int = 0, prefix: str = "N") -> AnnualRun:
    """A published run of `year`: the bureau's cadre (优秀), head and team, the town's
    cadre, and `extra` more in the bureau; a YearRecord for each, as archive_year
    writes them."""
    run = AnnualRun.objects.create(region=world.region, year=year, state=RunState.PUBLISHED)
    p = world.people
    people: list[tuple[Person, Unit]] = [
        (p["cadre"], world.bureau),
        (p["head"], world.bureau),
        (p["team"], world.bureau),
        (p["town_cadre"], world.town),
    ]
    people += [(person, world.bureau) for person in extra_people(world, extra, prefix)]
    AnnualResult.objects.bulk_create(
        AnnualResult(
            run=run,
            person=person,
            unit=unit,
            pool_id=0,
            tier="staff",
            composite=Decimal("88.50"),
            grade="excellent" if i == 0 else "competent",
            steps=STEPS,
            rank_in_tier=i + 1,
        )
        for i, (person, unit) in enumerate(people)
    )
    YearRecord.objects.bulk_create(
        YearRecord(
            region_id=world.region.pk,
            person=person,
            year=year,
            unit_id=unit.pk,
            unit_name=unit.name,
            post="科员",
            tier="staff",
            composite=Decimal("88.50"),
            grade="excellent" if i == 0 else "competent",
            rank_in_tier=i + 1,
            tier_size=len(people),
            rank_in_unit=1,
            unit_size=3,
            quarter_grades=["good", "good", "good", "good"],
            priority=False,
            frozen_at=timezone.now(),
            run=run,
        )
        for i, (person, unit) in enumerate(people)
    )
    return run


def issued(world: World, year: int = 2026, extra: int = 0) -> AnnualRun:
    run = published_year(world, year, extra)
    services.notices_issue(actor=None, run=run)
    return run


def notice_of(world: World, key: str, year: int = 2026) -> Notice:
    return Notice.objects.get(person=world.people[key], year=year, superseded_by__isnull=True)
