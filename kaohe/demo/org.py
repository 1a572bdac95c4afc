"""The demo county 示范区, generated in a few seconds (``manage.py demo_load``).

Its shape follows a field report of a real district: 89 units and 1,340 cadres
(222 正科级, 387 副科级, 731 一般干部), with a year of dated history (R1.5):
village secondments, mid-year recruits, retirements and transfers. Every
choice comes from one seeded random generator, so each run yields the same
county. Rows are written with bulk operations only; the few services called
(region, quota pools, persona grants) run a fixed number of times, never once
per person.

The reference date the data is designed around is Dec 31 of the year: on that
day exactly 16 units have fewer than 8 in-scope people, and every unit has one
main leader and at least one other leadership team member.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass
from typing import NamedTuple

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from kaohe.accounts.models import Role, RoleGrant, User
from kaohe.accounts.services import role_grant
from kaohe.core.audit import audit_record
from kaohe.core.audit_actions import AuditAction
from kaohe.core.errors import ApplicationError
from kaohe.org import services
from kaohe.org.errors import OrgErrorCode
from kaohe.org.models import (
    Gender,
    LeadershipRole,
    Membership,
    MembershipStatus,
    PerformanceCategory,
    Person,
    PersonnelCategory,
    PilotUnitYear,
    QuotaPool,
    RankLevel,
    RankTier,
    Region,
    Unit,
    UnitKind,
    UnitType,
)
from kaohe.org.selectors import unit_counts_forget

SEED = 20261121
DEMO_REGION_NAME = "示范区"
DEMO_REGION_CODE = "demo"
# A published demo password, printed by demo_load: not a secret.
DEMO_PASSWORD = "kaohe-demo-2026"  # noqa: S105
STAFF_NO_PREFIX = "SF"

PEOPLE_TOTAL = 1340
TIER_TARGETS: dict[RankTier, int] = {
    RankTier.SECTION_CHIEF: 222,
    RankTier.DEPUTY_SECTION_CHIEF: 387,
    RankTier.STAFF: 731,
}
# Units below this head count are "small" (R1.3: they cannot hold a quota alone).
SMALL_UNIT_LIMIT = 8
SMALL_UNITS_EXPECTED = 16

VILLAGE_SECONDMENTS = 25
NEW_RECRUITS = 30
NEW_RECRUITS_ON_PROBATION = 5
RETIREMENTS = 12
TRANSFERS = 10

# ---------------------------------------------------------------------------
# Units
# ---------------------------------------------------------------------------

A, B1, B2, C1, C2, D, E = "A", "B1", "B2", "C1", "C2", "D", "E"
ADMIN = UnitKind.ADMINISTRATIVE
MANAGED = UnitKind.CIVIL_SERVICE_MANAGED
MASS = UnitKind.MASS_ORGANIZATION


class UnitRow(NamedTuple):
    """One unit of the demo county; `size` is its head count at the year's end."""

    name: str
    head: str  # post of the main leader
    deputy: str  # post of the other leadership team members
    category: str  # performance category
    size: int
    kind: UnitKind = ADMIN
    senior: str = ""  # a team post held at 正科 level (政委, 常务副部长 …)
    parent: str = ""  # supervising department, for subordinate units


# Towns and subdistricts: all in performance category A.
TOWNS: tuple[tuple[str, int], ...] = (
    ("城关镇", 40),
    ("东城街道", 37),
    ("西城街道", 34),
    ("南关街道", 31),
    ("北苑街道", 30),
    ("青石镇", 33),
    ("柳河镇", 31),
    ("白马镇", 28),
    ("龙泉镇", 30),
    ("桃源镇", 28),
    ("石桥镇", 29),
    ("马坊镇", 27),
    ("新集镇", 29),
    ("双河镇", 27),
)

# Town leadership teams; the first two posts are held at 正科 level.
TOWN_MAIN_POST = "党委书记"
STREET_MAIN_POST = "党工委书记"
TOWN_TEAM_POSTS = (
    "镇长", "人大主席", "党委副书记", "纪委书记", "组织委员", "宣传委员", "武装部长",
    "副镇长", "副镇长", "副镇长",
)  # fmt: skip
STREET_TEAM_POSTS = (
    "街道办事处主任", "人大工委主任", "党工委副书记", "纪工委书记", "组织委员", "宣传委员",
    "武装部长", "办事处副主任", "办事处副主任", "办事处副主任",
)  # fmt: skip
TOWN_SENIOR_TEAM = 2

DISTRICT_UNITS: tuple[UnitRow, ...] = (
    UnitRow("区委办公室", "主任", "副主任", B1, 18, senior="常务副主任"),
    UnitRow("区人大常委会办公室", "主任", "副主任", B1, 13),
    UnitRow("区政府办公室", "主任", "副主任", B2, 18, senior="常务副主任"),
    UnitRow("区政协办公室", "主任", "副主任", B1, 12),
    UnitRow("区纪委监委", "书记", "副书记", B1, 26, senior="副书记、监委副主任"),
    UnitRow("区委组织部", "部长", "副部长", B1, 16, senior="常务副部长"),
    UnitRow("区委宣传部", "部长", "副部长", B1, 14),
    UnitRow("区委统战部", "部长", "副部长", B1, 12),
    UnitRow("区委政法委员会", "书记", "副书记", B1, 11),
    UnitRow("区委机构编制委员会办公室", "主任", "副主任", B1, 10),
    UnitRow("区委巡察工作领导小组办公室", "主任", "副主任", B1, 7),
    UnitRow("区委政策研究室", "主任", "副主任", B1, 10),
    UnitRow("区委党校", "常务副校长", "副校长", B1, 12, kind=MANAGED),
    UnitRow("区委老干部局", "局长", "副局长", B1, 6),
    UnitRow("区委网络安全和信息化委员会办公室", "主任", "副主任", B1, 6),
    UnitRow("区委社会工作部", "部长", "副部长", B1, 11),
    UnitRow("区直机关工作委员会", "书记", "副书记", B1, 5),
    UnitRow("区信访局", "局长", "副局长", C1, 12),
    UnitRow("区发展和改革局", "局长", "副局长", B2, 15),
    UnitRow("区教育局", "局长", "副局长", C1, 16),
    UnitRow("区科学技术局", "局长", "副局长", B2, 10),
    UnitRow("区工业和信息化局", "局长", "副局长", B2, 12),
    UnitRow("区公安分局", "局长", "副局长", C2, 80, senior="政委"),
    UnitRow("区民政局", "局长", "副局长", C1, 12),
    UnitRow("区司法局", "局长", "副局长", C2, 14),
    UnitRow("区财政局", "局长", "副局长", B2, 17),
    UnitRow("区人力资源和社会保障局", "局长", "副局长", C1, 16),
    UnitRow("区自然资源局", "局长", "副局长", C2, 16),
    UnitRow("区生态环境分局", "局长", "副局长", C2, 14),
    UnitRow("区住房和城乡建设局", "局长", "副局长", C2, 14),
    UnitRow("区交通运输局", "局长", "副局长", C2, 14),
    UnitRow("区水利局", "局长", "副局长", C2, 12),
    UnitRow("区农业农村局", "局长", "副局长", C1, 16),
    UnitRow("区商务局", "局长", "副局长", B2, 11),
    UnitRow("区文化和旅游局", "局长", "副局长", C1, 12),
    UnitRow("区卫生健康局", "局长", "副局长", C1, 14),
    UnitRow("区退役军人事务局", "局长", "副局长", C1, 11),
    UnitRow("区应急管理局", "局长", "副局长", C2, 12),
    UnitRow("区审计局", "局长", "副局长", B2, 13),
    UnitRow("区市场监督管理局", "局长", "副局长", C2, 30, senior="党组副书记"),
    UnitRow("区统计局", "局长", "副局长", B2, 10),
    UnitRow("区医疗保障局", "局长", "副局长", C1, 11),
    UnitRow("区城市管理局", "局长", "副局长", C2, 13),
    UnitRow("区林业局", "局长", "副局长", C2, 11),
    UnitRow("区政务服务管理局", "局长", "副局长", B2, 13),
    UnitRow("区数据资源局", "局长", "副局长", B2, 10),
    UnitRow("区人民防空办公室", "主任", "副主任", C2, 6),
    UnitRow("区投资促进局", "局长", "副局长", B2, 10),
    UnitRow("区机关事务管理局", "局长", "副局长", B2, 11),
    UnitRow("区体育局", "局长", "副局长", C1, 10),
    UnitRow("区供销合作社联合社", "主任", "副主任", D, 6, kind=MANAGED),
    UnitRow("区档案馆", "馆长", "副馆长", D, 7, kind=MANAGED),
    UnitRow("区地方志编纂中心", "主任", "副主任", D, 5, kind=MANAGED),
    UnitRow("团区委", "书记", "副书记", D, 3, kind=MASS),
    UnitRow("区妇联", "主席", "副主席", D, 4, kind=MASS),
    UnitRow("区总工会", "常务副主席", "副主席", D, 9, kind=MASS),
    UnitRow("区科协", "主席", "副主席", D, 5, kind=MASS),
    UnitRow("区工商联", "主席", "副主席", D, 5, kind=MASS),
    UnitRow("区残联", "理事长", "副理事长", D, 6, kind=MASS),
    UnitRow("区文联", "主席", "副主席", D, 4, kind=MASS),
    UnitRow("区红十字会", "常务副会长", "副会长", D, 4, kind=MASS),
    UnitRow("区侨联", "主席", "副主席", D, 3, kind=MASS),
)

# 参公 units under a supervising department: all in performance category E.
SUBORDINATE_UNITS: tuple[UnitRow, ...] = (
    UnitRow("区就业服务中心", "主任", "副主任", E, 11, MANAGED, parent="区人力资源和社会保障局"),
    UnitRow(
        "区社会保险事业中心", "主任", "副主任", E, 12, MANAGED, parent="区人力资源和社会保障局"
    ),
    UnitRow("区不动产登记中心", "主任", "副主任", E, 11, MANAGED, parent="区自然资源局"),
    UnitRow("区医疗保障事务中心", "主任", "副主任", E, 9, MANAGED, parent="区医疗保障局"),
    UnitRow("区农业技术推广中心", "主任", "副主任", E, 12, MANAGED, parent="区农业农村局"),
    UnitRow("区农村经营管理站", "站长", "副站长", E, 9, MANAGED, parent="区农业农村局"),
    UnitRow(
        "区建设工程质量安全监督站", "站长", "副站长", E, 10, MANAGED, parent="区住房和城乡建设局"
    ),
    UnitRow("区卫生健康综合监督所", "所长", "副所长", E, 9, MANAGED, parent="区卫生健康局"),
    UnitRow(
        "区市场监管综合执法大队", "大队长", "副大队长", E, 13, MANAGED, parent="区市场监督管理局"
    ),
    UnitRow("区城市管理综合执法大队", "大队长", "副大队长", E, 16, MANAGED, parent="区城市管理局"),
    UnitRow("区机关事务服务中心", "主任", "副主任", E, 9, MANAGED, parent="区机关事务管理局"),
    UnitRow("区财政国库支付中心", "主任", "副主任", E, 9, MANAGED, parent="区财政局"),
    UnitRow("区公路事业发展中心", "主任", "副主任", E, 10, MANAGED, parent="区交通运输局"),
)

POLICE_UNIT = "区公安分局"
# Units whose non-leading cadres are largely 行政执法类 or 专业技术类 (R1.4).
ENFORCEMENT_UNITS = frozenset(
    {
        "区市场监督管理局", "区城市管理局", "区应急管理局", "区生态环境分局", "区交通运输局",
        "区自然资源局", "区农业农村局", "区司法局", "区水利局", "区林业局",
        "区市场监管综合执法大队", "区城市管理综合执法大队", "区卫生健康综合监督所",
    }
)  # fmt: skip
TECHNICAL_UNITS = frozenset(
    {
        "区卫生健康局", "区自然资源局", "区住房和城乡建设局", "区统计局", "区数据资源局",
        "区不动产登记中心", "区农业技术推广中心", "区建设工程质量安全监督站", "区档案馆",
        "区公路事业发展中心",
    }
)  # fmt: skip

PILOT_UNITS = (
    "城关镇",
    "青石镇",
    "区委组织部",
    "区财政局",
    "区人力资源和社会保障局",
    "区市场监督管理局",
    "区卫生健康局",
    "区就业服务中心",
)

# (supervising department, its 参公 units) sharing one quota (R1.3).
MERGED_POOLS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("区人力资源和社会保障局", ("区就业服务中心", "区社会保险事业中心")),
    ("区自然资源局", ("区不动产登记中心",)),
    ("区农业农村局", ("区农业技术推广中心", "区农村经营管理站")),
)
# Small mass organizations without a supervising department, assessed jointly.
JOINT_POOLS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("群团组织联合考核（一）", ("团区委", "区妇联", "区科协")),
    ("群团组织联合考核（二）", ("区文联", "区侨联", "区红十字会")),
)

# ---------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------

# The most common surnames, roughly weighted by how often they occur.
SURNAMES: tuple[tuple[str, int], ...] = (
    ("王", 72), ("李", 71), ("张", 67), ("刘", 54), ("陈", 46), ("杨", 31), ("黄", 25),
    ("赵", 21), ("吴", 20), ("周", 19), ("徐", 15), ("孙", 15), ("马", 13), ("朱", 13),
    ("胡", 12), ("郭", 12), ("何", 10), ("高", 10), ("林", 10), ("罗", 10), ("郑", 9),
    ("梁", 9), ("谢", 7), ("宋", 7), ("唐", 7), ("许", 6), ("韩", 6), ("冯", 6), ("邓", 6),
    ("曹", 6), ("彭", 5), ("曾", 5), ("肖", 5), ("田", 5), ("董", 5), ("袁", 4), ("潘", 4),
    ("于", 4), ("蒋", 4), ("蔡", 4), ("余", 4), ("杜", 4), ("叶", 4), ("程", 4), ("苏", 3),
    ("魏", 3), ("吕", 3), ("丁", 3), ("任", 3), ("沈", 3), ("姚", 3), ("卢", 3), ("姜", 3),
    ("崔", 3), ("钟", 3), ("谭", 2), ("陆", 2), ("汪", 2), ("范", 2), ("金", 2), ("石", 2),
    ("廖", 2), ("贾", 2), ("夏", 2), ("韦", 2), ("付", 2), ("方", 2), ("白", 2), ("邹", 2),
)  # fmt: skip
GIVEN_MALE = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宁峰俊浩宇建国志文武东海林亮成立新晓永春"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀英玲燕婷雪慧颖洁琳晶萍红梅莉倩丹妍佳欣蕾琴岚兰月"
GIVEN_SHARED = "子嘉思雨晨一天佳文明欣安宇博怡家瑞正泽"

# Posts of non-leading cadres by tier; a cadre's rank level decides the rest.
POLICE_POSTS: dict[RankTier, tuple[str, ...]] = {
    RankTier.SECTION_CHIEF: ("派出所所长", "大队长", "教导员"),
    RankTier.DEPUTY_SECTION_CHIEF: ("派出所副所长", "副大队长", "中队长"),
    RankTier.STAFF: ("民警",),
}
# (rank level, weight) within each tier for cadres who are not leaders.
NON_LEADER_RANKS: dict[RankTier, tuple[tuple[str, int], ...]] = {
    RankTier.SECTION_CHIEF: (("一级主任科员", 3), ("二级主任科员", 7)),
    RankTier.DEPUTY_SECTION_CHIEF: (("三级主任科员", 4), ("四级主任科员", 5), ("副科", 1)),
    RankTier.STAFF: (("一级科员", 11), ("二级科员", 5), ("一般干部", 4)),
}
MAIN_RANK = "正科"
TEAM_RANK = "副科"
RECRUIT_RANKS = (("一级科员", 3), ("二级科员", 1))

CAT_GENERAL = "综合管理类"
CAT_TECHNICAL = "专业技术类"
CAT_ENFORCEMENT = "行政执法类"
CAT_POLICE_DUTY = "执法勤务类"
CAT_POLICE_TECH = "警务技术类"

# Ages (at the year's end) by position; nobody passes retirement age unplanned.
AGE_MAIN = (42, 57)
AGE_TEAM_SENIOR = (40, 56)
AGE_TEAM = (33, 52)
AGE_BY_TIER: dict[RankTier, tuple[int, int]] = {
    RankTier.SECTION_CHIEF: (45, 59),
    RankTier.DEPUTY_SECTION_CHIEF: (35, 55),
    RankTier.STAFF: (25, 45),
}
AGE_RECRUIT = (23, 29)
RETIREMENT_AGE = {Gender.MALE: 60, Gender.FEMALE: 55}

# Recruits start in batches, as the annual civil-service exam intake does.
RECRUIT_START_DAYS = ((7, 1), (8, 1), (9, 1))
VILLAGE_START_DAYS = ((3, 1), (4, 1), (5, 6))

# ---------------------------------------------------------------------------
# Accounts
# ---------------------------------------------------------------------------

PERSONA_UNIT = "区人力资源和社会保障局"
PERSONA_OTHER_UNIT = "城关镇"
PERSONA_SUPERVISOR_HOME = "区委组织部"
SUPERVISED_TOWNS = ("青石镇", "柳河镇", "白马镇")
# (login, role) in the order they are printed.
PERSONAS: tuple[tuple[str, Role], ...] = (
    ("region_admin", Role.REGION_ADMIN),
    ("unit_admin", Role.UNIT_ADMIN),
    ("unit_head", Role.UNIT_HEAD),
    ("team_member", Role.TEAM_MEMBER),
    ("cadre", Role.CADRE),
    ("cadre_other", Role.CADRE),
    ("supervisor", Role.SUPERVISOR),
)
REGION_ADMIN_NAME = "区委组织部考核办"


# ---------------------------------------------------------------------------
# Result
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonaLogin:
    username: str
    role: str
    units: tuple[str, ...]  # empty for a region-wide grant
    person_name: str


@dataclass(frozen=True)
class DemoResult:
    region_id: int
    year: int
    units: int
    units_by_type: dict[str, int]
    people: int
    tiers: dict[str, int]
    memberships: int
    village_secondments: int
    new_recruits: int
    retirements: int
    transfers: int
    pilot_units: int
    quota_pools: int
    users: int
    role_grants: int
    personas: tuple[PersonaLogin, ...]

    def summary(self) -> dict[str, object]:
        """The counts, as stored in the audit row."""
        return {
            "year": self.year,
            "units": self.units,
            "units_by_type": self.units_by_type,
            "people": self.people,
            "tiers": self.tiers,
            "memberships": self.memberships,
            "village_secondments": self.village_secondments,
            "new_recruits": self.new_recruits,
            "retirements": self.retirements,
            "transfers": self.transfers,
            "pilot_units": self.pilot_units,
            "quota_pools": self.quota_pools,
            "users": self.users,
            "role_grants": self.role_grants,
        }


# ---------------------------------------------------------------------------
# Generation
# ---------------------------------------------------------------------------


@dataclass
class _Cadre:
    """One person while the county is planned, before any row is written."""

    unit: str
    role: LeadershipRole
    tier: RankTier
    rank: str = ""
    post: str = ""
    category: str = CAT_GENERAL
    name: str = ""
    gender: Gender = Gender.MALE
    birth_date: dt.date | None = None
    persona: str = ""
    event: str = ""  # "", "village", "recruit", "retire", "transfer"
    event_day: dt.date | None = None
    probation: bool = False
    origin_unit: str = ""  # where a transferred cadre worked before `event_day`
    staff_no: str = ""
    person_id: int = 0


def demo_region() -> Region | None:
    return Region.objects.filter(code=DEMO_REGION_CODE).first()


@transaction.atomic
def generate_demo(*, year: int | None = None) -> DemoResult:
    """Create the demo county for `year` (default: this year) in one transaction."""
    year = year or timezone.localdate().year
    if demo_region() is not None:
        raise ApplicationError(
            f"{DEMO_REGION_NAME} ({DEMO_REGION_CODE}) already exists.",
            code=OrgErrorCode.DEMO_ALREADY_LOADED,
        )
    rng = random.Random(SEED)
    cadres = _plan_cadres(rng, year)
    _check_usernames_free(cadres)

    region = services.region_create(
        actor=None, name=DEMO_REGION_NAME, code=DEMO_REGION_CODE, level=Region.Level.DISTRICT
    )
    units = _create_units(region)
    pilots = _create_pilots(units, year)
    people = _create_people(region, cadres)
    memberships = _create_memberships(region, units, cadres, year)
    pools = _create_pools(region, units, year)
    users, grants = _create_accounts(region, units, cadres)

    events = Counter(c.event for c in cadres)
    result = DemoResult(
        region_id=region.pk,
        year=year,
        units=len(units),
        units_by_type=dict(Counter(str(u.unit_type) for u in units.values())),
        people=people,
        tiers={str(tier): n for tier, n in Counter(c.tier for c in cadres).items()},
        memberships=memberships,
        village_secondments=events["village"],
        new_recruits=events["recruit"],
        retirements=events["retire"],
        transfers=events["transfer"],
        pilot_units=pilots,
        quota_pools=pools,
        users=users,
        role_grants=grants,
        personas=tuple(persona_logins(region)),
    )
    audit_record(
        actor=None,
        action=AuditAction.ORG_DEMO_LOAD,
        obj=region,
        region=region,
        details=result.summary(),
    )
    # A database that reuses ids may hold another region's counts under this one's key.
    unit_counts_forget(region.pk)
    return result


def _all_unit_rows() -> list[tuple[UnitType, str, UnitRow]]:
    """Every unit as (type, code, row), in tree order of creation."""
    rows: list[tuple[UnitType, str, UnitRow]] = []
    for i, (name, size) in enumerate(TOWNS, 1):
        street = name.endswith("街道")
        head = STREET_MAIN_POST if street else TOWN_MAIN_POST
        rows.append((UnitType.TOWN, f"T{i:03d}", UnitRow(name, head, "", A, size)))
    for i, row in enumerate(DISTRICT_UNITS, 1):
        rows.append((UnitType.DISTRICT_UNIT, f"D{i:03d}", row))
    for i, row in enumerate(SUBORDINATE_UNITS, 1):
        rows.append((UnitType.SUBORDINATE, f"S{i:03d}", row))
    return rows


def _team_posts(unit_type: UnitType, row: UnitRow) -> list[tuple[str, bool]]:
    """The leadership team besides the main leader, as (post, held at 正科)."""
    if unit_type == UnitType.TOWN:
        posts = STREET_TEAM_POSTS if row.name.endswith("街道") else TOWN_TEAM_POSTS
        count = 9 if row.size >= 36 else 8
        return [(post, i < TOWN_SENIOR_TEAM) for i, post in enumerate(posts[:count])]
    if row.size < 5:
        count = 1
    elif row.size < 12:
        count = 2
    elif row.size < 20:
        count = 3
    else:
        count = 4 + row.size // 40  # large bureaus have more deputies
    team = [(row.senior, True)] if row.senior else []
    team += [(row.deputy, False)] * (count - len(team))
    return team


# --- Planning (pure Python, no queries) ------------------------------------


def _plan_cadres(rng: random.Random, year: int) -> list[_Cadre]:
    cadres = _plan_positions()
    _assign_tiers(rng, cadres)
    _assign_ranks_and_categories(rng, cadres)
    _assign_personas(cadres)
    _plan_events(rng, cadres, year)
    _assign_identities(rng, cadres, year)
    return cadres


def _plan_positions() -> list[_Cadre]:
    """Leaders as posted, then unplaced non-leaders, unit by unit."""
    cadres: list[_Cadre] = []
    rows = _all_unit_rows()
    if sum(row.size for _, _, row in rows) != PEOPLE_TOTAL:
        raise RuntimeError("The demo unit sizes must add up to PEOPLE_TOTAL.")
    for unit_type, _code, row in rows:
        cadres.append(
            _Cadre(row.name, LeadershipRole.MAIN, RankTier.SECTION_CHIEF, MAIN_RANK, row.head)
        )
        team = _team_posts(unit_type, row)
        for post, senior in team:
            tier = RankTier.SECTION_CHIEF if senior else RankTier.DEPUTY_SECTION_CHIEF
            rank = MAIN_RANK if senior else TEAM_RANK
            cadres.append(_Cadre(row.name, LeadershipRole.TEAM, tier, rank, post))
        for _ in range(row.size - 1 - len(team)):
            # The tier is a placeholder until _assign_tiers deals them out.
            cadres.append(_Cadre(row.name, LeadershipRole.STAFF, RankTier.STAFF))
    return cadres


def _assign_tiers(rng: random.Random, cadres: list[_Cadre]) -> None:
    """Deal the tiers left after the leaders to the other cadres, so the totals
    match the field report exactly."""
    left = Counter(TIER_TARGETS)
    left.subtract(c.tier for c in cadres if c.role != LeadershipRole.STAFF)
    if any(n < 0 for n in left.values()):
        raise RuntimeError("The demo leadership teams exceed the tier targets.")
    tiers = [tier for tier in TIER_TARGETS for _ in range(left[tier])]
    rng.shuffle(tiers)
    staff = [c for c in cadres if c.role == LeadershipRole.STAFF]
    for cadre, tier in zip(staff, tiers, strict=True):
        cadre.tier = tier


def _weighted(rng: random.Random, options: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]


def _assign_ranks_and_categories(rng: random.Random, cadres: list[_Cadre]) -> None:
    for c in cadres:
        police = c.unit == POLICE_UNIT
        if c.role == LeadershipRole.STAFF:
            c.rank = _weighted(rng, NON_LEADER_RANKS[c.tier])
            c.post = rng.choice(POLICE_POSTS[c.tier]) if police else _staff_post(rng, c)
        if police:
            c.category = CAT_POLICE_TECH if rng.random() < 0.2 else CAT_POLICE_DUTY
        elif c.role != LeadershipRole.STAFF:
            c.category = CAT_GENERAL
        elif c.unit in ENFORCEMENT_UNITS and rng.random() < 0.6:
            c.category = CAT_ENFORCEMENT
        elif c.unit in TECHNICAL_UNITS and rng.random() < 0.35:
            c.category = CAT_TECHNICAL
        if police and c.role != LeadershipRole.STAFF:
            # Police leaders command: they are 执法勤务类 whatever the dice say.
            c.category = CAT_POLICE_DUTY


def _staff_post(rng: random.Random, cadre: _Cadre) -> str:
    town = cadre.unit.endswith(("镇", "街道"))
    if cadre.rank == "副科":
        return "办公室主任" if town else "科长"
    if cadre.tier == RankTier.SECTION_CHIEF:
        return cadre.rank if rng.random() < 0.7 else ("党政办主任" if town else "科长")
    if cadre.tier == RankTier.DEPUTY_SECTION_CHIEF:
        return cadre.rank if rng.random() < 0.6 else ("站所负责人" if town else "副科长")
    return "办事员" if cadre.rank == "一般干部" else "科员"


def _assign_personas(cadres: list[_Cadre]) -> None:
    """Reserve the people behind the persona logins; they keep a quiet year."""

    def pick(unit: str, role: LeadershipRole, tiers: tuple[RankTier, ...]) -> _Cadre:
        candidates = [c for c in cadres if c.unit == unit and c.role == role and not c.persona]
        for tier in tiers:
            for c in candidates:
                if c.tier == tier:
                    return c
        return candidates[0]

    sc, dsc, staff = RankTier.SECTION_CHIEF, RankTier.DEPUTY_SECTION_CHIEF, RankTier.STAFF
    pick(PERSONA_UNIT, LeadershipRole.MAIN, (sc,)).persona = "unit_head"
    pick(PERSONA_UNIT, LeadershipRole.TEAM, (dsc,)).persona = "team_member"
    pick(PERSONA_UNIT, LeadershipRole.STAFF, (dsc, sc)).persona = "unit_admin"
    pick(PERSONA_UNIT, LeadershipRole.STAFF, (staff,)).persona = "cadre"
    pick(PERSONA_OTHER_UNIT, LeadershipRole.STAFF, (staff,)).persona = "cadre_other"
    pick(PERSONA_SUPERVISOR_HOME, LeadershipRole.STAFF, (sc, dsc)).persona = "supervisor"


def _day(rng: random.Random, year: int, first_month: int, last_month: int) -> dt.date:
    """A random day from the 2nd of `first_month` to the 28th of `last_month`."""
    month = rng.randint(first_month, last_month)
    return dt.date(year, month, rng.randint(2, 28))


def _plan_events(rng: random.Random, cadres: list[_Cadre], year: int) -> None:
    """Pick who is seconded, recruited, retires or moves during the year.

    Only non-leaders of units with at least 10 people qualify, and each such
    unit loses at most one retiree, so on Dec 31 no large unit drops under 8
    in-scope people and every leadership team stays whole. The police keep
    their own: their categories exist nowhere else.
    """
    sizes = Counter(c.unit for c in cadres)
    large = [u for u, n in sizes.items() if n >= 10 and u != POLICE_UNIT]
    eligible = [
        c
        for c in cadres
        if c.role == LeadershipRole.STAFF
        and not c.persona
        and sizes[c.unit] >= 10
        and c.unit != POLICE_UNIT
    ]
    rng.shuffle(eligible)

    retired_units: set[str] = set()
    for c in eligible:
        if len(retired_units) == RETIREMENTS:
            break
        if c.tier != RankTier.STAFF and c.unit not in retired_units:
            c.event = "retire"
            retired_units.add(c.unit)

    free = [c for c in eligible if not c.event]
    for c in free[:TRANSFERS]:
        c.event = "transfer"
        c.event_day = _day(rng, year, 3, 10)
        c.origin_unit = rng.choice([u for u in large if u != c.unit])

    free = [c for c in free if not c.event]
    recruits = [c for c in free if c.tier == RankTier.STAFF][:NEW_RECRUITS]
    for i, c in enumerate(recruits):
        c.event = "recruit"
        c.probation = i < NEW_RECRUITS_ON_PROBATION
        month, day = rng.choice(RECRUIT_START_DAYS)
        c.event_day = dt.date(year, month, day)
        c.rank = _weighted(rng, RECRUIT_RANKS)
        c.post = "科员"

    free = [c for c in free if not c.event]
    for c in free[:VILLAGE_SECONDMENTS]:
        c.event = "village"
        month, day = rng.choice(VILLAGE_START_DAYS)
        c.event_day = dt.date(year, month, day)


def _given_name(rng: random.Random, gender: Gender) -> str:
    own = GIVEN_MALE if gender == Gender.MALE else GIVEN_FEMALE
    first = rng.choice(own + GIVEN_SHARED)
    second = rng.choice(own)
    return first + second if first != second else first + rng.choice(own)


def _assign_identities(rng: random.Random, cadres: list[_Cadre], year: int) -> None:
    """Names, genders, birth dates and staff numbers; recruits are numbered last."""
    surnames = [s for s, _ in SURNAMES]
    weights = [w for _, w in SURNAMES]
    used: set[str] = set()
    for c in cadres:
        male_share = 0.8 if c.role != LeadershipRole.STAFF else 0.55
        if c.unit == "区妇联":
            male_share = 0.1
        c.gender = Gender.MALE if rng.random() < male_share else Gender.FEMALE
        for _attempt in range(20):
            name = rng.choices(surnames, weights=weights)[0] + _given_name(rng, c.gender)
            if name not in used:
                break
        used.add(name)
        c.name = name
        c.birth_date = _birth_date(rng, c, year)
        if c.event == "retire":
            c.event_day = _retirement_day(c, year)

    ordered = [c for c in cadres if c.event != "recruit"]
    ordered += sorted((c for c in cadres if c.event == "recruit"), key=_event_day)
    for i, c in enumerate(ordered, 1):
        c.staff_no = f"{STAFF_NO_PREFIX}{i:05d}"


def _event_day(cadre: _Cadre) -> dt.date:
    if cadre.event_day is None:
        raise RuntimeError("This cadre has no dated event.")
    return cadre.event_day


def _birth_date(rng: random.Random, cadre: _Cadre, year: int) -> dt.date:
    if cadre.event == "retire":
        # They reach retirement age this year, in a month that leaves the rest
        # of the year to show them as retired.
        age = RETIREMENT_AGE[cadre.gender]
        return dt.date(year - age, rng.randint(2, 10), rng.randint(1, 28))
    if cadre.event == "recruit":
        lo, hi = AGE_RECRUIT
    elif cadre.role == LeadershipRole.MAIN:
        lo, hi = AGE_MAIN
    elif cadre.role == LeadershipRole.TEAM:
        lo, hi = AGE_TEAM_SENIOR if cadre.tier == RankTier.SECTION_CHIEF else AGE_TEAM
    else:
        lo, hi = AGE_BY_TIER[cadre.tier]
    # Ages count at the year's end: age a means born in year - a, so nobody
    # reaches retirement age (60, or 55 for women) before next year.
    hi = min(hi, RETIREMENT_AGE[cadre.gender] - 1)
    age = rng.randint(min(lo, hi), hi)
    return dt.date(year - age, rng.randint(1, 12), rng.randint(1, 28))


def _retirement_day(cadre: _Cadre, year: int) -> dt.date:
    """The last working day: the end of the month they reach retirement age."""
    if cadre.birth_date is None:
        raise RuntimeError("A retiree needs a birth date.")
    month = cadre.birth_date.month
    return dt.date(year, month + 1, 1) - dt.timedelta(days=1)


def _check_usernames_free(cadres: list[_Cadre]) -> None:
    names = [c.staff_no for c in cadres] + [login for login, _role in PERSONAS]
    taken = list(User.objects.filter(username__in=names).values_list("username", flat=True)[:5])
    if taken:
        raise ApplicationError(
            f"Demo login names already in use: {', '.join(taken)}. "
            "Remove those users or load the demo into another database.",
            code=OrgErrorCode.DEMO_USERNAMES_TAKEN,
        )


# --- Writing -----------------------------------------------------------------


def _create_units(region: Region) -> dict[str, Unit]:
    """All 89 units in three bulk inserts; the tree paths need the new keys."""
    categories = {c.name: c for c in PerformanceCategory.objects.filter(region=region)}
    rows = _all_unit_rows()

    def build(unit_type: UnitType, code: str, row: UnitRow, order: int) -> Unit:
        return Unit(
            region=region,
            name=row.name,
            code=code,
            unit_type=unit_type,
            unit_kind=row.kind,
            performance_category=categories[row.category],
            sort_order=order,
        )

    top = [build(t, code, row, i) for i, (t, code, row) in enumerate(rows) if not row.parent]
    Unit.objects.bulk_create(top)
    for unit in top:
        unit.path = Unit.path_segment(unit.pk)
    Unit.objects.bulk_update(top, ["path"])
    by_name = {unit.name: unit for unit in top}

    children: list[Unit] = []
    for i, (t, code, row) in enumerate(rows):
        if row.parent:
            child = build(t, code, row, i)
            child.parent = by_name[row.parent]
            child.depth = 1
            children.append(child)
    Unit.objects.bulk_create(children)
    for child in children:
        if child.parent is None:
            raise RuntimeError("A subordinate unit lost its parent.")
        child.path = child.parent.path + Unit.path_segment(child.pk)
    Unit.objects.bulk_update(children, ["path"])
    by_name.update((child.name, child) for child in children)
    return by_name


def _create_pilots(units: dict[str, Unit], year: int) -> int:
    PilotUnitYear.objects.bulk_create(
        PilotUnitYear(unit=units[name], year=year) for name in PILOT_UNITS
    )
    return len(PILOT_UNITS)


def _create_people(region: Region, cadres: list[_Cadre]) -> int:
    people = Person.objects.bulk_create(
        Person(
            region=region,
            staff_no=c.staff_no,
            name=c.name,
            gender=c.gender,
            birth_date=c.birth_date,
        )
        for c in cadres
    )
    for cadre, person in zip(cadres, people, strict=True):
        cadre.person_id = person.pk
    return len(people)


def _create_memberships(
    region: Region, units: dict[str, Unit], cadres: list[_Cadre], year: int
) -> int:
    """Each cadre's dated rows; a closed row ends the day before the next starts."""
    ranks = {r.name: r.pk for r in RankLevel.objects.filter(region=region)}
    categories = {c.name: c.pk for c in PersonnelCategory.objects.filter(region=region)}
    jan1 = dt.date(year, 1, 1)
    one_day = dt.timedelta(days=1)

    def row(
        c: _Cadre,
        start: dt.date,
        end: dt.date | None = None,
        status: MembershipStatus = MembershipStatus.ON_DUTY,
        unit: str = "",
        post: str = "",
    ) -> Membership:
        return Membership(
            region=region,
            person_id=c.person_id,
            unit=units[unit or c.unit],
            post=post or c.post,
            rank_level_id=ranks[c.rank],
            personnel_category_id=categories[c.category],
            leadership_role=c.role,
            status=status,
            valid_from=start,
            valid_to=end,
        )

    rows: list[Membership] = []
    for c in cadres:
        if not c.event:
            rows.append(row(c, jan1))
            continue
        day = _event_day(c)
        if c.event == "village":
            post = "驻村第一书记" if c.tier != RankTier.STAFF else "驻村工作队员"
            rows.append(row(c, jan1, day - one_day))
            rows.append(row(c, day, status=MembershipStatus.VILLAGE, post=post))
        elif c.event == "recruit":
            status = MembershipStatus.PROBATION if c.probation else MembershipStatus.NEW_RECRUIT
            rows.append(row(c, day, status=status))
        elif c.event == "retire":
            rows.append(row(c, jan1, day))
            rows.append(row(c, day + one_day, status=MembershipStatus.RETIRED))
        elif c.event == "transfer":
            rows.append(row(c, jan1, day - one_day, unit=c.origin_unit))
            rows.append(row(c, day))
    Membership.objects.bulk_create(rows)
    return len(rows)


def _create_pools(region: Region, units: dict[str, Unit], year: int) -> int:
    """Merged and joint pools through the service; every other unit alone."""
    for lead, members in MERGED_POOLS:
        services.quota_pool_create(
            actor=None,
            region=region,
            year=year,
            kind=QuotaPool.Kind.MERGED,
            units=[units[lead], *(units[m] for m in members)],
            name=f"{lead}（含下属参公单位）",
            lead_unit=units[lead],
        )
    for name, members in JOINT_POOLS:
        services.quota_pool_create(
            actor=None,
            region=region,
            year=year,
            kind=QuotaPool.Kind.JOINT,
            units=[units[m] for m in members],
            name=name,
        )
    own = services.quota_pools_complete(actor=None, region=region, year=year)
    return len(MERGED_POOLS) + len(JOINT_POOLS) + own


def _create_accounts(
    region: Region, units: dict[str, Unit], cadres: list[_Cadre]
) -> tuple[int, int]:
    """One login per person plus the personas, all sharing one password hash.

    A person has at most one login (User.person is one-to-one), so the people
    behind personas log in with the persona name instead of their staff number.
    Retirees keep an inactive login and no grant: they have no unit to see.
    """
    password = make_password(DEMO_PASSWORD)  # hashed once: it is deliberately slow
    users = [
        User(
            username=c.persona or c.staff_no,
            password=password,
            region=region,
            person_id=c.person_id,
            first_name=c.name,
            is_active=c.event != "retire",
        )
        for c in cadres
    ]
    users.append(
        User(
            username="region_admin", password=password, region=region, first_name=REGION_ADMIN_NAME
        )
    )
    User.objects.bulk_create(users)
    by_login = {u.username: u for u in users}

    grants = [
        RoleGrant(
            user=user,
            role=Role.CADRE,
            region=region,
            unit=units[c.unit],
            include_subunits=False,
        )
        for c, user in zip(cadres, users[: len(cadres)], strict=True)
        if c.event != "retire"
    ]
    RoleGrant.objects.bulk_create(grants)

    # The personas' own roles go through the service, so each is audited.
    role_grant(actor=None, user=by_login["region_admin"], role=Role.REGION_ADMIN)
    persona_unit = units[PERSONA_UNIT]
    role_grant(actor=None, user=by_login["unit_admin"], role=Role.UNIT_ADMIN, unit=persona_unit)
    role_grant(actor=None, user=by_login["unit_head"], role=Role.UNIT_HEAD, unit=persona_unit)
    role_grant(actor=None, user=by_login["team_member"], role=Role.TEAM_MEMBER, unit=persona_unit)
    # `cadre` and `cadre_other` already hold their CADRE grant from the bulk insert.
    for town in SUPERVISED_TOWNS:
        role_grant(actor=None, user=by_login["supervisor"], role=Role.SUPERVISOR, unit=units[town])
    return len(users), RoleGrant.objects.filter(region=region).count()


# --- Reading back ------------------------------------------------------------


def persona_logins(region: Region) -> list[PersonaLogin]:
    """The persona logins of `region`, each with the units of its persona role."""
    logins = [login for login, _role in PERSONAS]
    users = {
        u.username: u
        for u in User.objects.filter(region=region, username__in=logins).select_related("person")
    }
    grants = (
        RoleGrant.objects.filter(user__in=users.values())
        .select_related("unit")
        .order_by("unit__path")
    )
    units: dict[tuple[int, str], list[str]] = {}
    for g in grants:
        units.setdefault((g.user_id, g.role), []).append(g.unit.name if g.unit else "")
    result: list[PersonaLogin] = []
    for login, role in PERSONAS:
        user = users.get(login)
        if user is None:
            continue
        person_name = user.person.name if user.person else user.first_name
        names = tuple(n for n in units.get((user.pk, role), []) if n)
        result.append(PersonaLogin(login, role.value, names, person_name))
    return result
