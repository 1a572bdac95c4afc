"""A small fixed world with the named personas every access test uses.

Region 测试区 has 区人社局 (with subordinate 区就业服务中心) and 城关镇; another
region holds one unit, to prove nothing leaks across regions.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from openpyxl import Workbook

from kaohe.accounts.models import Role, User
from kaohe.accounts.services import role_grant
from kaohe.core.errors import ApplicationError, ErrorCode
from kaohe.core.workbooks import append_row
from kaohe.dueprocess.models import DueProcessPolicy
from kaohe.org import services
from kaohe.org.models import (
    LeadershipRole,
    MembershipStatus,
    Person,
    PersonnelCategory,
    QuotaPool,
    RankLevel,
    Region,
    Unit,
    UnitKind,
    UnitType,
)
from kaohe.org.roster import COLUMNS

PASSWORD = "kaohe-test-password"  # noqa: S105
START = dt.date(2026, 1, 1)


@dataclass
class World:
    region: Region
    other_region: Region
    bureau: Unit  # 区人社局
    centre: Unit  # 区就业服务中心, under the bureau
    town: Unit  # 城关镇
    foreign_unit: Unit  # in the other region
    people: dict[str, Person] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)

    def rank(self, name: str) -> RankLevel:
        return RankLevel.objects.get(region=self.region, name=name)

    def category(self, name: str = "综合管理类") -> PersonnelCategory:
        return PersonnelCategory.objects.get(region=self.region, name=name)


def _place(
    world: World,
    key: str,
    name: str,
    unit: Unit,
    role: LeadershipRole,
    rank: str,
    region: Region | None = None,
) -> Person:
    region = region or world.region
    person = services.person_create(
        actor=None, region=region, staff_no=f"T{len(world.people) + 1:04d}", name=name
    )
    services.membership_change(
        actor=None,
        person=person,
        unit=unit,
        rank_level=RankLevel.objects.get(region=region, name=rank),
        personnel_category=PersonnelCategory.objects.get(region=region, name="综合管理类"),
        leadership_role=role,
        status=MembershipStatus.ON_DUTY,
        valid_from=START,
        post={"main": "局长", "team": "副局长"}.get(role, "科员"),
    )
    world.people[key] = person
    return person


def _user(world: World, username: str, person: Person | None, region: Region | None = None) -> User:
    user = User.objects.create_user(
        username=username, password=PASSWORD, region=region or world.region, person=person
    )
    world.users[username] = user
    return user


def build_world() -> World:
    region = services.region_create(actor=None, name="测试区", code="test", level="district")
    other = services.region_create(actor=None, name="邻区", code="other", level="district")
    bureau = services.unit_create(
        actor=None,
        region=region,
        name="区人力资源和社会保障局",
        code="D001",
        unit_type=UnitType.DISTRICT_UNIT,
        unit_kind=UnitKind.ADMINISTRATIVE,
    )
    centre = services.unit_create(
        actor=None,
        region=region,
        parent=bureau,
        name="区就业服务中心",
        code="S001",
        unit_type=UnitType.SUBORDINATE,
        unit_kind=UnitKind.CIVIL_SERVICE_MANAGED,
    )
    town = services.unit_create(
        actor=None,
        region=region,
        name="城关镇",
        code="T001",
        unit_type=UnitType.TOWN,
        unit_kind=UnitKind.ADMINISTRATIVE,
    )
    foreign = services.unit_create(
        actor=None,
        region=other,
        name="邻区财政局",
        code="D001",
        unit_type=UnitType.DISTRICT_UNIT,
        unit_kind=UnitKind.ADMINISTRATIVE,
    )
    world = World(region, other, bureau, centre, town, foreign)

    _place(world, "head", "王建国", bureau, LeadershipRole.MAIN, "正科")
    _place(world, "team", "李文华", bureau, LeadershipRole.TEAM, "副科")
    _place(world, "cadre", "张小明", bureau, LeadershipRole.STAFF, "一般干部")
    _place(world, "centre_head", "刘洋", centre, LeadershipRole.MAIN, "副科")
    _place(world, "centre_cadre", "陈静", centre, LeadershipRole.STAFF, "一般干部")
    _place(world, "town_head", "杨帆", town, LeadershipRole.MAIN, "正科")
    _place(world, "town_cadre", "赵磊", town, LeadershipRole.STAFF, "一般干部")
    _place(world, "foreign", "孙丽", foreign, LeadershipRole.STAFF, "一般干部", region=other)

    services.quota_pool_create(
        actor=None,
        region=region,
        year=START.year,
        kind=QuotaPool.Kind.MERGED,
        units=[bureau, centre],
        lead_unit=bureau,
    )
    services.quota_pools_complete(actor=None, region=region, year=START.year)

    p = world.people
    role_grant(actor=None, user=_user(world, "region_admin", None), role=Role.REGION_ADMIN)
    role_grant(actor=None, user=_user(world, "unit_admin", None), role=Role.UNIT_ADMIN, unit=bureau)
    role_grant(
        actor=None, user=_user(world, "unit_head", p["head"]), role=Role.UNIT_HEAD, unit=bureau
    )
    role_grant(
        actor=None, user=_user(world, "team_member", p["team"]), role=Role.TEAM_MEMBER, unit=bureau
    )
    role_grant(actor=None, user=_user(world, "cadre", p["cadre"]), role=Role.CADRE, unit=bureau)
    role_grant(
        actor=None, user=_user(world, "cadre_other", p["town_cadre"]), role=Role.CADRE, unit=town
    )
    role_grant(actor=None, user=_user(world, "supervisor", None), role=Role.SUPERVISOR, unit=town)
    role_grant(
        actor=None,
        user=_user(world, "other_admin", None, region=other),
        role=Role.REGION_ADMIN,
    )
    return world


def roster_row(no: str, name: str = "周新", unit: str = "D001", **over: Any) -> list[Any]:
    """One valid roster row; keyword arguments named after the Chinese headers override it."""
    values = {
        "人员编号": no,
        "姓名": name,
        "性别": "男",
        "出生日期": "1990-05-01",
        "单位编码": unit,
        "职务": "科员",
        "职级": "一级科员",
        "人员类别": "综合管理类",
        "领导角色": "一般干部",
        "状态": "在岗",
        "起始日期": "2026-03-01",
    }
    values.update(over)
    return [values[c] for c in COLUMNS]


def roster_xlsx(rows: Sequence[Sequence[Any]], header: Sequence[str] = COLUMNS) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("人员名册")
    sheet.append(list(header))
    for row in rows:
        append_row(sheet, row)  # text stays text, as a user's "'=…" would
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@contextmanager
def refused(
    code: ErrorCode, match: str | None = None
) -> Iterator[pytest.ExceptionInfo[ApplicationError]]:
    """`pytest.raises(ApplicationError)` that also checks the refusal's stable code, so
    a test does not depend on the wording (or the language) of the message. `match`
    only for what the message must name (a round, a unit, a date), not its wording."""
    with pytest.raises(ApplicationError, match=match) as caught:
        yield caught
    assert caught.value.code == code, (caught.value.code, caught.value.message)


def publicity_not_required(region: Region) -> None:
    """The region publishes its years without a 公示 (DueProcessPolicy): for tests that
    publish a year and are not about due process; the gate itself stays as it is."""
    DueProcessPolicy.objects.update_or_create(region=region, defaults={"publicity_required": False})
