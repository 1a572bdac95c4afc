"""The annual unit results typed into 系统设置 (scoring.UnitAnnualScore) become
overrides of the units' year with their reason (performance 0003_year), before scoring
drops the table (scoring 0008)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from kaohe.performance.models import UnitYearResult
from kaohe.testing import World

BEFORE = [("scoring", "0007_annual_steps_once_per_run"), ("performance", "0001_initial")]
AFTER = [("scoring", "0008_remove_unit_annual_score"), ("performance", "0003_year")]


@pytest.mark.django_db(transaction=True)
def test_entered_unit_results_become_overrides_with_their_reason(world: World) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    old.get_model("scoring", "UnitAnnualScore").objects.create(
        unit_id=world.bureau.pk, year=2025, score=Decimal("91.5")
    )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    row = UnitYearResult.objects.get(unit=world.bureau, year=2025)
    assert row.override == Decimal("91.5") and row.final == Decimal("91.5")
    assert row.override_reason.startswith("录入的单位年度综合结果")
    assert row.computed is None
