"""The annual composite from stored quarters, the democratic round, unit results and flags."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from kaohe.performance.models import UnitYearResult
from kaohe.reviews.models import ReviewRound, RoundResult, RoundState
from kaohe.scoring import guards, services
from kaohe.scoring.errors import ScoringErrorCode
from kaohe.scoring.models import AnnualResult, PersonYearFlag, QuarterRun, RunState
from kaohe.scoring.tests.fixtures import declare_entries, year_ready
from kaohe.testing import World, publicity_not_required, refused

pytestmark = pytest.mark.django_db


def publish_quarters(world: World, graded: QuarterRun) -> None:
    """Q1 from the fixture; Q2–Q4 recomputed from the same ratings; all published."""
    QuarterRun.objects.filter(pk=graded.pk).update(state=RunState.PUBLISHED)
    rnd = ReviewRound.objects.get(year=2026, number=1, cadence="quarterly")
    for quarter in (2, 3, 4):
        copy = ReviewRound.objects.create(
            region=world.region,
            year=2026,
            number=quarter,
            state=RoundState.CLOSED,
            starts_on=rnd.starts_on,
            ends_on=rnd.ends_on,
        )
        RoundResult.objects.bulk_create(
            RoundResult(
                round=copy,
                unit_id=r.unit_id,
                target_id=r.target_id,
                score=r.score,
                rater_count=r.rater_count,
            )
            for r in RoundResult.objects.filter(round=rnd)
        )
        declare_entries(world, 2026, quarter)
        run = services.quarter_compute(
            actor=world.users["region_admin"],
            region=world.region,
            year=2026,
            quarter=quarter,
            today=dt.date(2027, 1, 20),
        )
        QuarterRun.objects.filter(pk=run.pk).update(state=RunState.PUBLISHED)


def test_the_year_reads_quarters_ratings_unit_results_and_flags(
    big: World, graded: QuarterRun, client_as: Callable[[str], Client]
) -> None:
    publish_quarters(big, graded)
    democratic = ReviewRound.objects.create(
        region=big.region,
        year=2026,
        cadence="annual",
        number=1,
        state=RoundState.CLOSED,
        starts_on=dt.date(2026, 12, 20),
        ends_on=dt.date(2026, 12, 31),
    )
    head = big.people["head"]
    RoundResult.objects.create(
        round=democratic, unit=big.bureau, target=head, score=Decimal(92), rater_count=11
    )
    UnitYearResult.objects.create(unit=big.bureau, year=2026, computed=Decimal(90))
    year_ready(big)
    services.flag_record(
        actor=big.users["region_admin"],
        person_id=big.people["b0"].pk,
        year=2026,
        kind="veto",
        reason="被区委通报批评",
    )
    with refused(ScoringErrorCode.SHARE_NEEDS_APPROVAL):
        services.annual_compute(
            actor=big.users["region_admin"],
            region=big.region,
            year=2026,
            excellent_share=Decimal("0.25"),
        )
    with refused(ScoringErrorCode.SHARE_NEGATIVE):
        services.annual_compute(
            actor=big.users["region_admin"],
            region=big.region,
            year=2026,
            excellent_share=Decimal("-0.05"),
        )
    run = services.annual_compute(actor=big.users["region_admin"], region=big.region, year=2026)
    # The main leader: 10% democratic 92 + 30% unit 90 + 60% quarterly 88 = 9.2 + 27 + 52.8
    leader = AnnualResult.objects.get(run=run, person=head)
    assert leader.composite == Decimal("89.00")
    zhou = AnnualResult.objects.get(run=run, person=big.people["b0"])
    assert zhou.grade != "excellent" and zhou.priority  # four 好, but vetoed
    assert any(s["code"] == "bar.veto" for s in zhou.steps)
    excellent = AnnualResult.objects.filter(run=run, grade="excellent").count()
    assert excellent <= 2  # 14 in the merged pool × 20%
    page = client_as("region_admin").get(reverse("scoring:annual", args=[run.pk])).content.decode()
    assert "按职级排名" in page and "最高" in page
    # Tiers by their names and figures to the column's two places, on every database.
    # (The tier chooser's links carry the code in their query string, not in their text.)
    text = re.sub(r'href="[^"]*"', "", page)
    assert "deputy_section_chief" not in text and "副科级" in text
    tier = AnnualResult.objects.filter(run=run, tier="staff").order_by("-composite").first()
    staff_page = (
        client_as("region_admin")
        .get(reverse("scoring:annual", args=[run.pk]), {"tier": "staff"})
        .content.decode()
    )
    assert tier is not None and f"最高 {tier.composite}，" in staff_page
    assert re.search(r"最高 \d+\.\d\d，最低 \d+\.\d\d", page)
    assert not re.search(r"\d\.\d{3,}", page)
    assert client_as("unit_head").get(reverse("scoring:annual", args=[run.pk])).status_code == 404
    publicity_not_required(big.region)
    services.annual_publish(
        actor=big.users["region_admin"], run=run, confirmation=guards.publish_token(run)
    )
    assert PersonYearFlag.objects.count() == 1


def test_the_office_overview_shows_units_pools_and_the_chart(
    big: World, graded: QuarterRun, client_as: Callable[[str], Client]
) -> None:
    page = (
        client_as("region_admin").get(reverse("scoring:quarter", args=[graded.pk])).content.decode()
    )
    assert 'id="chart"' in page and "区人力资源和社会保障局" in page and 'id="pools"' in page
    assert (
        client_as("unit_admin").get(reverse("scoring:quarter", args=[graded.pk])).status_code == 404
    )


def test_a_published_year_is_reopened_with_a_reason_and_kept(
    big: World, graded: QuarterRun
) -> None:
    publish_quarters(big, graded)
    year_ready(big)
    office = big.users["region_admin"]
    run = services.annual_compute(actor=office, region=big.region, year=2026)
    publicity_not_required(big.region)
    services.annual_publish(actor=office, run=run, confirmation=guards.publish_token(run))
    with refused(ScoringErrorCode.REOPEN_NEEDS_REASON):
        services.annual_reopen(actor=office, run=run, reason="")
    new = services.annual_reopen(actor=office, run=run, reason="补录单位年度考核结果")
    run.refresh_from_db()
    assert run.state == RunState.SUPERSEDED and run.results.count() == new.results.count()
    assert new.number == 2 and new.reopen_reason == "补录单位年度考核结果"


def test_the_annual_democratic_round_is_created_from_the_rounds_page(
    big: World, client_as: Callable[[str], Client]
) -> None:
    client_as("region_admin").post(
        reverse("reviews:rounds"),
        {"cadence": "annual", "year": "2026", "starts_on": "2026-12-20", "ends_on": "2026-12-31"},
    )
    round_ = ReviewRound.objects.get(cadence="annual")
    assert str(round_) == "2026年度民主测评" and round_.period_start == dt.date(2026, 1, 1)
    assert round_.period_end == dt.date(2026, 12, 31)
