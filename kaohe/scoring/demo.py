"""Demo results: every quarter whose rating round has closed is computed; all but the
latest are published, so cadres can read results and unit heads can propose grades."""

from __future__ import annotations

import datetime as dt

from kaohe.org.models import Region
from kaohe.reviews.models import ReviewRound, RoundState
from kaohe.scoring import services
from kaohe.scoring.models import QuarterRun, RunState


def generate_demo_scores(*, region_id: int, year: int, today: dt.date) -> int:
    """Compute the closed quarters of `year`; a no-op when any quarter was computed."""
    if QuarterRun.objects.filter(region_id=region_id, year=year).exists():
        return 0
    region = Region.objects.get(pk=region_id)
    quarters = sorted(
        ReviewRound.objects.filter(
            region_id=region_id,
            year=year,
            cadence=ReviewRound.Cadence.QUARTERLY,
            state__in=[RoundState.CLOSED, RoundState.PUBLISHED],
        ).values_list("number", flat=True)
    )
    for quarter in quarters:
        run = services.quarter_compute(
            actor=None, region=region, year=year, quarter=quarter, today=today
        )
        if quarter != quarters[-1]:
            # Ties in the demo are settled as the unit heads would: kept at 较好 with a note.
            run.results.filter(tie=True).update(change_reason="经单位研究，按原等次")
            QuarterRun.objects.filter(pk=run.pk).update(state=RunState.PUBLISHED)
    return len(quarters)
