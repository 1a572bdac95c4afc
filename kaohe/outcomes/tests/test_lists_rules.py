"""The eligibility rules (outcomes.rules), each worked by hand from the figures."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import pytest
from django.utils import translation

from kaohe.outcomes.citations import citation, list_rule, list_title, reason_text, reasons_stored
from kaohe.outcomes.rules import (
    Entry,
    ListKind,
    ListPolicy,
    Reason,
    Why,
    YearFacts,
    bit_years,
    derive,
    excellent_run,
    facts_of,
    in_top_share,
    person_entries,
    record_entries,
    since_threshold,
)

POLICY = ListPolicy()
GOOD4 = ("good", "good", "good", "good")
PLAIN = ("fairly_good", "fairly_good", "fairly_good", "fairly_good")


def year(
    y: int,
    grade: str = "competent",
    *,
    rank: int | None = 30,
    size: int | None = 40,
    quarters: Sequence[str] = PLAIN,
    person: int = 1,
) -> YearFacts:
    return YearFacts(person, y, grade, rank, size, tuple(quarters))


def on(entries: list[Entry], kind: ListKind) -> Entry | None:
    return next((e for e in entries if e.kind == kind), None)


# ---------------------------------------------------------------- top share (R6.2, R6.3)


@pytest.mark.parametrize(
    ("rank", "size", "inside"),
    [
        (20, 40, True),  # 40 × 50% = 20
        (21, 40, False),
        (20, 41, True),  # 41 × 50% = 20.5: an odd tier rounds down
        (21, 41, False),
        (1, 1, False),  # alone in a tier is not "the top half"
        (1, 2, True),
        (None, 40, False),
    ],
)
def test_top_half_with_40_and_41(rank: int | None, size: int, inside: bool) -> None:
    assert in_top_share(rank, size, Decimal("0.50")) is inside


def test_ties_at_the_line_are_all_in() -> None:
    # Competition ranks: three tied at rank 19 of 40 (ranks 19, 19, 19, then 22).
    records = [year(2025, rank=19, person=p) for p in (1, 2, 3)] + [year(2025, rank=22, person=4)]
    entries = list(derive(records, 2025, POLICY))
    promoted = {e.person_id for e in entries if e.kind == ListKind.PROMOTION}
    assert promoted == {1, 2, 3}


def test_promotion_by_top_half_cites_rank_and_size() -> None:
    entry = on(person_entries([year(2025, rank=12, size=40)], 2025, POLICY), ListKind.PROMOTION)
    assert entry is not None
    assert entry.reasons == (Reason(Why.TOP_SHARE, (2025, 12, 40, 50)),)
    with translation.override("zh-hans"):
        text = citation(reasons_stored(entry.reasons))
    assert text == "2025 年度综合得分在同职级层次前 50%（第 12 名 / 共 40 人）"


def test_promotion_by_an_excellent_in_the_last_three_years_counts_imported_years() -> None:
    # Rank 30 of 40 in 2025 (not the top half), 优秀 in 2023 (an imported year: the
    # rules read the archive whatever the year's source).
    history = [year(2023, "excellent"), year(2024), year(2025, rank=30)]
    entry = on(person_entries(history, 2025, POLICY), ListKind.PROMOTION)
    assert entry is not None
    assert entry.reasons == (Reason(Why.EXCELLENT_RECENT, (2023, 2025, 2023)),)
    # 2022 is four years back: out of the window.
    history = [year(2022, "excellent"), year(2023), year(2024), year(2025, rank=30)]
    assert on(person_entries(history, 2025, POLICY), ListKind.PROMOTION) is None


def test_award_top_half() -> None:
    assert on(person_entries([year(2025, rank=20, size=40)], 2025, POLICY), ListKind.AWARD)
    assert not on(person_entries([year(2025, rank=21, size=40)], 2025, POLICY), ListKind.AWARD)
    # The award share is the region's own figure.
    narrow = POLICY._replace(award_top_share=Decimal("0.25"))
    assert not on(person_entries([year(2025, rank=11, size=40)], 2025, narrow), ListKind.AWARD)


# ---------------------------------------------------------------- 嘉奖, 三等功


def test_commendation_for_a_year_of_excellent() -> None:
    assert on(person_entries([year(2025, "excellent")], 2025, POLICY), ListKind.COMMENDATION)
    assert not on(person_entries([year(2025)], 2025, POLICY), ListKind.COMMENDATION)


def test_merit_after_three_excellent_years_in_a_row() -> None:
    history = [year(2023, "excellent"), year(2024, "excellent"), year(2025, "excellent")]
    entry = on(person_entries(history, 2025, POLICY), ListKind.MERIT)
    assert entry is not None
    assert entry.figure == 3
    assert entry.reasons == (Reason(Why.EXCELLENT_RUN, (3, 2023, 2025, 3)),)


def test_no_merit_after_a_gap() -> None:
    # 2024 称职 between: three 优秀 in four years is no run.
    history = [
        year(2022, "excellent"),
        year(2023, "excellent"),
        year(2024),
        year(2025, "excellent"),
    ]
    assert not on(person_entries(history, 2025, POLICY), ListKind.MERIT)
    # A year missing from the archive breaks the run too.
    history = [year(2022, "excellent"), year(2024, "excellent"), year(2025, "excellent")]
    assert excellent_run(history, 2025) == 2
    assert not on(person_entries(history, 2025, POLICY), ListKind.MERIT)


def test_a_fourth_year_in_a_row_earns_nothing_a_sixth_another() -> None:
    history = [year(y, "excellent") for y in range(2020, 2026)]
    assert not on(person_entries(history, 2024, POLICY), ListKind.MERIT)  # 5 in a row
    assert not on(person_entries(history[:4], 2023, POLICY), ListKind.MERIT)  # 4 in a row
    sixth = on(person_entries(history, 2025, POLICY), ListKind.MERIT)
    assert sixth is not None
    assert sixth.figure == 6


# ---------------------------------------------------------------- tenure and pay


def test_tenure_months_from_every_excellent_in_the_archive() -> None:
    history = [year(2022, "excellent"), year(2023), year(2024, "excellent"), year(2025)]
    entry = on(person_entries(history, 2025, POLICY), ListKind.TENURE)
    assert entry is not None
    assert entry.figure == 12  # two 优秀 × 6 months
    assert entry.reasons == (Reason(Why.TENURE, (2, 12, 2022, 2025, 6)),)
    assert not on(person_entries([year(2025)], 2025, POLICY), ListKind.TENURE)


def test_pay_step_after_two_counted_years_and_level_after_five() -> None:
    two = on(person_entries([year(2024), year(2025, "excellent")], 2025, POLICY), ListKind.PAY)
    assert two is not None
    assert two.figure == 2
    assert two.reasons[0].figures[-2:] == (1, 0)  # a 工资档次, no 级别
    # Three counted years: nothing completes this year.
    three = [year(2023), year(2024), year(2025)]
    assert not on(person_entries(three, 2025, POLICY), ListKind.PAY)
    five = [year(y) for y in range(2021, 2026)]
    entry = on(person_entries(five, 2025, POLICY), ListKind.PAY)
    assert entry is not None
    assert entry.figure == 5
    assert entry.reasons[0].figures[-2:] == (0, 1)  # a 级别 (5 is not a multiple of 2)


def test_basic_and_incompetent_years_do_not_count_and_do_not_reset() -> None:
    # 称职, 基本称职, 不称职, 称职: two counted years, completed in 2025.
    history = [year(2022), year(2023, "basic"), year(2024, "incompetent"), year(2025)]
    entry = on(person_entries(history, 2025, POLICY), ListKind.PAY)
    assert entry is not None
    assert entry.figure == 2
    # A year that does not count completes nothing, whatever the count before it.
    assert not on(person_entries(history, 2024, POLICY), ListKind.PAY)
    assert not on(person_entries([year(2024), year(2025, "none")], 2025, POLICY), ListKind.PAY)


# ---------------------------------------------------------------- quarters


def test_priority_for_an_all_good_year() -> None:
    entry = on(person_entries([year(2025, quarters=GOOD4)], 2025, POLICY), ListKind.PRIORITY)
    assert entry is not None
    three = ("good", "good", "good", "fairly_good")
    assert not on(person_entries([year(2025, quarters=three)], 2025, POLICY), ListKind.PRIORITY)


def test_prospects_with_three_good_quarters() -> None:
    three = ("good", "fairly_good", "good", "good")
    entry = on(person_entries([year(2025, quarters=three)], 2025, POLICY), ListKind.PROSPECT)
    assert entry is not None
    assert entry.figure == 3
    two = ("good", "fairly_good", "good", "fairly_good")
    assert not on(person_entries([year(2025, quarters=two)], 2025, POLICY), ListKind.PROSPECT)
    # The region's figure: two 好 quarters suffice where it says so.
    lenient = POLICY._replace(prospect_good_quarters=2)
    assert on(person_entries([year(2025, quarters=two)], 2025, lenient), ListKind.PROSPECT)


def test_training_for_a_quarter_of_average() -> None:
    quarters = ("good", "average", "fairly_good", "")
    entry = on(person_entries([year(2025, quarters=quarters)], 2025, POLICY), ListKind.TRAINING)
    assert entry is not None
    assert entry.reasons == (Reason(Why.BELOW_PAR, (2025, 1, 0)),)
    assert not on(person_entries([year(2025)], 2025, POLICY), ListKind.TRAINING)


def test_bonus_cut_ten_percent_per_quarter() -> None:
    one = ("good", "average", "fairly_good", "good")
    entry = on(person_entries([year(2025, quarters=one)], 2025, POLICY), ListKind.BONUS_CUT)
    assert entry is not None
    assert entry.figure == 10
    two = ("average", "poor", "fairly_good", "good")  # 较差 is cut as 一般 is
    entry = on(person_entries([year(2025, quarters=two)], 2025, POLICY), ListKind.BONUS_CUT)
    assert entry is not None
    assert entry.figure == 20
    assert entry.reasons == (Reason(Why.BONUS_CUT, (2025, 2, 10, 20)),)
    # 基本称职: no bonus at all (R5.13), said once rather than as quarters.
    basic = on(
        person_entries([year(2025, "basic", quarters=two)], 2025, POLICY), ListKind.BONUS_CUT
    )
    assert basic is not None
    assert basic.figure == 100
    assert basic.reasons == (Reason(Why.NO_BONUS, (2025,)),)
    assert not on(person_entries([year(2025)], 2025, POLICY), ListKind.BONUS_CUT)


# ---------------------------------------------------------------- the whole


def test_only_the_years_archived_people_are_listed_and_later_years_not_read() -> None:
    # Person 2 has no 2025 record: not on 2025's lists; person 1's 2026 is not read.
    records = [
        year(2024, "excellent", person=2),
        year(2025, rank=5, person=1),
        year(2026, "excellent", person=1),
    ]
    entries = list(derive(records, 2025, POLICY))
    assert {e.person_id for e in entries} == {1}
    assert not on(entries, ListKind.COMMENDATION)


def test_every_reason_and_list_has_words() -> None:
    with translation.override("zh-hans"):
        for kind in ListKind:
            assert list_title(kind) != "—"
            assert list_rule(kind, POLICY)
        figures = {
            Why.TOP_SHARE: (2025, 1, 2, 50),
            Why.EXCELLENT_RECENT: (2023, 2025, 2024),
            Why.EXCELLENT_YEAR: (2025,),
            Why.EXCELLENT_RUN: (3, 2023, 2025, 3),
            Why.TENURE: (1, 6, 2023, 2025, 6),
            Why.PAY: (2, 2024, 2025, 2, 5, 1, 0),
            Why.ALL_GOOD: (2025,),
            Why.PROSPECT: (2025, 3, 3),
            Why.BELOW_PAR: (2025, 1, 0),
            Why.BONUS_CUT: (2025, 1, 10, 10),
            Why.NO_BONUS: (2025,),
        }
        for why in Why:
            text = reason_text(why, figures[why])
            assert text != "—"
            assert not any("a" <= ch <= "z" for ch in text), text


# ---------------------------------------------------------------- the facts of a record


def test_the_facts_of_a_year_with_a_gap_and_mixed_quarters() -> None:
    history = [
        year(2022, "excellent"),
        year(2024, "excellent"),  # 2023 missing: the run starts again
        year(2025, "excellent", rank=30, quarters=("good", "good", "average", "poor")),
        year(2026, "basic"),  # after the year asked for: not read
    ]
    facts = facts_of(history, 2025)
    assert facts is not None
    assert bit_years(facts.excellent_years) == [2022, 2024, 2025]
    assert (facts.excellent_run, facts.counted_years, facts.first_year) == (2, 3, 2022)
    assert (facts.quarters_good, facts.quarters_average, facts.quarters_poor) == (2, 1, 1)
    assert facts_of(history, 2023) is None
    # "An 优秀 since 2023" is the bits at or above 2023's: 2024's and 2025's.
    threshold = since_threshold(2023)
    assert threshold is not None and facts.excellent_years >= threshold
    assert facts.excellent_years - (1 << 24) - (1 << 25) < threshold
    # The promotion entry names the recent 优秀 years from the bits.
    (entry,) = record_entries(facts, POLICY, only=ListKind.PROMOTION)
    assert entry.figure == 2
    assert entry.reasons == (Reason(Why.EXCELLENT_RECENT, (2023, 2025, 2024, 2025)),)
    assert record_entries(facts, POLICY, only=ListKind.MERIT) == []
    cut = record_entries(facts, POLICY, only=ListKind.BONUS_CUT)
    assert cut[0].figure == 20
