"""Names for raw SQL, taken from the models and quoted for the database in use."""

from __future__ import annotations

from django.db import connection, models


def table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def column(model: type[models.Model], field_name: str) -> str:
    """The quoted column of a field (by name or attname, e.g. "unit" or "unit_id")."""
    field = model._meta.get_field(field_name)
    if not isinstance(field, models.Field) or not field.column:
        raise RuntimeError(f"{model.__name__}.{field_name} is not a column.")
    return connection.ops.quote_name(field.column)
