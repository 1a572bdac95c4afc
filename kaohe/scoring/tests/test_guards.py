"""The period guards (issue 13): a quarter is computed only after its rounds are closed
and every unit's indicators are entered or declared none; the year only after its four
quarters are published, the democratic evaluation is closed and every unit's result is
in; publishing goes through the confirmation page; a round used by a confirmed period
is not reopened. Each refusal names what is missing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from kaohe.core.models import Notification
from kaohe.reviews import services as review_services
from kaohe.reviews.errors import ReviewErrorCode
from kaohe.reviews.models import ReviewRound, RoundResult, RoundState
from kaohe.reviews.selectors import turnout
from kaohe.schemes.models import EntryDeclaration
from kaohe.scoring import guards, services
from kaohe.scoring.errors import ScoringErrorCode
from kaohe.scoring.models import AnnualRun, QuarterResult, QuarterRun, RunState
from kaohe.scoring.tests.fixtures import declare_entries, year_ready
from kaohe.scoring.tests.test_annual import publish_quarters
from kaohe.testing import World, publicity_not_required, refused
from kaohe.worklogs.rules import Period

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 4, 30)


def compute(world: World, quarter: int = 1) -> QuarterRun:
    return services.quarter_compute(
        actor=world.users["region_admin"],
        region=world.region,
        year=2026,
        quarter=quarter,
        today=TODAY,
    )


def test_a_quarter_without_a_round_is_refused_naming_the_quarter(world: World) -> None:
    declare_entries(world, 2026, 1)
    with refused(ScoringErrorCode.BLOCKED, match="2026年第1季度") as caught:
        compute(world)
    assert "评议" in caught.value.message or "考评" in caught.value.message
    assert not QuarterRun.objects.exists()


def test_a_quarter_is_not_computed_while_its_round_is_open(big: World, q1: ReviewRound) -> None:
    declare_entries(big, 2026, 1)
    blockers = guards.quarter_blockers(big.region.pk, 2026, 1)
    assert len(blockers) == 1 and blockers[0].url == reverse("reviews:round", args=[q1.pk])
    with refused(ScoringErrorCode.BLOCKED) as caught:
        compute(big)
    message = caught.value.message
    # The open round by name, and how many ballots are outstanding (no one voted yet).
    expected = turnout(q1).expected
    assert str(q1) in message and f"{expected} 张" in message and "2026-04-10" in message
    assert not QuarterRun.objects.exists()


def test_a_draft_round_blocks_too(big: World) -> None:
    round_ = review_services.round_create(
        actor=big.users["region_admin"],
        region=big.region,
        year=2026,
        number=2,
        starts_on=dt.date(2026, 7, 1),
        ends_on=dt.date(2026, 7, 10),
    )
    declare_entries(big, 2026, 2)
    with refused(ScoringErrorCode.BLOCKED, match=str(round_)):
        compute(big, 2)


def test_units_without_entries_are_named_until_they_declare(big: World, graded: QuarterRun) -> None:
    """The fixture's Q1 went through: every unit declared. Q2 has a closed round but
    no entries: the refusal lists the units and their number."""
    ReviewRound.objects.create(
        region=big.region,
        year=2026,
        number=2,
        state=RoundState.CLOSED,
        starts_on=dt.date(2026, 7, 1),
        ends_on=dt.date(2026, 7, 10),
    )
    with refused(ScoringErrorCode.BLOCKED) as caught:
        compute(big, 2)
    message = caught.value.message
    assert "3 个单位" in message
    for name in ("区人力资源和社会保障局", "区就业服务中心", "城关镇"):
        assert name in message
    declare_entries(big, 2026, 2)
    EntryDeclaration.objects.filter(quarter=2, unit=big.town).delete()
    with refused(ScoringErrorCode.BLOCKED) as caught:
        compute(big, 2)
    assert "1 个单位" in caught.value.message and "城关镇" in caught.value.message
    assert "区就业服务中心" not in caught.value.message
    declare_entries(big, 2026, 2)
    assert compute(big, 2).quarter == 2


def test_many_missing_units_are_counted_not_all_named(big: World) -> None:
    from kaohe.org import services as org_services
    from kaohe.org.models import LeadershipRole, UnitKind, UnitType
    from kaohe.testing import _place

    for i in range(7):
        unit = org_services.unit_create(
            actor=None,
            region=big.region,
            name=f"测试单位{i}",
            code=f"X{i:03d}",
            unit_type=UnitType.DISTRICT_UNIT,
            unit_kind=UnitKind.ADMINISTRATIVE,
        )
        _place(big, f"x{i}", f"新人{i}", unit, LeadershipRole.STAFF, "一般干部")
    period = Period(2026, 1)
    blocker = guards.entry_blocker(
        big.region.pk, period, guards.assessed_units(big.region.pk, period)
    )
    assert blocker is not None
    assert "10 个单位" in blocker.text and "另有 5 个单位" in blocker.text


def test_the_year_names_what_is_missing(big: World, graded: QuarterRun) -> None:
    office = big.users["region_admin"]
    QuarterRun.objects.filter(pk=graded.pk).update(state=RunState.PUBLISHED)
    with refused(ScoringErrorCode.BLOCKED) as caught:
        services.annual_compute(actor=office, region=big.region, year=2026)
    message = caught.value.message
    assert "2026年第2季度、2026年第3季度、2026年第4季度" in message
    assert "民主测评" in message  # none created
    assert "3 个单位" in message and "城关镇" in message  # no unit results
    assert not AnnualRun.objects.exists()


def test_the_year_waits_for_the_democratic_round_and_every_unit(
    big: World, graded: QuarterRun
) -> None:
    office = big.users["region_admin"]
    publish_quarters(big, graded)
    democratic = review_services.round_create(
        actor=office,
        region=big.region,
        year=2026,
        number=1,
        starts_on=dt.date(2026, 12, 20),
        ends_on=dt.date(2027, 1, 10),
        cadence=ReviewRound.Cadence.ANNUAL,
    )
    review_services.round_open(actor=office, round_=democratic)
    year_ready(big)
    with refused(ScoringErrorCode.BLOCKED) as caught:
        services.annual_compute(actor=office, region=big.region, year=2026)
    assert str(democratic) in caught.value.message and "季度" not in caught.value.message
    ReviewRound.objects.filter(pk=democratic.pk).update(state=RoundState.CLOSED)
    run = services.annual_compute(actor=office, region=big.region, year=2026)
    assert run.results.exists()


def test_publishing_needs_the_confirmation_token(big: World, graded: QuarterRun) -> None:
    office = big.users["region_admin"]
    QuarterResult.objects.filter(run=graded, tie=True).update(change_reason="经研究确定")
    services.quarter_confirm(actor=office, run=graded)
    for token in ("", "forged", guards.publish_token(graded)[:-1] + "0"):
        with refused(ScoringErrorCode.PUBLISH_NOT_CONFIRMED):
            services.quarter_publish(actor=office, run=graded, confirmation=token)
    graded.refresh_from_db()
    assert graded.state == RunState.CONFIRMED
    assert not Notification.objects.exists()
    services.quarter_publish(actor=office, run=graded, confirmation=guards.publish_token(graded))
    assert QuarterRun.objects.get(pk=graded.pk).state == RunState.PUBLISHED


def test_the_confirmation_page_shows_pools_and_counts_and_needs_the_box(
    big: World, graded: QuarterRun, client_as: Callable[[str], Client]
) -> None:
    office = big.users["region_admin"]
    QuarterResult.objects.filter(run=graded, tie=True).update(change_reason="经研究确定")
    services.quarter_confirm(actor=office, run=graded)
    client = client_as("region_admin")
    url = reverse("scoring:quarter_publish", args=[graded.pk])
    quarter_page = client.get(reverse("scoring:quarter", args=[graded.pk])).content.decode()
    assert url in quarter_page and 'value="publish"' not in quarter_page
    page = client.get(url).content.decode()
    summary = guards.publish_summary(graded)
    assert "确认公布" in page and 'id="publish-pools"' in page and "考核池" in page
    assert f"<dd>{summary.people}</dd>" in page and summary.token in page
    assert summary.people == graded.results.count()
    assert sum(p.total for p in summary.pools) == summary.people
    # Without the box: refused, nothing published.
    response = client.post(url, {"token": summary.token}, follow=True)
    assert "勾选" in response.content.decode()
    assert QuarterRun.objects.get(pk=graded.pk).state == RunState.CONFIRMED
    # The old way, a publish action on the quarter page, publishes nothing.
    assert (
        client.post(reverse("scoring:quarter", args=[graded.pk]), {"action": "publish"}).status_code
        == 404
    )
    client.post(url, {"token": summary.token, "confirm": "yes"})
    assert QuarterRun.objects.get(pk=graded.pk).state == RunState.PUBLISHED
    assert client_as("unit_head").get(url).status_code == 404


def test_the_year_is_published_from_its_page_and_every_cadre_notified(
    big: World, graded: QuarterRun, client_as: Callable[[str], Client]
) -> None:
    office = big.users["region_admin"]
    publish_quarters(big, graded)
    year_ready(big)
    run = services.annual_compute(actor=office, region=big.region, year=2026)
    publicity_not_required(big.region)
    Notification.objects.all().delete()
    with refused(ScoringErrorCode.PUBLISH_NOT_CONFIRMED):
        services.annual_publish(actor=office, run=run, confirmation="")
    client = client_as("region_admin")
    url = reverse("scoring:annual_publish", args=[run.pk])
    assert url in client.get(reverse("scoring:annual", args=[run.pk])).content.decode()
    token = guards.publish_summary(run).token
    client.post(url, {"token": token, "confirm": "yes"})
    assert AnnualRun.objects.get(pk=run.pk).state == RunState.PUBLISHED
    # The publish's own notice (due process adds the written notice's, to sign).
    notified = Notification.objects.filter(text__contains="2026年度考核结果已公布").count()
    with_login = run.results.filter(person__user__isnull=False).count()
    assert notified == with_login > 0


def test_a_round_used_by_a_confirmed_quarter_is_not_reopened(
    big: World, graded: QuarterRun
) -> None:
    office = big.users["region_admin"]
    round_ = ReviewRound.objects.get(year=2026, number=1, cadence="quarterly")
    QuarterResult.objects.filter(run=graded, tie=True).update(change_reason="经研究确定")
    services.quarter_confirm(actor=office, run=graded)
    with refused(ReviewErrorCode.REOPEN_BLOCKED, match="2026年第1季度") as caught:
        review_services.round_reopen(actor=office, round_=round_, reason="补投选票")
    assert "先" in caught.value.message
    round_.refresh_from_db()
    assert round_.state == RoundState.CLOSED and RoundResult.objects.filter(round=round_).exists()
    # Reopening the quarter (a new computed run) lets the round be reopened.
    graded.refresh_from_db()
    services.quarter_reopen(actor=office, run=graded, reason="补投选票后重算", today=TODAY)
    review_services.round_reopen(actor=office, round_=round_, reason="补投选票")
    assert ReviewRound.objects.get(pk=round_.pk).state == RoundState.OPEN


def test_the_annual_round_used_by_a_published_year_is_not_reopened(
    big: World, graded: QuarterRun
) -> None:
    office = big.users["region_admin"]
    publish_quarters(big, graded)
    year_ready(big)
    run = services.annual_compute(actor=office, region=big.region, year=2026)
    publicity_not_required(big.region)
    services.annual_publish(actor=office, run=run, confirmation=guards.publish_token(run))
    democratic = ReviewRound.objects.get(cadence="annual")
    with refused(ReviewErrorCode.REOPEN_BLOCKED, match="2026年"):
        review_services.round_reopen(actor=office, round_=democratic, reason="补投选票")


def test_the_overview_shows_the_blockers_instead_of_the_button(
    big: World, q1: ReviewRound, client_as: Callable[[str], Client]
) -> None:
    page = client_as("region_admin").get(reverse("scoring:overview")).content.decode()
    assert str(q1) in page and "关闭" in page  # the open round, and what to do
    q1_row = page[page.index('id="plan-q1"') : page.index('id="plan-q2"')]
    assert "<button" not in q1_row
    assert "<button" not in page[page.index('id="compute-year"') :].split("</div>")[0]


def test_the_round_page_hides_reopen_when_the_quarter_is_confirmed(
    big: World, graded: QuarterRun, client_as: Callable[[str], Client]
) -> None:
    office = big.users["region_admin"]
    QuarterResult.objects.filter(run=graded, tie=True).update(change_reason="经研究确定")
    services.quarter_confirm(actor=office, run=graded)
    round_ = ReviewRound.objects.get(year=2026, number=1, cadence="quarterly")
    page = (
        client_as("region_admin").get(reverse("reviews:round", args=[round_.pk])).content.decode()
    )
    assert 'id="reopen-blocked"' in page and 'value="reopen"' not in page


def test_unit_results_count_only_assessed_units(big: World, graded: QuarterRun) -> None:
    from kaohe.performance.models import UnitYearResult

    UnitYearResult.objects.create(unit=big.bureau, year=2026, computed=Decimal(90))
    (units,) = [b for b in guards.annual_blockers(big.region.pk, 2026) if "单位考核结果" in b.text]
    assert "2 个单位" in units.text and "区人力资源和社会保障局" not in units.text


def test_the_confirmation_and_overview_pages_read_a_fixed_number_of_queries(
    big: World, graded: QuarterRun, client_as: Callable[[str], Client]
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_as("region_admin")
    url = reverse("scoring:quarter_publish", args=[graded.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as publish:
        client.get(url)
    with CaptureQueriesContext(connection) as overview:
        client.get(reverse("scoring:overview"))

    # More pools (each unit its own) read the same queries.
    QuarterResult.objects.filter(run=graded).update(pool_id=0)
    with CaptureQueriesContext(connection) as again:
        client.get(url)
    # One more: the units' names, read once when some unit is a pool of its own.
    assert len(again.captured_queries) == len(publish.captured_queries) + 1 <= 15
    assert len(overview.captured_queries) <= 60
