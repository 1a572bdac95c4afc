"""The demo county's supervision ledger (督查销号台账, seed 000: the county's organisation
department formed five 平时考核督导小组 that inspect the units, feed problems back and
follow them to 销号 in a ledger).

第一督导组 is the supervisor persona's: it covers the three towns the persona's grants
name and the personas' unit (区人力资源和社会保障局), so the unit administrator and the
unit head rectify, and the supervisor verifies and strikes off, on the demo's own
ledger. The other four groups (two staff of 区委组织部 each) share the other top-level
units. Every group has findings from March to the demo day in each state: closed
(销号) ones, some after a send-back, some late; overdue ones still open or rectifying;
fresh ones open, awaiting verification or verified. Written in bulk with the dates they
would have had, with one summarising audit row; a no-op when the region has a group.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from kaohe.accounts.models import User
from kaohe.core.audit import audit_record
from kaohe.core.audit_actions import AuditAction
from kaohe.demo.org import PERSONA_SUPERVISOR_HOME, PERSONA_UNIT, SUPERVISED_TOWNS
from kaohe.org.models import Membership, Region, Unit
from kaohe.supervision.models import (
    Decision,
    Finding,
    FindingCategory,
    FindingEvidence,
    FindingState,
    Rectification,
    Severity,
    SupervisionGroup,
    SupervisionPolicy,
)
from kaohe.supervision.policies import deadline_for, policy_for

GROUP_NAMES = ("第一督导组", "第二督导组", "第三督导组", "第四督导组", "第五督导组")
SUPERVISOR_LOGIN = "supervisor"
UNIT_ADMIN_LOGIN = "unit_admin"
# A one-page PDF: the evidence files the demo attaches (a scan would be a real one).
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
PROBLEMS: dict[str, tuple[str, ...]] = {
    FindingCategory.SCHEME: (
        "平时考核方案指标设置不够精细，未体现岗位差异",
        "考核方案未经单位领导班子集体研究",
    ),
    FindingCategory.RECORDS: (
        "部分干部工作纪实记录不及时，存在集中补写现象",
        "纪实内容过于笼统，未写明工作成效",
    ),
    FindingCategory.ORGANISATION: (
        "季度考核未按规定组织民主测评",
        "考核结果未按规定在单位内部公示",
    ),
    FindingCategory.RESULTS_USE: (
        "平时考核结果未与评先评优挂钩",
        "对考核结果较差的干部未开展谈心谈话",
    ),
    FindingCategory.PARTY: ("党支部“三会一课”记录不完整",),
    FindingCategory.OTHER: ("考核档案资料归档不规范",),
}
RECTIFIED = (
    "已组织专题会议研究，完成整改并建立长效机制，整改材料附后。",
    "已对照问题逐项整改，相关制度已修订印发。",
)
SENT_BACK_REASON = "整改佐证材料不全，请补充会议记录后重新提交。"


@dataclass
class DemoLedger:
    groups: int = 0
    findings: int = 0
    struck_off: int = 0
    overdue: int = 0


def _group_units(region_id: int) -> list[list[Unit]]:
    units = {u.name: u for u in Unit.objects.filter(region_id=region_id)}
    first = [units[PERSONA_UNIT], *(units[t] for t in SUPERVISED_TOWNS if t in units)]
    taken = {u.pk for u in first}
    rest = [
        u
        for u in Unit.objects.filter(region_id=region_id, parent__isnull=True).order_by("path")
        if u.pk not in taken and u.name != PERSONA_SUPERVISOR_HOME
    ]
    others: list[list[Unit]] = [[] for _ in GROUP_NAMES[1:]]
    for i, unit in enumerate(rest):
        others[i % len(others)].append(unit)
    return [first, *others]


def _staff_of_department(region_id: int, today: dt.date, supervisor: User) -> list[User]:
    people = Membership.objects.filter(region_id=region_id, unit__name=PERSONA_SUPERVISOR_HOME).on(
        today
    )
    return list(
        User.objects.filter(region_id=region_id, person__in=people.values("person_id"))
        .exclude(pk=supervisor.pk)
        .order_by("username")
    )


def _state_for(found_on: dt.date, deadline: dt.date, today: dt.date, draw: float) -> str:
    """The state a finding of that age is in, drawn: old ones mostly struck off."""
    if deadline < today - dt.timedelta(days=30):
        if draw < 0.8:
            return FindingState.STRUCK_OFF
        return FindingState.OPEN if draw < 0.9 else FindingState.RECTIFYING
    if deadline < today:
        return (FindingState.STRUCK_OFF, FindingState.RECTIFYING, FindingState.OPEN)[int(draw * 3)]
    return (
        FindingState.OPEN,
        FindingState.RECTIFYING,
        FindingState.VERIFIED,
        FindingState.SENT_BACK,
    )[int(draw * 4)]


# The personas' unit shows every state: (days ago found, severity, state, sent back once).
PERSONA_FINDINGS: tuple[tuple[int, str, str, bool], ...] = (
    (150, Severity.GENERAL, FindingState.STRUCK_OFF, True),
    (60, Severity.SERIOUS, FindingState.OPEN, False),  # overdue
    (12, Severity.GENERAL, FindingState.RECTIFYING, False),
    (9, Severity.SERIOUS, FindingState.SENT_BACK, True),
    (4, Severity.GENERAL, FindingState.OPEN, False),
)


def generate_demo_ledger(*, region_id: int, year: int, today: dt.date) -> DemoLedger:
    if SupervisionGroup.objects.filter(region_id=region_id).exists():
        return DemoLedger()
    rng = random.Random(f"ledger-{year}")  # noqa: S311 - demo data, not security
    region = Region.objects.get(pk=region_id)
    supervisor = User.objects.get(region_id=region_id, username=SUPERVISOR_LOGIN)
    unit_admin = User.objects.filter(region_id=region_id, username=UNIT_ADMIN_LOGIN).first()
    staff = _staff_of_department(region_id, today, supervisor)
    policy = policy_for(region_id)
    done = DemoLedger()
    plan: list[tuple[SupervisionGroup, Unit, User, dt.date, str, str, bool]] = []
    severity: str
    state: str
    start = max(dt.date(year, 3, 2), today - dt.timedelta(days=300))
    span = max((today - start).days, 1)
    for index, (name, units) in enumerate(zip(GROUP_NAMES, _group_units(region_id), strict=True)):
        group = SupervisionGroup.objects.create(region=region, name=name)
        members = [supervisor] if index == 0 else staff[2 * (index - 1) : 2 * index]
        group.members.add(*members)
        group.units.add(*units)
        done.groups += 1
        recorder = members[0] if members else supervisor
        for unit in units:
            if unit.name == PERSONA_UNIT:
                for days_ago, severity, state, sent_back in PERSONA_FINDINGS:
                    found = today - dt.timedelta(days=days_ago)
                    plan.append((group, unit, recorder, found, severity, state, sent_back))
                continue
            for _ in range(rng.randint(1, 3)):
                found = start + dt.timedelta(days=rng.randrange(span))
                severity = Severity.SERIOUS if rng.random() < 0.25 else Severity.GENERAL
                deadline = deadline_for(policy, found, severity)
                state = _state_for(found, deadline, today, rng.random())
                plan.append((group, unit, recorder, found, severity, state, rng.random() < 0.2))
    for group, unit, recorder, found, severity, state, sent_back in plan:
        _write(
            region_id, group, unit, recorder, unit_admin, found, severity, state, sent_back,
            today, rng, done, policy,
        )  # fmt: skip
    audit_record(
        actor=None,
        action=AuditAction.SUPERVISION_DEMO_LOAD,
        region=region,
        details={"count": done.findings, "groups": done.groups},
    )
    return done


def _write(
    region_id: int,
    group: SupervisionGroup,
    unit: Unit,
    recorder: User,
    rectifier: User | None,
    found: dt.date,
    severity: str,
    state: str,
    sent_back: bool,
    today: dt.date,
    rng: random.Random,
    done: DemoLedger,
    policy: SupervisionPolicy,
) -> None:
    category = rng.choice(list(PROBLEMS))
    deadline = deadline_for(policy, found, severity)
    finding = Finding.objects.create(
        region_id=region_id,
        group=group,
        unit=unit,
        category=category,
        severity=severity,
        description=rng.choice(PROBLEMS[category]),
        found_on=found,
        deadline=deadline,
        state=state,
        recorded_by=recorder,
    )
    done.findings += 1
    files = [FindingEvidence(finding=finding, added_by=recorder, file_name="督导检查记录.pdf",
                             content_type="application/pdf", content=PDF)]  # fmt: skip
    if state != FindingState.OPEN:
        # Rectified some days after it was found (late for some), decided a few days on.
        late = rng.random() < 0.3
        first = min(
            today,
            deadline + dt.timedelta(days=rng.randint(1, 10))
            if late
            else found + dt.timedelta(days=max(1, (deadline - found).days // 2)),
        )
        rounds: list[tuple[dt.date, str, str]] = []
        if sent_back:
            rounds.append((first, Decision.SENT_BACK, SENT_BACK_REASON))
            first = min(today, first + dt.timedelta(days=3))
        if state != FindingState.SENT_BACK:
            last = Decision.PENDING if state == FindingState.RECTIFYING else Decision.VERIFIED
            rounds.append((first, last, ""))
        decided = first
        for number, (day, decision, reason) in enumerate(rounds, start=1):
            decided = min(today, day + dt.timedelta(days=2))
            rectification = Rectification.objects.create(
                finding=finding,
                number=number,
                text=rng.choice(RECTIFIED),
                submitted_by=rectifier,
                submitted_on=day,
                decision=decision,
                reason=reason,
                decided_by=recorder if decision != Decision.PENDING else None,
                decided_on=decided if decision != Decision.PENDING else None,
            )
            files.append(FindingEvidence(finding=finding, rectification=rectification,
                                         added_by=rectifier, file_name="整改报告.pdf",
                                         content_type="application/pdf", content=PDF))  # fmt: skip
        if state in (FindingState.VERIFIED, FindingState.STRUCK_OFF):
            finding.verified_on = decided
        if state == FindingState.STRUCK_OFF:
            finding.struck_off_on = min(today, decided + dt.timedelta(days=1))
            finding.struck_off_by = recorder
            done.struck_off += 1
        finding.save(update_fields=["verified_on", "struck_off_on", "struck_off_by"])
    FindingEvidence.objects.bulk_create(files)
    if finding.is_overdue(today):
        done.overdue += 1
