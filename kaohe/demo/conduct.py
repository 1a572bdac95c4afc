"""The demo county's discipline and attendance records for the demo year, written through
conduct's services as the office records them, so that the conduct page and the
平时考核登记表 (absences; 奖惩情况与不良行为记录) have something to show.

All in the personas' unit (区人力资源和社会保障局), where the unit head and the unit
administrator print their forms, and none on a persona's own person (they keep a quiet
year): one 警告 (a governmental punishment: it bars 优秀 in the year, conduct.rules),
a few days of 请假 and one of 旷工, and two times late. The 诫勉谈话 is not a conduct
record but a consequence (outcomes): the demo's `cadre_other` gets one from the
last-place ladder when the year is published (demo.priors).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F

from kaohe.accounts.models import User
from kaohe.conduct import services
from kaohe.conduct.models import AbsenceKind, AbsenceRecord, DisciplineKind, DisciplineRecord
from kaohe.demo.org import PERSONA_UNIT
from kaohe.demo.schemes import REGION_ADMIN_LOGIN
from kaohe.org.models import LeadershipRole, Membership


@dataclass(frozen=True)
class _Absence:
    kind: str
    start: tuple[int, int]  # month, day in the demo year
    end: tuple[int, int]
    days: Decimal = Decimal(0)
    times: int = 0
    note: str = ""


# Per staff member of the unit, in staff-number order (the first gets the warning).
ABSENCES: tuple[tuple[_Absence, ...], ...] = (
    (_Absence(AbsenceKind.LEAVE, (3, 9), (3, 11), days=Decimal(3), note="病假"),),
    (
        _Absence(AbsenceKind.LEAVE, (8, 3), (8, 7), days=Decimal(5), note="事假（家中有事）"),
        _Absence(AbsenceKind.LATE_EARLY, (4, 1), (6, 30), times=2, note="考勤记录迟到两次"),
    ),
    (_Absence(AbsenceKind.ABSENT, (5, 18), (5, 18), days=Decimal(1), note="未请假未到岗"),),
    (_Absence(AbsenceKind.LEAVE, (9, 21), (9, 22), days=Decimal("1.5"), note="病假"),),
)
WARNING_START = (6, 15)
WARNING_DOCUMENT = "区纪委监委〔{year}〕12号"
WARNING_NOTE = "未按规定办理社保待遇审核，造成不良影响"


@dataclass
class DemoConduct:
    discipline: int = 0
    absences: int = 0


def generate_demo_conduct(*, region_id: int, year: int, today: dt.date) -> DemoConduct:
    """Record the demo year's handful of records; a no-op when the region has any. A
    record that would end after `today` is left out (a demo loaded early in the year)."""
    if (
        DisciplineRecord.objects.filter(region_id=region_id).exists()
        or AbsenceRecord.objects.filter(region_id=region_id).exists()
    ):
        return DemoConduct()
    admin = User.objects.get(region_id=region_id, username=REGION_ADMIN_LOGIN)
    # The people behind persona logins: the only ones not logging in by staff number.
    personas = set(
        User.objects.filter(region_id=region_id, person__isnull=False)
        .exclude(username=F("person__staff_no"))
        .values_list("person_id", flat=True)
    )
    staff = [
        person_id
        for person_id in Membership.objects.filter(
            region_id=region_id,
            unit__name=PERSONA_UNIT,
            leadership_role=LeadershipRole.STAFF,
        )
        .in_scope()
        .on(dt.date(year, 1, 1))
        .order_by("person__staff_no")
        .values_list("person_id", flat=True)
        if person_id not in personas
    ]
    done = DemoConduct()
    for person_id, absences in zip(staff, ABSENCES, strict=False):
        for a in absences:
            end = dt.date(year, *a.end)
            if end > today:
                continue
            services.absence_create(
                actor=admin,
                person_id=person_id,
                kind=a.kind,
                start=dt.date(year, *a.start),
                end=end,
                days=a.days,
                times=a.times,
                note=a.note,
            )
            done.absences += 1
    warned = dt.date(year, *WARNING_START)
    if staff and warned <= today:
        services.discipline_create(
            actor=admin,
            person_id=staff[0],
            kind=DisciplineKind.WARNING,
            start=warned,
            end=None,
            document=WARNING_DOCUMENT.format(year=year),
            note=WARNING_NOTE,
        )
        done.discipline += 1
    return done
