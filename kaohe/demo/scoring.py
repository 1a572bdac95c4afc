"""Demo results: every quarter whose rating round has closed is computed, confirmed and
published, as the office would have done it by the demo's day (2026-12-02: Q1–Q3
published, Q4 voting). Each goes through the same guards as a real quarter: its round
is closed, and every unit has declared that it has no indicator entries (the demo
enters none), which `demo.schemes.declare_demo_entries` writes first."""

from __future__ import annotations

import datetime as dt

from kaohe.accounts.models import User
from kaohe.demo.schemes import REGION_ADMIN_LOGIN, declare_demo_entries
from kaohe.org.models import Region
from kaohe.reviews.models import ReviewRound, RoundState
from kaohe.scoring import guards, services
from kaohe.scoring.models import QuarterRun


def generate_demo_scores(*, region_id: int, year: int, today: dt.date) -> int:
    """Compute and publish the closed quarters of `year`; a no-op when any quarter was
    computed."""
    if QuarterRun.objects.filter(region_id=region_id, year=year).exists():
        return 0
    region = Region.objects.get(pk=region_id)
    admin = User.objects.get(username=REGION_ADMIN_LOGIN, region=region)
    quarters = sorted(
        ReviewRound.objects.filter(
            region_id=region_id,
            year=year,
            cadence=ReviewRound.Cadence.QUARTERLY,
            state__in=[RoundState.CLOSED, RoundState.PUBLISHED],
        ).values_list("number", flat=True)
    )
    declare_demo_entries(region_id=region_id, year=year, quarters=quarters)
    for quarter in quarters:
        run = services.quarter_compute(
            actor=None, region=region, year=year, quarter=quarter, today=today
        )
        # Ties in the demo are settled as the unit heads would: kept at 较好 with a note.
        run.results.filter(tie=True).update(change_reason="经单位研究，按原等次")
        services.quarter_confirm(actor=admin, run=run)
        services.quarter_publish(actor=admin, run=run, confirmation=guards.publish_token(run))
    return len(quarters)
