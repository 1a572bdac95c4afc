"""The year's facts are cached for the year plan and the scoring overview
(guards.year_facts): every service that writes one of them forgets them, so the next
read sees the write. Each test reads (and caches), writes through the service, reads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib.admin import site
from django.test import Client, RequestFactory
from django.urls import reverse
from pytest_django.fixtures import DjangoAssertNumQueries, Settings

from kaohe.core import cache as region_cache
from kaohe.core.audit_actions import AuditAction
from kaohe.org import services as org_services
from kaohe.org.models import LeadershipRole, UnitKind, UnitType
from kaohe.performance import services as performance_services
from kaohe.reviews import services as review_services
from kaohe.reviews.models import ReviewRound, RoundState, RoundUnit
from kaohe.reviews.tests.fixtures import bureau_unit
from kaohe.schemes import entry, evidence
from kaohe.schemes import services as scheme_services
from kaohe.schemes.models import SchemeVersion
from kaohe.scoring import guards, services
from kaohe.scoring.models import QuarterRun, RunState
from kaohe.scoring.tests.test_quarter import _ballots, shown_of
from kaohe.testing import World, _place
from kaohe.worklogs.rules import Period

pytestmark = pytest.mark.django_db
Q1 = Period(2026, 1)


def cached(world: World) -> guards.YearFacts:
    """The year as the pages read it; the first call in a test stores it."""
    return guards.year_facts(world.region.pk, 2026)


@pytest.fixture
def settled(settings: Settings) -> None:
    """The fixtures' writes as committed: their forgets no longer hold the keys back."""
    settings.KAOHE_TODAY = dt.date(2026, 4, 5)
    region_cache.reset()


def test_a_cached_year_is_served_without_queries(
    big: World, q1: ReviewRound, settled: None, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    first = cached(big)
    with django_assert_num_queries(0):
        again = cached(big)
        assert again.turnouts[q1.pk].expected == first.turnouts[q1.pk].expected
        guards.quarter_blockers(big.region.pk, 2026, 1, again)
        guards.annual_blockers(big.region.pk, 2026, again)
        assert again.unit_order


# ---------------------------------------------------------------- org


def test_a_unit_and_a_membership_are_seen(big: World, settled: None) -> None:
    assert len(cached(big).unit_order) == 3
    unit = org_services.unit_create(
        actor=None,
        region=big.region,
        name="测试单位",
        code="X001",
        unit_type=UnitType.DISTRICT_UNIT,
        unit_kind=UnitKind.ADMINISTRATIVE,
    )
    assert unit.pk not in cached(big).unit_order
    region_cache.reset()
    cached(big)
    _place(big, "x", "新人", unit, LeadershipRole.STAFF, "一般干部")
    assert unit.pk in cached(big).unit_order


# ---------------------------------------------------------------- reviews


def test_a_round_created_opened_extended_and_closed_is_seen(big: World, settled: None) -> None:
    office = big.users["region_admin"]
    assert cached(big).period_rounds(1) == []
    round_ = review_services.round_create(
        actor=office,
        region=big.region,
        year=2026,
        number=1,
        starts_on=dt.date(2026, 4, 1),
        ends_on=dt.date(2026, 4, 10),
    )
    assert [r.state for r in cached(big).period_rounds(1)] == [RoundState.DRAFT]
    for step in ("open", "extend", "close"):
        region_cache.reset()
        cached(big)
        if step == "open":
            review_services.round_open(actor=office, round_=round_)
        elif step == "extend":
            review_services.round_extend(
                actor=office, round_=round_, ends_on=dt.date(2026, 4, 12), reason="延长投票"
            )
        else:
            review_services.round_close(actor=office, round_=round_)
        (seen,) = cached(big).period_rounds(1)
        assert (seen.state, seen.ends_on) == (round_.state, round_.ends_on), step


def test_a_ballot_is_seen_in_the_turnout(big: World, q1: ReviewRound, settled: None) -> None:
    assert cached(big).turnouts[q1.pk].ballots_in == 0
    ru = bureau_unit(q1, big)
    _ballots(big, ru, {})
    assert cached(big).turnouts[q1.pk].ballots_in == 12


def test_outside_raters_proposed_and_approved_are_seen(
    big: World, q1: ReviewRound, settled: None
) -> None:
    town = RoundUnit.objects.get(round=q1, unit=big.town)
    office = big.users["region_admin"]
    assert cached(big).turnouts[q1.pk].by_unit[big.town.pk] == (0, 0)
    raters = [big.people[k] for k in ("b0", "b1", "b2")]
    review_services.extra_raters_propose(
        actor=office, round_unit=town, people=raters, note="同属就业条线"
    )
    region_cache.reset()
    assert cached(big).turnouts[q1.pk].by_unit[big.town.pk] == (0, 0)  # proposed only
    review_services.extra_raters_decide(actor=office, round_unit=town, approve=True, note="同意")
    assert cached(big).turnouts[q1.pk].by_unit[big.town.pk] == (0, 2 + 3)


# ---------------------------------------------------------------- schemes


def test_a_declaration_is_seen(big: World, settled: None) -> None:
    assert cached(big).entries[1] == (set(), set())
    scheme_services.entry_declare_empty(
        actor=big.users["region_admin"], unit=big.town, year=2026, quarter=1, reason="本季度无指标"
    )
    assert cached(big).entries[1] == (set(), {big.town.pk})


def test_results_saved_and_evidence_linked_are_seen(
    world: World, drafted: SchemeVersion, settings: Settings
) -> None:
    from kaohe.schemes.tests.test_evidence import indicator, logs, q1_days

    scheme_services.version_submit(actor=world.users["unit_admin"], version=drafted)
    scheme_services.version_approve(actor=world.users["region_admin"], version=drafted)
    settings.KAOHE_TODAY = dt.date(2026, 4, 30)
    region_cache.reset()
    head, cadre = world.users["unit_head"], world.people["cadre"]
    task = indicator(drafted, "完成任务")
    assert cached(world).entries[1][0] == set()
    # Evidence linked to an empty cell makes its result row; unlinked, the row goes.
    (log,) = logs(world, cadre, q1_days(1))
    cell = evidence.evidence_cell(head, world.bureau.pk, Q1, cadre.pk, task.pk)
    evidence.evidence_set(actor=head, cell=cell, shown=[log.pk], ticked=[log.pk])
    assert cached(world).entries[1][0] == {world.bureau.pk}
    region_cache.reset()
    assert cached(world).entries[1][0] == {world.bureau.pk}
    cell = evidence.evidence_cell(head, world.bureau.pk, Q1, cadre.pk, task.pk)
    evidence.evidence_set(actor=head, cell=cell, shown=[log.pk], ticked=[])
    assert cached(world).entries[1][0] == set()
    region_cache.reset()
    assert cached(world).entries[1][0] == set()
    grid = entry.entry_grid(head, world.bureau.pk, Q1)
    entry.results_save(actor=head, grid=grid, cells={(cadre.pk, task.pk): "0"})
    assert cached(world).entries[1][0] == {world.bureau.pk}


# ---------------------------------------------------------------- scoring


def test_a_computed_quarter_and_a_proposal_are_seen(
    big: World, graded: QuarterRun, settled: None
) -> None:
    run = graded
    assert cached(big).runs[1].pk == run.pk
    assert big.bureau.pk not in cached(big).run_units[run.pk].proposed
    top = run.results.filter(grade="good", unit=big.bureau).order_by("rank_in_unit").first()
    assert top is not None
    services.quarter_propose(
        actor=big.users["unit_head"],
        run=run,
        changes={top.pk: ("fairly_good", "年内受到诫勉")},
        shown=shown_of(run),
    )
    assert big.bureau.pk in cached(big).run_units[run.pk].proposed


def test_a_quarter_confirmed_published_and_reopened_is_seen(
    big: World, graded: QuarterRun, settled: None
) -> None:
    office = big.users["region_admin"]
    run = graded
    run.results.filter(tie=True).update(change_reason="经研究确定")
    assert cached(big).runs[1].state == RunState.COMPUTED
    services.quarter_confirm(actor=office, run=run)
    assert cached(big).runs[1].state == RunState.CONFIRMED
    region_cache.reset()
    cached(big)
    run.refresh_from_db()
    services.quarter_publish(actor=office, run=run, confirmation=guards.publish_token(run))
    assert cached(big).runs[1].state == RunState.PUBLISHED
    region_cache.reset()
    cached(big)
    services._supersede(office, run, "补录指标结果", AuditAction.SCORING_QUARTER_REOPEN)
    assert 1 not in cached(big).runs


def test_a_quarter_computed_is_seen(big: World, graded: QuarterRun, settled: None) -> None:
    QuarterRun.objects.all().delete()  # as if never computed; then through the service
    region_cache.reset()
    assert cached(big).runs == {}
    services.quarter_compute(
        actor=big.users["region_admin"],
        region=big.region,
        year=2026,
        quarter=1,
        today=dt.date(2026, 4, 30),
    )
    assert 1 in cached(big).runs


def test_a_unit_year_result_overridden_or_removed_is_seen(big: World, settled: None) -> None:
    """The units' year results are written by performance's services (the admin entry
    is gone); each forgets the cached year, as the admin signal did."""
    office = big.users["region_admin"]
    assert cached(big).scored == set()
    performance_services.unit_year_override_set(
        actor=office,
        region=big.region,
        unit_id=big.bureau.pk,
        year=2026,
        score=Decimal(90),
        reason="录入的单位年度综合结果",
    )
    assert cached(big).scored == {big.bureau.pk}
    region_cache.reset()
    cached(big)
    performance_services.unit_year_override_remove(
        actor=office, region=big.region, unit_id=big.bureau.pk, year=2026
    )
    assert cached(big).scored == set()


def test_a_rounds_dates_edited_in_the_admin_are_seen(big: World, settled: None) -> None:
    round_ = review_services.round_create(
        actor=big.users["region_admin"],
        region=big.region,
        year=2026,
        number=2,
        starts_on=dt.date(2026, 7, 1),
        ends_on=dt.date(2026, 7, 10),
    )
    region_cache.reset()
    assert cached(big).period_rounds(2)[0].ends_on == dt.date(2026, 7, 10)
    request = RequestFactory().post("/")
    request.user = big.users["region_admin"]
    round_.ends_on = dt.date(2026, 7, 15)
    site._registry[ReviewRound].save_model(
        request, round_, SimpleNamespace(changed_data=["ends_on"]), True
    )
    assert cached(big).period_rounds(2)[0].ends_on == dt.date(2026, 7, 15)


def test_the_plan_and_the_overview_read_few_queries_once_cached(
    big: World, graded: QuarterRun, settled: None, client_as: Callable[[str], Client]
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_as("region_admin")
    for url in ("/plan/2026/", reverse("scoring:overview")):
        client.get(url)
        with CaptureQueriesContext(connection) as warm:
            assert client.get(url).status_code == 200
        sql = " ".join(q["sql"] for q in warm.captured_queries)
        for table in ("reviews_", "schemes_", "scoring_", "org_membership"):
            assert table not in sql, (url, table)


def test_a_policy_edited_in_the_admin_is_seen_by_the_proposal_page(
    big: World, graded: QuarterRun, settled: None
) -> None:
    from kaohe.scoring import selectors
    from kaohe.scoring.models import ScoringPolicy

    head = big.users["unit_head"]

    def places() -> int:
        _run, _unit, _results, counters = selectors.unit_proposal(head, graded.pk, big.bureau.pk)
        return sum(c.limit for c in counters.values())

    before = places()
    policy = ScoringPolicy.objects.get(region=big.region)
    policy.good_share = Decimal("0.10")
    request = RequestFactory().post("/")
    request.user = big.users["region_admin"]
    site._registry[ScoringPolicy].save_model(
        request, policy, SimpleNamespace(changed_data=["good_share"]), True
    )
    assert places() < before
