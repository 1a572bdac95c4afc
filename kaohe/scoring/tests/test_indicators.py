"""The scheme's part of the quarterly score: versions in force ("1+N"), the roll-up,
top-level deductions and bonuses as adjustments, vetoes, automatic indicators skipped."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kaohe.org.models import Person
from kaohe.reviews.models import ReviewRound, RoundResult, RoundState
from kaohe.schemes import services as scheme_services
from kaohe.schemes.models import Indicator, IndicatorResult, Scheme, SchemeVersion
from kaohe.schemes.selectors import versions_in_force, versions_in_force_many
from kaohe.schemes.tests.fixtures import add
from kaohe.scoring import inputs, services
from kaohe.scoring.indicators import indicator_parts
from kaohe.scoring.models import QuarterResult
from kaohe.scoring.tests.fixtures import declare_entries
from kaohe.testing import World
from kaohe.worklogs.models import WorklogPolicy
from kaohe.worklogs.rules import Period

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 4, 30)


def approve(world: World, version: SchemeVersion) -> None:
    scheme_services.version_submit(actor=world.users["unit_admin"], version=version)
    scheme_services.version_approve(actor=world.users["region_admin"], version=version)


def by_name(version: SchemeVersion, name: str) -> Indicator:
    return Indicator.objects.get(version=version, name=name)


def enter(world: World, key: str, indicator: Indicator, quarter: int = 1, **fields: object) -> None:
    IndicatorResult.objects.create(
        version=indicator.version,
        indicator=indicator,
        unit=world.bureau,
        person=world.people[key],
        year=2026,
        quarter=quarter,
        **fields,
    )


@pytest.fixture
def schemed(world: World, drafted: SchemeVersion) -> SchemeVersion:
    """The bureau's trunk (德 10 and 绩 50, an automatic missing-log deduction, a veto)
    with a top-level bonus and deduction, and an approved Q1 supplement of 10 points."""
    add(world, drafted, None, "表彰奖励", kind="bonus", cap="3", module="flexible")
    add(world, drafted, None, "通报批评", kind="deduction", per_occurrence="1", cap="5")
    approve(world, drafted)
    supplement = scheme_services.supplement_create(
        actor=world.users["unit_admin"], trunk=drafted.scheme, quarter=1
    )
    add(world, supplement, None, "专项任务", kind="scored", max_points="10")
    approve(world, supplement)
    return drafted


def test_the_batch_lookup_agrees_with_the_per_unit_one(
    world: World, schemed: SchemeVersion
) -> None:
    # A later draft of the trunk is not in force until it is approved.
    scheme_services.version_new_draft(actor=world.users["unit_admin"], version=schemed)
    for quarter in (1, 2):
        period = Period(2026, quarter)
        many = versions_in_force_many(world.region.pk, period)
        for unit in (world.bureau, world.centre, world.town):
            expected = [v.pk for v in versions_in_force(unit, period)]
            assert [v.pk for v in many.get(unit.pk, [])] == expected
    assert [v.scheme.part for v in many[world.bureau.pk]] == [Scheme.Part.TRUNK]


def test_the_indicator_part_rolls_up_the_schemes_in_force(
    world: World, schemed: SchemeVersion
) -> None:
    WorklogPolicy.objects.update_or_create(
        region=world.region,
        defaults={"deduction_per_missing_log": 0, "deduction_per_missing_quarterly": 0},
    )
    supplement = SchemeVersion.objects.get(scheme__part=Scheme.Part.SUPPLEMENT)
    enter(world, "cadre", by_name(schemed, "政治表现"), value=Decimal(8))
    enter(world, "cadre", by_name(schemed, "完成任务"), value=Decimal(27))
    enter(world, "cadre", by_name(schemed, "工作质量"), value=Decimal(18))
    enter(world, "cadre", by_name(schemed, "表彰奖励"), value=Decimal(2))
    enter(world, "cadre", by_name(schemed, "通报批评"), occurrences=3)
    enter(world, "cadre", by_name(supplement, "专项任务"), value=Decimal(6))
    # Automatic indicators are not read (the work-log deduction applies once, directly),
    # nor are another quarter's results.
    enter(world, "cadre", by_name(schemed, "缺写工作日志"), occurrences=9)
    enter(world, "cadre", by_name(schemed, "完成任务"), value=Decimal(1), quarter=2)
    enter(world, "team", by_name(schemed, "政治表现"), value=Decimal(10))
    enter(world, "team", by_name(schemed, "完成任务"), value=Decimal(30))
    enter(world, "team", by_name(schemed, "工作质量"), value=Decimal(20))
    enter(world, "team", by_name(schemed, "违纪"), flag=True)
    # Evidence linked before any value is typed leaves a row with no value: no result.
    enter(world, "head", by_name(schemed, "完成任务"))
    round_ = ReviewRound.objects.create(
        region=world.region,
        year=2026,
        number=1,
        state=RoundState.CLOSED,
        starts_on=dt.date(2026, 4, 1),
        ends_on=dt.date(2026, 4, 10),
    )
    ratings = {"cadre": Decimal(80), "team": Decimal(99), "head": Decimal(85)}
    RoundResult.objects.bulk_create(
        RoundResult(round=round_, unit=world.bureau, target=world.people[k], score=v, rater_count=5)
        for k, v in ratings.items()
    )
    declare_entries(world, 2026, 1)  # the other units: the bureau's entries count as entered
    run = services.quarter_compute(
        actor=world.users["region_admin"], region=world.region, year=2026, quarter=1, today=TODAY
    )

    def steps(key: str) -> list[dict[str, object]]:
        return list(QuarterResult.objects.get(run=run, person=world.people[key]).steps)

    # Out of 德 10 + 绩 50 + 专项任务 10 = 70: (8 + 45 + 6) / 70 × 100 = 84.2857…;
    # 80 × 70% + 84.2857 × 30% = 81.2857; + 2 − 3 × 1 = 80.29.
    cadre = steps("cadre")
    assert cadre[:5] == [
        {"code": "part.evaluation", "figures": {"value": "80.00", "weight": "70"}},
        {"code": "part.indicators", "figures": {"value": "84.29", "weight": "30"}},
        {"code": "adjustment", "figures": {"label": "表彰奖励", "points": "2.00", "detail": ""}},
        {
            "code": "adjustment",
            "figures": {"label": "通报批评", "points": "-3.00", "detail": "3 × 1.00"},
        },
        {"code": "score", "figures": {"score": "80.29"}},
    ]
    assert QuarterResult.objects.get(run=run, person=world.people["cadre"]).score == Decimal(
        "80.29"
    )
    # Full marks on the trunk (nothing entered for the supplement): 60 / 70; the veto
    # keeps a 好-band score out of 好.
    team = steps("team")
    assert team[1] == {"code": "part.indicators", "figures": {"value": "85.71", "weight": "30"}}
    assert {"code": "veto", "figures": {"reasons": "违纪"}} in team
    assert QuarterResult.objects.get(run=run, person=world.people["team"]).grade == "fairly_good"
    # The head's only row holds evidence and no value: rated on the evaluation alone,
    # not given an indicator part of 0.
    assert all(step["code"] != "part.indicators" for step in steps("head"))
    # No results entered: the rating carries the whole weight.
    assert steps("head")[0] == {
        "code": "part.evaluation",
        "figures": {"value": "85.00", "weight": "100"},
    }


def test_the_shared_tree_scores_random_entries_as_the_units_own_tree(
    world: World, drafted: SchemeVersion
) -> None:
    """`indicator_parts` prepares one tree per shape, its nodes keyed by place; on
    random entries under a tree with weighted, mixed and nested groups, a top-level
    bonus and deduction, a veto and a pass/fail item, it equals the unit's own tree
    keyed by row id, scored by `roll_up` itself."""
    import random

    from kaohe.org.models import Membership

    rng = random.Random(20261122)
    scheme_services.indicator_update(
        actor=world.users["unit_admin"], indicator=by_name(drafted, "绩"), data={"weight": "70"}
    )
    neng = add(world, drafted, None, "能", kind="group", max_points="20", weight="10")
    add(world, drafted, neng, "业务能力", kind="scored", max_points="7.5", weight="60")
    add(world, drafted, neng, "学习", kind="scored", max_points="3", weight="40")
    add(world, drafted, neng, "加分", kind="bonus", cap="2")  # mixed: added, not weighted
    inner = add(world, drafted, neng, "创新", kind="group", max_points="5")
    add(world, drafted, inner, "创新成果", kind="scored", max_points="5")
    add(world, drafted, inner, "失误", kind="deduction", per_occurrence="0.33", cap="1")
    add(world, drafted, None, "表彰奖励", kind="bonus", cap="3", module="flexible")
    add(world, drafted, None, "通报批评", kind="deduction", per_occurrence="1", cap="5")
    add(world, drafted, None, "合规", kind="pass_fail", module="negative")
    approve(world, drafted)
    leaves = [i for i in drafted.indicators.all() if i.kind != "group" and not i.auto_source]
    people = [
        m.person for m in Membership.objects.filter(unit=world.bureau).select_related("person")
    ]
    for person in people:
        for indicator in leaves:
            if rng.random() < 0.2:
                continue
            fields: dict[str, object] = {}
            if indicator.kind in ("scored", "bonus"):
                fields["value"] = Decimal(rng.randint(-100, 1200)) / 100
            elif indicator.kind == "deduction":
                fields["occurrences"] = rng.randint(0, 6)
            else:
                fields["flag"] = rng.random() < 0.5
            IndicatorResult.objects.create(
                version=drafted,
                indicator=indicator,
                unit=world.bureau,
                person=person,
                year=2026,
                quarter=1,
                **fields,
            )
    members = inputs.members_on(world.region.pk, Period(2026, 1).end)
    parts = indicator_parts(world.region.pk, members, Period(2026, 1))

    checked = 0
    for person in people:
        if not IndicatorResult.objects.filter(person=person, quarter=1).exists():
            continue
        assert parts[person.pk] == _reference(drafted, person), person.name
        checked += 1
    assert checked >= 3


def _reference(version: SchemeVersion, person: Person) -> object:
    """The person's indicator part as roll_up scores their unit's own tree."""
    from kaohe.schemes.rollup import Entry, Node, roll_up
    from kaohe.scoring.engine import Adjustment
    from kaohe.scoring.trees import Tree

    nodes = [
        Node(
            str(i.pk),
            str(i.parent_id) if i.parent_id else None,
            i.name,
            i.kind,
            i.max_points,
            i.per_occurrence,
            i.cap,
            i.weight,
            i.position,
        )
        for i in version.indicators.order_by("position", "id")
        if not i.auto_source
    ]
    adjusting = [n for n in nodes if n.parent is None and n.kind in ("deduction", "bonus")]
    base = [n for n in nodes if n not in adjusting]
    entries = {
        str(r.indicator_id): Entry(r.value, r.occurrences, r.flag)
        for r in IndicatorResult.objects.filter(person=person, quarter=1)
    }
    reference = roll_up(base, entries)
    alone = [(n, roll_up([n], entries).scores[n.key]) for n in adjusting]
    return (
        reference.total / Tree(base).top_max * 100,
        tuple(Adjustment(n.name, s.score, s.detail) for n, s in alone if s.score),
        tuple(reference.vetoed),
    )


def test_units_of_different_shapes_are_each_scored_by_their_own_tree(
    world: World, template: SchemeVersion, drafted: SchemeVersion
) -> None:
    """Two units drafted from one template, one of them with its own maxima: two
    shapes in one region, each person scored by their unit's tree (33 points for
    完成任务 are clipped to 30 in the bureau, not in the town)."""
    approve(world, drafted)
    admin = world.users["region_admin"]
    town = scheme_services.unit_scheme_create(
        actor=admin, template=template, unit=world.town, year=2026
    )
    scheme_services.indicator_update(
        actor=admin, indicator=by_name(town, "完成任务"), data={"max_points": "35"}
    )
    scheme_services.indicator_update(
        actor=admin, indicator=by_name(town, "工作质量"), data={"max_points": "15"}
    )
    scheme_services.version_submit(actor=admin, version=town)
    scheme_services.version_approve(actor=admin, version=town)
    for key, unit, version in (("cadre", world.bureau, drafted), ("town_cadre", world.town, town)):
        for name, value in (("完成任务", "33"), ("工作质量", "12"), ("政治表现", "9")):
            IndicatorResult.objects.create(
                version=version,
                indicator=by_name(version, name),
                unit=unit,
                person=world.people[key],
                year=2026,
                quarter=1,
                value=Decimal(value),
            )
    members = inputs.members_on(world.region.pk, Period(2026, 1).end)
    parts = indicator_parts(world.region.pk, members, Period(2026, 1))
    assert parts[world.people["cadre"].pk] == _reference(drafted, world.people["cadre"])
    assert parts[world.people["town_cadre"].pk] == _reference(town, world.people["town_cadre"])
    assert parts[world.people["cadre"].pk] != parts[world.people["town_cadre"].pk]
