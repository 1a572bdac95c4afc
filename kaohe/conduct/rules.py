"""What a discipline record or a year's leave does to an annual grade (R5.13, R5.4):
pure functions of the records' fields and the region's rules, no ORM.

- A punishment under the Civil Service Law (警告 … 撤职) or party discipline runs from
  its `start` to its `end`; with no end, for the policy's months (the law's periods by
  default): the period ends the day before the same date that many months later.
- 警告 → cannot be 优秀 in the year it was given; 记过, 记大过, 降级, 撤职 → comments
  only, no grade, in every year the punishment period overlaps; party discipline →
  the policy's mapping; refusing to take part → 不称职 in that year.
- More than the policy's days of 请假 in the year → cannot be 优秀, or no grade.

"No 优秀" and "不称职" fall on the year the record starts in ("当年"); "no grade" on
every year its period overlaps ("处分期内")."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import NamedTuple, Protocol

from kaohe.conduct.models import ConductEffect, DisciplineKind, LeaveEffect

# The law fixes what a governmental punishment does; party discipline is the policy's.
LAW_EFFECTS: dict[str, ConductEffect] = {
    DisciplineKind.WARNING: ConductEffect.NO_EXCELLENT,
    DisciplineKind.DEMERIT: ConductEffect.NO_GRADE,
    DisciplineKind.MAJOR_DEMERIT: ConductEffect.NO_GRADE,
    DisciplineKind.DEMOTION: ConductEffect.NO_GRADE,
    DisciplineKind.REMOVAL: ConductEffect.NO_GRADE,
    DisciplineKind.REFUSAL: ConductEffect.INCOMPETENT,
}

# The policy's field of each kind's default months, and of each party kind's effect.
MONTHS_FIELD = {
    DisciplineKind.WARNING: "warning_months",
    DisciplineKind.DEMERIT: "demerit_months",
    DisciplineKind.MAJOR_DEMERIT: "major_demerit_months",
    DisciplineKind.DEMOTION: "demotion_months",
    DisciplineKind.REMOVAL: "removal_months",
    DisciplineKind.PARTY_WARNING: "party_warning_months",
    DisciplineKind.PARTY_SERIOUS_WARNING: "party_serious_warning_months",
    DisciplineKind.PARTY_POST_REMOVAL: "party_post_removal_months",
    DisciplineKind.PARTY_PROBATION: "party_probation_months",
}
EFFECT_FIELD = {
    DisciplineKind.PARTY_WARNING: "party_warning_effect",
    DisciplineKind.PARTY_SERIOUS_WARNING: "party_serious_warning_effect",
    DisciplineKind.PARTY_POST_REMOVAL: "party_post_removal_effect",
    DisciplineKind.PARTY_PROBATION: "party_probation_effect",
}

# Heaviest first: where several records apply, the heaviest decides the grade (the
# practice rule "按照对其年度考核结果影响较重的处理处分确定"), and all are cited.
SEVERITY = {
    ConductEffect.INCOMPETENT: 3,
    ConductEffect.NO_GRADE: 2,
    ConductEffect.NO_EXCELLENT: 1,
    ConductEffect.NONE: 0,
}


class Rules(Protocol):
    """The fields of ConductPolicy these rules read (the model, or a stand-in in tests)."""

    leave_days_limit: int
    leave_effect: str


def add_months(day: dt.date, months: int) -> dt.date:
    """The same date `months` later; the month's last day where it has no such date.

    Saturates at the calendar's ends: a policy may hold 32,767 months and the admin may
    store a day in 9999, and a list or a compute must still read them."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    if year > dt.MAXYEAR:
        return dt.date.max
    if year < dt.MINYEAR:
        return dt.date.min
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def default_months(kind: str, policy: object) -> int | None:
    """How long a record of `kind` with no end lasts; None: it has no period (refusal)."""
    name = MONTHS_FIELD.get(kind)  # type: ignore[call-overload]
    return None if name is None else int(getattr(policy, name))


def period_end(kind: str, start: dt.date, end: dt.date | None, policy: object) -> dt.date:
    """The last day of the record's period: its own end, else the policy's months."""
    if end is not None:
        return end
    months = default_months(kind, policy)
    if months is None:
        return start
    after = add_months(start, months)
    return after - dt.timedelta(days=1) if after > start else start


def effect_of(kind: str, policy: object) -> ConductEffect:
    law = LAW_EFFECTS.get(kind)
    if law is not None:
        return law
    name = EFFECT_FIELD.get(kind)  # type: ignore[call-overload]
    return ConductEffect.NONE if name is None else ConductEffect(getattr(policy, name))


def applies(effect: str, start: dt.date, last: dt.date, year: int) -> bool:
    """Whether a record of `effect` running from `start` to `last` touches `year`."""
    if effect == ConductEffect.NONE:
        return False
    if effect == ConductEffect.NO_GRADE:
        return start.year <= year <= last.year
    return start.year == year


class Applied(NamedTuple):
    """A record as it bears on a year: its effect and what the explanation cites."""

    effect: ConductEffect
    kind: str
    document: str
    start: dt.date
    end: dt.date  # the period's last day (the default one where the record gave none)
    default_end: bool


def applied(
    kind: str, start: dt.date, end: dt.date | None, document: str, year: int, policy: object
) -> Applied | None:
    """The record's effect on `year`, or None where it has none."""
    effect = effect_of(kind, policy)
    last = period_end(kind, start, end, policy)
    if not applies(effect, start, last, year):
        return None
    return Applied(effect, kind, document, start, last, end is None)


def earliest_start(year: int, policy: object) -> dt.date:
    """No record starting before this day with a blank end can touch `year`: the
    longest default period back from 1 January (a bound for the query)."""
    longest = max(int(getattr(policy, f)) for f in MONTHS_FIELD.values())
    return add_months(dt.date(year, 1, 1), -longest)


def days_within(
    start: dt.date, end: dt.date, days: Decimal, first: dt.date, last: dt.date
) -> Decimal:
    """A record's days that fall between `first` and `last`: all of them where it lies
    inside, else in proportion to its calendar days inside (a leave over New Year)."""
    if start >= first and end <= last:
        return days
    inside = (min(end, last) - max(start, first)).days + 1
    if inside <= 0:
        return Decimal(0)
    total = (end - start).days + 1
    return (days * inside / total).quantize(Decimal("0.1"))


def days_in_year(start: dt.date, end: dt.date, days: Decimal, year: int) -> Decimal:
    return days_within(start, end, days, dt.date(year, 1, 1), dt.date(year, 12, 31))


def leave_effect(days: Decimal, policy: Rules) -> ConductEffect:
    """What the year's days of 请假 do, under the policy."""
    if days <= policy.leave_days_limit:
        return ConductEffect.NONE
    return (
        ConductEffect.NO_GRADE
        if policy.leave_effect == LeaveEffect.NO_GRADE
        else ConductEffect.NO_EXCELLENT
    )


def heaviest(effects: Iterable[ConductEffect]) -> ConductEffect:
    return max(effects, key=SEVERITY.__getitem__, default=ConductEffect.NONE)
