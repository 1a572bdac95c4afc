"""Names for raw SQL come from the models, quoted for the database in use."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

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


@pytest.mark.django_db
def test_a_prepared_statement_gives_the_plain_statements_rows_and_is_prepared_once() -> None:
    """The same rows as the statement itself, on either database; on PostgreSQL the
    statement is prepared once on the connection (and the PREPARE is not in the query
    log: whether a connection has it must not change a page's query count)."""
    text = "SELECT value FROM (SELECT 1 AS value UNION ALL SELECT 2 UNION ALL SELECT 3) t WHERE "
    condition, params = sql.in_ids("value", [1, 3])
    for _ in range(2):
        with CaptureQueriesContext(connection) as captured, connection.cursor() as cursor:
            sql.execute_prepared(
                cursor, "kaohe_test_prepared", text + condition, ["bigint[]"], params
            )
            assert sorted(row[0] for row in cursor.fetchall()) == [1, 3]
        assert len(captured) == 1
    if sql.is_postgres():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_prepared_statements WHERE name = %s",
                ["kaohe_test_prepared"],
            )
            assert cursor.fetchone() == (1,)
