"""bench/common.strip_table: the bench loads big tables bare and builds their indexes
afterwards; everything it took off must come back, on either database, or the pages
it then times would run without the indexes and triggers production has."""

from __future__ import annotations

import pytest
from django.db import connection

from bench.common import strip_table
from kaohe.worklogs.models import WorkLog

TABLE = WorkLog._meta.db_table


def indexes_and_triggers() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT type || ' ' || name FROM sqlite_master WHERE tbl_name = %s "
                "AND type IN ('index', 'trigger') AND sql IS NOT NULL",
                [TABLE],
            )
        else:
            cursor.execute(
                "SELECT 'index ' || indexname FROM pg_indexes WHERE tablename = %s "
                "UNION SELECT 'trigger ' || tgname FROM pg_trigger "
                "WHERE tgrelid = %s::regclass AND tgenabled <> 'D'",
                [TABLE, TABLE],
            )
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.django_db
def test_it_takes_the_indexes_and_triggers_off_and_puts_them_all_back() -> None:
    before = indexes_and_triggers()
    assert any(name.startswith("trigger ") for name in before)  # the tally triggers
    with connection.cursor() as cursor:
        rebuild = strip_table(cursor, WorkLog)
        bare = indexes_and_triggers()
        rebuild()
    assert not any(name.startswith("trigger ") for name in bare)
    assert len(bare) < len(before)
    assert indexes_and_triggers() == before
