"""The unit's year (P2): months to year with the weights, the year-end entry, overrides
with their reason, the lock once the cadres' year is confirmed, the audit."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kaohe.accounts.errors import AccountErrorCode
from kaohe.core.errors import CoreErrorCode
from kaohe.core.models import AuditEvent
from kaohe.performance import services
from kaohe.performance.errors import PerformanceErrorCode
from kaohe.performance.models import PerformancePolicy, UnitYearResult
from kaohe.performance.selectors import unit_year_scores
from kaohe.performance.tests.year_fixtures import YEAR, publish_month
from kaohe.scoring.models import AnnualRun, RunState
from kaohe.testing import World, refused

pytestmark = pytest.mark.django_db
D = Decimal


def _year_end(world: World, scores: dict[int, Decimal | None], category_id: int) -> int:
    shown = dict(
        UnitYearResult.objects.filter(year=YEAR, unit_id__in=list(scores)).values_list(
            "unit_id", "year_end"
        )
    )
    return services.year_end_scores_save(
        actor=world.users["region_admin"],
        region=world.region,
        year=YEAR,
        category_id=category_id,
        scores=scores,
        shown={u: shown.get(u) for u in scores},
    )


def test_months_to_year_with_the_weights_and_ranks(categorized: World) -> None:
    w = categorized
    PerformancePolicy.objects.create(region=w.region, months_weight=60, year_end_weight=40)
    publish_month(w, 1, {w.bureau: D(90), w.town: D(80), w.centre: D(70)})
    publish_month(w, 2, {w.bureau: D(86), w.town: D(84)})  # the centre has no score
    publish_month(w, 3, {w.bureau: D(10), w.town: D(10)}, published=False)  # not counted
    category = w.bureau.performance_category_id
    assert category is not None
    _year_end(w, {w.bureau.pk: D(80), w.town.pk: D(95)}, category)
    _year_end(w, {w.centre.pk: D(75)}, w.centre.performance_category_id or 0)
    n = services.unit_years_compute(actor=w.users["region_admin"], region=w.region, year=YEAR)
    assert n == 3
    rows = {r.unit_id: r for r in UnitYearResult.objects.filter(year=YEAR)}
    bureau, town, centre = rows[w.bureau.pk], rows[w.town.pk], rows[w.centre.pk]
    # Bureau: (90 + 86) / 2 = 88 × 60% + 80 × 40% = 52.8 + 32 = 84.80
    assert (bureau.months_average, bureau.months_counted, bureau.computed) == (D(88), 2, D("84.80"))
    # Town: 82 × 60% + 95 × 40% = 49.2 + 38 = 87.20, first in A
    assert town.computed == D("87.20") and (town.rank, bureau.rank) == (1, 2)
    # Centre: one month counted (70) × 60% + 75 × 40% = 42 + 30 = 72.00, first in B
    assert (centre.months_counted, centre.computed, centre.rank) == (1, D("72.00"), 1)
    assert unit_year_scores(region_id=w.region.pk, year=YEAR) == {
        w.bureau.pk: D("84.80"),
        w.town.pk: D("87.20"),
        w.centre.pk: D("72.00"),
    }
    assert AuditEvent.objects.filter(action="performance.year.compute").count() == 1


def test_a_unit_without_a_year_end_score_has_no_computed_result(categorized: World) -> None:
    w = categorized
    publish_month(w, 1, {w.bureau: D(90), w.town: D(80)})
    services.unit_years_compute(actor=w.users["region_admin"], region=w.region, year=YEAR)
    bureau = UnitYearResult.objects.get(unit=w.bureau, year=YEAR)
    assert bureau.months_average == D(90) and bureau.computed is None and bureau.rank is None
    assert unit_year_scores(region_id=w.region.pk, year=YEAR) == {}


def test_the_year_end_grid_is_all_or_nothing_and_refuses_a_stale_save(categorized: World) -> None:
    w = categorized
    office = w.users["region_admin"]
    a = w.bureau.performance_category_id or 0
    with refused(PerformanceErrorCode.YEAR_BAD_SCORE):
        _year_end(w, {w.bureau.pk: D(90), w.town.pk: D(101)}, a)
    assert not UnitYearResult.objects.exists()  # the bureau's good score not saved either
    with refused(PerformanceErrorCode.YEAR_UNKNOWN_UNIT):
        _year_end(w, {w.centre.pk: D(90)}, a)  # the centre is in B
    _year_end(w, {w.bureau.pk: D(90), w.town.pk: None}, a)
    # A page opened before that save still shows the bureau empty: refused whole.
    with refused(PerformanceErrorCode.YEAR_STALE):
        services.year_end_scores_save(
            actor=office,
            region=w.region,
            year=YEAR,
            category_id=a,
            scores={w.bureau.pk: D(70), w.town.pk: D(80)},
            shown={w.bureau.pk: None, w.town.pk: None},
        )
    assert UnitYearResult.objects.get(unit=w.bureau).year_end == D(90)
    assert UnitYearResult.objects.get(unit=w.town).year_end is None
    with refused(AccountErrorCode.NOT_REGION_OFFICE):
        services.year_end_scores_save(
            actor=w.users["unit_admin"],
            region=w.region,
            year=YEAR,
            category_id=a,
            scores={w.bureau.pk: D(99)},
            shown={w.bureau.pk: D(90)},
        )


def test_an_override_needs_its_reason_and_stands_until_removed(categorized: World) -> None:
    w = categorized
    office = w.users["region_admin"]
    publish_month(w, 1, {w.bureau: D(90), w.town: D(80)})
    a = w.bureau.performance_category_id or 0
    _year_end(w, {w.bureau.pk: D(90), w.town.pk: D(80)}, a)
    for reason in ("", "   ", "调整"):
        with refused(PerformanceErrorCode.OVERRIDE_NEEDS_REASON):
            services.unit_year_override_set(
                actor=office,
                region=w.region,
                unit_id=w.town.pk,
                year=YEAR,
                score=D(95),
                reason=reason,
            )
    with refused(PerformanceErrorCode.YEAR_BAD_SCORE):
        services.unit_year_override_set(
            actor=office,
            region=w.region,
            unit_id=w.town.pk,
            year=YEAR,
            score=D(-1),
            reason="经考核委员会研究",
        )
    with refused(PerformanceErrorCode.YEAR_UNKNOWN_UNIT):
        services.unit_year_override_set(
            actor=office,
            region=w.region,
            unit_id=w.foreign_unit.pk,
            year=YEAR,
            score=D(95),
            reason="经考核委员会研究",
        )
    row = services.unit_year_override_set(
        actor=office,
        region=w.region,
        unit_id=w.town.pk,
        year=YEAR,
        score=D(95),
        reason="经考核委员会研究决定",
    )
    assert (row.computed, row.final, row.override_by, row.rank) == (D("80.00"), D(95), office, 1)
    assert UnitYearResult.objects.get(unit=w.bureau).rank == 2
    assert unit_year_scores(region_id=w.region.pk, year=YEAR)[w.town.pk] == D(95)
    # Recomputing leaves the override standing.
    services.unit_years_compute(actor=office, region=w.region, year=YEAR)
    assert UnitYearResult.objects.get(unit=w.town).final == D(95)
    event = AuditEvent.objects.get(action="performance.year.override")
    assert (
        event.details["reason"] == "经考核委员会研究决定" and event.details["unit"] == w.town.name
    )
    services.unit_year_override_remove(actor=office, region=w.region, unit_id=w.town.pk, year=YEAR)
    town = UnitYearResult.objects.get(unit=w.town)
    assert (town.override, town.override_reason, town.final, town.rank) == (None, "", D("80.00"), 2)
    with refused(PerformanceErrorCode.OVERRIDE_MISSING):
        services.unit_year_override_remove(
            actor=office, region=w.region, unit_id=w.town.pk, year=YEAR
        )
    assert AuditEvent.objects.filter(action="performance.year.override_remove").count() == 1


def test_a_confirmed_cadres_year_locks_the_units_year(categorized: World) -> None:
    w = categorized
    office = w.users["region_admin"]
    AnnualRun.objects.create(region=w.region, year=YEAR, state=RunState.CONFIRMED)
    with refused(PerformanceErrorCode.YEAR_LOCKED):
        services.unit_years_compute(actor=office, region=w.region, year=YEAR)
    with refused(PerformanceErrorCode.YEAR_LOCKED):
        services.unit_year_override_set(
            actor=office,
            region=w.region,
            unit_id=w.town.pk,
            year=YEAR,
            score=D(95),
            reason="经考核委员会研究",
        )
    with refused(PerformanceErrorCode.YEAR_LOCKED):
        services.unit_year_mark_record(
            actor=office,
            region=w.region,
            unit_id=w.town.pk,
            year=YEAR,
            kind="incentive",
            reason="区委通报〔2026〕3号",
        )
    # Another year is not locked.
    services.unit_years_compute(actor=office, region=w.region, year=YEAR + 1)
    AnnualRun.objects.update(state=RunState.COMPUTED)
    services.unit_years_compute(actor=office, region=w.region, year=YEAR)


def test_the_compute_reads_a_fixed_number_of_queries(
    categorized: World, django_assert_max_num_queries: object
) -> None:
    from kaohe.org.models import Unit

    w = categorized
    extra = [
        Unit.objects.create(
            region=w.region,
            name=f"单位{i}",
            code=f"X{i:03d}",
            path=f"9{i:03d}/",
            performance_category_id=w.bureau.performance_category_id,
        )
        for i in range(30)
    ]
    publish_month(w, 1, {u: D(80 + i % 10) for i, u in enumerate(extra)})
    publish_month(w, 2, {u: D(85) for u in extra})
    with django_assert_max_num_queries(14):  # type: ignore[operator]
        services.unit_years_compute(actor=w.users["region_admin"], region=w.region, year=YEAR)
    assert UnitYearResult.objects.filter(year=YEAR).count() == 33


def test_marks_need_a_citation_and_are_audited(categorized: World) -> None:
    w = categorized
    office = w.users["region_admin"]
    with refused(PerformanceErrorCode.MARK_NEEDS_CITATION):
        services.unit_year_mark_record(
            actor=office,
            region=w.region,
            unit_id=w.town.pk,
            year=YEAR,
            kind="incentive",
            reason=" ",
        )
    with refused(PerformanceErrorCode.MARK_BAD_KIND):
        services.unit_year_mark_record(
            actor=office,
            region=w.region,
            unit_id=w.town.pk,
            year=YEAR,
            kind="x",
            reason="区委通报〔2026〕3号",
        )
    with refused(CoreErrorCode.INVISIBLE_CHARACTERS):
        services.unit_year_mark_record(
            actor=office,
            region=w.region,
            unit_id=w.town.pk,
            year=YEAR,
            kind="incentive",
            reason="区委\u200b通报〔2026〕3号",
        )
    mark = services.unit_year_mark_record(
        actor=office,
        region=w.region,
        unit_id=w.town.pk,
        year=YEAR,
        kind="incentive",
        reason="区委通报〔2026〕3号",
    )
    with refused(PerformanceErrorCode.YEAR_UNKNOWN_UNIT):
        services.unit_year_mark_remove(
            actor=w.users["other_admin"], region=w.other_region, mark_id=mark.pk
        )
    services.unit_year_mark_remove(actor=office, region=w.region, mark_id=mark.pk)
    assert list(
        AuditEvent.objects.filter(action__startswith="performance.year.mark")
        .values_list("action", flat=True)
        .order_by("pk")
    ) == [
        "performance.year.mark",
        "performance.year.mark_remove",
    ]
