"""Demo units' year (issue 18, P2): the office's year-end evaluation of every unit with
a category, the units' year computed from whatever months are published (the demo's
monthly rounds, kaohe.demo.performance, when they ran first), and two R5.8 marks — an
incentive and a criticism by name — that the main leaders' annual grades cite. Through
the office's own services, each audited; a no-op when the year-end scores are there."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from kaohe.accounts.models import User
from kaohe.demo.schemes import REGION_ADMIN_LOGIN
from kaohe.org.models import Region, Unit
from kaohe.performance import services
from kaohe.performance.models import UnitYearMark, UnitYearResult

SEED = 18


@dataclass(frozen=True)
class DemoUnitYears:
    year_end: int  # units given a year-end score
    computed: int  # units with a computed year result
    marks: int


def generate_demo_unit_years(*, region_id: int, year: int) -> DemoUnitYears:
    if UnitYearResult.objects.filter(
        year=year, unit__region_id=region_id, year_end__isnull=False
    ).exists():
        return DemoUnitYears(0, 0, 0)
    region = Region.objects.get(pk=region_id)
    admin = User.objects.get(username=REGION_ADMIN_LOGIN, region=region)
    rng = random.Random(SEED)
    by_category: dict[int, list[int]] = defaultdict(list)
    for pk, category_id in (
        Unit.objects.filter(region=region, performance_category__isnull=False, is_active=True)
        .order_by("path")
        .values_list("pk", "performance_category_id")
    ):
        by_category[category_id].append(pk)
    entered = 0
    for category_id, units in sorted(by_category.items()):
        # Year-end scores 78–97 with one decimal, as an evaluation panel's means come out.
        scores = {u: Decimal(rng.randint(780, 970)) / 10 for u in units}
        entered += services.year_end_scores_save(
            actor=admin,
            region=region,
            year=year,
            category_id=category_id,
            scores=scores,
            shown=dict.fromkeys(units),
        )
    marks = 0
    first = [units[0] for _category, units in sorted(by_category.items()) if units]
    if len(first) >= 2:
        for unit_id, kind, reason in (
            (
                first[0],
                UnitYearMark.Kind.INCENTIVE,
                f"示范区委办〔{year}〕18号 关于表扬{year}年度真抓实干成效明显单位的通报",
            ),
            (
                first[1],
                UnitYearMark.Kind.CRITICISM,
                f"示范区委督查室〔{year}〕9号 关于部分单位重点任务推进不力的通报",
            ),
        ):
            services.unit_year_mark_record(
                actor=admin, region=region, unit_id=unit_id, year=year, kind=kind, reason=reason
            )
            marks += 1
    computed = services.unit_years_compute(actor=admin, region=region, year=year)
    return DemoUnitYears(entered, computed, marks)
