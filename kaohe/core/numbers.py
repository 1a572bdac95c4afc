"""What a numeric column holds, so that every check of a typed number agrees with it.

A weight of 1000 passed a "0 to 1000" check but not its decimal(5, 2) column: on
SQLite the value was stored and the scheme page failed for good on reading it; on
PostgreSQL the save was a server error. Limits come from the field itself: its
column (digits and places, or the integer type's range) narrowed by the field's
own Min/MaxValueValidators, which say what the domain allows.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core import validators
from django.db import models
from django.db.backends.base.operations import BaseDatabaseOperations
from django.utils.translation import gettext as _

from kaohe.core.errors import ApplicationError, CoreErrorCode


def column_limits(field: models.Field[Any, Any]) -> tuple[Decimal, Decimal]:
    """The lowest and highest value the column of a numeric field holds, on every database.

    Integer ranges are Django's portable ones (PostgreSQL's): SQLite's columns hold
    any 64-bit integer, so a check against SQLite alone would pass what PostgreSQL
    refuses.
    """
    if isinstance(field, models.DecimalField):
        places = field.decimal_places or 0
        top = Decimal(10) ** ((field.max_digits or 0) - places) - Decimal(10) ** -places
        return -top, top
    low, high = BaseDatabaseOperations.integer_field_ranges[field.get_internal_type()]
    return Decimal(low), Decimal(high)


def field_limits(field: models.Field[Any, Any]) -> tuple[Decimal, Decimal]:
    """The column's limits narrowed by the field's Min/MaxValueValidators."""
    low, high = column_limits(field)
    for validator in field.validators:
        if isinstance(validator, validators.MinValueValidator):
            low = max(low, Decimal(validator.limit_value))
        elif isinstance(validator, validators.MaxValueValidator):
            high = min(high, Decimal(validator.limit_value))
    return low, high


def limit_validators(field: models.Field[Any, Any]) -> list[validators.BaseValidator]:
    """Form validators that refuse what the field's column cannot hold."""
    low, high = field_limits(field)
    return [validators.MinValueValidator(low), validators.MaxValueValidator(high)]


def number_check(model: type[models.Model], name: str, value: Decimal | int) -> None:
    """Refuse `value` for `model.name` outside the field's limits, naming both."""
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field), name
    low, high = field_limits(field)
    if not low <= value <= high:
        raise ApplicationError(
            _("%(field)s must be between %(min)s and %(max)s.")
            % {"field": field.verbose_name, "min": _plain(low), "max": _plain(high)},
            code=CoreErrorCode.NUMBER_OUT_OF_RANGE,
        )


def _plain(number: Decimal) -> str:
    """1000.00 → "1000", 999.99 → "999.99": limits as a person writes them."""
    return f"{number.normalize():f}"


def in_places(
    value: Decimal | float | None, field: models.DecimalField[Any, Any]
) -> Decimal | None:
    """An aggregate (Max, Min, Avg) of a decimal column, to the column's places.

    Django quantizes a decimal column read back on SQLite but not an aggregate over it:
    SQLite computes in floating point, so the page showed "最高 92.0200000000000，最低 0"
    where PostgreSQL shows "92.02" and "0.00".
    """
    if value is None:
        return None
    # A float through its shortest repr (92.02, not 92.019999…), then to the places.
    exact = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    return exact.quantize(Decimal(1).scaleb(-(field.decimal_places or 0)))
