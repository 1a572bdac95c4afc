"""The prepared tree scores exactly as kaohe.schemes.rollup.roll_up, the reference."""

from __future__ import annotations

from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from kaohe.schemes.rollup import Entry, Node, roll_up
from kaohe.scoring.trees import Tree

KINDS = ["scored", "deduction", "bonus", "veto", "pass_fail", "group"]


@st.composite
def trees(draw: st.DrawFn) -> tuple[list[Node], dict[str, Entry]]:
    nodes: list[Node] = []
    for i in range(draw(st.integers(1, 14))):
        kind = draw(st.sampled_from(KINDS))
        # Mostly under a group; sometimes under a leaf, which roll_up still visits.
        parents = [n.key for n in nodes if n.kind == "group" or draw(st.booleans())]
        nodes.append(
            Node(
                key=f"n{i}",
                parent=draw(st.sampled_from([None, *parents])),
                name=f"指标{i}",
                kind=kind,
                max_points=draw(st.sampled_from([D(0), D(5), D(10), D(30), D(100)])),
                per_occurrence=draw(st.sampled_from([D("0.5"), D(1), D(2)])),
                cap=draw(st.sampled_from([D(0), D(3), D(5)])),
                weight=draw(st.sampled_from([None, None, D(20), D(30), D(50)])),
                position=draw(st.integers(0, 3)),
            )
        )
    entries = {}
    for node in nodes:
        if draw(st.booleans()):
            entries[node.key] = Entry(
                value=draw(st.none() | st.decimals(-10, 120, places=2)),
                occurrences=draw(st.none() | st.integers(0, 12)),
                flag=draw(st.none() | st.booleans()),
            )
    return nodes, entries


@settings(max_examples=300)
@given(trees())
def test_the_prepared_tree_agrees_with_roll_up(tree: tuple[list[Node], dict[str, Entry]]) -> None:
    nodes, entries = tree
    adjusting = [n for n in nodes if n.parent is None and n.kind in ("deduction", "bonus")]
    base = [n for n in nodes if n not in adjusting]
    prepared = Tree(base, adjusting)
    reference = roll_up(base, entries)
    assert prepared.total(entries) == (reference.total, reference.vetoed)
    alone = [(n, roll_up([n], entries).scores[n.key]) for n in adjusting]
    assert prepared.adjustments(entries) == [
        (n.name, s.score, s.detail) for n, s in alone if s.score
    ]
    empty = roll_up(base, {}).scores
    assert prepared.top_max == sum(
        (
            empty[n.key].max_points
            for n in base
            if n.parent is None and n.kind in ("scored", "group")
        ),
        D(0),
    )


def test_a_weighted_tree_by_hand() -> None:
    # 德 10 points at 20%, 绩 50 points at 80%, under a 100-point root; a veto beside them.
    nodes = [
        Node("root", None, "总分", "group", max_points=D(100)),
        Node("de", "root", "德", "group", max_points=D(10), weight=D(20), position=0),
        Node("de1", "de", "政治表现", "scored", max_points=D(10)),
        Node("ji", "root", "绩", "group", max_points=D(50), weight=D(80), position=1),
        Node("ji1", "ji", "完成任务", "scored", max_points=D(30)),
        Node("ji2", "ji", "缺日志", "deduction", per_occurrence=D("0.5"), cap=D(5)),
        Node("veto", None, "违纪", "veto"),
    ]
    bonus = Node("plus", None, "表彰", "bonus", cap=D(3))
    entries = {
        "de1": Entry(value=D(9)),
        "ji1": Entry(value=D(27)),
        "ji2": Entry(occurrences=3),
        "veto": Entry(flag=True),
        "plus": Entry(value=D(5)),
    }
    tree = Tree(nodes, [bonus])
    # 9/10 × 20% × 100 + 25.5/50 × 80% × 100 = 18 + 40.8
    assert tree.total(entries) == (D("58.80"), ["违纪"])
    assert tree.adjustments(entries) == [("表彰", D("3.00"), "")]
    assert tree.top_max == D(100)


def test_a_group_of_thousands_of_children_compiles() -> None:
    """Tree.total is generated code: one statement per child, so a group of any size
    stays within the compiler's nesting limit."""
    kids = [Node(f"k{i}", "g", f"指标{i}", "scored", max_points=D(1)) for i in range(5000)]
    tree = Tree([Node("g", None, "组", "group", max_points=D(10000)), *kids], [])
    entries = {f"k{i}": Entry(value=D("0.5")) for i in range(5000)}
    assert tree.total(entries) == (D("2500.00"), [])
