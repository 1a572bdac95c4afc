"""The database triggers that keep LogMonthTally in step with the work-log table.

Every insert, delete and re-keying update of a log (a change of region, person, unit,
day or timeliness) adjusts the tally of its person, unit and month in the same
statement, whoever writes: the submission service, the demo's COPY, a test's
bulk_create, a cascade from a deleted person. Content edits do not touch tallies.
A tally that falls to zero is deleted, so the table equals a recount.

PostgreSQL: statement-level triggers with transition tables for inserts and deletes
(one grouped upsert per statement, however many rows it wrote) and a row-level
trigger for the rare re-keying update. SQLite has only row-level triggers.

Used by migrations. On SQLite, a migration that rebuilds the log table (most
AlterField operations do) drops its triggers: such a migration must call
`install(schema_editor, sqlite_only=True)` afterwards, as 0005 does. The tally
tests fail if it does not.

The tables' names come from the models (`kaohe.core.sql`), the month from the seam's
`month_start`, as the tallies' rebuild uses them; the statements are built when a
migration runs, for its database.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kaohe.core import sql
from kaohe.worklogs.models import LogMonthTally, WorkLog

KEY_COLUMNS = "region_id, person_id, unit_id, day, timeliness"
TRIGGERS = ("worklogs_tally_added", "worklogs_tally_removed", "worklogs_tally_moved")

PG_COUNTS = (
    "count(*) FILTER (WHERE timeliness = 'on_time') AS on_time, "
    "count(*) FILTER (WHERE timeliness = 'backfilled') AS backfilled"
)
PG_UPSERT = (
    "ON CONFLICT (person_id, unit_id, month) DO UPDATE "
    "SET on_time = t.on_time + EXCLUDED.on_time, backfilled = t.backfilled + EXCLUDED.backfilled"
)


def _postgresql(db: Any) -> list[str]:
    T, L = sql.table(LogMonthTally), sql.table(WorkLog)

    def month(day: str) -> str:
        return sql.month_start(day, db)

    return [
        f"""
    CREATE FUNCTION worklogs_tally_added() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO {T} AS t (region_id, person_id, unit_id, month, on_time, backfilled)
        SELECT max(region_id), person_id, unit_id, {month("day")}, {PG_COUNTS}
        FROM added GROUP BY person_id, unit_id, {month("day")}
        {PG_UPSERT};
        RETURN NULL;
    END $$
    """,  # noqa: S608
        f"""
    CREATE FUNCTION worklogs_tally_removed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE {T} AS t
        SET on_time = t.on_time - r.on_time, backfilled = t.backfilled - r.backfilled
        FROM (
            SELECT person_id, unit_id, {month("day")} AS month,
                   {PG_COUNTS}
            FROM removed GROUP BY 1, 2, 3
        ) AS r
        WHERE t.person_id = r.person_id AND t.unit_id = r.unit_id AND t.month = r.month;
        DELETE FROM {T} AS t
        USING (SELECT DISTINCT person_id, unit_id, {month("day")} AS month
               FROM removed) AS r
        WHERE t.person_id = r.person_id AND t.unit_id = r.unit_id AND t.month = r.month
          AND t.on_time = 0 AND t.backfilled = 0;
        RETURN NULL;
    END $$
    """,  # noqa: S608
        f"""
    CREATE FUNCTION worklogs_tally_moved() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE {T}
        SET on_time = on_time - (OLD.timeliness = 'on_time')::int,
            backfilled = backfilled - (OLD.timeliness = 'backfilled')::int
        WHERE person_id = OLD.person_id AND unit_id = OLD.unit_id
          AND month = {month("OLD.day")};
        DELETE FROM {T}
        WHERE person_id = OLD.person_id AND unit_id = OLD.unit_id
          AND month = {month("OLD.day")} AND on_time = 0 AND backfilled = 0;
        INSERT INTO {T} AS t (region_id, person_id, unit_id, month, on_time, backfilled)
        VALUES (NEW.region_id, NEW.person_id, NEW.unit_id, {month("NEW.day")},
                (NEW.timeliness = 'on_time')::int, (NEW.timeliness = 'backfilled')::int)
        {PG_UPSERT};
        RETURN NULL;
    END $$
    """,  # noqa: S608
        f"""
    CREATE TRIGGER worklogs_tally_added AFTER INSERT ON {L}
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION worklogs_tally_added()
    """,
        f"""
    CREATE TRIGGER worklogs_tally_removed AFTER DELETE ON {L}
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT
    EXECUTE FUNCTION worklogs_tally_removed()
    """,
        f"""
    CREATE TRIGGER worklogs_tally_moved AFTER UPDATE OF {KEY_COLUMNS} ON {L}
    FOR EACH ROW WHEN (
        (OLD.region_id, OLD.person_id, OLD.unit_id, OLD.day, OLD.timeliness)
        IS DISTINCT FROM (NEW.region_id, NEW.person_id, NEW.unit_id, NEW.day, NEW.timeliness))
    EXECUTE FUNCTION worklogs_tally_moved()
    """,
    ]


def _postgresql_count(db: Any) -> list[str]:
    T, L, month = sql.table(LogMonthTally), sql.table(WorkLog), sql.month_start("day", db)
    return [
        f"""
    INSERT INTO {T} (region_id, person_id, unit_id, month, on_time, backfilled)
    SELECT max(region_id), person_id, unit_id, {month}, {PG_COUNTS}
    FROM {L} GROUP BY person_id, unit_id, {month}
"""  # noqa: S608
    ]


def _postgresql_drop(db: Any) -> list[str]:
    L = sql.table(WorkLog)
    return [f"DROP TRIGGER IF EXISTS {name} ON {L}" for name in TRIGGERS] + [
        f"DROP FUNCTION IF EXISTS {name}()" for name in TRIGGERS
    ]


def _sqlite(db: Any) -> list[str]:
    T, L = sql.table(LogMonthTally), sql.table(WorkLog)

    def add(row: str) -> str:
        return (
            f"INSERT INTO {T} (region_id, person_id, unit_id, month, on_time, backfilled) "  # noqa: S608
            f"VALUES ({row}.region_id, {row}.person_id, {row}.unit_id, "
            f"{sql.month_start(row + '.day', db)}, "
            f"{row}.timeliness = 'on_time', {row}.timeliness = 'backfilled') "
            "ON CONFLICT (person_id, unit_id, month) DO UPDATE "
            "SET on_time = on_time + excluded.on_time, "
            "backfilled = backfilled + excluded.backfilled;"
        )

    def remove(row: str) -> str:
        where = (
            f"WHERE person_id = {row}.person_id AND unit_id = {row}.unit_id "
            f"AND month = {sql.month_start(row + '.day', db)}"
        )
        return (
            f"UPDATE {T} SET on_time = on_time - ({row}.timeliness = 'on_time'), "  # noqa: S608
            f"backfilled = backfilled - ({row}.timeliness = 'backfilled') {where}; "
            f"DELETE FROM {T} {where} AND on_time = 0 AND backfilled = 0;"
        )

    return [
        f"CREATE TRIGGER worklogs_tally_added AFTER INSERT ON {L} BEGIN {add('NEW')} END",
        f"CREATE TRIGGER worklogs_tally_removed AFTER DELETE ON {L} BEGIN {remove('OLD')} END",
        f"CREATE TRIGGER worklogs_tally_moved AFTER UPDATE OF {KEY_COLUMNS} ON {L} "
        "WHEN OLD.region_id IS NOT NEW.region_id OR OLD.person_id IS NOT NEW.person_id "
        "OR OLD.unit_id IS NOT NEW.unit_id OR OLD.day IS NOT NEW.day "
        "OR OLD.timeliness IS NOT NEW.timeliness "
        f"BEGIN {remove('OLD')} {add('NEW')} END",
    ]


def _sqlite_count(db: Any) -> list[str]:
    T, L, month = sql.table(LogMonthTally), sql.table(WorkLog), sql.month_start("day", db)
    return [
        f"INSERT INTO {T} (region_id, person_id, unit_id, month, on_time, backfilled) "  # noqa: S608
        f"SELECT max(region_id), person_id, unit_id, {month}, "
        "sum(timeliness = 'on_time'), sum(timeliness = 'backfilled') "
        f"FROM {L} GROUP BY person_id, unit_id, {month}"
    ]


def _sqlite_drop(db: Any) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGERS]


def _run(schema_editor: Any, statements: dict[str, Callable[[Any], list[str]]]) -> None:
    db = schema_editor.connection
    build = statements.get(sql.dialect(db))
    if build is None:
        raise RuntimeError(f"work-log tallies have no triggers for {sql.dialect(db)}")
    for statement in build(db):
        schema_editor.execute(statement)


def install(schema_editor: Any, *, sqlite_only: bool = False) -> None:
    """Create the triggers (replacing any on SQLite)."""
    if sql.dialect(schema_editor.connection) == sql.SQLITE:
        _run(schema_editor, {sql.SQLITE: lambda db: _sqlite_drop(db) + _sqlite(db)})
    elif not sqlite_only:
        _run(schema_editor, {sql.POSTGRESQL: _postgresql})


def uninstall(schema_editor: Any) -> None:
    _run(schema_editor, {sql.POSTGRESQL: _postgresql_drop, sql.SQLITE: _sqlite_drop})


def count_existing(schema_editor: Any) -> None:
    """Fill the (empty) tally table from the logs already there."""
    _run(schema_editor, {sql.POSTGRESQL: _postgresql_count, sql.SQLITE: _sqlite_count})


def forget_counts(schema_editor: Any) -> None:
    """Empty the tally table (the triggers gone, it would fall behind)."""
    schema_editor.execute(f"DELETE FROM {sql.table(LogMonthTally)}")  # noqa: S608
