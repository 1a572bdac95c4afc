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
"""

# ruff: noqa: S608 - every statement here is built from this module's constants, never input

from __future__ import annotations

from typing import Any

T = "worklogs_logmonthtally"
KEY_COLUMNS = "region_id, person_id, unit_id, day, timeliness"

PG_MONTH = "date_trunc('month', {day}::timestamp)::date"
PG_COUNTS = (
    "count(*) FILTER (WHERE timeliness = 'on_time') AS on_time, "
    "count(*) FILTER (WHERE timeliness = 'backfilled') AS backfilled"
)
PG_UPSERT = (
    "ON CONFLICT (person_id, unit_id, month) DO UPDATE "
    "SET on_time = t.on_time + EXCLUDED.on_time, backfilled = t.backfilled + EXCLUDED.backfilled"
)

POSTGRESQL = [
    f"""
    CREATE FUNCTION worklogs_tally_added() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO {T} AS t (region_id, person_id, unit_id, month, on_time, backfilled)
        SELECT max(region_id), person_id, unit_id, {PG_MONTH.format(day="day")}, {PG_COUNTS}
        FROM added GROUP BY person_id, unit_id, {PG_MONTH.format(day="day")}
        {PG_UPSERT};
        RETURN NULL;
    END $$
    """,
    f"""
    CREATE FUNCTION worklogs_tally_removed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE {T} AS t
        SET on_time = t.on_time - r.on_time, backfilled = t.backfilled - r.backfilled
        FROM (
            SELECT person_id, unit_id, {PG_MONTH.format(day="day")} AS month,
                   {PG_COUNTS}
            FROM removed GROUP BY 1, 2, 3
        ) AS r
        WHERE t.person_id = r.person_id AND t.unit_id = r.unit_id AND t.month = r.month;
        DELETE FROM {T} AS t
        USING (SELECT DISTINCT person_id, unit_id, {PG_MONTH.format(day="day")} AS month
               FROM removed) AS r
        WHERE t.person_id = r.person_id AND t.unit_id = r.unit_id AND t.month = r.month
          AND t.on_time = 0 AND t.backfilled = 0;
        RETURN NULL;
    END $$
    """,
    f"""
    CREATE FUNCTION worklogs_tally_moved() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE {T}
        SET on_time = on_time - (OLD.timeliness = 'on_time')::int,
            backfilled = backfilled - (OLD.timeliness = 'backfilled')::int
        WHERE person_id = OLD.person_id AND unit_id = OLD.unit_id
          AND month = {PG_MONTH.format(day="OLD.day")};
        DELETE FROM {T}
        WHERE person_id = OLD.person_id AND unit_id = OLD.unit_id
          AND month = {PG_MONTH.format(day="OLD.day")} AND on_time = 0 AND backfilled = 0;
        INSERT INTO {T} AS t (region_id, person_id, unit_id, month, on_time, backfilled)
        VALUES (NEW.region_id, NEW.person_id, NEW.unit_id, {PG_MONTH.format(day="NEW.day")},
                (NEW.timeliness = 'on_time')::int, (NEW.timeliness = 'backfilled')::int)
        {PG_UPSERT};
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER worklogs_tally_added AFTER INSERT ON worklogs_worklog
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION worklogs_tally_added()
    """,
    """
    CREATE TRIGGER worklogs_tally_removed AFTER DELETE ON worklogs_worklog
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT
    EXECUTE FUNCTION worklogs_tally_removed()
    """,
    f"""
    CREATE TRIGGER worklogs_tally_moved AFTER UPDATE OF {KEY_COLUMNS} ON worklogs_worklog
    FOR EACH ROW WHEN (
        (OLD.region_id, OLD.person_id, OLD.unit_id, OLD.day, OLD.timeliness)
        IS DISTINCT FROM (NEW.region_id, NEW.person_id, NEW.unit_id, NEW.day, NEW.timeliness))
    EXECUTE FUNCTION worklogs_tally_moved()
    """,
]

POSTGRESQL_COUNT = f"""
    INSERT INTO {T} (region_id, person_id, unit_id, month, on_time, backfilled)
    SELECT max(region_id), person_id, unit_id, {PG_MONTH.format(day="day")}, {PG_COUNTS}
    FROM worklogs_worklog GROUP BY person_id, unit_id, {PG_MONTH.format(day="day")}
"""

POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS worklogs_tally_added ON worklogs_worklog",
    "DROP TRIGGER IF EXISTS worklogs_tally_removed ON worklogs_worklog",
    "DROP TRIGGER IF EXISTS worklogs_tally_moved ON worklogs_worklog",
    "DROP FUNCTION IF EXISTS worklogs_tally_added()",
    "DROP FUNCTION IF EXISTS worklogs_tally_removed()",
    "DROP FUNCTION IF EXISTS worklogs_tally_moved()",
]

SQLITE_MONTH = "date({day}, 'start of month')"


def _sqlite_add(row: str) -> str:
    return (
        f"INSERT INTO {T} (region_id, person_id, unit_id, month, on_time, backfilled) "
        f"VALUES ({row}.region_id, {row}.person_id, {row}.unit_id, "
        f"{SQLITE_MONTH.format(day=row + '.day')}, "
        f"{row}.timeliness = 'on_time', {row}.timeliness = 'backfilled') "
        "ON CONFLICT (person_id, unit_id, month) DO UPDATE "
        "SET on_time = on_time + excluded.on_time, backfilled = backfilled + excluded.backfilled;"
    )


def _sqlite_remove(row: str) -> str:
    where = (
        f"WHERE person_id = {row}.person_id AND unit_id = {row}.unit_id "
        f"AND month = {SQLITE_MONTH.format(day=row + '.day')}"
    )
    return (
        f"UPDATE {T} SET on_time = on_time - ({row}.timeliness = 'on_time'), "
        f"backfilled = backfilled - ({row}.timeliness = 'backfilled') {where}; "
        f"DELETE FROM {T} {where} AND on_time = 0 AND backfilled = 0;"
    )


SQLITE = [
    f"CREATE TRIGGER worklogs_tally_added AFTER INSERT ON worklogs_worklog "
    f"BEGIN {_sqlite_add('NEW')} END",
    f"CREATE TRIGGER worklogs_tally_removed AFTER DELETE ON worklogs_worklog "
    f"BEGIN {_sqlite_remove('OLD')} END",
    f"CREATE TRIGGER worklogs_tally_moved AFTER UPDATE OF {KEY_COLUMNS} ON worklogs_worklog "
    "WHEN OLD.region_id IS NOT NEW.region_id OR OLD.person_id IS NOT NEW.person_id "
    "OR OLD.unit_id IS NOT NEW.unit_id OR OLD.day IS NOT NEW.day "
    "OR OLD.timeliness IS NOT NEW.timeliness "
    f"BEGIN {_sqlite_remove('OLD')} {_sqlite_add('NEW')} END",
]

SQLITE_COUNT = (
    f"INSERT INTO {T} (region_id, person_id, unit_id, month, on_time, backfilled) "
    f"SELECT max(region_id), person_id, unit_id, {SQLITE_MONTH.format(day='day')}, "
    "sum(timeliness = 'on_time'), sum(timeliness = 'backfilled') "
    f"FROM worklogs_worklog GROUP BY person_id, unit_id, {SQLITE_MONTH.format(day='day')}"
)

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS worklogs_tally_added",
    "DROP TRIGGER IF EXISTS worklogs_tally_removed",
    "DROP TRIGGER IF EXISTS worklogs_tally_moved",
]


def _run(schema_editor: Any, statements: dict[str, list[str]]) -> None:
    vendor = schema_editor.connection.vendor
    if vendor not in statements:
        raise RuntimeError(f"work-log tallies have no triggers for the {vendor} database")
    for sql in statements[vendor]:
        schema_editor.execute(sql)


def install(schema_editor: Any, *, sqlite_only: bool = False) -> None:
    """Create the triggers (replacing any on SQLite)."""
    if schema_editor.connection.vendor == "sqlite":
        _run(schema_editor, {"sqlite": SQLITE_DROP + SQLITE})
    elif not sqlite_only:
        _run(schema_editor, {"postgresql": POSTGRESQL})


def uninstall(schema_editor: Any) -> None:
    _run(schema_editor, {"postgresql": POSTGRESQL_DROP, "sqlite": SQLITE_DROP})


def count_existing(schema_editor: Any) -> None:
    """Fill the (empty) tally table from the logs already there."""
    _run(schema_editor, {"postgresql": [POSTGRESQL_COUNT], "sqlite": [SQLITE_COUNT]})
