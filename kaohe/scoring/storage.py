"""Storing what the engine returns (R5): result rows written straight to their
table (one COPY on PostgreSQL, one executemany elsewhere) with no model instances,
and the steps' JSON text encoded once per shared Step: a quarter's joined into each
row's text, a year's stored once per run (StepCatalog, AnnualStep) and named by number.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from django.db import connection, models

from kaohe.core import sql
from kaohe.scoring import engine

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_quote = json.encoder.encode_basestring


def _step_json(step: engine.Step) -> str:
    """_dumps({"code": …, "figures": {…}}), the same text, without building the
    encoder per call (figures are strings; anything else goes through _dumps)."""
    figures = step.figures
    if isinstance(step.code, str) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in figures.items()
    ):
        inner = ",".join([f"{_quote(k)}:{_quote(v)}" for k, v in figures.items()])
        return f'{{"code":{_quote(step.code)},"figures":{{{inner}}}}}'
    return _dumps({"code": step.code, "figures": dict(figures)})


class StepsText:
    """The JSON text stored for a result's steps: a list of {"code", "figures"}.

    The engine hands the same Step object to everyone whose line reads the same (a
    pool's quota, a grade, a score, a missing-log deduction), so each object is
    encoded once per run and the texts joined; encoding every step of every row cost
    more than the engine at city scale. The memo keeps each step it has seen, so an
    id is never reused while the memo lives."""

    def __init__(self) -> None:
        self._texts: dict[int, str] = {}  # id(step) → its JSON
        self._kept: list[engine.Step] = []  # holds every step seen, so no id is reused

    def __call__(self, *groups: Sequence[engine.Step]) -> str:
        steps = groups[0] if len(groups) == 1 else [s for g in groups for s in g]
        texts = self._texts
        try:
            # Nearly every step was seen before: one lookup each, all in C.
            return "[" + ",".join(map(texts.__getitem__, map(id, steps))) + "]"
        except KeyError:
            for step in steps:
                if id(step) not in texts:
                    texts[id(step)] = _step_json(step)
                    self._kept.append(step)
            return "[" + ",".join(map(texts.__getitem__, map(id, steps))) + "]"


class StepCatalog:
    """A year run's distinct steps, numbered as first seen: `__call__` gives a result's
    `step_numbers` ("0,7,12"), `rows` the run's AnnualStep rows (each step's JSON
    text once). The engine shares one Step object among everyone whose line reads the
    same, so a city's 300,000 results name some tens of thousands; storing each
    result's steps as text was 88% of the year's COPY. Objects equal in value but
    distinct get numbers of their own (harmless: both read the same). As StepsText,
    every step seen is kept, so an id is never reused while the catalog lives."""

    def __init__(self) -> None:
        self._numbers: dict[int, str] = {}  # id(step) → its number, as text
        self._kept: list[engine.Step] = []  # by number

    def __call__(self, steps: Sequence[engine.Step]) -> str:
        numbers = self._numbers
        try:
            return ",".join(map(numbers.__getitem__, map(id, steps)))
        except KeyError:
            for step in steps:
                if id(step) not in numbers:
                    numbers[id(step)] = str(len(self._kept))
                    self._kept.append(step)
            return ",".join(map(numbers.__getitem__, map(id, steps)))

    def __len__(self) -> int:
        return len(self._kept)

    def rows(self, run_id: int) -> Iterator[tuple[int, int, str]]:
        """(run, number, JSON text) for every step named so far."""
        for number, step in enumerate(self._kept):
            yield run_id, number, _step_json(step)


QUARTER_COLUMNS = (
    "run_id",
    "person_id",
    "unit_id",
    "pool_id",
    "score",
    "band",
    "computed_grade",
    "grade",
    "tie",
    "change_reason",
    "steps",
    "rank_in_unit",
)
ANNUAL_COLUMNS = (
    "run_id",
    "person_id",
    "unit_id",
    "pool_id",
    "tier",
    "composite",
    "grade",
    "priority",
    "consequences",
    "tie",
    "steps",
    "step_numbers",
    "rank_in_tier",
)
STEP_COLUMNS = ("run_id", "number", "step")


def store_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Insert rows of plain values in `columns` order (attribute names), JSON columns
    as JSON text, straight to the table: no model instances.

    `sql.load`: on PostgreSQL one COPY through psycopg (bulk_create binds and escapes
    every value of every row in Python, and was 8× slower at 20,000 results); on
    SQLite one executemany of a plain INSERT."""
    if progress is not None:
        rows = _counted(rows, progress)
    names = [sql.column(model, c) for c in columns]
    with connection.cursor() as cursor:
        sql.load(cursor, sql.table(model), names, rows, batch=None)


def _counted(rows: Iterable[Sequence[Any]], seen: Callable[[int], None]) -> Iterator[Sequence[Any]]:
    """The rows as they are, telling `seen` how many went by so far (a job's bar)."""
    for n, row in enumerate(rows, 1):
        yield row
        seen(n)
