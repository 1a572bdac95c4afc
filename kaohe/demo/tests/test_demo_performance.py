"""The demo county's unit performance: each category's indicator system published,
lead units with targets, January–October computed and published for every unit,
November open; written once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.db import transaction
from django.test import Client, override_settings
from pytest_django import DjangoDbBlocker

from kaohe.accounts.models import User
from kaohe.demo.org import PERSONA_UNIT, generate_demo
from kaohe.demo.performance import DemoPerformance, generate_demo_performance
from kaohe.org.models import Region, Unit
from kaohe.performance.models import IndicatorAssignment, PerformanceMonth, UnitMonthResult
from kaohe.schemes.models import Scheme, SchemeVersion, VersionState

YEAR = 2026
TODAY = dt.date(2026, 11, 20)
FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"


@dataclass(frozen=True)
class Loaded:
    region: Region
    result: DemoPerformance


@pytest.fixture(scope="module")
def loaded(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[Loaded]:
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=[FAST_HASHER]),
        transaction.atomic(),
    ):
        region_id = generate_demo(year=YEAR).region_id
        result = generate_demo_performance(region_id=region_id, year=YEAR, today=TODAY)
        yield Loaded(Region.objects.get(pk=region_id), result)
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_systems_assignments_and_months(loaded: Loaded) -> None:
    region = loaded.region
    ranked = Unit.objects.filter(region=region, performance_category__isnull=False).count()
    categories = (
        Unit.objects.filter(region=region, performance_category__isnull=False)
        .values("performance_category")
        .distinct()
        .count()
    )
    assert loaded.result.systems == categories
    assert (
        SchemeVersion.objects.filter(
            scheme__region=region,
            scheme__role=Scheme.Role.TEMPLATE,
            scheme__performance_category__isnull=False,
            state=VersionState.APPROVED,
        ).count()
        == categories
    )
    assert IndicatorAssignment.objects.filter(lead_unit__name=PERSONA_UNIT).exists()
    months = {m.month: m for m in PerformanceMonth.objects.filter(region=region, year=YEAR)}
    assert sorted(months) == list(range(1, 12))
    assert all(months[n].state == "published" for n in range(1, 11))
    assert months[11].state == "open"
    assert UnitMonthResult.objects.filter(month=months[10]).count() == ranked
    assert not UnitMonthResult.objects.filter(month=months[11]).exists()
    assert loaded.result.results == ranked * 10


@pytest.mark.django_db
def test_the_personas_unit_sees_its_ranking(loaded: Loaded) -> None:
    october = PerformanceMonth.objects.get(region=loaded.region, year=YEAR, month=10)
    unit = Unit.objects.get(region=loaded.region, name=PERSONA_UNIT)
    client = Client()
    client.force_login(User.objects.get(region=loaded.region, username="unit_admin"))
    page = client.get(f"/performance/months/{october.pk}/units/{unit.pk}/")
    assert page.status_code == 200
    assert page.context["view"].result is not None


@pytest.mark.django_db
def test_a_second_run_writes_nothing(loaded: Loaded) -> None:
    again = generate_demo_performance(region_id=loaded.region.pk, year=YEAR, today=TODAY)
    assert again == DemoPerformance()
