"""The ledger's test world on the persona world: 第一督导组 (the supervisor persona)
covers the bureau and its centre; 第二督导组 (another supervisor) covers the town."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from pytest_django.fixtures import Settings

from kaohe.accounts.models import Role, User
from kaohe.accounts.services import role_grant
from kaohe.supervision import services
from kaohe.supervision.models import Finding, FindingCategory, Severity, SupervisionGroup
from kaohe.testing import PASSWORD, World

TODAY = dt.date(2026, 11, 20)
PNG = b"\x89PNG\r\n\x1a\n0000"
PDF = b"%PDF-1.4 test"


@dataclass
class Ledger:
    world: World
    group: SupervisionGroup  # covers the bureau and the centre
    other_group: SupervisionGroup  # covers the town
    supervisor: User
    other_supervisor: User


@pytest.fixture
def ledger(world: World, settings: Settings) -> Ledger:
    settings.KAOHE_TODAY = TODAY
    supervisor = world.users["supervisor"]
    other = User.objects.create_user(
        username="supervisor_two", password=PASSWORD, region=world.region
    )
    role_grant(actor=None, user=other, role=Role.SUPERVISOR, unit=world.town)
    world.users["supervisor_two"] = other
    group = SupervisionGroup.objects.create(region=world.region, name="第一督导组")
    group.members.add(supervisor)
    group.units.add(world.bureau, world.centre)
    other_group = SupervisionGroup.objects.create(region=world.region, name="第二督导组")
    other_group.members.add(other)
    other_group.units.add(world.town)
    return Ledger(world, group, other_group, supervisor, other)


def record(
    ledger: Ledger,
    *,
    unit: str = "bureau",
    severity: str = Severity.GENERAL,
    found_on: dt.date = dt.date(2026, 11, 2),
    other: bool = False,
) -> Finding:
    world = ledger.world
    return services.finding_record(
        actor=ledger.other_supervisor if other else ledger.supervisor,
        group_id=(ledger.other_group if other else ledger.group).pk,
        unit_id=getattr(world, unit).pk,
        category=FindingCategory.SCHEME,
        severity=severity,
        description="考核方案指标设置不够精细",
        found_on=found_on,
        uploads=[services.Upload("现场照片.png", PNG)],
    )


def rectify(ledger: Ledger, finding: Finding) -> None:
    services.rectification_submit(
        actor=ledger.world.users["unit_admin"],
        finding=finding,
        text="已修订考核方案并重新报备",
        uploads=[services.Upload("整改报告.pdf", PDF)],
    )
