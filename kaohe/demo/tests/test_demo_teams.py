"""The demo county's leadership teams: every team's office figures entered with their
evidence, the year computed; without the units' annual results (before performance's
demo) every team lists performance as missing and the year stays unpublished; with
them, the year is complete and published."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import override_settings
from pytest_django import DjangoDbBlocker

from kaohe.demo.org import generate_demo
from kaohe.demo.teams import DemoTeams, generate_demo_teams
from kaohe.org.models import Region
from kaohe.performance.models import UnitYearResult
from kaohe.teams import selectors
from kaohe.teams.models import TeamEntry, TeamYear, TeamYearResult

YEAR = 2026
TODAY = dt.date(2026, 11, 20)
FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"


@dataclass(frozen=True)
class Loaded:
    region: Region
    result: DemoTeams


@pytest.fixture(scope="module")
def loaded(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[Loaded]:
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=[FAST_HASHER]),
        transaction.atomic(),
    ):
        region_id = generate_demo(year=YEAR).region_id
        result = generate_demo_teams(region_id=region_id, year=YEAR, today=TODAY)
        yield Loaded(Region.objects.get(pk=region_id), result)
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_every_team_entered_and_computed_but_not_published_without_units_years(
    loaded: Loaded,
) -> None:
    region_id = loaded.region.pk
    teams = selectors.teams_on(region_id, YEAR)
    assert loaded.result.teams == len(teams) > 10
    assert TeamEntry.objects.filter(region_id=region_id, year=YEAR).count() == len(teams)
    assert not TeamEntry.objects.filter(region_id=region_id, evidence="").exists()
    results = TeamYearResult.objects.filter(region_id=region_id, year=YEAR)
    assert results.count() == len(teams)
    assert all(r.missing == ["performance"] for r in results)
    assert not loaded.result.published
    assert TeamYear.objects.get(region_id=region_id, year=YEAR).state == TeamYear.State.COMPUTED
    # Written once: a second run does nothing.
    assert generate_demo_teams(region_id=region_id, year=YEAR, today=TODAY) == DemoTeams()


@pytest.mark.django_db
def test_with_the_units_years_the_demo_publishes(loaded: Loaded) -> None:
    region_id = loaded.region.pk
    TeamEntry.objects.filter(region_id=region_id).delete()
    TeamYearResult.objects.filter(region_id=region_id).delete()
    TeamYear.objects.filter(region_id=region_id).delete()
    UnitYearResult.objects.bulk_create(
        UnitYearResult(unit_id=unit_id, year=YEAR, computed=Decimal(80 + unit_id % 15))
        for unit_id in selectors.teams_on(region_id, YEAR)
    )
    done = generate_demo_teams(region_id=region_id, year=YEAR, today=TODAY)
    assert done.published and done.complete == done.teams
    grades = set(
        TeamYearResult.objects.filter(region_id=region_id, year=YEAR).values_list(
            "grade", flat=True
        )
    )
    assert "excellent" in grades and "good" in grades
