"""A month's roll-up, ranking, reward list and publish (issue 18, P1)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import AbstractContextManager
from decimal import Decimal

import pytest

from kaohe.core.models import Notification
from kaohe.performance import rules, selectors, services
from kaohe.performance.errors import PerformanceErrorCode
from kaohe.performance.models import (
    MonthEntry,
    PerformanceMonth,
    PerformancePolicy,
    UnitMonthResult,
)
from kaohe.performance.tests.helpers import Months, cells, setup_months
from kaohe.testing import World, refused

pytestmark = pytest.mark.django_db


@pytest.fixture
def m(world: World) -> Months:
    return setup_months(world)


def _save(world: World, m: Months, posted: dict[str, str]) -> int:
    units = [world.bureau.pk, world.centre.pk, world.town.pk]
    return services.month_scores_save(
        actor=world.users["region_admin"],
        month=m.month,
        category=m.category,
        unit_ids=units,
        cells=posted,
        stamp=selectors.grid_stamp(m.month, m.category.pk),
    )


def _results(m: Months) -> dict[int, UnitMonthResult]:
    return {r.unit_id: r for r in UnitMonthResult.objects.filter(month=m.month)}


def test_roll_up_of_scored_add_deduct_and_public(world: World, m: Months) -> None:
    # bureau: 35 + 18 (group 53) + bonus 3 − 2 × 2 deduction + 民评 12.5 = 64.5
    posted = cells(m, world.bureau, invest="35", project="18", bonus="3", deduct="2")
    posted |= cells(m, world.bureau, public="12.5", evidence="2026年10月群众满意度测评")
    # centre: 40 + 20 and the bonus at its cap, no 民评
    posted |= cells(m, world.centre, invest="40", project="20", bonus="5")
    # town: 30 + 10, a deduction of 5 × 2 = 10 (at the cap)
    posted |= cells(m, world.town, invest="30", project="10", deduct="5")
    assert _save(world, m, posted) == 10
    services.month_compute(
        actor=world.users["region_admin"], month=m.month, deductions={world.town.pk: Decimal("1.5")}
    )
    r = _results(m)
    assert r[world.bureau.pk].score == Decimal("64.50")
    assert r[world.centre.pk].score == Decimal("65.00")
    assert r[world.town.pk].score == Decimal("28.50")  # 40 − 10 − 1.5 (other sources)
    assert [r[u.pk].rank for u in (world.centre, world.bureau, world.town)] == [1, 2, 3]
    assert all(x.category_id == m.category.pk for x in r.values())


def test_ties_share_a_rank_and_the_reward_list_takes_them_all(world: World, m: Months) -> None:
    PerformancePolicy.objects.create(region=world.region, reward_places=1)
    posted = cells(m, world.bureau, invest="30")
    posted |= cells(m, world.centre, invest="30")
    posted |= cells(m, world.town, invest="20")
    _save(world, m, posted)
    services.month_compute(actor=world.users["region_admin"], month=m.month)
    r = _results(m)
    assert (r[world.bureau.pk].rank, r[world.centre.pk].rank, r[world.town.pk].rank) == (1, 1, 3)
    assert r[world.bureau.pk].rewarded and r[world.centre.pk].rewarded
    assert not r[world.town.pk].rewarded
    lines = selectors.rewards(world.users["region_admin"], m.month)
    assert [line.unit_id for line in lines] == sorted(
        [world.bureau.pk, world.centre.pk], key=lambda pk: [x.unit_id for x in lines].index(pk)
    )
    assert len(lines) == 2


def test_ranked_is_competition_ranking() -> None:
    s = [
        rules.UnitScore(u, 1, Decimal(0), Decimal(0), Decimal(0), Decimal(v))
        for u, v in ((1, 90), (2, 95), (3, 90), (4, 80), (5, 95))
    ]
    out = {x.unit_id: (x.rank, x.rewarded) for x in rules.ranked(s, 2)}
    assert out == {2: (1, True), 5: (1, True), 1: (3, False), 3: (3, False), 4: (5, False)}


def test_bad_cells_save_nothing(world: World, m: Months) -> None:
    posted = cells(m, world.bureau, invest="35")
    posted |= cells(m, world.centre, invest="41", bonus="x")
    posted |= cells(m, world.town, public="16", evidence="")
    with refused(PerformanceErrorCode.CELLS_INVALID) as caught:
        _save(world, m, posted)
    assert len(caught.value.problems) == 3
    assert not MonthEntry.objects.exists()


def test_public_points_need_evidence(world: World, m: Months) -> None:
    with refused(PerformanceErrorCode.CELLS_INVALID):
        _save(world, m, cells(m, world.bureau, public="10"))


def test_a_stale_page_is_refused(world: World, m: Months) -> None:
    stamp = selectors.grid_stamp(m.month, m.category.pk)
    _save(world, m, cells(m, world.bureau, invest="35"))
    with refused(PerformanceErrorCode.STALE):
        services.month_scores_save(
            actor=world.users["region_admin"],
            month=m.month,
            category=m.category,
            unit_ids=[world.bureau.pk],
            cells=cells(m, world.bureau, invest="36"),
            stamp=stamp,
        )


def test_publish_needs_a_fresh_computation_then_tells_the_units(world: World, m: Months) -> None:
    admin = world.users["region_admin"]
    with refused(PerformanceErrorCode.MONTH_NOT_COMPUTED):
        services.month_publish(actor=admin, month=m.month)
    services.month_compute(actor=admin, month=m.month)
    _save(world, m, cells(m, world.bureau, invest="35"))  # drops the category's results
    with refused(PerformanceErrorCode.MONTH_NOT_COMPUTED):
        services.month_publish(actor=admin, month=m.month)
    services.month_compute(actor=admin, month=m.month)
    services.month_publish(actor=admin, month=m.month)
    m.month.refresh_from_db()
    assert m.month.state == PerformanceMonth.State.PUBLISHED
    assert Notification.objects.filter(user=world.users["unit_admin"]).exists()
    assert not Notification.objects.filter(user=world.users["cadre"]).exists()
    with refused(PerformanceErrorCode.MONTH_PUBLISHED):
        services.month_compute(actor=admin, month=m.month)
    with refused(PerformanceErrorCode.MONTH_PUBLISHED):
        _save(world, m, cells(m, world.bureau, invest="30"))


def test_only_the_office_computes(world: World, m: Months) -> None:
    with refused(PerformanceErrorCode.NOT_OFFICE):
        services.month_compute(actor=world.users["unit_admin"], month=m.month)
    with refused(PerformanceErrorCode.NOT_OFFICE):
        services.month_open(
            actor=world.users["other_admin"], region_id=world.region.pk, year=2026, month=11
        )


def test_a_category_without_system_is_named(world: World, m: Months) -> None:
    from kaohe.org.models import PerformanceCategory

    b1 = PerformanceCategory.objects.get(region=world.region, name="B1")
    world.town.performance_category = b1
    world.town.save()
    with refused(PerformanceErrorCode.NO_SYSTEM):
        services.month_compute(actor=world.users["region_admin"], month=m.month)


def test_compute_is_a_few_queries(
    world: World,
    m: Months,
    django_assert_max_num_queries: Callable[[int], AbstractContextManager[object]],
) -> None:
    _save(world, m, cells(m, world.bureau, invest="35"))
    # Whatever the number of units (two of them the ledger's deductions: its rules and
    # the overdue findings counted per unit; one the month's closed public surveys).
    with django_assert_max_num_queries(19):
        services.month_compute(actor=world.users["region_admin"], month=m.month)


def test_overdue_findings_of_the_ledger_are_deducted_from_the_month(
    world: World, m: Months
) -> None:
    """The supervision ledger feeds the month (issue 18, R8): a serious finding overdue
    at the month's end costs its unit 1 point, struck off in time it costs nothing."""
    from kaohe.supervision.models import Finding, SupervisionGroup

    _save(world, m, cells(m, world.bureau, invest="35"))
    services.month_compute(actor=world.users["region_admin"], month=m.month)
    before = UnitMonthResult.objects.get(month=m.month, unit=world.bureau).score
    group = SupervisionGroup.objects.create(region=world.region, name="第一督导组")
    last = dt.date(m.month.year, m.month.month, 1) + dt.timedelta(days=40)
    last = last.replace(day=1) - dt.timedelta(days=1)
    for severity, struck in (("serious", None), ("general", last - dt.timedelta(days=1))):
        Finding.objects.create(
            region=world.region,
            group=group,
            unit=world.bureau,
            category="scheme",
            severity=severity,
            description="整改不到位",
            found_on=last - dt.timedelta(days=30),
            deadline=last - dt.timedelta(days=10),
            struck_off_on=struck,
        )
    _save(world, m, cells(m, world.bureau, invest="35"))  # a save asks for a recompute
    services.month_compute(actor=world.users["region_admin"], month=m.month)
    after = UnitMonthResult.objects.get(month=m.month, unit=world.bureau).score
    assert before - after == Decimal("1.00")


def test_a_veto_or_a_failed_item_bars_the_reward_not_the_rank(world: World, m: Months) -> None:
    """一票否决 in a unit's month: the bureau scores highest of category B but its veto is
    ticked, so it keeps rank 1 and is off the reward list; the centre, which failed a
    pass/fail item, too; the town is rewarded."""
    from kaohe.org.models import PerformanceCategory, Unit
    from kaohe.schemes import services as schemes

    admin = world.users["region_admin"]
    category = PerformanceCategory.objects.get(region=world.region, name="B1")
    Unit.objects.filter(region=world.region).update(performance_category=category)
    version = schemes.template_create(
        actor=admin,
        region=world.region,
        name="B1类单位绩效指标体系",
        year=2026,
        performance_category=category,
    )
    work = schemes.indicator_add(
        actor=admin,
        version=version,
        parent=None,
        data={"name": "重点工作", "kind": "scored", "max_points": "100"},
    )
    veto = schemes.indicator_add(
        actor=admin,
        version=version,
        parent=None,
        data={"name": "安全生产事故", "kind": "veto", "module": "negative"},
    )
    check = schemes.indicator_add(
        actor=admin,
        version=version,
        parent=None,
        data={"name": "按时报送", "kind": "pass_fail", "module": "common"},
    )
    schemes.version_approve(actor=admin, version=version)
    posted = {
        f"c-{world.bureau.pk}-{work.pk}": "95",
        f"c-{world.bureau.pk}-{veto.pk}": "是",
        f"c-{world.centre.pk}-{work.pk}": "90",
        f"c-{world.centre.pk}-{check.pk}": "否",
        f"c-{world.town.pk}-{work.pk}": "80",
        f"c-{world.town.pk}-{check.pk}": "是",
    }
    services.month_scores_save(
        actor=admin,
        month=m.month,
        category=category,
        unit_ids=[world.bureau.pk, world.centre.pk, world.town.pk],
        cells=posted,
        stamp=selectors.grid_stamp(m.month, category.pk),
    )
    services.month_compute(actor=admin, month=m.month)
    got = {
        r.unit_id: (r.rank, r.rewarded)
        for r in UnitMonthResult.objects.filter(month=m.month, category=category)
    }
    assert got == {
        world.bureau.pk: (1, False),
        world.centre.pk: (2, False),
        world.town.pk: (3, True),
    }
