"""Reads of scores and grades, scoped by the acting user."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.paginator import Page
from django.db.models import (
    Count,
    DecimalField,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.http import Http404

from kaohe.accounts.access import is_region_admin, region_id_of, scope_of
from kaohe.accounts.models import User
from kaohe.core.cache import region_cached, user_cached
from kaohe.core.numbers import in_places
from kaohe.core.paging import CountedPaginator
from kaohe.org.models import QuotaPool, RankTier, Unit
from kaohe.scoring import engine
from kaohe.scoring.caches import (
    MY_RESULTS,
    POOL_STATS,
    UNIT_RESULTS,
    published_runs,
    recent_runs,
    results_token,
)
from kaohe.scoring.explain import grade_label
from kaohe.scoring.models import (
    AnnualResult,
    AnnualRun,
    QuarterResult,
    QuarterRun,
    RunState,
    ScoringPolicy,
)
from kaohe.scoring.policies import PROPOSER_ROLES, allowed_grades, policy_for, scoring_policy


def quarter_runs(user: User) -> QuerySet[QuarterRun]:
    return QuarterRun.objects.filter(region_id=region_id_of(user))


def annual_runs(user: User) -> QuerySet[AnnualRun]:
    return AnnualRun.objects.filter(region_id=region_id_of(user))


def office_quarter_run(user: User, run_id: int) -> QuarterRun:
    if not is_region_admin(user):
        raise Http404
    run = quarter_runs(user).filter(pk=run_id).select_related("region").first()
    if run is None:
        raise Http404
    return run


def office_annual_run(user: User, run_id: int) -> AnnualRun:
    if not is_region_admin(user):
        raise Http404
    run = annual_runs(user).filter(pk=run_id).select_related("region").first()
    if run is None:
        raise Http404
    return run


def proposer_units(user: User) -> QuerySet[Unit]:
    return Unit.objects.filter(scope_of(user, PROPOSER_ROLES).unit_filter())


@dataclass(frozen=True)
class PoolCounter:
    """A quota pool in a run: its graded results, the places for 好 they give, and
    how many hold 好 now."""

    pool_id: int  # the pool key: minus the unit's id for a unit in no pool
    graded: int
    limit: int
    used: int

    @property
    def left(self) -> int:
        return max(self.limit - self.used, 0)


def pool_key(pool_id: int, unit_id: int) -> int:
    """A result's quota pool as the engine saw it. Results of a unit that is in no pool
    that year are stored with pool 0, and such a unit is a pool of its own: its key is
    minus the unit's id, as in the engine's input."""
    return pool_id if pool_id else -unit_id


def pool_counters(
    run: QuarterRun,
    pool_keys: Iterable[int] | None = None,
    policy: ScoringPolicy | None = None,
    *,
    cached: bool = False,
) -> dict[int, PoolCounter]:
    """Pool key (`pool_key`) → its counter, in key order, from one GROUP BY (and the
    policy's read), however many pools. Without `pool_keys`, every pool with a graded
    result; with them, exactly those pools, a pool without graded results having no
    places. `cached`: the run's statistics from the shared cache (pages only: writes
    count from the rows they lock)."""
    wanted = None if pool_keys is None else sorted(set(pool_keys))
    if wanted == []:
        return {}
    policy = policy or policy_for(run.region_id)
    if cached:
        stats = region_cached(
            f"{POOL_STATS}:{run.pk}",
            run.region_id,
            lambda: _pool_stats(run, None),
            stamp=results_token(run.region_id),
        )
    else:
        stats = _pool_stats(run, wanted)
    out = {}
    for key in sorted(stats) if wanted is None else wanted:
        n, good = stats.get(key, (0, 0))
        out[key] = PoolCounter(key, n, engine.quota(n, policy.good_share, policy.rounding), good)
    return out


def _pool_stats(run: QuarterRun, wanted: list[int] | None) -> dict[int, tuple[int, int]]:
    """Pool key → (graded results, results graded 好), of every pool or of `wanted`."""
    rows = QuarterResult.objects.filter(run=run).exclude(computed_grade="")
    if wanted is not None:
        rows = rows.filter(
            Q(pool_id__in=[k for k in wanted if k > 0])
            | Q(pool_id=0, unit_id__in=[-k for k in wanted if k < 0])
        )
    # Grouped by pool and unit, folded here: a pool's units are few.
    stats: dict[int, tuple[int, int]] = {}
    for pool_id, unit_id, n, good in (
        rows.values("pool_id", "unit_id")
        .annotate(n=Count("id"), good=Count("id", filter=Q(grade=engine.QuarterGrade.GOOD)))
        .values_list("pool_id", "unit_id", "n", "good")
    ):
        key = pool_key(pool_id, unit_id)
        was_n, was_good = stats.get(key, (0, 0))
        stats[key] = (was_n + n, was_good + good)
    return stats


# What the proposal page, its export and allowed_grades read of a result.
PROPOSAL_FIELDS = (
    "run_id",
    "unit_id",
    "pool_id",
    "score",
    "band",
    "computed_grade",
    "grade",
    "tie",
    "change_reason",
    "steps",
    "rank_in_unit",
    "person__name",
    "person__staff_no",
)


def unit_proposal(
    user: User, run_id: int, unit_id: int, *, fresh: bool = False
) -> tuple[QuarterRun, Unit, list[QuarterResult], dict[int, PoolCounter]]:
    """A unit's results in a run, with its pools' 好 places by pool key (the unit
    head's page). The results and the run's pool statistics come from the shared cache
    (stamped with `caches.results_token`, which every write of results replaces);
    `fresh` reads them from the database (a POST: writes never trust the cache)."""
    unit = proposer_units(user).filter(pk=unit_id).first()
    # The recent runs are cached for the region (caches.recent_runs); an older one is read.
    recent, _years = recent_runs(region_id_of(user))
    run = next((r for r in recent if r.pk == run_id), None) or (
        quarter_runs(user).exclude(state=RunState.SUPERSEDED).filter(pk=run_id).first()
    )
    if unit is None or run is None:
        raise Http404
    if fresh:
        results = _unit_results(run, unit.pk)
    else:
        results = region_cached(
            f"{UNIT_RESULTS}:{run.pk}:{unit.pk}",
            run.region_id,
            lambda: _unit_results(run, unit.pk),
            stamp=results_token(run.region_id),
        )
    keys = {pool_key(r.pool_id, r.unit_id) for r in results}
    counters = pool_counters(run, keys, scoring_policy(run.region_id), cached=not fresh)
    return run, unit, results, counters


def _unit_results(run: QuarterRun, unit_id: int) -> list[QuarterResult]:
    return list(
        QuarterResult.objects.filter(run=run, unit_id=unit_id)
        .select_related("person")
        .only(*PROPOSAL_FIELDS)
        .order_by("rank_in_unit", "person__staff_no")
    )


@dataclass(frozen=True)
class ProposalRow:
    """A row of the proposal page: the result, the highest grade its score and the
    rules allow, and the grades offered (exactly those quarter_propose accepts)."""

    result: QuarterResult
    ceiling: str
    computed: str
    options: list[tuple[str, str]]


def proposal_rows(
    results: Iterable[QuarterResult], counters: dict[int, PoolCounter]
) -> list[ProposalRow]:
    rows = []
    for r in results:
        counter = counters.get(pool_key(r.pool_id, r.unit_id))
        offered = allowed_grades(r, counter.left if counter else 0)
        if r.grade and r.grade not in offered:
            offered.insert(0, r.grade)  # sent back unchanged, so never changed by the page
        highest = allowed_grades(r, 1)
        rows.append(
            ProposalRow(
                r,
                grade_label(highest[0]) if highest else grade_label(r.band),
                grade_label(r.computed_grade),
                [(g, grade_label(g)) for g in offered],
            )
        )
    return rows


@dataclass
class Distribution:
    name: str
    counts: dict[str, int]
    total: int


@dataclass
class PoolRow:
    name: str
    graded: int
    limit: int
    good: int


def quarter_pools(run: QuarterRun) -> list[PoolRow]:
    """Each quota pool's places for 好 and how many hold it."""
    names = dict(
        QuotaPool.objects.filter(region_id=run.region_id, year=run.year).values_list("pk", "name")
    )
    counters = pool_counters(run).values()
    if any(c.pool_id < 0 for c in counters):  # units in no pool: each is its own
        units = Unit.objects.filter(region_id=run.region_id).values_list("pk", "name")
        names.update((-pk, name) for pk, name in units)
    rows = [PoolRow(names.get(c.pool_id, "—"), c.graded, c.limit, c.used) for c in counters]
    return sorted(rows, key=lambda r: r.name)


def quarter_distribution(run: QuarterRun) -> tuple[list[Distribution], int]:
    """Grade counts per unit (one GROUP BY), and how many ties await a decision."""
    names = dict(Unit.objects.filter(region_id=run.region_id).values_list("pk", "name"))
    rows: dict[int, dict[str, int]] = defaultdict(dict)
    for item in (
        QuarterResult.objects.filter(run=run).values("unit_id", "grade").annotate(n=Count("id"))
    ):
        rows[item["unit_id"]][item["grade"] or "none"] = item["n"]
    out = [Distribution(names[u], c, sum(c.values())) for u, c in rows.items()]
    out.sort(key=lambda d: d.name)
    ties = QuarterResult.objects.filter(run=run, tie=True, change_reason="").count()
    return out, ties


@dataclass(frozen=True)
class TierSummary:
    tier: str
    label: str
    count: int
    highest: Decimal
    lowest: Decimal


def tier_label(tier: str) -> str:
    """A rank tier's Chinese name; a tier no longer among the choices shows as a dash,
    never as its code."""
    return str(dict(RankTier.choices).get(tier, "—"))


def annual_tiers(run: AnnualRun) -> list[TierSummary]:
    """Each rank tier of the run with its head count, highest and lowest: one GROUP BY."""
    composite = AnnualResult._meta.get_field("composite")
    assert isinstance(composite, DecimalField)

    def places(value: Decimal | float) -> Decimal:
        # A tier listed has results, so its highest and lowest are never NULL.
        shown = in_places(value, composite)
        assert shown is not None
        return shown

    return [
        TierSummary(
            item["tier"],
            tier_label(item["tier"]),
            item["n"],
            places(item["hi"]),
            places(item["lo"]),
        )
        for item in run.results.values("tier")
        .annotate(n=Count("id"), hi=Max("composite"), lo=Min("composite"))
        .order_by("tier")
    ]


RANKING_PAGE_SIZE = 50


def annual_ranking_page(run: AnnualRun, tier: TierSummary, number: str | None) -> Page[Any]:
    """One page of a tier's ranking, all of it reachable by paging: one query, the count
    being the tier summary's (the (run, tier, composite) index serves it)."""
    rows = (
        run.results.filter(tier=tier.tier)
        .select_related("person", "unit")
        .order_by("rank_in_tier", "person_id")
    )
    return CountedPaginator(rows, RANKING_PAGE_SIZE, count=tier.count).get_page(number)


def annual_distribution(run: AnnualRun) -> dict[str, int]:
    return dict(run.results.values("grade").annotate(n=Count("id")).values_list("grade", "n"))


def _unit_total() -> Subquery:
    """How many results the row's unit has in the row's run: the M of "rank N of M",
    counted in the same query (the (run, unit) index serves it), not a query per row."""
    same = QuarterResult.objects.filter(run_id=OuterRef("run_id"), unit_id=OuterRef("unit_id"))
    return Subquery(
        same.order_by().values("run_id").annotate(n=Count("id")).values("n")[:1],
        output_field=IntegerField(),
    )


def _tier_total() -> Subquery:
    """How many results the row's rank tier has in the row's run (index (run, tier, …))."""
    same = AnnualResult.objects.filter(run_id=OuterRef("run_id"), tier=OuterRef("tier"))
    return Subquery(
        same.order_by().values("run_id").annotate(n=Count("id")).values("n")[:1],
        output_field=IntegerField(),
    )


def my_results(user: User) -> tuple[list[QuarterResult], list[AnnualResult]]:
    """The user's own published results, newest first."""
    if user.person_id is None:
        return [], []
    quarters: list[QuarterResult] = list(
        QuarterResult.objects.filter(person_id=user.person_id, run__state=RunState.PUBLISHED)
        .select_related("run", "unit")
        .annotate(rank_total=_unit_total())
        .order_by("-run__year", "-run__quarter")
    )
    years: list[AnnualResult] = list(
        AnnualResult.objects.filter(person_id=user.person_id, run__state=RunState.PUBLISHED)
        .select_related("run", "unit")
        .annotate(rank_total=_tier_total())
        .order_by("-run__year")
    )
    return quarters, years


def my_result(user: User, kind: str, result_id: int) -> QuarterResult | AnnualResult:
    if user.person_id is None:
        raise Http404
    mine = Q(pk=result_id, person_id=user.person_id, run__state=RunState.PUBLISHED)
    result: QuarterResult | AnnualResult | None
    if kind == "quarter":
        result = (
            QuarterResult.objects.filter(mine)
            .select_related("run", "unit")
            .annotate(rank_total=_unit_total())
            .first()
        )
    else:
        result = (
            AnnualResult.objects.filter(mine)
            .select_related("run", "unit")
            .annotate(rank_total=_tier_total())
            .first()
        )
    if result is None or user.person_id is None:
        raise Http404
    return result


@dataclass(frozen=True)
class MyResult:
    """One of the user's published results as their pages show it (plain values, kept
    in the user's cache)."""

    kind: str  # "quarter" or "year"
    pk: int
    period: str  # the run's name, 2026年第3季度（第1次计算）
    year: int
    quarter: int  # 0 for the year
    unit_id: int
    score: Decimal  # the quarter's score or the year's composite
    grade: str
    rank: int  # in the unit (quarter) or the rank tier (year)
    rank_total: int
    receipt_at: dt.datetime | None
    steps: list[Any]
    consequences: list[str]


def _my_result_rows(user: User) -> list[MyResult]:
    quarters, years = my_results(user)
    rows = [
        MyResult(
            "year",
            r.pk,
            str(r.run),
            r.run.year,
            0,
            r.unit_id,
            r.composite,
            r.grade,
            r.rank_in_tier,
            r.rank_total,  # type: ignore[attr-defined]  # annotated by my_results
            r.receipt_at,
            r.steps,
            list(r.consequences),
        )
        for r in years
    ]
    rows += [
        MyResult(
            "quarter",
            r.pk,
            str(r.run),
            r.run.year,
            r.run.quarter,
            r.unit_id,
            r.score,
            r.grade,
            r.rank_in_unit,
            r.rank_total,  # type: ignore[attr-defined]  # annotated by my_results
            r.receipt_at,
            r.steps,
            [],
        )
        for r in quarters
    ]
    return rows


def my_result_rows(user: User) -> list[MyResult]:
    """The user's published results, the years first, then the quarters, newest first:
    cached for the user, stamped with the region's published runs (`caches.
    published_runs`), so a run published or superseded is a miss for everyone at once;
    the receipt forgets the user's own (`caches.my_results_forget`)."""
    if user.person_id is None or user.region_id is None:
        return []
    return user_cached(
        MY_RESULTS,
        user.pk,
        lambda: _my_result_rows(user),
        stamp=(user.date_joined, user.person_id, published_runs(user.region_id)),
    )


def my_result_row(user: User, kind: str, result_id: int) -> MyResult:
    """One of `my_result_rows` (the explanation page), or 404."""
    for row in my_result_rows(user):
        if row.kind == kind and row.pk == result_id:
            return row
    raise Http404


def unit_name(unit_id: int) -> str:
    return Unit.objects.filter(pk=unit_id).values_list("name", flat=True).first() or "—"


def unit_names(unit_ids: Collection[int]) -> dict[int, str]:
    return dict(Unit.objects.filter(pk__in=unit_ids).values_list("pk", "name"))
