"""The demo county's three years before kaohe (2023–2025 for the 2026 demo), imported
through the same service an office uses for its Excel file (the row-level core,
`outcomes.services.year_records_import_rows`, given the template's cells), so that the
eligibility lists and the last-place ladder have years to read.

Everyone in post since the demo year's first day was a cadre in those years, in the
unit, post and tier they began the year with (a transfer in their unit of origin);
this year's recruits were not. Each person has a steady ability and a year's luck,
both from one seeded generator, so each run yields the same history:

- about 20% 优秀: the top fifth of each unit by composite;
- the lowest of the county 基本称职 (a dozen a year) and 不称职 (three a year), one
  person 不称职 two years running;
- in a few units the same person last two years running, in two of them three;
- the persona `cadre` 优秀 all three years (a 记三等功 candidate once 2026 is 优秀),
  and `cadre_other` last in 城关镇 the last two years (a 诫勉谈话 in the ladder).
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from kaohe.accounts.models import User
from kaohe.demo.schemes import REGION_ADMIN_LOGIN
from kaohe.org.models import Membership
from kaohe.outcomes import priors
from kaohe.outcomes.models import RecordSource, YearRecord
from kaohe.outcomes.services import year_records_import_rows
from kaohe.scoring.engine import AnnualGrade, QuarterGrade

SEED = 20231231
YEARS_BEFORE = 3
EXCELLENT_SHARE = 0.2
BASIC_PER_YEAR = 12
INCOMPETENT_PER_YEAR = 3
LAST_TWICE_UNITS = 6  # units where one person is last the two latest years
LAST_THRICE_UNITS = 2  # … and where one is last all three years
MIN_UNIT_FOR_LADDER = 8
FILE_NAME = "示范区往年考核结果.xlsx"

_GRADE_LABELS = {value: label for label, value in priors.GRADE_NAMES.items()}
_QUARTER_LABELS = {value: label for label, value in priors.QUARTER_NAMES.items()}
_TIER_LABELS = {value: label for label, value in priors.TIER_NAMES.items()}
CENT = Decimal("0.01")


@dataclass
class _Cadre:
    person_id: int
    staff_no: str
    name: str
    unit: str
    post: str
    tier: str
    ability: float
    username: str = ""


@dataclass
class DemoPriors:
    years: list[int] = field(default_factory=list)
    people: int = 0
    records: int = 0
    excellent: int = 0
    basic: int = 0
    incompetent: int = 0
    last_twice: int = 0  # people last in their unit the two latest years


def _cadres(region_id: int, year: int, rng: random.Random) -> list[_Cadre]:
    """Everyone in post on the year's first day, as they began the year."""
    jan1 = dt.date(year, 1, 1)
    first: dict[int, tuple[Any, ...]] = {}
    for row in (
        Membership.objects.filter(region_id=region_id)
        .order_by("person_id", "valid_from")
        .values_list(
            "person_id",
            "person__staff_no",
            "person__name",
            "unit__name",
            "post",
            "rank_level__tier",
            "valid_from",
        )
    ):
        first.setdefault(row[0], row)
    logins = dict(
        User.objects.filter(region_id=region_id, person__isnull=False).values_list(
            "person_id", "username"
        )
    )
    cadres = []
    for person_id, staff_no, name, unit, post, tier, valid_from in sorted(
        first.values(), key=lambda r: r[1]
    ):
        if valid_from != jan1:
            continue  # recruited this year
        cadres.append(
            _Cadre(
                person_id=person_id,
                staff_no=staff_no,
                name=name,
                unit=unit,
                post=post or "科员",
                tier=tier,
                ability=rng.gauss(0, 1),
                username=logins.get(person_id, ""),
            )
        )
    return cadres


def _rank(group: list[_Cadre], score: dict[int, Decimal]) -> list[_Cadre]:
    """Highest composite first; equal scores by staff number."""
    return sorted(group, key=lambda c: (-score[c.person_id], c.staff_no))


def _quarters(rng: random.Random, grade: str) -> list[QuarterGrade]:
    good, fair, average, poor = (
        QuarterGrade.GOOD,
        QuarterGrade.FAIRLY_GOOD,
        QuarterGrade.AVERAGE,
        QuarterGrade.POOR,
    )
    if grade == AnnualGrade.EXCELLENT:
        quarters = [good if rng.random() < 0.75 else fair for _q in range(4)]
        if quarters.count(good) < 2:
            quarters[:2] = [good, good]
        return quarters
    if grade == AnnualGrade.INCOMPETENT:
        return [poor, average, poor, average] if rng.random() < 0.5 else [average, poor, poor, fair]
    if grade == AnnualGrade.BASIC:
        quarters = [average if rng.random() < 0.5 else fair for _q in range(4)]
        quarters[rng.randrange(4)] = average
        return quarters
    draw = [rng.random() for _q in range(4)]
    return [good if d < 0.2 else average if d > 0.95 else fair for d in draw]


def demo_prior_cells(region_id: int, year: int) -> list[tuple[int, dict[str, Any]]]:
    """The demo's earlier years as rows of the import template (cells by header)."""
    rng = random.Random(SEED)
    cadres = _cadres(region_id, year, rng)
    years = list(range(year - YEARS_BEFORE, year))
    by_unit: dict[str, list[_Cadre]] = defaultdict(list)
    for c in cadres:
        by_unit[c.unit].append(c)
    # The people last in their unit year after year: the weakest of a few large units.
    persona = next((c for c in cadres if c.username == "cadre"), None)
    other = next((c for c in cadres if c.username == "cadre_other"), None)
    twice_incompetent = min(cadres, key=lambda c: (c.ability, c.staff_no))
    kept = {twice_incompetent.unit, *(c.unit for c in (persona, other) if c is not None)}
    ladder_units = sorted(
        u for u, group in by_unit.items() if len(group) >= MIN_UNIT_FOR_LADDER and u not in kept
    )
    rng.shuffle(ladder_units)
    ladder: dict[str, tuple[_Cadre, int]] = {}  # unit → (person, years running)
    for i, unit in enumerate(ladder_units[: LAST_TWICE_UNITS + LAST_THRICE_UNITS]):
        weakest = min(by_unit[unit], key=lambda c: (c.ability, c.staff_no))
        ladder[unit] = (weakest, 3 if i < LAST_THRICE_UNITS else 2)
    if other is not None:
        ladder[other.unit] = (other, 2)

    rows: list[tuple[int, dict[str, Any]]] = []
    once_incompetent: set[int] = set()
    for index, y in enumerate(years):
        running = len(years) - index  # years up to the latest, this one included
        score: dict[int, Decimal] = {}
        for c in cadres:
            value = 86 + 2.0 * c.ability + 2.5 * rng.gauss(0, 1)
            score[c.person_id] = Decimal(str(min(max(value, 65.0), 99.5))).quantize(CENT)
        if persona is not None:
            score[persona.person_id] = Decimal("98.50")
        if running <= 2:
            score[twice_incompetent.person_id] = Decimal("61.00")
        for unit, (c, years_last) in ladder.items():
            if running <= years_last:
                floor = min(score[m.person_id] for m in by_unit[unit] if m is not c)
                score[c.person_id] = max(floor - Decimal("1.50"), Decimal("60.00"))

        grade: dict[int, str] = {c.person_id: AnnualGrade.COMPETENT for c in cadres}
        rank_in_unit: dict[int, tuple[int, int]] = {}
        for group in by_unit.values():
            ordered = _rank(group, score)
            top = int(len(ordered) * EXCELLENT_SHARE + 0.5)
            for place, c in enumerate(ordered, 1):
                rank_in_unit[c.person_id] = (place, len(ordered))
                if place <= top:
                    grade[c.person_id] = AnnualGrade.EXCELLENT
        # The lowest of the county: 不称职 for three (never twice but for the one chosen,
        # nor those last in their unit, whose ladder is its own), 基本称职 for the next.
        lowest = [c for c in reversed(_rank(cadres, score)) if grade[c.person_id] != "excellent"]
        failed = [twice_incompetent] if running <= 2 else []
        for c in lowest:
            if len(failed) == INCOMPETENT_PER_YEAR:
                break
            if (
                c.person_id not in once_incompetent
                and c is not twice_incompetent
                and not any(c is person for person, _years in ladder.values())
            ):
                failed.append(c)
        for c in failed:
            grade[c.person_id] = AnnualGrade.INCOMPETENT
            once_incompetent.add(c.person_id)
        for c in [c for c in lowest if c not in failed][:BASIC_PER_YEAR]:
            grade[c.person_id] = AnnualGrade.BASIC
        by_tier: dict[str, list[_Cadre]] = defaultdict(list)
        for c in cadres:
            by_tier[c.tier].append(c)
        rank_in_tier: dict[int, tuple[int, int]] = {}
        for group in by_tier.values():
            for place, c in enumerate(_rank(group, score), 1):
                rank_in_tier[c.person_id] = (place, len(group))

        for c in cadres:
            g = grade[c.person_id]
            quarters = _quarters(rng, g)
            cells: dict[str, Any] = {
                priors.COL_STAFF_NO: c.staff_no,
                priors.COL_NAME: c.name,
                priors.COL_YEAR: y,
                priors.COL_UNIT: c.unit,
                priors.COL_POST: c.post,
                priors.COL_TIER: _TIER_LABELS[c.tier],
                priors.COL_COMPOSITE: str(score[c.person_id]),
                priors.COL_GRADE: _GRADE_LABELS[g],
                priors.COL_RANK_IN_TIER: rank_in_tier[c.person_id][0],
                priors.COL_TIER_SIZE: rank_in_tier[c.person_id][1],
                priors.COL_RANK_IN_UNIT: rank_in_unit[c.person_id][0],
                priors.COL_UNIT_SIZE: rank_in_unit[c.person_id][1],
            }
            for column, q in zip(priors.COL_QUARTERS, quarters, strict=True):
                cells[column] = _QUARTER_LABELS[q]
            rows.append((len(rows) + 2, cells))  # as the file's rows, below its header
    return rows


def generate_demo_priors(*, region_id: int, year: int, today: dt.date) -> DemoPriors:
    """Import the three years before `year`; a no-op when the region has any imported."""
    if YearRecord.objects.filter(region_id=region_id, source=RecordSource.IMPORTED).exists():
        return DemoPriors()
    admin = User.objects.get(region_id=region_id, username=REGION_ADMIN_LOGIN)
    rows = demo_prior_cells(region_id, year)
    result = year_records_import_rows(actor=admin, rows=rows, file_name=FILE_NAME, today=today)
    summary = DemoPriors(years=result.years, people=result.people, records=result.rows)
    for counts in result.by_year.values():
        summary.excellent += counts.get(AnnualGrade.EXCELLENT, 0)
        summary.basic += counts.get(AnnualGrade.BASIC, 0)
        summary.incompetent += counts.get(AnnualGrade.INCOMPETENT, 0)
    last_two = [
        {c[priors.COL_STAFF_NO] for _n, c in rows if _last(c) and c[priors.COL_YEAR] == y}
        for y in result.years[-2:]
    ]
    summary.last_twice = len(set.intersection(*last_two)) if len(last_two) == 2 else 0
    return summary


def _last(cells: dict[str, Any]) -> bool:
    """Last of a unit ranked (a unit of one has no last place)."""
    size = cells[priors.COL_UNIT_SIZE]
    return bool(size > 1 and cells[priors.COL_RANK_IN_UNIT] == size)
