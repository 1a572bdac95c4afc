"""A category's indicator system and a month, on the persona world (test helpers)."""

from __future__ import annotations

from dataclasses import dataclass

from kaohe.org.models import PerformanceCategory, Unit
from kaohe.performance import services
from kaohe.performance.models import IndicatorAssignment, PerformanceMonth
from kaohe.schemes import services as schemes
from kaohe.schemes.models import Indicator, SchemeVersion
from kaohe.testing import World


@dataclass
class Months:
    category: PerformanceCategory
    version: SchemeVersion
    ind: dict[str, Indicator]
    month: PerformanceMonth
    assignment: IndicatorAssignment


def setup_months(world: World) -> Months:
    """Category A's system (重点工作 group of two scored, a 加分 bonus and a 减分
    deduction), approved; the three units of the test region in A; 2026-10 open; the
    bureau leads 招商引资 with a target."""
    admin = world.users["region_admin"]
    category = PerformanceCategory.objects.get(region=world.region, name="A")
    Unit.objects.filter(region=world.region).update(performance_category=category)
    version = schemes.template_create(
        actor=admin,
        region=world.region,
        name="A类单位绩效指标体系",
        year=2026,
        performance_category=category,
    )

    def add(parent: Indicator | None, name: str, **fields: object) -> Indicator:
        return schemes.indicator_add(
            actor=admin, version=version, parent=parent, data={"name": name, **fields}
        )

    work = add(None, "重点工作", kind="group", max_points="60")
    ind = {
        "invest": add(work, "招商引资", kind="scored", max_points="40"),
        "project": add(work, "项目建设", kind="scored", max_points="20"),
        "bonus": add(None, "加分项", kind="bonus", cap="5", module="flexible"),
        "deduct": add(
            None, "减分项", kind="deduction", per_occurrence="2", cap="10", module="negative"
        ),
    }
    schemes.version_approve(actor=admin, version=version)
    month = services.month_open(actor=admin, region_id=world.region.pk, year=2026, month=10)
    assignment = IndicatorAssignment.objects.create(
        region=world.region,
        year=2026,
        indicator=ind["invest"],
        lead_unit=world.bureau,
        target="全年引进项目10个",
    )
    return Months(category, version, ind, month, assignment)


def cells(m: Months, unit: Unit, **values: str) -> dict[str, str]:
    """A grid's POST cells for one unit: indicator name keys of `m.ind`, or public/evidence."""
    out = {}
    for key, text in values.items():
        if key == "public":
            out[f"p-{unit.pk}"] = text
        elif key == "evidence":
            out[f"e-{unit.pk}"] = text
        else:
            out[f"c-{unit.pk}-{m.ind[key].pk}"] = text
    return out
