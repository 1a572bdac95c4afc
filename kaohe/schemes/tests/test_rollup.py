"""Roll-up of indicator trees, checked by hand."""

from __future__ import annotations

from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from kaohe.schemes.rollup import Entry, Node, roll_up

# 德 (group, weight 20) and 绩 (group, weight 80) under a 100-point root; 绩 has two
# scored leaves and a deduction with a cap; a veto hangs off the root.
TREE = [
    Node("root", None, "总分", "group", max_points=D(100)),
    Node("de", "root", "德", "group", max_points=D(10), weight=D(20), position=0),
    Node("de1", "de", "政治表现", "scored", max_points=D(10)),
    Node("ji", "root", "绩", "group", max_points=D(50), weight=D(80), position=1),
    Node("ji1", "ji", "完成任务", "scored", max_points=D(30)),
    Node("ji2", "ji", "工作质量", "scored", max_points=D(20)),
    Node("ji3", "ji", "缺日志", "deduction", per_occurrence=D("0.5"), cap=D(5)),
    Node("veto", "root", "违纪", "veto", position=2),
]


def test_a_three_level_tree_rolls_up_by_hand() -> None:
    entries = {
        "de1": Entry(value=D(9)),
        "ji1": Entry(value=D(27)),
        "ji2": Entry(value=D(18)),
        "ji3": Entry(occurrences=3),
    }
    result = roll_up(TREE, entries)
    # 绩 = 27 + 18 − 1.5 = 43.5 of 50; 德 = 9 of 10.
    assert result.scores["ji"].score == D("43.50")
    assert result.scores["de"].score == D("9.00")
    # root = 9/10 × 20% × 100 + 43.5/50 × 80% × 100 = 18 + 69.6
    assert result.scores["root"].score == D("87.60") and result.total == D("87.60")
    assert result.vetoed == [] and result.scores["ji3"].detail == "3 × 0.5"


def test_caps_and_clipping_hold() -> None:
    entries = {"de1": Entry(value=D(15)), "ji1": Entry(value=D(-4)), "ji3": Entry(occurrences=40)}
    result = roll_up(TREE, entries)
    assert result.scores["de1"].score == D("10.00")  # clipped to max
    assert result.scores["ji1"].score == D("0.00")
    assert result.scores["ji3"].score == D("-5.00")  # 40 × 0.5 capped at 5


def test_a_triggered_veto_is_reported() -> None:
    assert roll_up(TREE, {"veto": Entry(flag=True)}).vetoed == ["违纪"]


def test_bonus_and_pass_fail() -> None:
    tree = [
        Node("a", None, "加分", "bonus", cap=D(3)),
        Node("b", None, "年度体检", "pass_fail", position=1),
    ]
    result = roll_up(tree, {"a": Entry(value=D(5)), "b": Entry(flag=False)})
    assert result.total == D("3.00") and result.failed == ["年度体检"]


@given(
    st.fixed_dictionaries(
        {
            "de1": st.decimals(-20, 30, places=1),
            "ji1": st.decimals(-20, 60, places=1),
            "ji2": st.decimals(-20, 60, places=1),
            "n": st.integers(0, 50),
        }
    )
)
def test_the_total_stays_within_the_roots_range(values: dict[str, object]) -> None:
    entries = {
        "de1": Entry(value=values["de1"]),  # type: ignore[arg-type]
        "ji1": Entry(value=values["ji1"]),  # type: ignore[arg-type]
        "ji2": Entry(value=values["ji2"]),  # type: ignore[arg-type]
        "ji3": Entry(occurrences=values["n"]),  # type: ignore[arg-type]
    }
    total = roll_up(TREE, entries).total
    assert D(-8) <= total <= D(100)
