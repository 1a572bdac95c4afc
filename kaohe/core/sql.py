"""The one seam for raw SQL: names taken from the models, and every spelling that
differs between PostgreSQL and SQLite.

Code that writes SQL by hand gets its table and column names here (`table`,
`column`: from `Model._meta`, quoted for the database in use, so no table name is
written out anywhere else), asks here which database it runs on (`is_postgres`), and
takes each construct the two databases spell differently from a small function here
(the start of a month, an id list as one parameter, rows as one parameter, bulk
loading, JSON text aggregates...), so a third database or a renamed table is one
module's change.

S608 policy (ruff's "possible SQL injection"; docs/decisions.md, "One SQL seam"):
raw SQL is assembled only from names that come from this module (the models'
metadata) or from the module's own constants, and every value travels as a
parameter. A statement assembled that way is marked on its line with a bare
`# noqa: S608`, the one mechanism used; there are no per-file ignores and no
file-wide suppressions, so any other f-string SQL is still flagged where it is
written.
"""

from __future__ import annotations

import functools
import json
import weakref
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, ParamSpec

from django.db import connection, models

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.backends.utils import CursorWrapper

P = ParamSpec("P")

POSTGRESQL = "postgresql"
SQLITE = "sqlite"
DIALECTS = (POSTGRESQL, SQLITE)  # the settings accept no other database

# Rows per multi-row INSERT where there is no COPY: well below SQLite's 32,766
# parameters for the widest table loaded this way.
INSERT_ROWS = 1000


# ---------------------------------------------------------------- names


def table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def column(model: type[models.Model], field_name: str) -> str:
    """The quoted column of a field (by name or attname, e.g. "unit" or "unit_id")."""
    field = model._meta.get_field(field_name)
    if not isinstance(field, models.Field) or not field.column:
        raise RuntimeError(f"{model.__name__}.{field_name} is not a column.")
    return connection.ops.quote_name(field.column)


def columns(model: type[models.Model], field_names: Iterable[str]) -> str:
    """The quoted columns of fields, comma-separated, in the order given."""
    return ", ".join(column(model, name) for name in field_names)


# ---------------------------------------------------------------- the dialect


def dialect(db: BaseDatabaseWrapper | None = None) -> str:
    """The database's dialect ("postgresql" or "sqlite"), of the default connection
    unless a migration's `schema_editor.connection` is given."""
    vendor = str((db or connection).vendor)
    if vendor not in DIALECTS:  # pragma: no cover - settings only accept these
        raise NotImplementedError(f"kaohe's raw SQL has no spelling for {vendor}")
    return vendor


def is_postgres(db: BaseDatabaseWrapper | None = None) -> bool:
    return dialect(db) == POSTGRESQL


def statement(build: Callable[P, str]) -> Callable[P, str]:
    """Cache a statement's text per dialect and arguments: built once a process (its
    names are quoted for the database in use, and compiling the ORM's equivalent is
    what the hand-written statements save)."""
    texts: dict[tuple[Any, ...], str] = {}

    @functools.wraps(build)
    def cached(*args: P.args, **kwargs: P.kwargs) -> str:
        key = (dialect(), args, tuple(sorted(kwargs.items())))
        text = texts.get(key)
        if text is None:
            text = texts[key] = build(*args, **kwargs)
        return text

    return cached


# The statements prepared on each PostgreSQL connection (the driver's connection
# object, so a new connection starts with none).
_prepared: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()


def execute_prepared(
    cursor: CursorWrapper, name: str, text: str, types: Sequence[str], params: Sequence[Any]
) -> None:
    """Run `text` (its parameters written %s, of the PostgreSQL `types`) as a statement
    PostgreSQL plans once per connection rather than once per request: for a statement
    whose planning costs more than its run (the feed's entries: 0.9 ms to plan, 0.4 to
    run, on every page of every leader's feed). The PREPARE goes to the driver's
    connection directly, outside Django's query log: it reads no data, and whether a
    connection has it yet must not change the query count a test or page sees; the
    EXECUTE is logged as the statement itself would be. A prepared statement outlives a
    rolled-back transaction, and a new connection prepares again. SQLite runs `text`."""
    if not is_postgres():
        cursor.execute(text, params)
        return
    raw = cursor.db.connection
    done = _prepared.setdefault(raw, set())
    if name not in done:
        numbered = text % tuple(f"${i}" for i in range(1, len(types) + 1))
        raw.execute(f"PREPARE {name}({', '.join(types)}) AS {numbered}")
        done.add(name)
    cursor.execute(f"EXECUTE {name}({', '.join(['%s'] * len(params))})", params)


def unindexed(expression: str) -> str:
    """An expression SQLite's planner will not use an index for (`+column`), where it
    would pick the wrong one for lack of statistics; PostgreSQL keeps statistics and
    gets the plain expression."""
    return expression if is_postgres() else f"+{expression}"


def month_start(day: str, db: BaseDatabaseWrapper | None = None) -> str:
    """The first day of the month of a date expression (a date again)."""
    if is_postgres(db):
        return f"date_trunc('month', {day}::timestamp)::date"
    return f"date({day}, 'start of month')"


def in_ids(expression: str, ids: Sequence[int]) -> tuple[str, list[Any]]:
    """`expression` is one of `ids`, with the ids as one parameter however many they
    are (no statement text a list length): an array on PostgreSQL, a JSON array on
    SQLite."""
    if is_postgres():
        return f"{expression} = ANY(%s)", [list(ids)]
    return f"{expression} IN (SELECT value FROM json_each(%s))", [json.dumps(list(ids))]  # noqa: S608


def rows_source(types: Sequence[str]) -> tuple[list[str], str]:
    """Rows of values passed as parameters (`rows_params`) as a table to select from:
    an expression for each column and the FROM clause, which ends the statement's
    SELECT (no WHERE may follow: on SQLite it carries "WHERE true", which keeps an
    upsert's ON CONFLICT from being read as a join's ON). `types` are the
    PostgreSQL array types of the columns (bigint, numeric...).

    PostgreSQL: one array parameter a column, which unnest reads without a JSON parse
    and a text extraction and cast per field. SQLite: one JSON parameter of arrays,
    so its bound-parameter limit never splits the rows and no key is repeated."""
    if is_postgres():
        names = [f"c{i}" for i in range(len(types))]
        arrays = ", ".join(f"%s::{t}[]" for t in types)
        return [f"r.{n}" for n in names], f"unnest({arrays}) AS r({', '.join(names)})"
    exprs = [f"json_extract(j.value, '$[{i}]')" for i in range(len(types))]
    return exprs, "json_each(%s) AS j WHERE true"


def rows_params(rows: Sequence[Sequence[Any]], width: int) -> list[Any]:
    """The parameters of `rows_source` for rows of `width` values."""
    if is_postgres():
        return [list(col) for col in zip(*rows, strict=True)] if rows else [[]] * width
    return [json.dumps([list(row) for row in rows])]


def load(
    cursor: CursorWrapper,
    into: str,
    names: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    batch: int | None = INSERT_ROWS,
) -> int:
    """Rows of values in database form into a table (quoted names, e.g. from
    `table`/`column`, or a scratch table's): COPY on PostgreSQL (bulk_create binds and
    escapes every value in Python, and psycopg's parsing of statements with tens of
    thousands of placeholders costs more than the insert). On SQLite multi-row INSERTs
    of `batch` rows, or with `batch=None` one executemany of a one-row INSERT (the
    rows held in a list). Returns the number of rows."""
    listed = ", ".join(names)
    total = 0
    if is_postgres():
        with cursor.cursor.copy(f"COPY {into} ({listed}) FROM STDIN") as copy:
            write = copy.write_row
            for row in rows:
                write(row)
                total += 1
        return total
    one = "(" + ", ".join(["%s"] * len(names)) + ")"
    prefix = f"INSERT INTO {into} ({listed}) VALUES "  # noqa: S608
    if batch is None:
        listed_rows = list(rows)
        cursor.executemany(prefix + one, listed_rows)
        return len(listed_rows)
    values: list[Any] = []
    count = 0
    for row in rows:
        values += row
        count += 1
        if count == batch:
            cursor.execute(prefix + ", ".join([one] * count), values)
            total += count
            values, count = [], 0
    if count:
        cursor.execute(prefix + ", ".join([one] * count), values)
        total += count
    return total


# JSON built as text and parsed once (the review close's results): SQLite's aggregates
# drop the JSON subtype that would keep it from quoting, and on PostgreSQL text is a
# third of the cost of nested jsonb_build_object calls per row.


def roomy_sorts(cursor: CursorWrapper, megabytes: int = 64) -> None:
    """Let this transaction's statements sort and hash in memory (PostgreSQL's
    work_mem, 4 MB by default, sends a city's 300,000-row window sorts and hash joins
    to disk); SQLite has no such limit. For one batch statement of a background job,
    inside its transaction (SET LOCAL ends with it)."""
    if is_postgres():
        cursor.execute(f"SET LOCAL work_mem = '{int(megabytes)}MB'")


def text_agg(expression: str, separator: str) -> str:
    """An aggregate: the rows' text joined with a separator (a SQL string literal)."""
    return f"{'string_agg' if is_postgres() else 'group_concat'}({expression}, {separator})"


def json_parse(text: str) -> str:
    """JSON text as a JSON value."""
    return f"CAST({text} AS jsonb)" if is_postgres() else f"json({text})"


def json_empty_object() -> str:
    return "'{}'::jsonb" if is_postgres() else "'{}'"


def hundredths_text(expression: str) -> str:
    """A non-negative integer number of hundredths as text with two decimals: 8850 →
    '88.50' (for a statement with parameters: its % are doubled)."""
    if is_postgres():
        # Integer arithmetic and text, several times cheaper than numeric casts over
        # 100,000 rows; the figures are never negative.
        return f"(({expression}) / 100)::text || '.' || lpad((({expression}) %% 100)::text, 2, '0')"
    return f"printf('%%.2f', {expression} / 100.0)"


def hundredths_decimal(expression: str) -> str:
    """An integer number of hundredths as a decimal of two places."""
    if is_postgres():
        return f"CAST(CAST({expression} AS numeric) / 100 AS numeric(6, 2))"
    return f"{expression} / 100.0"
