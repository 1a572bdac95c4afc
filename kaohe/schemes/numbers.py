"""Reading numbers typed or uploaded for schemes and results."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from kaohe.schemes.rollup import CENT


def finite_decimal(text: str) -> Decimal | None:
    """The number written in `text`, or None when it is not a finite number.

    `Decimal` reads "nan", "inf" and "Infinity" too; comparing those raises, so
    they are refused here like any other text that is not a number."""
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def two_places(number: Decimal) -> bool:
    """Whether `number` has at most two decimals, as the database keeps it: more would
    be rounded silently on PostgreSQL and kept on SQLite, so they are refused."""
    return number == number.quantize(CENT)
