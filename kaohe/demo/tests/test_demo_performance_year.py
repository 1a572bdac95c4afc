"""The demo's units' year (issue 18, P2): year-end scores for every unit with a
category, the year computed from the published months found (here one, as the
monthly rounds' demo would publish), two R5.8 marks; audited, written once."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import override_settings
from pytest_django import DjangoDbBlocker

from kaohe.core.models import AuditEvent
from kaohe.demo.org import generate_demo
from kaohe.demo.performance_year import DemoUnitYears, generate_demo_unit_years
from kaohe.org.models import Unit
from kaohe.performance.models import PerformanceMonth, UnitMonthResult, UnitYearMark, UnitYearResult

YEAR = 2026
FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"


@dataclass(frozen=True)
class Loaded:
    region_id: int
    result: DemoUnitYears


@pytest.fixture(scope="module")
def loaded(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[Loaded]:
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=[FAST_HASHER]),
        transaction.atomic(),
    ):
        region_id = generate_demo(year=YEAR).region_id
        month = PerformanceMonth.objects.create(
            region_id=region_id, year=YEAR, month=1, state=PerformanceMonth.State.PUBLISHED
        )
        UnitMonthResult.objects.bulk_create(
            UnitMonthResult(month=month, unit_id=pk, category_id=cat, score=Decimal(85), rank=1)
            for pk, cat in Unit.objects.filter(
                region_id=region_id, performance_category__isnull=False
            ).values_list("pk", "performance_category_id")
        )
        result = generate_demo_unit_years(region_id=region_id, year=YEAR)
        yield Loaded(region_id, result)
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_every_categorized_unit_has_its_year_and_two_marks(loaded: Loaded) -> None:
    units = Unit.objects.filter(region_id=loaded.region_id, performance_category__isnull=False)
    assert loaded.result.year_end == units.count() == loaded.result.computed > 0
    rows = UnitYearResult.objects.filter(year=YEAR, unit__region_id=loaded.region_id)
    assert not rows.filter(computed__isnull=True).exists()
    assert not rows.filter(rank__isnull=True).exists()
    kinds = set(
        UnitYearMark.objects.filter(year=YEAR, unit__region_id=loaded.region_id).values_list(
            "kind", flat=True
        )
    )
    assert kinds == {"incentive", "criticism"}
    assert AuditEvent.objects.filter(action="performance.year.compute").exists()
    again = generate_demo_unit_years(region_id=loaded.region_id, year=YEAR)
    assert again == DemoUnitYears(0, 0, 0)
