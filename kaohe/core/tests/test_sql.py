"""Names for raw SQL come from the models, quoted for the database in use."""

from __future__ import annotations

import pytest
from django.db import connection

from kaohe.core import sql
from kaohe.org.models import Membership, Person


def test_it_quotes_the_table_and_the_columns_of_fields_and_attnames() -> None:
    quote = connection.ops.quote_name
    assert sql.table(Membership) == quote("org_membership")
    assert sql.column(Membership, "person") == quote("person_id")
    assert sql.column(Membership, "person_id") == quote("person_id")
    assert sql.column(Membership, "valid_from") == quote("valid_from")


def test_it_refuses_what_is_not_a_column() -> None:
    with pytest.raises(RuntimeError, match=r"Person\.memberships is not a column"):
        sql.column(Person, "memberships")
