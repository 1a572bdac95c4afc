"""The indexes of the two bulk-written result tables (issue 14): one for every filter
their readers use, none more, since every index is paid for on each year's write of
300,000 annual results and on each grid save of 8,600 indicator results. The
annual steps are stored as text and read back as the list the engine wrote."""

from __future__ import annotations

import pytest
from django.db import connection

from kaohe.schemes.models import IndicatorResult
from kaohe.scoring.models import AnnualResult, AnnualRun, StepsField
from kaohe.testing import World

pytestmark = pytest.mark.django_db


def indexed_columns(model: type[object]) -> set[tuple[str, ...]]:
    table = model._meta.db_table  # type: ignore[attr-defined]
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {
        tuple(c["columns"])
        for c in constraints.values()
        if (c["index"] or c["unique"] or c["primary_key"]) and not c["foreign_key"]
    }


def test_annual_results_are_indexed_by_run_and_tier_and_by_person_and_run_only() -> None:
    assert indexed_columns(AnnualResult) == {
        ("id",),
        ("person_id", "run_id"),  # unique: one result a person a run; "my results"
        ("run_id", "tier", "composite"),  # a run's results, its tiers, its grades
    }


def test_indicator_results_have_no_index_that_another_one_begins_with() -> None:
    assert indexed_columns(IndicatorResult) == {
        ("id",),
        ("indicator_id", "person_id", "year", "quarter"),  # unique; serves the indicator
        ("unit_id", "year", "quarter"),  # a unit's quarter; serves the unit
        # Not the version: results moved to a newly approved version are the unit's
        # (unit, year, quarter). Not the person: only the ORM's cascade read by it,
        # and no person is deleted.
    }


def test_annual_steps_are_stored_as_text_and_read_back_as_written(world: World) -> None:
    run = AnnualRun.objects.create(region=world.region, year=2026)
    steps = [{"code": "annual.composite", "figures": {"score": "91.50"}}, {"code": "优秀"}]
    result = AnnualResult.objects.create(
        run=run,
        person=world.people["cadre"],
        unit=world.bureau,
        pool_id=0,
        tier="staff",
        composite="91.50",
        grade="excellent",
        steps=steps,
    )
    assert isinstance(AnnualResult._meta.get_field("steps"), StepsField)
    assert AnnualResult.objects.get(pk=result.pk).steps == steps
    with connection.cursor() as cursor:
        table = AnnualResult._meta.db_table  # the model's name, not input
        cursor.execute(f"SELECT steps FROM {table} WHERE id = %s", [result.pk])  # noqa: S608
        (stored,) = cursor.fetchone()
    # Plain text in the column (on PostgreSQL not jsonb, which would parse it on write).
    assert isinstance(stored, str) and '"优秀"' in stored
