from __future__ import annotations

from decimal import Decimal

import pytest

from kaohe.schemes import services
from kaohe.schemes.models import Indicator, SchemeVersion
from kaohe.testing import World


def add(
    world: World, version: SchemeVersion, parent: Indicator | None, name: str, **fields: object
) -> Indicator:
    return services.indicator_add(
        actor=world.users["region_admin"],
        version=version,
        parent=parent,
        data={"name": name, **fields},
    )


@pytest.fixture
def template(world: World) -> SchemeVersion:
    """A small published template: 德 (20%) and 绩 (80%) groups, a missing-log deduction."""
    version = services.template_create(
        actor=world.users["region_admin"], region=world.region, name="通用模板", year=2026
    )
    de = add(world, version, None, "德", kind="group", max_points="10", weight="20", dimension="de")
    add(world, version, de, "政治表现", kind="scored", max_points="10", dimension="de")
    ji = add(world, version, None, "绩", kind="group", max_points="50", weight="80")
    add(world, version, ji, "完成任务", kind="scored", max_points="30")
    add(world, version, ji, "工作质量", kind="scored", max_points="20")
    add(
        world,
        version,
        ji,
        "缺写工作日志",
        kind="deduction",
        per_occurrence="0.5",
        cap="5",
        module="negative",
        auto_source="missing_logs",
    )
    add(world, version, None, "违纪", kind="veto", module="negative", dimension="lian")
    services.version_approve(actor=world.users["region_admin"], version=version)
    assert version.indicators.filter(weight=Decimal(20)).exists()
    return version


@pytest.fixture
def drafted(world: World, template: SchemeVersion) -> SchemeVersion:
    return services.unit_scheme_create(
        actor=world.users["unit_admin"], template=template, unit=world.bureau, year=2026
    )
