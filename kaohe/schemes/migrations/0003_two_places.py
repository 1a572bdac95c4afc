"""Figures and results typed with more than two decimals before entry refused them.

PostgreSQL rounded them on the way in (numeric(…, 2)); SQLite kept them as typed,
while the ORM has always read them at two places. They are stored at two places now,
as the ORM read them, so that SQL reading the columns directly (the scoring's
indicator part) sees what every page saw."""

from typing import Any

from django.db import migrations

FIELDS = {
    "IndicatorResult": ["value"],
    "Indicator": ["max_points", "per_occurrence", "cap", "weight"],
}


def settle_two_places(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "sqlite":
        return  # numeric columns never held more than two decimals
    for model_name, fields in FIELDS.items():
        model = apps.get_model("schemes", model_name)
        table = schema_editor.quote_name(model._meta.db_table)
        for name in fields:
            column = schema_editor.quote_name(model._meta.get_field(name).column)
            with schema_editor.connection.cursor() as cursor:
                cursor.execute(
                    # Floats of two-place numbers miss whole cents by far less.
                    f"SELECT id FROM {table} WHERE {column} IS NOT NULL "  # noqa: S608
                    f"AND ABS({column} * 100 - ROUND({column} * 100)) > 0.000001"
                )
                ids = [row[0] for row in cursor.fetchall()]
            # Read through the ORM (its converter gives two places) and written back.
            rows = list(model.objects.filter(pk__in=ids).only("pk", name))
            model.objects.bulk_update(rows, [name], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("schemes", "0002_version_approved_on")]

    operations = [migrations.RunPython(settle_two_places, migrations.RunPython.noop)]
