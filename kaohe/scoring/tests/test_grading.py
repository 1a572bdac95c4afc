"""Grading by rank within the pool's quota (R5.1, R5.3, seed 004), the engine's default:
the highest scores up to the quota are 好 unless a rule bars them; the bands only set
the floors for 一般 and 较差."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal as D

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from kaohe.scoring import services
from kaohe.scoring.engine import (
    AnnualPolicy,
    Grading,
    QuarterGrade,
    QuarterPolicy,
    QuarterScore,
    annual_grades,
    quarter_grades,
    quota,
)
from kaohe.scoring.explain import explain
from kaohe.scoring.models import ScoringPolicy
from kaohe.scoring.tests.test_engine import annual
from kaohe.testing import World

G, FG, AV, PO = QuarterGrade.GOOD, QuarterGrade.FAIRLY_GOOD, QuarterGrade.AVERAGE, QuarterGrade.POOR
RANK = QuarterPolicy()  # the default
BANDS = QuarterPolicy(grading=Grading.BANDS)


def qs(person: int, score: str, pool: int = 1, *, vetoed: tuple[str, ...] = ()) -> QuarterScore:
    return QuarterScore(person, pool, D(score), (), True, vetoed)


def codes(steps: tuple[object, ...]) -> list[str]:
    return [s.code for s in steps]  # type: ignore[attr-defined]


def test_the_rank_rule_is_the_default() -> None:
    assert QuarterPolicy().grading == Grading.RANK


def test_the_quota_is_filled_by_the_highest_scores_even_below_the_good_band() -> None:
    # 10 people, 40% → 4 places; only one scores 90 or more, yet four are 好.
    marks = ["91", "88", "87.5", "86", "85", "84", "80", "79", "65", "55"]
    scores = [qs(i, s) for i, s in enumerate(marks)]
    rank = quarter_grades(scores, RANK)
    assert [rank[i].grade for i in range(10)] == [G, G, G, G, FG, FG, FG, AV, AV, PO]
    # Under the band rule the same scores give a single 好.
    bands = quarter_grades(scores, BANDS)
    assert [bands[i].grade for i in range(10)] == [G, FG, FG, FG, FG, FG, FG, AV, AV, PO]
    # The explanation names the rule: the place among those who may be 好 and the quota.
    assert codes(rank[1].steps) == ["rank", "quota", "grade"]
    assert rank[1].steps[0].figures == {"place": "2", "limit": "4"}
    assert rank[4].steps[0].figures == {"place": "5", "limit": "4"} and rank[4].grade == FG
    # Below the floors: the floor says why, and the band column holds the ceiling.
    assert codes(rank[7].steps) == ["floor", "quota", "grade"] and rank[7].band == AV
    assert rank[0].band == G and rank[6].band == G  # 80: may be 好 by rank


def test_floors_bar_the_top_grade_however_few_score_high() -> None:
    # 5 people → 2 places, but only one scores at or above 较好's mark (80).
    grades = quarter_grades([qs(i, s) for i, s in enumerate(["85", "79", "70", "60", "59"])], RANK)
    assert [grades[i].grade for i in range(5)] == [G, AV, AV, AV, PO]


def test_a_vetoed_person_gives_the_place_to_the_next() -> None:
    vetoed = qs(1, "95", vetoed=("年内受到诫勉",))
    scores = [vetoed, qs(2, "90"), qs(3, "89"), qs(4, "85"), qs(5, "84")]
    grades = quarter_grades(scores, RANK)  # 5 → 2 places
    assert grades[1].grade == FG and codes(grades[1].steps) == ["quota", "veto", "grade"]
    assert grades[2].grade == G and grades[3].grade == G and grades[4].grade == FG
    assert grades[2].steps[0].figures == {"place": "1", "limit": "2"}


def test_a_withheld_rating_is_not_ranked_for_good_but_still_graded() -> None:
    # 5 → 2 places; the top score is the indicators' alone (rating withheld, below k).
    withheld = QuarterScore(1, 1, D(97), (), True, (), True)
    grades = quarter_grades([withheld, qs(2, "90"), qs(3, "89"), qs(4, "85"), qs(5, "70")], RANK)
    assert grades[1].grade == FG and grades[1].band == G
    assert codes(grades[1].steps) == ["quota", "rank.withheld", "grade"]
    assert grades[2].grade == G and grades[3].grade == G and grades[4].grade == FG
    # The band rule is unchanged: bands first, then the quota.
    assert quarter_grades([withheld, qs(2, "90")], BANDS)[1].grade == FG  # 2 → 0 places
    assert quarter_grades([withheld, *(qs(i, "80") for i in range(2, 6))], BANDS)[1].grade == G


def test_a_tie_at_the_edge_is_flagged_for_a_person() -> None:
    scores = [qs(i, s) for i, s in enumerate(["88", "85", "85", "85", "81"])]  # 2 places
    grades = quarter_grades(scores, RANK)
    assert grades[0].grade == G
    assert all(grades[i].grade == FG and grades[i].tie for i in (1, 2, 3))
    assert "tie" in codes(grades[1].steps) and not grades[4].tie


def test_the_rank_steps_read_in_chinese() -> None:
    grades = quarter_grades([qs(i, s) for i, s in enumerate(["88", "85", "70", "81", "82"])], RANK)
    with translation.override("zh-hans"):
        _headline, good = explain([s._asdict() for s in grades[0].steps])
        _headline, floor = explain([s._asdict() for s in grades[2].steps])
    assert good[0] == "按名额内排名确定：在可评“好”的人员中排第 1 名；前 2 名评为“好”。"
    assert floor[0] == "按分数档次下限，70.00 分最高只能评为“一般”。"


@st.composite
def pools(draw: st.DrawFn) -> list[QuarterScore]:
    rows = draw(
        st.lists(
            st.tuples(
                st.integers(1, 3),
                st.decimals(40, 100, places=0),  # whole points: ties are common
                st.booleans(),
                st.integers(0, 9),
                st.integers(0, 9),
            ),
            min_size=1,
            max_size=40,
        )
    )
    return [
        QuarterScore(i, pool, score, (), graded, ("否决",) if veto == 0 else (), withheld == 0)
        for i, (pool, score, graded, veto, withheld) in enumerate(rows)
    ]


@given(pools())
def test_by_rank_good_is_the_quota_or_all_eligible_less_places_held_by_a_tie(
    scores: list[QuarterScore],
) -> None:
    grades = quarter_grades(scores, RANK)
    for pool in {s.pool_id for s in scores}:
        members = [s for s in scores if s.pool_id == pool]
        graded = [s for s in members if s.graded]
        limit = quota(len(graded), RANK.good_share, RANK.rounding)
        eligible = sorted(
            (
                s
                for s in graded
                if s.score >= RANK.fairly_good_from and not s.vetoed and not s.withheld
            ),
            key=lambda s: -s.score,
        )
        held = 0
        if len(eligible) > limit > 0 and eligible[limit - 1].score == eligible[limit].score:
            held = sum(1 for s in eligible[:limit] if s.score == eligible[limit].score)
        goods = sum(1 for s in members if grades[s.person_id].grade == G)
        assert goods == min(limit, len(eligible)) - held <= limit
        # Held places are flagged for a person; nobody else is.
        assert sum(1 for s in members if grades[s.person_id].tie) == (
            sum(1 for s in eligible if s.score == eligible[limit].score) if held else 0
        )


def test_the_year_names_the_rule_and_fills_its_quota_by_rank() -> None:
    # 10 → 2 优秀; the two highest eligible by composite are 优秀, the place named.
    rows = [annual(i, (G, G, FG), score=str(90 - i)) for i in range(10)]
    rows[0] = annual(0, (G, FG, FG), score="99")  # one 好 quarter: barred
    results = annual_grades(rows, AnnualPolicy())
    excellent = sorted(p for p, r in results.items() if r.grade == "excellent")
    assert excellent == [1, 2]
    rank = [s for s in results[2].steps if s.code == "annual.rank"]
    assert rank and rank[0].figures == {"place": "2", "places": "2"}
    with translation.override("zh-hans"):
        _headline, lines = explain([s._asdict() for s in results[2].steps])
    assert "按名额内排名确定：在可评优秀的人员中排第 2 名；前 2 名确定为优秀。" in lines


@pytest.mark.django_db
def test_the_region_admin_sees_and_sets_the_rule_in_chinese(
    world: World, client_as: Callable[[str], Client]
) -> None:
    # The row a run creates (the admin offers no "add"); rank is the default rule.
    policy, _created = ScoringPolicy.objects.get_or_create(region=world.region)
    assert policy.grading == ScoringPolicy.Grading.RANK
    office = client_as("region_admin")
    url = reverse("admin:scoring_scoringpolicy_change", args=[policy.pk])
    page = office.get(url).content.decode()
    assert "等次评定规则" in page and "按名额内排名评定（考核成绩靠前的直接评为“好”）" in page
    assert "按分数档次评定，再受名额限制" in page
    listing = office.get(reverse("admin:scoring_scoringpolicy_changelist")).content.decode()
    assert "按名额内排名评定" in listing and ">rank<" not in listing
    assert (
        services.quarter_policy(ScoringPolicy(grading=ScoringPolicy.Grading.BANDS)).grading
        == Grading.BANDS
    )


def test_every_grading_step_has_a_chinese_text() -> None:
    withheld = QuarterScore(9, 1, D(97), (), True, (), True)
    scores = [
        qs(1, "95", vetoed=("否决",)),
        withheld,
        *(qs(i, s) for i, s in enumerate(["90", "85", "85", "85", "79", "50"], start=2)),
        QuarterScore(20, 1, D(88), (), False, ()),
    ]
    steps = [
        s
        for policy in (RANK, BANDS)
        for g in quarter_grades(scores, policy).values()
        for s in g.steps
    ]
    assert {"rank", "floor", "rank.withheld", "veto", "tie", "quota", "grade"} <= {
        s.code for s in steps
    }
    with translation.override("zh-hans"):
        for step in steps:
            _headline, lines = explain([step._asdict()])
            assert len(lines) == 1 and not any("A" <= c <= "z" for c in lines[0]), step
