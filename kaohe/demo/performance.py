"""The demo county's unit performance (issue 18, P1): an indicator system per unit
category (schemes templates with the category set, published by the office), the
city's indicators assigned to lead units with their targets, and the monthly rounds
of the demo year: January to October scored, computed and published through the
services as the office does, November open with some units reported and part of the
scores entered (KAOHE_TODAY=2026-11-20).

Scores are drawn from a seeded generator, so every load is the same: each unit has a
level of its own (a steady unit ranks high most months) and a month's noise.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from kaohe.accounts.models import User
from kaohe.core.audit import audit_record
from kaohe.core.audit_actions import AuditAction
from kaohe.demo.org import PERSONA_UNIT
from kaohe.demo.schemes import REGION_ADMIN_LOGIN
from kaohe.org.models import PerformanceCategory, Region, Unit
from kaohe.performance import services
from kaohe.performance.models import (
    IndicatorAssignment,
    MonthEntry,
    PerformanceMonth,
    PublicEvaluation,
    UnitMonthReport,
)
from kaohe.schemes import services as schemes
from kaohe.schemes.models import Indicator, IndicatorKind

SEED = 20261120
# Each category's system: key work (60), routine work (25), 民评 (15, typed apart), and
# 加减分 on the total (a bonus of up to 5, a deduction of 1 per occurrence up to 10).
KEY_WORK = (
    ("招商引资和项目建设", "20"),
    ("重点改革任务推进", "20"),
    ("民生实事办理", "20"),
)
ROUTINE_WORK = (("日常工作落实", "15"), ("督查督办件办结", "10"))
TARGETS = (
    "全年引进项目10个，完成投资5亿元",
    "年内完成改革任务清单12项",
    "年内办结民生实事8件，群众满意率90%以上",
)
PROGRESS = (
    "按月推进，已完成年度目标的{p}%。",
    "本月召开专题会议1次，推进节点全部按期完成，累计完成{p}%。",
    "本月办结事项3件，累计完成年度目标的{p}%。",
)


@dataclass
class DemoPerformance:
    systems: int = 0
    assignments: int = 0
    months: int = 0
    results: int = 0


def _system(
    admin: User, region: Region, category: PerformanceCategory, year: int
) -> list[Indicator]:
    """The category's indicator system, published; returns its key-work indicators."""
    version = schemes.template_create(
        actor=admin,
        region=region,
        name=f"{category.name}类单位绩效考核指标体系（{year}年）",
        year=year,
        performance_category=category,
    )

    def add(parent: Indicator | None, name: str, **fields: object) -> Indicator:
        return schemes.indicator_add(
            actor=admin, version=version, parent=parent, data={"name": name, **fields}
        )

    key = add(None, "重点工作", kind="group", max_points="60")
    leads = [add(key, name, kind="scored", max_points=points) for name, points in KEY_WORK]
    routine = add(None, "日常工作", kind="group", max_points="25")
    for name, points in ROUTINE_WORK:
        add(routine, name, kind="scored", max_points=points)
    add(None, "加分项（争先创优、经验推广）", kind="bonus", cap="5", module="flexible")
    add(
        None,
        "减分项（工作失误、通报批评）",
        kind="deduction",
        per_occurrence="1",
        cap="10",
        module="negative",
    )
    schemes.version_approve(actor=admin, version=version)
    return leads


def _entries(
    month: PerformanceMonth,
    units: list[Unit],
    leaves: dict[int, list[Indicator]],
    levels: dict[int, float],
    rng: random.Random,
    share: float = 1.0,
) -> tuple[list[MonthEntry], list[PublicEvaluation]]:
    entries: list[MonthEntry] = []
    public: list[PublicEvaluation] = []
    for unit in units:
        if rng.random() > share:
            continue
        level = levels[unit.pk]
        for ind in leaves[unit.performance_category_id or 0]:
            if ind.kind == IndicatorKind.SCORED:
                ratio = min(1.0, max(0.4, level + rng.gauss(0, 0.06)))
                value = Decimal(str(round(float(ind.max_points) * ratio * 2) / 2))
                entries.append(MonthEntry(month=month, unit=unit, indicator=ind, value=value))
            elif ind.kind == IndicatorKind.BONUS and rng.random() < 0.15:
                value = Decimal(rng.choice([1, 2, 3]))
                entries.append(MonthEntry(month=month, unit=unit, indicator=ind, value=value))
            elif ind.kind == IndicatorKind.DEDUCTION and rng.random() < 0.12:
                entries.append(
                    MonthEntry(
                        month=month, unit=unit, indicator=ind, occurrences=rng.choice([1, 2])
                    )
                )
        points = Decimal(str(round((11 + 4 * level + rng.uniform(-1, 1)) * 2) / 2))
        public.append(
            PublicEvaluation(
                month=month,
                unit=unit,
                points=min(points, Decimal(15)),
                evidence=f"{month.month}月群众满意度电话测评（抽样）",
            )
        )
    return entries, public


def _reports(
    month: PerformanceMonth,
    units: list[Unit],
    assignments: dict[int, list[IndicatorAssignment]],
    rng: random.Random,
    share: float,
) -> list[UnitMonthReport]:
    rows = []
    for unit in units:
        if rng.random() > share:
            continue
        rows.append(
            UnitMonthReport(
                month=month,
                unit=unit,
                text=f"{month.month}月重点工作按计划推进，日常工作按时落实，督办件全部办结。",
            )
        )
        for a in assignments.get(unit.pk, []):
            p = min(100, month.month * 9 + rng.randint(0, 8))
            rows.append(
                UnitMonthReport(
                    month=month,
                    unit=unit,
                    assignment=a,
                    text=PROGRESS[rng.randrange(len(PROGRESS))].format(p=p),
                )
            )
    return rows


@transaction.atomic
def generate_demo_performance(*, region_id: int, year: int, today: dt.date) -> DemoPerformance:
    """Systems, assignments and the months of the year up to today's; a no-op when the
    region has any month already."""
    if PerformanceMonth.objects.filter(region_id=region_id).exists():
        return DemoPerformance()
    region = Region.objects.get(pk=region_id)
    admin = User.objects.get(region=region, username=REGION_ADMIN_LOGIN)
    rng = random.Random(SEED)  # noqa: S311 - demo data, the same every load
    units = list(
        Unit.objects.filter(
            region=region, is_active=True, performance_category__isnull=False
        ).order_by("path")
    )
    used = sorted({u.performance_category_id or 0 for u in units})
    categories = PerformanceCategory.objects.filter(pk__in=used).order_by("sort_order", "pk")
    leads: dict[int, list[Indicator]] = {c.pk: _system(admin, region, c, year) for c in categories}
    leaves = {
        c: list(
            Indicator.objects.filter(version_id=ks[0].version_id)
            .exclude(kind=IndicatorKind.GROUP)
            .order_by("pk")
        )
        for c, ks in leads.items()
    }
    # Lead units: in each category the first units (the persona unit first where it is
    # one), each leading one key-work indicator of its category's system.
    assignments: dict[int, list[IndicatorAssignment]] = {}
    rows = []
    persona = next((u for u in units if u.name == PERSONA_UNIT), None)
    for category_id, indicators in leads.items():
        of_category = [u for u in units if u.performance_category_id == category_id]
        if persona is not None and persona in of_category:
            of_category.remove(persona)
            of_category.insert(0, persona)
        for unit, (indicator, target) in zip(
            of_category, zip(indicators, TARGETS, strict=True), strict=False
        ):
            rows.append(
                IndicatorAssignment(
                    region=region, year=year, indicator=indicator, lead_unit=unit, target=target
                )
            )
    for a in IndicatorAssignment.objects.bulk_create(rows):
        assignments.setdefault(a.lead_unit_id, []).append(a)
    levels = {u.pk: rng.uniform(0.7, 0.97) for u in units}
    result = DemoPerformance(systems=len(leads), assignments=len(rows))
    last = today.month if today.year == year else 12
    for number in range(1, last + 1):
        month = services.month_open(actor=admin, region_id=region_id, year=year, month=number)
        current = number == last and today.year == year
        entries, public = _entries(month, units, leaves, levels, rng, 0.4 if current else 1.0)
        MonthEntry.objects.bulk_create(entries, batch_size=2000)
        PublicEvaluation.objects.bulk_create(public, batch_size=2000)
        UnitMonthReport.objects.bulk_create(
            _reports(month, units, assignments, rng, 0.5 if current else 0.95), batch_size=2000
        )
        result.months += 1
        if current:
            break
        result.results += services.month_compute(actor=admin, month=month)
        services.month_publish(actor=admin, month=month)
        published = dt.datetime(year, number, 1, tzinfo=dt.UTC) + dt.timedelta(days=40)
        PerformanceMonth.objects.filter(pk=month.pk).update(
            published_at=min(published, timezone.now())
        )
    audit_record(
        actor=admin,
        action=AuditAction.PERFORMANCE_DEMO_MONTHS,
        region=region,
        details={
            "systems": result.systems,
            "assignments": result.assignments,
            "months": result.months,
            "results": result.results,
        },
    )
    return result
