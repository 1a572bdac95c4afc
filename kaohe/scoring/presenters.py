"""A published result as every surface shows it: the explanation page and the API.

The texts come from the engine's steps (explain), the grade and consequence labels and
the unit's name as it is now, so the page and the API cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kaohe.accounts.models import User
from kaohe.scoring import selectors
from kaohe.scoring.explain import consequence_label, explain, grade_label
from kaohe.scoring.selectors import MyResult


@dataclass(frozen=True)
class ResultDisplay:
    row: MyResult
    unit: str  # read now, not kept with the result: a unit renamed since shows its new name
    grade_label: str
    headline: str
    lines: list[str]
    consequences: list[str]


def result_display(row: MyResult, unit: str) -> ResultDisplay:
    headline, lines = explain(row.steps)
    return ResultDisplay(
        row=row,
        unit=unit,
        grade_label=grade_label(row.grade),
        headline=headline,
        lines=lines,
        consequences=[consequence_label(c) for c in row.consequences],
    )


def result_displays(rows: Iterable[MyResult]) -> list[ResultDisplay]:
    """Each row displayed; the units' names in one read."""
    rows = list(rows)
    names = selectors.unit_names({r.unit_id for r in rows})
    return [result_display(r, names.get(r.unit_id, "—")) for r in rows]


def my_result_displays(user: User) -> list[ResultDisplay]:
    """The user's published results (selectors.my_result_rows), quarters first."""
    rows = selectors.my_result_rows(user)
    return result_displays(sorted(rows, key=lambda r: r.kind == "year"))
