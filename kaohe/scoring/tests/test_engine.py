"""The scoring engine: quotas, ties, rules and weightings, by hand and by hypothesis."""

from __future__ import annotations

import random
from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from kaohe.scoring.engine import (
    Adjustment,
    AnnualGrade,
    AnnualInput,
    AnnualPolicy,
    Grading,
    QuarterGrade,
    QuarterInput,
    QuarterPolicy,
    QuarterScore,
    annual_composite,
    annual_grades,
    group_ranks,
    quarter_grades,
    quarter_score,
    quota,
)

G, FG, AV, PO = QuarterGrade.GOOD, QuarterGrade.FAIRLY_GOOD, QuarterGrade.AVERAGE, QuarterGrade.POOR
POLICY = QuarterPolicy(grading=Grading.BANDS)  # the band rule; the rank rule: test_grading.py
ANNUAL = AnnualPolicy()


def qs(person: int, score: str, pool: int = 1, graded: bool = True) -> QuarterScore:
    return QuarterScore(person, pool, D(score), (), graded, ())


def test_the_quarterly_score_by_hand() -> None:
    # 评价得分 90.0 × 70% + 指标得分 80 × 30% − 缺日志 3 篇 × 0.5
    result = quarter_score(
        QuarterInput(1, 1, D(90), D(80), (Adjustment("缺日志", D("-1.5"), "3 × 0.5"),)), POLICY
    )
    assert result.score == D("85.50")
    assert [s.code for s in result.steps] == [
        "part.evaluation",
        "part.indicators",
        "adjustment",
        "score",
    ]
    only_rating = quarter_score(QuarterInput(1, 1, D(88), None), POLICY)
    assert only_rating.score == D("88.00")  # the indicators' weight goes to the rating
    assert quarter_score(
        QuarterInput(1, 1, D(99), D(100), (Adjustment("加分", D(5)),)), POLICY
    ).score == D(100)


def test_bands_and_the_good_quota() -> None:
    # 10 people, 40% → 4 may be 好; five are in the 好 band.
    scores = [
        qs(i, s) for i, s in enumerate(["96", "95", "94", "92", "91", "89", "85", "79", "70", "55"])
    ]
    grades = quarter_grades(scores, POLICY)
    assert [grades[i].grade for i in range(10)] == [G, G, G, G, FG, FG, FG, AV, AV, PO]
    assert any(s.code == "quota_pushed" for s in grades[4].steps)


def test_equal_scores_at_the_boundary_are_flagged_not_broken() -> None:
    scores = [qs(i, s) for i, s in enumerate(["96", "93", "93", "93", "80"])]  # 5 people → 2 places
    grades = quarter_grades(scores, POLICY)
    assert grades[0].grade == G
    assert all(grades[i].grade == FG and grades[i].tie for i in (1, 2, 3))
    assert not grades[4].tie


def test_probation_is_scored_but_not_graded_and_not_counted() -> None:
    grades = quarter_grades([qs(1, "95"), qs(2, "94", graded=False), qs(3, "93")], POLICY)
    assert grades[2].grade is None and grades[1].grade == FG  # 2 graded → 0 places at 40% floor


@given(
    st.lists(
        st.tuples(st.integers(1, 4), st.decimals(40, 100, places=1), st.booleans()),
        min_size=1,
        max_size=40,
    ),
    st.randoms(use_true_random=False),
    st.sampled_from(Grading),
)
def test_no_pool_exceeds_its_quota_and_order_does_not_matter(
    rows: list[tuple[int, D, bool]], rnd: random.Random, grading: Grading
) -> None:
    policy = QuarterPolicy(grading=grading)
    scores = [
        QuarterScore(i, pool, score, (), graded, ()) for i, (pool, score, graded) in enumerate(rows)
    ]
    grades = quarter_grades(scores, policy)
    shuffled = rnd.sample(scores, len(scores))
    assert quarter_grades(shuffled, policy) == grades
    for pool in {s.pool_id for s in scores}:
        members = [g for g in grades.values() if g.pool_id == pool]
        graded = [g for g in members if g.grade is not None]
        assert sum(1 for g in graded if g.grade == G) <= quota(len(graded), D("0.40"), "floor")
        # A higher score never gets a lower grade unless a recorded step says why.
        rank = {
            QuarterGrade.GOOD: 0,
            QuarterGrade.FAIRLY_GOOD: 1,
            QuarterGrade.AVERAGE: 2,
            QuarterGrade.POOR: 3,
        }
        for a in graded:
            for b in graded:
                if a.score > b.score and rank[a.grade] > rank[b.grade]:  # type: ignore[index]
                    assert any(s.code in ("tie", "quota_pushed", "veto", "rank") for s in a.steps)


def annual(
    person: int, grades: tuple[QuarterGrade, ...], score: str = "88", **kw: object
) -> AnnualInput:
    base = dict(
        person_id=person,
        pool_id=1,
        tier="staff",
        main_leader=False,
        democratic=D(score),
        unit_result=D(score),
        quarter_scores=tuple(D(score) for _ in grades),
        quarter_grades=grades,
    )
    base.update(kw)
    return AnnualInput(**base)  # type: ignore[arg-type]


def test_both_annual_weightings_from_seed_004_by_hand() -> None:
    # Main leader: 10% democratic, 30% unit result, 60% quarterly average.
    leader = annual(
        1,
        (G, G, FG, G),
        democratic=D(92),
        unit_result=D(88),
        quarter_scores=(D(91), D(90), D(88), D(91)),
        main_leader=True,
    )
    assert annual_composite(leader, ANNUAL)[0] == D("89.60")  # 9.2 + 26.4 + 54.0
    # Others: 10% democratic, 20% unit result, 70% quarterly average.
    other = annual(
        2,
        (FG, FG, FG, FG),
        democratic=D(85),
        unit_result=D(88),
        quarter_scores=(D(86), D(86), D(86), D(86)),
    )
    assert annual_composite(other, ANNUAL)[0] == D("86.30")  # 8.5 + 17.6 + 60.2


def test_the_escalation_ladder_all_four_steps() -> None:
    rows = [
        annual(1, (PO, FG, FG, FG)),
        annual(2, (PO, PO, FG, FG)),
        annual(3, (PO, PO, PO, FG)),
        annual(4, (PO, PO, PO, PO)),
    ]
    results = annual_grades(rows, ANNUAL)
    assert results[1].consequences == ("talk",) and results[1].grade == AnnualGrade.COMPETENT
    assert (
        results[2].consequences == ("talk", "notice") and results[2].grade == AnnualGrade.COMPETENT
    )
    assert (
        results[3].consequences == ("talk", "notice", "basic")
        and results[3].grade == AnnualGrade.BASIC
    )
    assert (
        results[4].consequences[-1] == "incompetent" and results[4].grade == AnnualGrade.INCOMPETENT
    )


def test_excellent_rules_quota_veto_affirmation_probation_investigation() -> None:
    rows = [annual(i, (G, G, FG, FG), score=str(95 - i)) for i in range(10)]  # 10 → 2 优秀
    rows[0] = annual(0, (G, G, AV, G), score="99")  # a quarter of 一般 bars 优秀
    rows[1] = annual(1, (G, G, G, G), score="98", veto="区级以上通报批评")
    rows[9] = annual(9, (FG, FG, FG, FG), score="70", affirmation="所在单位获真抓实干激励")
    rows.append(annual(10, (G, G, G, G), score="97", probation=True))
    rows.append(annual(11, (G, G, G, G), score="96", under_investigation=True))
    results = annual_grades(rows, ANNUAL)
    assert results[0].grade == AnnualGrade.COMPETENT and any(
        s.code == "bar.low_quarter" for s in results[0].steps
    )
    assert results[1].grade == AnnualGrade.COMPETENT and results[1].priority  # vetoed, yet four 好
    assert results[9].grade == AnnualGrade.EXCELLENT  # affirmation takes one of the 2 places
    excellent = [p for p, r in results.items() if r.grade == AnnualGrade.EXCELLENT]
    assert sorted(excellent) == [2, 9]
    assert results[10].grade == AnnualGrade.NONE and results[11].grade == AnnualGrade.PENDING


def test_few_good_quarters_bar_excellent_and_rankings_are_per_tier() -> None:
    rows = [
        annual(1, (G, FG, FG, FG), score="95"),
        annual(2, (G, G, FG, FG), score="90", tier="chief"),
    ]
    rows += [annual(i, (FG, FG, FG, FG), score="80") for i in range(3, 8)]
    results = annual_grades(rows, ANNUAL)
    assert any(s.code == "bar.few_good" for s in results[1].steps)
    assert results[1].rank_in_tier == 1 and results[2].rank_in_tier == 1  # different tiers
    assert [results[i].rank_in_tier for i in range(3, 8)] == [2, 2, 2, 2, 2]


@given(
    st.lists(st.tuples(st.decimals(60, 100, places=1), st.integers(0, 4)), min_size=1, max_size=30)
)
def test_no_pool_exceeds_the_excellent_quota(rows: list[tuple[D, int]]) -> None:
    inputs = [
        annual(i, tuple([G] * goods + [FG] * (4 - goods)), score=str(score))
        for i, (score, goods) in enumerate(rows)
    ]
    results = annual_grades(inputs, ANNUAL)
    assert sum(1 for r in results.values() if r.grade == AnnualGrade.EXCELLENT) <= quota(
        len(inputs), D("0.20"), "floor"
    )


def test_group_ranks_by_hand() -> None:
    rows = [
        (7, "unit a", D("90")),
        (3, "unit a", D("95")),
        (5, "unit a", D("90.0")),  # equal to 90: the same rank
        (9, "unit a", D("80")),
        (4, "unit b", D("70")),
        (2, "unit b", D("85")),
    ]
    assert group_ranks(rows) == {3: 1, 5: 2, 7: 2, 9: 4, 2: 1, 4: 2}
    assert group_ranks([]) == {}


@given(
    st.lists(
        st.tuples(st.integers(1, 3), st.decimals(0, 100, places=1)),
        max_size=40,
    ),
    st.randoms(use_true_random=False),
)
def test_group_ranks_is_competition_ranking_in_any_order(
    rows: list[tuple[int, D]], rng: random.Random
) -> None:
    people = [(person, group, score) for person, (group, score) in enumerate(rows)]
    rng.shuffle(people)
    ranks = group_ranks(people)
    for person, group, score in people:
        # 1 + how many of the group scored higher (1, 1, 3).
        assert ranks[person] == 1 + sum(1 for _p, g, s in people if g == group and s > score)


def test_a_withheld_rating_gives_its_weight_to_the_indicators_and_says_why() -> None:
    # Rated on fewer than k ballots (decision 31): no rating part; the indicators count
    # for the whole score, and the first step says why the rating is missing.
    withheld = quarter_score(QuarterInput(1, 1, None, D(80), withheld=3), POLICY)
    assert withheld.score == D(80)
    assert withheld.steps[0].code == "part.withheld"
    assert withheld.steps[0].figures == {"minimum": "3"}
    assert [s.code for s in withheld.steps[1:]] == ["part.indicators", "score"]
    # Not rated at all: no such step.
    unrated = quarter_score(QuarterInput(2, 1, None, D(80)), POLICY)
    assert "part.withheld" not in [s.code for s in unrated.steps]


def test_a_withheld_democratic_evaluation_is_stated_in_the_year() -> None:
    inp = AnnualInput(1, 1, "staff", False, None, D(90), (D(80),), (FG,), withheld=5)
    composite, steps = annual_composite(inp, ANNUAL)
    assert [s.code for s in steps][:2] == ["annual.role", "annual.withheld"]
    assert steps[1].figures == {"minimum": "5"}
    assert composite == D("82.22")  # (90 × 20 + 80 × 70) / 90: the weights re-shared


def test_the_withheld_steps_read_in_chinese() -> None:
    from django.utils import translation

    from kaohe.scoring.explain import explain

    with translation.override("zh-hans"):
        _headline, lines = explain(
            [
                {"code": "part.withheld", "figures": {"minimum": "3"}},
                {"code": "annual.withheld", "figures": {"minimum": "3"}},
            ]
        )
    assert lines[0].startswith("评价此人的有效票少于 3 张") and "权重并入另一部分" in lines[0]
    assert lines[1].startswith("民主测评中评价此人的有效票少于 3 张")
