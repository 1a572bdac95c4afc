"""The demo county's three years before kaohe (2023–2025), imported through the import
service: about a fifth 优秀, a few 基本称职 and 不称职, people last in their unit two and
three years running, the personas' histories, deterministic and written once."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.db import transaction
from django.test import override_settings
from pytest_django import DjangoDbBlocker

from kaohe.accounts.models import User
from kaohe.core.models import AuditEvent
from kaohe.demo.org import generate_demo
from kaohe.demo.priors import DemoPriors, demo_prior_cells, generate_demo_priors
from kaohe.org.models import Region
from kaohe.outcomes.models import RecordSource, YearRecord

YEAR = 2026
TODAY = dt.date(2026, 11, 20)
FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"


@dataclass(frozen=True)
class Loaded:
    region: Region
    result: DemoPriors
    records: list[YearRecord]


@pytest.fixture(scope="module")
def loaded(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[Loaded]:
    """The demo's people and its earlier years, once for the module, rolled back after."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=[FAST_HASHER]),
        transaction.atomic(),
    ):
        region_id = generate_demo(year=YEAR).region_id
        result = generate_demo_priors(region_id=region_id, year=YEAR, today=TODAY)
        records = list(YearRecord.objects.filter(region_id=region_id))
        yield Loaded(Region.objects.get(pk=region_id), result, records)
        transaction.set_rollback(True)


def _person_of(region: Region, username: str) -> int:
    person_id = User.objects.get(region=region, username=username).person_id
    assert person_id is not None
    return person_id


@pytest.mark.django_db
def test_the_demo_has_three_imported_years_for_its_cadres(loaded: Loaded) -> None:
    years = Counter(r.year for r in loaded.records)
    assert sorted(years) == [2023, 2024, 2025]
    assert len(set(years.values())) == 1  # the same people each year
    assert 1250 <= years[2025] <= 1340  # everyone but this year's recruits
    assert all(r.source == RecordSource.IMPORTED and r.run_id is None for r in loaded.records)
    assert all(r.unit_id is not None for r in loaded.records)  # names link the units
    assert loaded.result.records == len(loaded.records)
    (event,) = AuditEvent.objects.filter(action="outcomes.priors.import", region=loaded.region)
    assert event.details["rows"] == len(loaded.records)


@pytest.mark.django_db
def test_the_grades_spread_as_a_county_does(loaded: Loaded) -> None:
    for year in (2023, 2024, 2025):
        grades = Counter(r.grade for r in loaded.records if r.year == year)
        total = sum(grades.values())
        assert 0.17 <= grades["excellent"] / total <= 0.23, grades
        assert grades["incompetent"] == 3 and grades["basic"] == 12, grades
    incompetent: defaultdict[int, list[int]] = defaultdict(list)
    for r in loaded.records:
        if r.grade == "incompetent":
            incompetent[r.person_id].append(r.year)
    assert [2024, 2025] in [sorted(y) for y in incompetent.values()]
    assert all(r.quarter_grades and len(r.quarter_grades) == 4 for r in loaded.records)
    assert any(r.priority for r in loaded.records)


@pytest.mark.django_db
def test_some_are_last_in_their_unit_two_and_three_years_running(loaded: Loaded) -> None:
    last: defaultdict[int, set[int]] = defaultdict(set)
    for r in loaded.records:
        assert r.rank_in_unit is not None and r.unit_size is not None
        assert r.rank_in_tier is not None and r.tier_size is not None
        assert 1 <= r.rank_in_unit <= r.unit_size and 1 <= r.rank_in_tier <= r.tier_size
        if r.unit_size >= 2 and r.rank_in_unit == r.unit_size:
            last[r.person_id].add(r.year)
    twice = [p for p, years in last.items() if {2024, 2025} <= years]
    thrice = [p for p, years in last.items() if years == {2023, 2024, 2025}]
    assert len(twice) >= 7 and len(thrice) >= 2, (len(twice), len(thrice))
    assert loaded.result.last_twice == len(twice)
    other = _person_of(loaded.region, "cadre_other")
    assert {2024, 2025} <= last[other]


@pytest.mark.django_db
def test_the_persona_cadre_is_excellent_three_years_running(loaded: Loaded) -> None:
    cadre = _person_of(loaded.region, "cadre")
    grades = {r.year: r.grade for r in loaded.records if r.person_id == cadre}
    assert grades == {2023: "excellent", 2024: "excellent", 2025: "excellent"}


@pytest.mark.django_db
def test_a_second_run_imports_nothing_and_the_rows_are_deterministic(loaded: Loaded) -> None:
    again = generate_demo_priors(region_id=loaded.region.pk, year=YEAR, today=TODAY)
    assert again.records == 0
    assert YearRecord.objects.filter(region=loaded.region).count() == len(loaded.records)
    assert demo_prior_cells(loaded.region.pk, YEAR) == demo_prior_cells(loaded.region.pk, YEAR)
