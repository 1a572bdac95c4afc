"""Topics of scoring's cached reads and the forgets its services call.

A module of its own, below both: selectors read these topics and services forget them.
The region's policy and its cached read live in `policies`.
"""

from __future__ import annotations

from kaohe.core.cache import forget, forget_user, region_cached, region_token
from kaohe.core.year_facts import year_facts_forget
from kaohe.scoring.models import AnnualRun, QuarterRun, RunState

# Versioned: the file cache outlives a deploy; bump when a cached value changes shape.
PUBLISHED_RUNS = "scoring-published.v1"
MY_RESULTS = "my-results.v1"
RECENT_RUNS = "scoring-recent-runs.v1"
UNIT_RESULTS = "scoring-unit-results.v1"
POOL_STATS = "scoring-pool-stats.v1"
RESULTS_TOKEN = "scoring-results-token"  # noqa: S105  # a cache topic, no secret


def results_token(region_id: int) -> str:
    """The stamp of the region's cached per-run reads of results (a unit's results on
    the proposal page, a run's pool statistics): `runs_forget` replaces it, so one
    delete outdates every run's and unit's value, however many were cached."""
    return region_token(RESULTS_TOKEN, region_id)


def published_runs(region_id: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The ids of the region's published quarter runs and annual runs: the stamp of
    every cached "my results" of the region, so publishing or superseding a run
    (`published_forget`) makes each user's cached results a miss without a write per
    user (a run holds up to 300,000 people)."""

    def build() -> tuple[tuple[int, ...], tuple[int, ...]]:
        quarters = QuarterRun.objects.filter(region_id=region_id, state=RunState.PUBLISHED)
        years = AnnualRun.objects.filter(region_id=region_id, state=RunState.PUBLISHED)
        return (
            tuple(quarters.order_by("pk").values_list("pk", flat=True)),
            tuple(years.order_by("pk").values_list("pk", flat=True)),
        )

    return region_cached(PUBLISHED_RUNS, region_id, build)


def recent_runs(region_id: int) -> tuple[list[QuarterRun], list[AnnualRun]]:
    """The region's latest twelve quarter runs (none superseded) and six annual runs
    (the scoring overview's lists)."""

    def build() -> tuple[list[QuarterRun], list[AnnualRun]]:
        quarters = QuarterRun.objects.filter(region_id=region_id)
        return (
            list(quarters.exclude(state=RunState.SUPERSEDED)[:12]),
            list(AnnualRun.objects.filter(region_id=region_id)[:6]),
        )

    return region_cached(RECENT_RUNS, region_id, build)


def runs_forget(region_id: int) -> None:
    """Call in every service that writes a run of the region or its results: the
    published runs (the stamp of everyone's results: a value rebuilt the same keeps
    them), the recent runs, the results' token (`results_token`) and the year's facts
    (runs, proposals, ties)."""
    forget(PUBLISHED_RUNS, region_id)
    forget(RECENT_RUNS, region_id)
    forget(RESULTS_TOKEN, region_id)
    year_facts_forget(region_id)


def my_results_forget(user_id: int) -> None:
    """Call in every service that changes one user's published results (the receipt)."""
    forget_user(MY_RESULTS, user_id)
