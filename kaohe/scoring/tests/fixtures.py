from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kaohe.performance.models import UnitYearResult
from kaohe.reviews.models import ReviewRound, RoundResult, RoundState
from kaohe.schemes.models import EntryDeclaration
from kaohe.scoring import guards, services
from kaohe.scoring.models import QuarterRun
from kaohe.testing import World
from kaohe.worklogs.models import WorklogPolicy
from kaohe.worklogs.rules import Period

RATINGS = {
    "周敏": 95,
    "吴刚": 94,
    "郑爽": 93,
    "冯涛": 92,
    "陈晨": "91",
    "褚磊": "90.5",
    "王建国": 88,
    "李文华": 86,
}


@pytest.fixture
def graded(big: World) -> QuarterRun:
    """Q1 computed from a closed round's results: six people in the 好 band, five places
    in the merged pool of 14, no work-log deductions."""
    WorklogPolicy.objects.update_or_create(
        region=big.region,
        defaults={"deduction_per_missing_log": 0, "deduction_per_missing_quarterly": 0},
    )
    round_ = ReviewRound.objects.create(
        region=big.region,
        year=2026,
        number=1,
        state=RoundState.CLOSED,
        starts_on=dt.date(2026, 4, 1),
        ends_on=dt.date(2026, 4, 10),
    )
    RoundResult.objects.bulk_create(
        RoundResult(
            round=round_,
            unit=person.memberships.get().unit,
            target=person,
            score=Decimal(str(RATINGS.get(person.name, 82))),
            rater_count=11,
        )
        for person in big.people.values()
        if person.region_id == big.region.pk
    )
    declare_entries(big, 2026, 1)
    return services.quarter_compute(
        actor=big.users["region_admin"],
        region=big.region,
        year=2026,
        quarter=1,
        today=dt.date(2026, 4, 30),
    )


def declare_entries(world: World, year: int, quarter: int) -> None:
    """Every assessed unit of the world's region declares it has no indicator entries
    for the quarter, so that the compute guard lets the quarter through."""
    units = guards.assessed_units(world.region.pk, Period(year, quarter))
    EntryDeclaration.objects.bulk_create(
        (
            EntryDeclaration(unit_id=u, year=year, quarter=quarter, reason="本季度无指标录入")
            for u in units
        ),
        ignore_conflicts=True,
    )


def year_ready(world: World, year: int = 2026, score: Decimal = Decimal(85)) -> None:
    """What the year needs besides its published quarters: a closed democratic
    evaluation (created when there is none) and every assessed unit's annual result."""
    ReviewRound.objects.get_or_create(
        region=world.region,
        year=year,
        cadence=ReviewRound.Cadence.ANNUAL,
        number=1,
        defaults={
            "state": RoundState.CLOSED,
            "starts_on": dt.date(year, 12, 20),
            "ends_on": dt.date(year, 12, 31),
        },
    )
    have = set(UnitYearResult.objects.filter(year=year).values_list("unit_id", flat=True))
    UnitYearResult.objects.bulk_create(
        UnitYearResult(unit_id=u, year=year, computed=score)
        for u in guards.assessed_units(world.region.pk, Period(year, 0)) - have
    )
