"""The unit year's test data (P2): categories, published months written directly (as
the months' part writes them), helpers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kaohe.org.models import PerformanceCategory, Unit
from kaohe.performance.models import PerformanceMonth, UnitMonthResult
from kaohe.testing import World

YEAR = 2026


@pytest.fixture
def categorized(world: World) -> World:
    """The bureau and the town in category A, the centre in B."""
    a = PerformanceCategory.objects.create(region=world.region, name="A类")
    b = PerformanceCategory.objects.create(region=world.region, name="B类")
    Unit.objects.filter(pk__in=[world.bureau.pk, world.town.pk]).update(performance_category=a)
    Unit.objects.filter(pk=world.centre.pk).update(performance_category=b)
    for unit in (world.bureau, world.town, world.centre):
        unit.refresh_from_db()
    return world


def publish_month(
    world: World, month: int, scores: dict[Unit, Decimal], *, published: bool = True
) -> PerformanceMonth:
    """A month with the units' scores (ranked within category), published or not."""
    state = PerformanceMonth.State.PUBLISHED if published else PerformanceMonth.State.OPEN
    row = PerformanceMonth.objects.create(region=world.region, year=YEAR, month=month, state=state)
    UnitMonthResult.objects.bulk_create(
        UnitMonthResult(
            month=row,
            unit=unit,
            category_id=unit.performance_category_id or 0,
            score=score,
            rank=1,
        )
        for unit, score in scores.items()
    )
    return row
