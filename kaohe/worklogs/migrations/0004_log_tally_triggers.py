"""Triggers that keep LogMonthTally in step with the work-log table (kaohe/worklogs/triggers.py),
and the tallies of the logs already there."""

from __future__ import annotations

from typing import Any

from django.db import migrations

from kaohe.worklogs import triggers


def create(apps: Any, schema_editor: Any) -> None:
    triggers.install(schema_editor)
    triggers.count_existing(schema_editor)


def drop(apps: Any, schema_editor: Any) -> None:
    triggers.uninstall(schema_editor)
    triggers.forget_counts(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("worklogs", "0003_log_month_tally")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
