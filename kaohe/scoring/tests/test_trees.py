"""The prepared tree scores exactly as kaohe.schemes.rollup.roll_up, the reference."""

from __future__ import annotations

from decimal import Decimal as D

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from kaohe.schemes.rollup import Entry, Node, roll_up
from kaohe.scoring.trees import Scores, Tree, cents

KINDS = ["scored", "deduction", "bonus", "veto", "pass_fail", "group"]


def _entries(draw: st.DrawFn, nodes: list[Node]) -> dict[str, Entry]:
    entries = {}
    for node in nodes:
        if draw(st.booleans()):
            entries[node.key] = Entry(
                value=draw(st.none() | st.decimals(-10, 120, places=2)),
                occurrences=draw(st.none() | st.integers(0, 12)),
                flag=draw(st.none() | st.booleans()),
            )
    return entries


@st.composite
def trees(draw: st.DrawFn) -> tuple[list[Node], list[dict[str, Entry]]]:
    """A tree and the entries of a few people scored with it at once."""
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
                max_points=draw(st.sampled_from([D(0), D(5), D(10), D(30), D(100), D("7.5")])),
                per_occurrence=draw(st.sampled_from([D("0.5"), D(1), D(2), D("0.33")])),
                cap=draw(st.sampled_from([D(0), D(3), D(5)])),
                weight=draw(st.sampled_from([None, None, D(20), D(30), D(50), D("33.33")])),
                position=draw(st.integers(0, 3)),
            )
        )
    people = [_entries(draw, nodes) for _ in range(draw(st.integers(1, 4)))]
    return nodes, people


def score_entries(tree: Tree, people: list[dict[str, Entry]]) -> Scores:
    """`Tree.score` for entries as roll_up takes them: a row per person, each entry in
    its key's column (an absent one 0 / False)."""
    width = len(tree.columns)
    values = np.zeros((len(people), width), np.int64)
    occurrences = np.zeros((len(people), width), np.int64)
    flags = np.zeros((len(people), width), np.bool_)
    for row, entries in enumerate(people):
        for key, (value, count, flag) in entries.items():
            column = tree.columns[key]
            values[row, column] = 0 if value is None else cents(value)
            occurrences[row, column] = count or 0
            flags[row, column] = bool(flag)
    return tree.score(values, occurrences, flags)


def totals(tree: Tree, people: list[dict[str, Entry]]) -> list[tuple[D, list[str]]]:
    """Each person's total and vetoes, as roll_up states them."""
    scores = score_entries(tree, people)
    return [
        (D(int(total)).scaleb(-2), [name for name, who in scores.vetoed if who[row]])
        for row, total in enumerate(scores.totals)
    ]


def adjustments(tree: Tree, people: list[dict[str, Entry]]) -> list[list[tuple[str, D, str]]]:
    scores = score_entries(tree, people)
    return [
        [
            (node.name, D(int(points[row])).scaleb(-2), f"{counts[row]} × {node.per_occurrence}")
            for node, points, counts in scores.adjustments
            if points[row]
        ]
        for row in range(len(people))
    ]


@settings(max_examples=300)
@given(trees())
def test_the_prepared_tree_agrees_with_roll_up(
    tree: tuple[list[Node], list[dict[str, Entry]]],
) -> None:
    nodes, people = tree
    adjusting = [n for n in nodes if n.parent is None and n.kind in ("deduction", "bonus")]
    base = [n for n in nodes if n not in adjusting]
    prepared = Tree(base, adjusting)
    expected = []
    for entries in people:
        reference = roll_up(base, entries)
        expected.append((reference.total, reference.vetoed))
    assert totals(prepared, people) == expected
    for row, entries in enumerate(people):
        alone = [(n, roll_up([n], entries).scores[n.key]) for n in adjusting]
        want = [
            (
                n.name,
                s.score,
                s.detail
                or f"{(entries.get(n.key) or Entry()).occurrences or 0} × {n.per_occurrence}",
            )
            for n, s in alone
            if s.score
        ]
        assert adjustments(prepared, people)[row] == want
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
    assert totals(tree, [entries]) == [(D("58.80"), ["违纪"])]
    assert adjustments(tree, [entries]) == [[("表彰", D("3.00"), "0 × 0")]]
    assert tree.top_max == D(100)


def test_weighted_shares_are_rounded_to_the_cent_each() -> None:
    """A third of 10 points at 50% of 10 is 1.666…: 1.67 per share, 3.34 for two,
    where rounding the sum once would give 3.33 (decision 30)."""
    nodes = [
        Node("root", None, "总分", "group", max_points=D(10)),
        Node("a", "root", "甲", "scored", max_points=D(3), weight=D(50)),
        Node("b", "root", "乙", "scored", max_points=D(3), weight=D(50), position=1),
    ]
    entries = {"a": Entry(value=D(1)), "b": Entry(value=D(1))}
    assert roll_up(nodes, entries).total == D("3.34")
    assert totals(Tree(nodes), [entries]) == [(D("3.34"), [])]


def test_figures_beyond_int64_are_scored_exactly() -> None:
    """A weighted child whose score times the weight and maximum would overflow an
    int64 is worked out with Python integers, to the same cent."""
    kids = [Node(f"k{i}", "g", f"指标{i}", "scored", max_points=D("9999.99")) for i in range(40)]
    nodes = [
        Node("root", None, "总分", "group", max_points=D("9999.99")),
        Node("g", "root", "组", "group", weight=D("999.99")),
        *kids,
    ]
    entries = {f"k{i}": Entry(value=D("9999.99")) for i in range(40)}
    assert totals(Tree(nodes), [entries]) == [(roll_up(nodes, entries).total, [])]


def test_sums_beyond_int64_are_scored_exactly() -> None:
    """Three weighted groups of enormous deductions: each share fits int64, their
    sum would not. The block is then worked out with Python integers, to the cent."""
    nodes = [Node("g", None, "组", "group", max_points=D(1500))]
    entries = {}
    for i in range(3):
        nodes += [
            Node(f"c{i}", "g", f"组{i}", "group", max_points=D(1), weight=D(100), position=i),
            Node(f"d{i}", f"c{i}", f"扣分{i}", "deduction", per_occurrence=D("9999.99")),
        ]
        entries[f"d{i}"] = Entry(occurrences=2_147_483_647)
    expected = roll_up(nodes, entries).total
    assert expected < 0
    assert totals(Tree(nodes), [entries, {}]) == [(expected, []), (D("0.00"), [])]
