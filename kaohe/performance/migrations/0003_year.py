"""The units' year (P2): the annual unit results typed into 系统设置 until now
(scoring.UnitAnnualScore) become overrides of UnitYearResult, with their reason,
before scoring drops its table (scoring 0008 depends on this)."""

from typing import Any

from django.db import migrations

REASON = "录入的单位年度综合结果（单位绩效考核上线前在系统设置中录入）"


def forwards(apps: Any, schema_editor: Any) -> None:
    entered = apps.get_model("scoring", "UnitAnnualScore")
    result = apps.get_model("performance", "UnitYearResult")
    have = {(r.unit_id, r.year): r for r in result.objects.all()}
    new, changed = [], []
    for unit_id, year, score, category_id in entered.objects.values_list(
        "unit_id", "year", "score", "unit__performance_category_id"
    ):
        row = have.get((unit_id, year))
        if row is None:
            new.append(
                result(
                    unit_id=unit_id,
                    year=year,
                    category_id=category_id,
                    override=score,
                    override_reason=REASON,
                )
            )
        else:
            row.override, row.override_reason = score, REASON
            changed.append(row)
    result.objects.bulk_create(new, batch_size=500)
    result.objects.bulk_update(changed, ["override", "override_reason"], batch_size=500)


def backwards(apps: Any, schema_editor: Any) -> None:
    entered = apps.get_model("scoring", "UnitAnnualScore")
    result = apps.get_model("performance", "UnitYearResult")
    entered.objects.bulk_create(
        (
            entered(unit_id=unit_id, year=year, score=score)
            for unit_id, year, score in result.objects.filter(
                override_reason=REASON, override__isnull=False
            ).values_list("unit_id", "year", "override")
        ),
        batch_size=500,
        ignore_conflicts=True,
    )
    result.objects.filter(override_reason=REASON).update(override=None, override_reason="")


class Migration(migrations.Migration):
    dependencies = [
        ("performance", "0002_months"),
        ("scoring", "0007_annual_steps_once_per_run"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
