"""The consequences ladder (outcomes.ladder), worked by hand: pure rules, no database."""

from __future__ import annotations

from django.utils import translation

from kaohe.outcomes.ladder import (
    OWNER,
    Decision,
    Kind,
    QuarterRow,
    YearRow,
    is_last,
    quarter_consequences,
    tie_counts,
    year_consequences,
)
from kaohe.outcomes.models import ConsequenceKind

POOR = frozenset({"poor"})
POOR_OR_AVERAGE = frozenset({"poor", "average"})


def row(
    person: int,
    year: int,
    rank: int | None = 1,
    size: int | None = 5,
    grade: str = "competent",
    unit: int | None = 10,
    name: str = "区人社局",
) -> YearRow:
    return YearRow(person, year, grade, rank, size, unit, name)


def decide(year: int, rows: list[YearRow]) -> list[Decision]:
    with translation.override("zh-hans"):
        return year_consequences(year=year, rows=rows, tied=tie_counts(rows))


def kinds(decisions: list[Decision], person: int | None = None) -> list[Kind]:
    return sorted(d.kind for d in decisions if person is None or d.person_id == person)


def test_kinds_are_the_models() -> None:
    assert {k.value for k in Kind} == set(ConsequenceKind.values)
    assert set(OWNER) == set(Kind)


def test_last_place_ladder_over_three_years_with_imported_years() -> None:
    # Person 1 is 5th of 5 in 2024 and 2025 (imported: no unit id, the unit's name)
    # and 2026 (kaohe): 提醒 in 2024, 诫勉 in 2025, 组织处理 in 2026.
    rows = [
        row(1, 2024, 5, unit=None),
        row(1, 2025, 5, unit=None),
        row(1, 2026, 5),
    ]
    assert kinds(decide(2024, rows)) == [Kind.REMINDER_TALK]
    assert kinds(decide(2025, rows)) == [Kind.ADMONITION_TALK]
    third = decide(2026, rows)
    assert kinds(third) == [Kind.ORG_HANDLING]
    assert "2024、2025、2026" in third[0].citation and "组织处理" in third[0].citation
    assert third[0].owner == "region_admin" and third[0].unit_id == 10
    # A fourth year running is still the top step.
    assert kinds(decide(2027, [*rows, row(1, 2027, 5)])) == [Kind.ORG_HANDLING]


def test_a_year_not_last_breaks_the_run() -> None:
    rows = [row(1, 2024, 5), row(1, 2025, 4), row(1, 2026, 5)]
    decisions = decide(2026, rows)
    assert kinds(decisions) == [Kind.REMINDER_TALK]
    assert decisions[0].owner == "unit_head"
    assert "2026年度在本单位年度考核排名末位" in decisions[0].citation
    # A missing year breaks it too.
    assert kinds(decide(2026, [row(1, 2024, 5), row(1, 2026, 5)])) == [Kind.REMINDER_TALK]


def test_ties_at_last_place() -> None:
    # Five in the unit, 1, 2, 3, 4, 4: both 4s are last (4 + 2 − 1 = 5).
    unit = [row(p, 2026, r) for p, r in [(1, 1), (2, 2), (3, 3), (4, 4), (5, 4)]]
    tied = tie_counts(unit)
    assert [is_last(r, tied) for r in unit] == [False, False, False, True, True]
    assert kinds(decide(2026, unit)) == [Kind.REMINDER_TALK, Kind.REMINDER_TALK]
    # 1, 2, 2, 4: the tie in the middle is not last; 4 of 4 is.
    mid = [row(p, 2026, r, size=4) for p, r in [(1, 1), (2, 2), (3, 2), (4, 4)]]
    tied = tie_counts(mid)
    assert [is_last(r, tied) for r in mid] == [False, False, False, True]
    # The whole unit tied: nobody is placed below anybody.
    all_tied = [row(p, 2026, 1, size=3) for p in (1, 2, 3)]
    assert decide(2026, all_tied) == []
    # A unit of one has no last place; neither has a row without a rank.
    assert decide(2026, [row(1, 2026, 1, size=1), row(2, 2026, None, size=None)]) == []


def test_two_years_of_incompetent() -> None:
    rows = [row(1, 2025, grade="incompetent"), row(1, 2026, grade="incompetent")]
    first = decide(2025, rows)
    assert kinds(first) == [Kind.DEMOTION, Kind.NO_BONUS]
    second = decide(2026, rows)
    assert kinds(second) == [Kind.DEMOTION, Kind.DISMISSAL_REVIEW, Kind.NO_BONUS]
    review = next(d for d in second if d.kind == Kind.DISMISSAL_REVIEW)
    assert "2025、2026" in review.citation and review.owner == "region_admin"
    # Not running: 2024 不称职, 2025 称职, 2026 不称职.
    apart = [row(1, 2024, grade="incompetent"), row(1, 2025), row(1, 2026, grade="incompetent")]
    assert kinds(decide(2026, apart)) == [Kind.DEMOTION, Kind.NO_BONUS]


def test_basic_competent() -> None:
    decisions = decide(2026, [row(1, 2026, grade="basic")])
    assert kinds(decisions) == [Kind.NO_BONUS, Kind.NO_PROMOTION]
    assert all("基本称职" in d.citation for d in decisions)
    # 称职, 优秀, no grade: nothing.
    assert (
        decide(
            2026, [row(p, 2026, grade=g) for p, g in enumerate(["competent", "excellent", "none"])]
        )
        == []
    )


def test_last_place_and_a_grade_together() -> None:
    rows = [row(1, 2026, 5, grade="incompetent")]
    assert kinds(decide(2026, rows)) == [Kind.DEMOTION, Kind.NO_BONUS, Kind.REMINDER_TALK]


def q(person: int, quarter: int, grade: str, unit: int = 10) -> QuarterRow:
    return QuarterRow(person, quarter, grade, unit)


def test_quarterly_first_and_second_failure() -> None:
    rows = [q(1, 1, "good"), q(1, 2, "poor"), q(1, 3, "poor", unit=11), q(1, 4, "poor")]
    with translation.override("zh-hans"):
        decisions = quarter_consequences(year=2026, rows=rows, failing=POOR)
    assert [(d.quarter, d.kind, d.unit_id) for d in decisions] == [
        (2, Kind.QUARTER_TALK, 10),
        (3, Kind.UNIT_CRITICISM, 11),
    ]
    assert "第一次平时考核不合格（第2季度，较差）" in decisions[0].citation
    assert "第2、3季度" in decisions[1].citation
    assert {d.owner for d in decisions} == {"unit_head"}


def test_average_counts_as_failing_only_where_the_policy_says() -> None:
    rows = [q(1, 1, "average"), q(1, 2, "poor"), q(2, 1, "average")]
    assert [
        (d.person_id, d.quarter, d.kind)
        for d in quarter_consequences(year=2026, rows=rows, failing=POOR)
    ] == [(1, 2, Kind.QUARTER_TALK)]
    assert [
        (d.person_id, d.quarter, d.kind)
        for d in quarter_consequences(year=2026, rows=rows, failing=POOR_OR_AVERAGE)
    ] == [(1, 1, Kind.QUARTER_TALK), (1, 2, Kind.UNIT_CRITICISM), (2, 1, Kind.QUARTER_TALK)]
