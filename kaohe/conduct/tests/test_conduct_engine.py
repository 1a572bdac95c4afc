"""Discipline and leave in the engine (R5.13, R5.4), by hand: each punishment type's
bar, the party mapping, refusal, long leave, and the explanation's Chinese."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from django.utils import translation

from kaohe.conduct import rules
from kaohe.conduct.models import ConductEffect, ConductPolicy, DisciplineKind, LeaveEffect
from kaohe.scoring.engine import (
    AnnualGrade,
    AnnualInput,
    AnnualPolicy,
    Conduct,
    Effect,
    QuarterGrade,
    Step,
    StepCode,
    annual_grades,
)
from kaohe.scoring.explain import explain

G, FG = QuarterGrade.GOOD, QuarterGrade.FAIRLY_GOOD
ANNUAL = AnnualPolicy()
POLICY = ConductPolicy()  # the defaults, unsaved


def person(
    pid: int, score: str, *conduct: Conduct, grades: tuple[QuarterGrade, ...] = (G,) * 4
) -> AnnualInput:
    s = D(score)
    return AnnualInput(pid, 1, "staff", False, s, s, (s,) * 4, grades, conduct=conduct)


def cite(effect: Effect, kind: str = "warning") -> Conduct:
    code = {
        Effect.NO_EXCELLENT: StepCode.CONDUCT_NO_EXCELLENT,
        Effect.NO_GRADE: StepCode.CONDUCT_NO_GRADE,
        Effect.INCOMPETENT: StepCode.CONDUCT_INCOMPETENT,
    }[effect]
    figures = {"kind": kind, "document": "区纪发〔2026〕3号", "start": "2026-03-02"}
    return Conduct(effect, Step(code, {**figures, "end": "2026-09-01", "default": "1"}))


def test_a_warning_bars_excellent_and_the_place_goes_to_the_next() -> None:
    # Ten people, all four quarters 好: 20% of 10 → 2 places. The top one has a 警告.
    rows = [person(i, str(95 - i)) for i in range(10)]
    rows[0] = person(0, "95", cite(Effect.NO_EXCELLENT))
    results = annual_grades(rows, ANNUAL)
    assert results[0].grade == AnnualGrade.COMPETENT
    assert StepCode.CONDUCT_NO_EXCELLENT in [s.code for s in results[0].steps]
    excellent = sorted(p for p, r in results.items() if r.grade == AnnualGrade.EXCELLENT)
    assert excellent == [1, 2]


def test_a_punishment_in_its_period_gives_no_grade_and_leaves_the_quota() -> None:
    # Four people and one with a 记过 in force: 4 graded × 20% → 0 places (5 would give 1).
    rows = [person(i, str(95 - i)) for i in range(4)]
    rows.append(person(9, "99", cite(Effect.NO_GRADE, "demerit")))
    results = annual_grades(rows, ANNUAL)
    assert results[9].grade == AnnualGrade.NONE
    assert results[9].steps[-1].figures == {"grade": "none"}
    quota = next(s for s in results[0].steps if s.code == StepCode.ANNUAL_QUOTA)
    assert quota.figures["count"] == "4" and quota.figures["limit"] == "0"
    assert all(r.grade != AnnualGrade.EXCELLENT for r in results.values())


def test_refusal_is_incompetent_whatever_the_scores_and_the_heaviest_decides() -> None:
    rows = [
        person(1, "99", cite(Effect.INCOMPETENT, "refusal")),
        person(2, "99", cite(Effect.NO_EXCELLENT), cite(Effect.NO_GRADE, "demerit")),
        person(3, "99", cite(Effect.NO_GRADE, "removal"), cite(Effect.INCOMPETENT, "refusal")),
    ]
    results = annual_grades(rows, ANNUAL)
    assert results[1].grade == AnnualGrade.INCOMPETENT
    assert results[2].grade == AnnualGrade.NONE
    assert results[3].grade == AnnualGrade.INCOMPETENT
    # Every record is cited, not only the one that decided.
    codes = [s.code for s in results[2].steps]
    assert StepCode.CONDUCT_NO_EXCELLENT in codes and StepCode.CONDUCT_NO_GRADE in codes


def test_a_warning_blocks_an_affirmation_and_probation_still_comes_first() -> None:
    rows = [
        person(1, "80", cite(Effect.NO_EXCELLENT))._replace(affirmation="单位获真抓实干激励"),
        person(2, "80", cite(Effect.INCOMPETENT, "refusal"))._replace(probation=True),
    ]
    results = annual_grades(rows, ANNUAL)
    assert results[1].grade == AnnualGrade.COMPETENT
    assert results[2].grade == AnnualGrade.NONE


def test_the_law_periods_and_which_years_each_effect_touches() -> None:
    start = dt.date(2026, 3, 2)
    ends = {k: rules.period_end(k, start, None, POLICY) for k in rules.MONTHS_FIELD}
    assert ends[DisciplineKind.WARNING] == dt.date(2026, 9, 1)  # 6 months
    assert ends[DisciplineKind.DEMERIT] == dt.date(2027, 3, 1)  # 12
    assert ends[DisciplineKind.MAJOR_DEMERIT] == dt.date(2027, 9, 1)  # 18
    assert ends[DisciplineKind.DEMOTION] == ends[DisciplineKind.REMOVAL] == dt.date(2028, 3, 1)
    assert rules.add_months(dt.date(2026, 8, 31), 6) == dt.date(2027, 2, 28)
    # 警告 → no 优秀 in the year given only; 记过 → no grade in each year its period touches.
    warning = rules.applied("warning", dt.date(2025, 11, 3), None, "d", 2026, POLICY)
    assert warning is None
    demerit = rules.applied("demerit", dt.date(2025, 11, 3), None, "d", 2026, POLICY)
    assert demerit is not None and demerit.effect == ConductEffect.NO_GRADE
    assert demerit.end == dt.date(2026, 11, 2) and demerit.default_end
    assert (
        rules.applied("demerit", dt.date(2025, 1, 3), dt.date(2025, 12, 31), "d", 2026, POLICY)
        is None
    )
    # Refusal → 不称职 the year it happened.
    refusal = rules.applied("refusal", dt.date(2026, 12, 20), None, "d", 2026, POLICY)
    assert refusal is not None and refusal.effect == ConductEffect.INCOMPETENT
    assert refusal.end == dt.date(2026, 12, 20)
    # The query's bound reaches back the longest default period (24 months).
    assert rules.earliest_start(2026, POLICY) == dt.date(2024, 1, 1)


def test_the_party_mapping_is_the_policy() -> None:
    assert rules.effect_of("party_warning", POLICY) == ConductEffect.NO_EXCELLENT
    assert rules.effect_of("party_serious_warning", POLICY) == ConductEffect.NO_GRADE
    assert rules.effect_of("party_post_removal", POLICY) == ConductEffect.INCOMPETENT
    assert rules.effect_of("party_probation", POLICY) == ConductEffect.INCOMPETENT
    lenient = ConductPolicy(party_warning_effect=ConductEffect.NONE)
    assert rules.applied("party_warning", dt.date(2026, 5, 1), None, "d", 2026, lenient) is None


def test_long_leave_by_hand() -> None:
    assert rules.leave_effect(D(30), POLICY) == ConductEffect.NONE  # more than 30
    assert rules.leave_effect(D("30.5"), POLICY) == ConductEffect.NO_EXCELLENT
    strict = ConductPolicy(leave_days_limit=20, leave_effect=LeaveEffect.NO_GRADE)
    assert rules.leave_effect(D(21), strict) == ConductEffect.NO_GRADE
    # Leave over New Year: its days shared by calendar days. 25 Dec – 7 Jan is 14
    # calendar days, 7 of them in 2026; 10 working days of leave → 5.0 in 2026.
    days = rules.days_in_year(dt.date(2025, 12, 25), dt.date(2026, 1, 7), D(10), 2026)
    assert days == D("5.0")
    # 22 Dec 2025 – 10 Jan 2027: 385 days, 365 in 2026 → 14 × 365 / 385 = 13.27… → 13.3.
    days = rules.days_in_year(dt.date(2025, 12, 22), dt.date(2027, 1, 10), D(14), 2026)
    assert days == D("13.3")
    assert rules.days_in_year(dt.date(2026, 12, 22), dt.date(2027, 1, 10), D(20), 2026) == D(10)


def test_the_explanation_cites_each_record_in_chinese() -> None:
    with translation.override("zh-hans"):
        _headline, lines = explain(
            [
                {
                    "code": "conduct.no_excellent",
                    "figures": {
                        "kind": "warning",
                        "document": "区纪发〔2026〕3号",
                        "start": "2026-03-02",
                        "end": "2026-09-01",
                        "default": "1",
                    },
                },
                {
                    "code": "conduct.no_grade",
                    "figures": {
                        "kind": "demerit",
                        "document": "区监委〔2026〕8号",
                        "start": "2026-05-01",
                        "end": "2027-04-30",
                        "default": "0",
                    },
                },
                {
                    "code": "conduct.incompetent",
                    "figures": {
                        "kind": "refusal",
                        "document": "考核办记录",
                        "start": "2026-12-20",
                        "end": "2026-12-20",
                        "default": "0",
                    },
                },
                {"code": "leave.no_excellent", "figures": {"days": "42", "limit": "30"}},
                {"code": "leave.no_grade", "figures": {"days": "42", "limit": "30"}},
            ]
        )
    assert (
        lines[0]
        == "不得确定为优秀：警告（区纪发〔2026〕3号，2026-03-02至2026-09-01，按默认处分期）。"
    )
    assert (
        lines[1] == "只写评语，不确定等次：本年度在记过处分期内"
        "（区监委〔2026〕8号，2026-05-01至2027-04-30）。"
    )
    assert lines[2] == "确定为不称职：拒不参加考核（考核办记录，2026-12-20）。"
    assert lines[3] == "不得确定为优秀：本年度请假 42 天，超过 30 天。"
    assert lines[4] == "只写评语，不确定等次：本年度请假 42 天，超过 30 天。"
