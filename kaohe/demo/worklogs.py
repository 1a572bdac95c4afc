"""A year of work records for the demo county 示范区 (``manage.py demo_load``).

Every in-scope cadre gets a daily log for each working day of their dated
memberships up to `today`, less recorded leave, with about 5% of due days
missing and about 8% of the written ones backfilled. Days still inside the
backfill window are left partly unwritten, so the demo shows days that can
still be written; the `cadre` persona always has yesterday and today open.
Quarterly summaries exist for the quarters already over.

One seeded random generator makes every choice, so each run yields the same
records. Logs go in with COPY on PostgreSQL and multi-row INSERTs of 3,000 rows
elsewhere, everything else with bulk_create; nothing is written a row at a time.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from string import Formatter
from typing import Any, TypeVar

from django.db import connection, models, transaction
from django.utils import timezone

from kaohe.accounts.models import User
from kaohe.core import sql
from kaohe.core.audit import audit_record
from kaohe.core.audit_actions import AuditAction
from kaohe.core.calendar import WorkCalendar, region_calendar
from kaohe.demo.org import PERSONAS, POLICE_UNIT, TOWNS
from kaohe.org.models import (
    Gender,
    LeadershipRole,
    Leave,
    Membership,
    Person,
    Region,
    Unit,
    UnitType,
)
from kaohe.worklogs.compliance import compliance_forget
from kaohe.worklogs.models import (
    LOG_INSERT_FIELDS,
    LogComment,
    LogRead,
    Summary,
    SummaryKind,
    Timeliness,
    WorkLog,
)
from kaohe.worklogs.policies import policy_for
from kaohe.worklogs.rules import CALENDAR_MARGIN, Period

SEED = 20261121
BATCH_SIZE = 5000  # bulk_create batches (summaries)

MISSING_SHARE = 0.05  # due days nobody wrote
BACKFILLED_SHARE = 0.08  # written logs that came in late
SUMMARY_SHARE = 0.95  # people who wrote the summary of a finished period
SUMMARY_BACKFILLED_SHARE = 0.12
# Chance that a day inside the open backfill window is still unwritten, from
# today (index 0) backwards: today is only half over, older days mostly caught up.
OPEN_UNWRITTEN_SHARE = (0.55, 0.25, 0.15, 0.10, 0.08, 0.06)
PERSONA_CADRE = "cadre"
PERSONA_LOGINS = tuple(login for login, _role in PERSONAS)

LEAVE_COUNT = 15
# (reason, shortest, longest calendar days, gender or None for anyone)
LEAVE_KINDS: tuple[tuple[str, int, int, Gender | None], ...] = (
    ("病假", 5, 20, None),
    ("病假", 5, 20, None),
    ("外出学习", 7, 20, None),
    ("外出学习", 7, 20, None),
    ("婚假", 10, 13, None),
    ("陪产假", 15, 15, Gender.MALE),
    ("产假", 98, 98, Gender.FEMALE),
)
READS = 400  # logs of the last weeks acknowledged by the unit's main leader
COMMENTS = 60
RECENT_WORKDAYS = 20

# --- Text fragments ----------------------------------------------------------

TOWN_NAMES = tuple(name for name, _size in TOWNS)
VILLAGE_STEMS = (
    "王庄", "李家", "河口", "杨树", "东坡", "西岭", "前进", "红星", "大王", "小河", "桃园",
    "石门", "柳林", "新庄", "高桥", "三里", "张湾", "刘集", "北洼", "南寨", "枣林", "马庄",
)  # fmt: skip
COMMUNITY_STEMS = (
    "和平", "幸福", "建设", "文化", "新华", "光明", "振兴", "育才", "滨河", "锦绣", "长青",
)  # fmt: skip
COMPANIES = (
    "宏达机械", "恒通物流", "金禾食品", "鑫源建材", "华康医药", "绿源农业", "顺发化工",
    "天成纺织", "永盛家具", "远航电子", "丰泰粮油", "博远包装",
)  # fmt: skip
DOCUMENTS = (
    "年度工作要点", "专项工作方案", "半年工作总结", "调研报告", "请示", "情况汇报",
    "实施意见", "工作通知", "督查通报", "会议纪要",
)  # fmt: skip
MATERIALS = (
    "统计报表", "项目申报材料", "资金拨付材料", "考核佐证材料", "专项审计资料", "政策兑现材料",
)  # fmt: skip
MEETINGS = (
    "安全生产工作会议", "经济运行分析会", "优化营商环境推进会", "重点项目调度会",
    "党风廉政建设工作会议", "信访稳定工作会议", "民生实事推进会", "生态环境保护工作会议",
)  # fmt: skip
TOPICS = ("基层治理", "产业发展", "项目建设", "民生实事", "营商环境", "安全生产", "乡村振兴")
POLICIES = ("新修订的行政处罚法", "公文处理办法", "数据安全法", "政府采购有关规定", "保密知识")
PATROL_AREAS = ("城关辖区", "东城街道辖区", "火车站周边", "学校周边", "商业步行街", "城乡结合部")
CASES = ("盗窃", "电信网络诈骗", "治安", "交通肇事", "邻里纠纷", "非法营运")
OUTREACH = ("社区", "校园", "企业", "村居", "集贸市场")
FILLERS: dict[str, tuple[str, ...]] = {
    "t": TOWN_NAMES,
    "c": COMPANIES,
    "n": tuple(str(i) for i in range(2, 13)),
    "m": tuple(str(i) for i in range(15, 121)),
    "doc": DOCUMENTS,
    "mat": MATERIALS,
    "meet": MEETINGS,
    "topic": TOPICS,
    "pol": POLICIES,
    "area": PATROL_AREAS,
    "case": CASES,
    "place": OUTREACH,
}

# Placeholders: {v} village or community, {t} town, {c} company, {n} small and
# {m} larger number, {doc} {mat} {meet} {topic} {pol} {area} {case} {place}.
TOWN_COMMON_FRAGMENTS = (
    "接待群众来访{n}人次，现场答复并登记办理信访诉求",
    "入户核查低保、特困供养对象{n}户，更新帮扶台账",
    "参加党委会议，汇报分管工作推进情况",
    "协助开展医保参保缴费宣传，入户动员{m}户",
    "整理党建工作材料，更新党员信息{m}条",
    "值班带班，处理群众热线工单{n}件",
    "陪同区{topic}督查组到{v}实地检查",
    "在{v}开展人居环境整治，清理垃圾杂物{m}余处",
    "排查{v}自建房安全隐患{n}处，建立整改台账",
    "到{c}公司了解生产经营情况，帮助协调用工问题",
)
RURAL_FRAGMENTS = (
    "到{v}走访农户{n}户，了解春耕生产和群众生产生活困难",
    "参加镇防汛值班，巡查{v}河道堤防和险工险段",
    "跟进{v}乡村振兴项目建设进度，协调解决用地问题",
    "组织{v}两委干部学习上级会议精神",
    "到{v}督促秸秆禁烧和森林防火工作",
    "整理防返贫动态监测信息，走访监测户{n}户",
    "调解{v}土地承包纠纷{n}起，双方达成一致",
    "到{v}察看高标准农田建设进度",
)
STREET_FRAGMENTS = (
    "到{v}走访居民{n}户，收集群众对老旧小区改造的意见",
    "参加街道防汛值班，巡查{v}低洼易涝点",
    "指导{v}开展网格化管理，更新网格员台账",
    "调解{v}物业纠纷{n}起，督促物业公司限期整改",
    "到{v}检查沿街商铺燃气安全{n}家",
    "组织{v}志愿者开展文明城市创建宣传",
)
DISTRICT_FRAGMENTS = (
    "起草{doc}，修改完善后报分管领导审核",
    "审核{n}家单位报送的{mat}",
    "参加全区{meet}，整理会议纪要",
    "到{t}督查{n}家企业隐患整改情况",
    "在政务服务窗口受理业务{m}件，解答群众咨询",
    "整理归档本季度文书档案{m}份",
    "组织科室集中学习，撰写学习心得",
    "到{t}调研{topic}工作，形成调研记录",
    "办理12345热线转办件{n}件，按时回复群众",
    "完成{n}个项目的资料初审，提出修改意见",
    "核对{n}家单位上报数据，汇总后报送市级部门",
    "陪同领导到{t}检查{topic}工作",
    "参加业务培训，学习{pol}",
    "到{c}公司开展政策宣讲，现场解答企业问题{n}个",
    "修改完善{doc}，按程序提交局党组会研究",
    "对接市直部门，报送{mat}",
    "接待来访群众{n}人次，做好登记和解释工作",
)
POLICE_FRAGMENTS = (
    "带队在{area}开展巡逻，盘查可疑人员{n}名",
    "办理{case}案件{n}起，完成询问笔录和证据材料整理",
    "在{t}派出所值班备勤，接处警{n}起",
    "开展反诈宣传进{place}活动，发放宣传资料{m}份",
    "对辖区{n}家旅馆开展治安检查",
    "配合刑侦大队开展案件侦查，调取监控视频",
    "参加分局警务工作例会，部署近期重点工作",
    "整理案卷{n}宗，送法制部门审核",
    "开展重点人员走访管控{n}人次",
    "参加交通安全整治行动，查处交通违法行为{m}起",
    "到{v}调解{case}警情，当事双方达成和解",
)
ENFORCEMENT_FRAGMENTS = (
    "对{t}{n}家商户开展执法检查，下达整改通知书{n}份",
    "办理行政处罚案件{n}起，制作执法文书",
    "开展{topic}专项执法行动，出动执法人员{m}人次",
    "复查{c}公司整改落实情况",
)

SUMMARY_OPENINGS = (
    "本季度，本人在单位党组织领导下，认真学习贯彻上级决策部署，立足岗位职责，较好完成了各项工作任务。",
    "本季度，本人坚持把学习摆在首位，围绕单位中心工作履职尽责，工作总体有序推进。",
    "本季度以来，本人服从组织安排，严格遵守工作纪律，积极主动完成领导交办的各项任务。",
)  # fmt: skip
SUMMARY_POINT_TAILS = (
    "做到底数清、情况明",
    "按时间节点完成",
    "得到分管领导肯定",
    "取得了较好效果",
    "相关台账资料齐全",
    "群众反映良好",
)
LONE_PREFIXES = ("", "全天", "今天")
THIRD_PREFIXES = ("晚上", "下班前", "另外")
SUMMARY_WEAKNESSES = (
    "理论学习的系统性还不够，业务能力有待进一步提升",
    "工作中统筹协调还不够到位，个别任务推进偏慢",
    "深入基层调查研究不够，解决复杂问题的办法还不多",
)  # fmt: skip
SUMMARY_NEXT = (
    "下一步，本人将加强学习，改进作风，推动各项工作再上新台阶。",
    "下一季度，将继续聚焦重点任务，查漏补缺，确保全年目标任务圆满完成。",
    "今后将进一步提高标准、细化措施，以更好的状态完成本职工作。",
)  # fmt: skip
COMMENT_TEXTS = (
    "已阅，请继续跟进。",
    "情况掌握得比较细，注意及时向分管领导报告。",
    "整改问题要建立台账，逐项销号。",
    "已阅，下周把书面材料报办公室。",
    "工作扎实，继续保持。",
)

T = TypeVar("T")

# --- Result --------------------------------------------------------------------


@dataclass(frozen=True)
class DemoLogsResult:
    region_id: int
    created: bool  # False when the region already had logs and nothing was written
    logs: int
    on_time: int
    backfilled: int
    missing: int  # due days (backfill window closed) left without a log
    open_unwritten: int  # days still inside the backfill window, not yet written
    leave_days: int  # working days skipped because the person was on leave
    leaves: int
    quarterly_summaries: int
    annual_summaries: int
    reads: int
    comments: int
    seconds: float

    def summary(self) -> dict[str, object]:
        """The counts, as stored in the audit row."""
        return {
            "logs": self.logs,
            "on_time": self.on_time,
            "backfilled": self.backfilled,
            "missing": self.missing,
            "open_unwritten": self.open_unwritten,
            "leave_days": self.leave_days,
            "leaves": self.leaves,
            "quarterly_summaries": self.quarterly_summaries,
            "annual_summaries": self.annual_summaries,
            "reads": self.reads,
            "comments": self.comments,
        }


# --- Texts ---------------------------------------------------------------------


class _Writer:
    """Builds log and summary texts for one unit kind from the seeded generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def _fill(self, fragment: _Fragment, places: tuple[str, ...]) -> str:
        # About 300,000 texts: pick only the values a fragment uses, by index,
        # which is several times faster than rng.choice for every placeholder.
        rand = self.rng.random
        out: list[str] = []
        for literal, name in fragment:
            out.append(literal)
            if name:
                options = places if name == "v" else FILLERS[name]
                out.append(options[int(rand() * len(options))])
        return "".join(out)

    def log(self, pool: _Pool) -> str:
        """One day's log: 1–3 fragments with times of day, mostly 30–80 characters."""
        rng = self.rng
        r = rng.random()
        count = 1 if r < 0.27 else 2 if r < 0.82 else 3
        parts = [self._fill(f, pool.places) for f in rng.sample(pool.fragments, count)]
        while len(parts) > 1 and sum(len(p) for p in parts) > 80:
            parts.pop()
        if len(parts) == 1:
            if len(parts[0]) >= 24:
                return LONE_PREFIXES[int(rng.random() * len(LONE_PREFIXES))] + parts[0] + "。"
            # A short fragment alone reads thin: write two different ones instead.
            parts = [self._fill(f, pool.places) for f in rng.sample(pool.fragments, 2)]
        if len(parts) == 2:
            return f"上午{parts[0]}；下午{parts[1]}。"
        return f"上午{parts[0]}；下午{parts[1]}；{rng.choice(THIRD_PREFIXES)}{parts[2]}。"

    def summary(self, pool: _Pool, label: str) -> str:
        """A quarterly or annual summary of roughly 150–250 characters."""
        rng = self.rng
        points = [self._fill(f, pool.places) for f in rng.sample(pool.fragments, 4)]
        text = label + "工作总结。" + rng.choice(SUMMARY_OPENINGS)
        ordinals = ("一是", "二是", "三是", "四是")
        tails = rng.sample(SUMMARY_POINT_TAILS, len(points))
        body = ""
        for i, point in enumerate(points):
            candidate = body + f"{ordinals[i]}{point}，{tails[i]}；"
            if len(text) + len(candidate) > 190 and i >= 2:
                break
            body = candidate
        text += body.rstrip("；") + "。"
        text += f"存在的不足：{rng.choice(SUMMARY_WEAKNESSES)}。{rng.choice(SUMMARY_NEXT)}"
        return text


_Fragment = tuple[tuple[str, str | None], ...]


def _parse(fragments: Iterable[str]) -> tuple[_Fragment, ...]:
    """Split each fragment once into (literal, placeholder) pairs."""
    return tuple(
        tuple((literal, name) for literal, name, _spec, _conv in Formatter().parse(f))
        for f in fragments
    )


@dataclass(frozen=True)
class _Pool:
    fragments: tuple[_Fragment, ...]
    places: tuple[str, ...]  # what {v} stands for: villages, or communities in a subdistrict


VILLAGES = tuple(stem + "村" for stem in VILLAGE_STEMS)
COMMUNITIES = tuple(stem + "社区" for stem in COMMUNITY_STEMS)
POOLS = {
    "police": _Pool(_parse(POLICE_FRAGMENTS), VILLAGES),
    "town": _Pool(_parse(TOWN_COMMON_FRAGMENTS + RURAL_FRAGMENTS), VILLAGES),
    "street": _Pool(_parse(TOWN_COMMON_FRAGMENTS + STREET_FRAGMENTS), COMMUNITIES),
    "enforcement": _Pool(_parse(DISTRICT_FRAGMENTS + ENFORCEMENT_FRAGMENTS), VILLAGES),
    "district": _Pool(_parse(DISTRICT_FRAGMENTS), VILLAGES),
}
ENFORCEMENT_WORDS = ("执法", "监督", "市场", "城市管理", "应急")


def _fragment_pool(unit_type: str, unit_name: str) -> _Pool:
    """The fragments that fit a unit: police, town, subdistrict, enforcement or bureau."""
    if unit_name == POLICE_UNIT:
        return POOLS["police"]
    if unit_type == UnitType.TOWN:
        return POOLS["street" if unit_name.endswith("街道") else "town"]
    if any(word in unit_name for word in ENFORCEMENT_WORDS):
        return POOLS["enforcement"]
    return POOLS["district"]


# --- Generation ----------------------------------------------------------------


@dataclass(frozen=True)
class _Stretch:
    person_id: int
    unit_id: int
    start: dt.date
    end: dt.date  # inclusive, already clipped to the logged range


def _bulk(model: type[models.Model], rows: Iterable[T], build: Callable[[T], models.Model]) -> int:
    """Insert in batches without keeping every instance in memory."""
    batch: list[models.Model] = []
    total = 0
    for row in rows:
        batch.append(build(row))
        if len(batch) >= BATCH_SIZE:
            model._default_manager.bulk_create(batch, batch_size=BATCH_SIZE)
            total += len(batch)
            batch = []
    if batch:
        model._default_manager.bulk_create(batch, batch_size=BATCH_SIZE)
        total += len(batch)
    return total


# Rows per INSERT on SQLite: below its default 32,766 parameters.
INSERT_ROWS = 3000


def _insert_logs(region_id: int, items: Iterable[tuple[_Stretch, dt.date, str, str]]) -> int:
    """Insert the logs in bulk (`sql.load`: COPY on PostgreSQL, multi-row INSERTs of
    INSERT_ROWS on SQLite).

    bulk_create would be the obvious tool, but on SQLite Django caps it at 111 rows
    a statement (999 parameters) and prepares each of the ~300,000 x 9 values
    separately: 42 s for the demo county against under 10 s here. On PostgreSQL,
    psycopg's client-side parsing of statements with 27,000 placeholders cost more
    than the inserts themselves, hence COPY. Values are adapted the way Django
    would: dates and timestamps once each.
    """
    ops = connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())
    days: dict[dt.date, Any] = {}

    def rows() -> Iterable[tuple[Any, ...]]:
        for stretch, day, content, timeliness in items:
            if day not in days:
                days[day] = ops.adapt_datefield_value(day)
            yield (
                region_id,
                stretch.person_id,
                stretch.unit_id,
                days[day],
                content,
                timeliness,
                now,
                now,
                0,
            )

    names = [sql.column(WorkLog, name) for name in LOG_INSERT_FIELDS]
    with connection.cursor() as cursor:
        return sql.load(cursor, sql.table(WorkLog), names, rows(), batch=INSERT_ROWS)


def _zero(region_id: int, started: float) -> DemoLogsResult:
    return DemoLogsResult(
        region_id=region_id,
        created=False,
        logs=0,
        on_time=0,
        backfilled=0,
        missing=0,
        open_unwritten=0,
        leave_days=0,
        leaves=0,
        quarterly_summaries=0,
        annual_summaries=0,
        reads=0,
        comments=0,
        seconds=time.perf_counter() - started,
    )


@transaction.atomic
def generate_demo_logs(*, region_id: int, year: int, today: dt.date) -> DemoLogsResult:
    """Write the demo county's work records of `year` up to `today`; a no-op when the
    region already has logs."""
    started = time.perf_counter()
    if WorkLog.objects.filter(region_id=region_id).exists():
        return _zero(region_id, started)
    region = Region.objects.get(pk=region_id)
    # Seeded so every run writes the same records; nothing here is a secret.
    rng = random.Random(SEED)
    writer = _Writer(rng)
    first = dt.date(year, 1, 1)
    last = min(today, dt.date(year, 12, 31))
    policy = policy_for(region_id)
    cal = region_calendar(region_id, first - CALENDAR_MARGIN, max(last, today) + CALENDAR_MARGIN)

    rows = list(
        Membership.objects.filter(region_id=region_id)
        .overlapping(first, last)
        .in_scope()
        .order_by("person_id", "valid_from")
        .values_list("person_id", "unit_id", "valid_from", "valid_to", "unit__unit_type")
    )
    unit_names = dict(Unit.objects.filter(region_id=region_id).values_list("pk", "name"))
    stretches = [
        _Stretch(pid, uid, max(a, first), min(b or last, last))
        for pid, uid, a, b, _t in rows
        if max(a, first) <= min(b or last, last)
    ]
    unit_types = {uid: t for _pid, uid, _a, _b, t in rows}
    personas = dict(
        User.objects.filter(region_id=region_id, username__in=PERSONA_LOGINS)
        .filter(person__isnull=False)
        .values_list("username", "person_id")
    )

    leaves = _create_leaves(rng, region_id, stretches, set(personas.values()), first, last)
    on_leave: dict[int, list[tuple[dt.date, dt.date]]] = defaultdict(list)
    # Leave recorded before the demo ran counts too, not only the rows made here.
    for person_id, start, end in Leave.objects.filter(
        region_id=region_id, start__lte=last, end__gte=first
    ).values_list("person_id", "start", "end"):
        on_leave[person_id].append((start, end))

    # The open window: today and the backfill_workdays working days before it.
    open_days = list(reversed(cal.previous_workdays(today, policy.backfill_workdays)))
    if cal.is_workday(today):
        open_days.insert(0, today)
    open_share = {
        day: OPEN_UNWRITTEN_SHARE[min(i, len(OPEN_UNWRITTEN_SHARE) - 1)]
        for i, day in enumerate(open_days)
    }
    cadre_person = personas.get(PERSONA_CADRE)
    yesterday = cal.previous_workdays(today, 1)
    cadre_blank = {today, *yesterday}

    counts: dict[str, int] = defaultdict(int)

    def logs() -> Iterable[tuple[_Stretch, dt.date, str, str]]:
        for s in stretches:
            pool = _fragment_pool(unit_types[s.unit_id], unit_names[s.unit_id])
            person_leaves = on_leave.get(s.person_id, [])
            for day in cal.between(s.start, s.end):
                if any(a <= day <= b for a, b in person_leaves):
                    counts["leave_days"] += 1
                    continue
                share = open_share.get(day)
                if share is None:
                    if rng.random() < MISSING_SHARE:
                        counts["missing"] += 1
                        continue
                elif rng.random() < share or (s.person_id == cadre_person and day in cadre_blank):
                    counts["open_unwritten"] += 1
                    continue
                late = day < today and rng.random() < BACKFILLED_SHARE
                timeliness = Timeliness.BACKFILLED if late else Timeliness.ON_TIME
                counts[timeliness] += 1
                yield s, day, writer.log(pool), timeliness

    written = _insert_logs(region_id, logs())
    quarterly, annual = _create_summaries(
        rng, writer, region_id, rows, unit_names, year, today, cal, policy.backfill_workdays
    )
    reads, comments = _create_reads(rng, region_id, cal, today, last)

    result = DemoLogsResult(
        region_id=region_id,
        created=True,
        logs=written,
        on_time=counts[Timeliness.ON_TIME],
        backfilled=counts[Timeliness.BACKFILLED],
        missing=counts["missing"],
        open_unwritten=counts["open_unwritten"],
        leave_days=counts["leave_days"],
        leaves=len(leaves),
        quarterly_summaries=quarterly,
        annual_summaries=annual,
        reads=reads,
        comments=comments,
        seconds=0.0,
    )
    audit_record(
        actor=None, action=AuditAction.WORKLOGS_DEMO_LOAD, region=region, details=result.summary()
    )
    compliance_forget(region_id)
    return replace(result, seconds=time.perf_counter() - started)


def _create_leaves(
    rng: random.Random,
    region_id: int,
    stretches: list[_Stretch],
    persona_people: set[int],
    first: dt.date,
    last: dt.date,
) -> list[Leave]:
    """A few people on leave, inside one stretch each and over before `last`; written
    before the logs so their leave days get none. Persona people keep a plain year."""
    genders = dict(Person.objects.filter(region_id=region_id).values_list("pk", "gender"))
    candidates = [
        s for s in stretches if s.person_id not in persona_people and (s.end - s.start).days >= 60
    ]
    rng.shuffle(candidates)
    leaves: list[Leave] = []
    taken: set[int] = set()
    for i in range(LEAVE_COUNT):
        reason, shortest, longest, gender = LEAVE_KINDS[i % len(LEAVE_KINDS)]
        length = rng.randint(shortest, longest)
        for s in candidates:
            if s.person_id in taken or (gender and genders.get(s.person_id) != gender):
                continue
            # Over at least two weeks before `last`, so it never touches the open window.
            latest_start = min(s.end, last - dt.timedelta(days=14)) - dt.timedelta(days=length)
            if latest_start < s.start:
                continue
            start = s.start + dt.timedelta(days=rng.randint(0, (latest_start - s.start).days))
            end = start + dt.timedelta(days=length - 1)
            leaves.append(
                Leave(
                    region_id=region_id, person_id=s.person_id, start=start, end=end, reason=reason
                )
            )
            taken.add(s.person_id)
            break
    Leave.objects.bulk_create(leaves)
    return leaves


def _create_summaries(
    rng: random.Random,
    writer: _Writer,
    region_id: int,
    rows: list[tuple[int, int, dt.date, dt.date | None, str]],
    unit_names: dict[int, str],
    year: int,
    today: dt.date,
    cal: WorkCalendar,
    backfill_workdays: int,
) -> tuple[int, int]:
    """Summaries of the periods already over: quarters, and the year once it has ended."""
    periods = [Period(year, q) for q in (1, 2, 3, 4)] + [Period(year)]
    unit_types = {uid: t for _pid, uid, _a, _b, t in rows}
    counts = {SummaryKind.QUARTERLY: 0, SummaryKind.ANNUAL: 0}

    def items() -> Iterable[tuple[Period, int, int, str]]:
        for period in periods:
            if period.end >= today:
                continue
            # The unit of each person's latest in-scope stretch within the period.
            units: dict[int, tuple[dt.date, int]] = {}
            for pid, uid, a, b, _t in rows:
                overlaps = a <= period.end and (b is None or b >= period.start)
                if overlaps and (pid not in units or a > units[pid][0]):
                    units[pid] = (a, uid)
            for pid, (_a, uid) in units.items():
                if rng.random() >= SUMMARY_SHARE:
                    continue
                kind = SummaryKind.QUARTERLY if period.quarter else SummaryKind.ANNUAL
                counts[kind] += 1
                yield period, pid, uid, kind

    def build(item: tuple[Period, int, int, str]) -> Summary:
        period, pid, uid, kind = item
        pool = _fragment_pool(unit_types[uid], unit_names[uid])
        late = rng.random() < SUMMARY_BACKFILLED_SHARE
        return Summary(
            region_id=region_id,
            person_id=pid,
            unit_id=uid,
            kind=kind,
            year=period.year,
            quarter=period.quarter,
            content=writer.summary(pool, period.label()),
            timeliness=Timeliness.BACKFILLED if late else Timeliness.ON_TIME,
        )

    _bulk(Summary, items(), build)
    return counts[SummaryKind.QUARTERLY], counts[SummaryKind.ANNUAL]


def _create_reads(
    rng: random.Random, region_id: int, cal: WorkCalendar, today: dt.date, last: dt.date
) -> tuple[int, int]:
    """Main leaders acknowledge (已阅) and comment on some of their staff's recent logs."""
    heads = dict(
        Membership.objects.filter(region_id=region_id, leadership_role=LeadershipRole.MAIN)
        .on(last)
        .in_scope()
        .values_list("unit_id", "person_id")
    )
    users = dict(
        User.objects.filter(person_id__in=heads.values(), is_active=True).values_list(
            "person_id", "pk"
        )
    )
    recent = cal.previous_workdays(min(today, last + dt.timedelta(days=1)), RECENT_WORKDAYS)
    if not recent:
        return 0, 0
    candidates = [
        (log_id, users[heads[unit_id]])
        for log_id, unit_id, person_id in WorkLog.objects.filter(
            region_id=region_id, day__gte=recent[0], day__lte=last
        )
        .order_by("pk")
        .values_list("pk", "unit_id", "person_id")
        if unit_id in heads and heads[unit_id] != person_id and heads[unit_id] in users
    ]
    chosen = rng.sample(candidates, min(READS, len(candidates)))
    LogRead.objects.bulk_create(LogRead(log_id=log, reader_id=user) for log, user in chosen)
    commented = chosen[:COMMENTS]
    LogComment.objects.bulk_create(
        LogComment(log_id=log, author_id=user, content=rng.choice(COMMENT_TEXTS))
        for log, user in commented
    )
    return len(chosen), len(commented)
