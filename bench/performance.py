"""Unit performance benchmark (issue 18): one month of a province's units computed —
every unit's score on its category's indicator system (the tree's roll-up, 加减分 and
民评), ranked within its category, the reward list marked, and the results written —
against one SQL aggregate over the same rows. Prints figures; asserts nothing.

    python bench/performance.py [--units 5000] [--db NAME]

On a throwaway PostgreSQL database (kaohe_bench_perf_<pid>, dropped at the end; with
`--db NAME` the database is kept and a later run with the same NAME reuses the built
province): `--units` top-level units spread over the seven categories A…E (seed 003),
each category's indicator system published through the schemes services (a group of
three scored key-work indicators, a group of two routine ones, a bonus and a
deduction: the demo's shape), one month opened, and for every unit a score on each
scored leaf, a bonus or deduction for some, and its 民评, written in SQL.

Timed, the median of three runs: `performance.services.month_compute` as the office's
button runs it (the inputs gathered, every unit rolled up and ranked, the month's
results replaced in one COPY, the audit row). The yardstick: one GROUP BY unit over
the same month's entries joined to the units and 民评 (each unit's points summed, the
deductions' occurrences, its 民评), every row fetched, once cold and three times warm
(median). Targets: compute < 10 s; compute / warm aggregate ≤ 3.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from typing import Any

import city
import common

TARGET_SECONDS = 10.0
TARGET_RATIO = 3.0
YEAR = 2026
MONTH = 10

AGGREGATE = """
SELECT u.id, u.performance_category_id,
       COALESCE(e.points, 0), COALESCE(e.occurrences, 0), COALESCE(p.points, 0)
FROM {unit} u
LEFT JOIN (SELECT unit_id, SUM(value) AS points, SUM(occurrences) AS occurrences
           FROM {entry} WHERE month_id = %s GROUP BY unit_id) e ON e.unit_id = u.id
LEFT JOIN {public} p ON p.unit_id = u.id AND p.month_id = %s
WHERE u.region_id = %s AND u.is_active AND u.performance_category_id IS NOT NULL
"""


# --- Orchestration (no Django in this process) -----------------------------------


def run(*, units: int = 5000, db: str | None = None) -> dict[str, Any]:
    """Build (unless `db` holds the province already) and time; print and return the
    figures: compute_seconds (median), aggregate_cold, aggregate_warm, ratio, units."""
    return common.kept_or_throwaway(
        db,
        f"{common.DB_PREFIX}perf_{os.getpid()}",
        lambda name: common.worker_figures(__file__, name, ["--units", str(units)]),
    )


# --- The worker (Django set up on its database) -------------------------------------


def build(units: int) -> int:
    """The province: its units, the categories' systems, an open month and its entries.
    Returns the region's id."""
    from django.db import connection

    from kaohe.accounts.models import Role, User
    from kaohe.accounts.services import role_grant
    from kaohe.core import sql
    from kaohe.org import services as org_services
    from kaohe.org.models import PerformanceCategory, Region
    from kaohe.performance import services
    from kaohe.performance.models import MonthEntry, PublicEvaluation
    from kaohe.schemes import services as schemes
    from kaohe.schemes.models import Indicator, IndicatorKind

    region = org_services.region_create(
        actor=None, name="基准省", code="bench-perf", level=Region.Level.CITY
    )
    admin = User.objects.create_user(username="bench-office", password="x", region=region)  # noqa: S106
    role_grant(actor=None, user=admin, role=Role.REGION_ADMIN)
    categories = list(PerformanceCategory.objects.filter(region=region).order_by("sort_order"))
    leaves: dict[int, list[Indicator]] = {}
    for category in categories:
        version = schemes.template_create(
            actor=admin,
            region=region,
            name=f"{category.name}类单位绩效考核指标体系",
            year=YEAR,
            performance_category=category,
        )

        def add(
            parent: Indicator | None, name: str, version: Any = version, **f: object
        ) -> Indicator:
            return schemes.indicator_add(
                actor=admin, version=version, parent=parent, data={"name": name, **f}
            )

        key = add(None, "重点工作", kind="group", max_points="60")
        for name in ("招商引资和项目建设", "重点改革任务推进", "民生实事办理"):
            add(key, name, kind="scored", max_points="20")
        routine = add(None, "日常工作", kind="group", max_points="25")
        add(routine, "日常工作落实", kind="scored", max_points="15")
        add(routine, "督查督办件办结", kind="scored", max_points="10")
        add(None, "加分项", kind="bonus", cap="5")
        add(None, "减分项", kind="deduction", per_occurrence="1", cap="10")
        schemes.version_approve(actor=admin, version=version)
        leaves[category.pk] = list(version.indicators.exclude(kind=IndicatorKind.GROUP))
    t = city.tables()
    with connection.cursor() as cursor:
        city.bulk_writes(cursor)
        cursor.execute("SELECT setseed(0.20261120)")
        city.series(cursor, units)
        city.units_add(cursor, region.pk, units)
        city.series_drop(cursor)
        ids = [c.pk for c in categories]
        cases = " ".join(f"WHEN {i} THEN {pk}" for i, pk in enumerate(ids))
        cursor.execute(
            f"UPDATE {t.unit} SET performance_category_id = CASE id %% {len(ids)} {cases} END "  # noqa: S608
            "WHERE region_id = %s",
            [region.pk],
        )
    month = services.month_open(actor=admin, region_id=region.pk, year=YEAR, month=MONTH)
    with connection.cursor() as cursor:
        r = city.random()
        for category_id, indicators in leaves.items():
            for ind in indicators:
                if ind.kind == IndicatorKind.SCORED:
                    value, occurrences, where = (
                        f"round(({ind.max_points} * (0.6 + 0.4 * {r}))::numeric, 1)",
                        "NULL",
                        "",
                    )
                elif ind.kind == IndicatorKind.BONUS:
                    value, occurrences, where = f"floor(1 + 3 * {r})", "NULL", f" AND {r} < 0.15"
                else:
                    value, occurrences, where = (
                        "NULL",
                        f"CAST(floor(1 + 2 * {r}) AS integer)",
                        f" AND {r} < 0.12",
                    )
                cursor.execute(
                    f"""INSERT INTO {sql.table(MonthEntry)} (month_id, unit_id, indicator_id,
                            value, occurrences, flag, updated_at)
                        SELECT %s, id, %s, {value}, {occurrences}, NULL, now()
                        FROM {t.unit} WHERE region_id = %s
                          AND performance_category_id = %s{where}""",  # noqa: S608
                    [month.pk, ind.pk, region.pk, category_id],
                )
        cursor.execute(
            f"""INSERT INTO {sql.table(PublicEvaluation)} (month_id, unit_id, points, evidence,
                    updated_at)
                SELECT %s, id, round((10 + 5 * {r})::numeric, 1), '群众满意度电话测评', now()
                FROM {t.unit} WHERE region_id = %s""",  # noqa: S608
            [month.pk, region.pk],
        )
    return int(region.pk)


def aggregate_seconds(region_id: int, month_id: int) -> float:
    from django.db import connection

    from kaohe.core import sql
    from kaohe.org.models import Unit
    from kaohe.performance.models import MonthEntry, PublicEvaluation

    query = AGGREGATE.format(
        unit=sql.table(Unit), entry=sql.table(MonthEntry), public=sql.table(PublicEvaluation)
    )
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(query, [month_id, month_id, region_id])
        cursor.fetchall()
    return time.perf_counter() - started


def _verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def worker(db: str, units: int) -> None:
    common.setup_django()
    from django.db import connection

    from kaohe.accounts.models import User
    from kaohe.org.models import Region
    from kaohe.performance import services
    from kaohe.performance.models import MonthEntry, PerformanceMonth, UnitMonthResult

    migrated = common.migrate()
    region = Region.objects.filter(code="bench-perf").first()
    started = time.perf_counter()
    built = region is None
    region_id = build(units) if region is None else region.pk
    build_seconds = time.perf_counter() - started
    month = PerformanceMonth.objects.get(region_id=region_id, year=YEAR, month=MONTH)
    admin = User.objects.get(username="bench-office")
    entries = MonthEntry.objects.filter(month=month).count()
    with connection.cursor() as cursor:
        for table in ("org_unit", "performance_monthentry", "performance_publicevaluation"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    print(
        f"unit performance, PostgreSQL (database {db}): {units:,} units, {entries:,} month "
        f"entries; migrate {migrated:.1f} s, "
        + (f"built in {build_seconds:.1f} s" if built else "reused the built province")
    )
    cold = aggregate_seconds(region_id, month.pk)
    warm = statistics.median(aggregate_seconds(region_id, month.pk) for _ in range(3))
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        written = services.month_compute(actor=admin, month=month)
        timings.append(time.perf_counter() - started)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE performance_unitmonthresult")
    compute = statistics.median(timings)
    # The SQL roll-up against the pure one (schemes.rollup in Python) on every unit.
    from decimal import Decimal

    from kaohe.performance.rules import ranked, unit_month_score
    from kaohe.performance.selectors import month_inputs

    started = time.perf_counter()
    inputs = month_inputs(month)
    zero = Decimal(0)
    python = ranked(
        [
            unit_month_score(
                unit_id=u,
                category_id=c,
                nodes=inputs.systems[c].nodes,
                entries=inputs.entries.get(u, {}),
                public=inputs.public.get(u, zero),
                deduction=zero,
            )
            for u, c in inputs.units
        ],
        inputs.policy.reward_places,
    )
    in_python = time.perf_counter() - started
    stored = {
        u: (s, r, w)
        for u, s, r, w in UnitMonthResult.objects.filter(month=month).values_list(
            "unit_id", "score", "rank", "rewarded"
        )
    }
    differ = sum(1 for p in python if stored.get(p.unit_id) != (p.score, p.rank, p.rewarded))
    rewarded = UnitMonthResult.objects.filter(month=month, rewarded=True).count()
    ratio = compute / warm if warm else float("inf")
    print(
        f"  yardstick: one GROUP BY unit over the month's entries with 民评, every row "
        f"fetched: first run {cold:.3f} s, warm {warm:.3f} s"
    )
    print(
        f"  month computed (inputs, roll-up, ranking, reward list, results written): "
        f"{compute:.2f} s median of {', '.join(f'{t:.2f}' for t in timings)} "
        f"(target < {TARGET_SECONDS:g} s: {_verdict(compute < TARGET_SECONDS)}); ratio "
        f"{ratio:.1f} (target <= {TARGET_RATIO:g}: {_verdict(ratio <= TARGET_RATIO)})"
    )
    print(f"  {written:,} results written, {rewarded:,} units on the reward list")
    print(
        f"  the same month by the pure roll-up in Python (SQLite's path, inputs read): "
        f"{in_python:.2f} s; units whose score, rank or reward differ from the SQL's: {differ}"
    )
    figures = {
        "units": written,
        "entries": entries,
        "compute_seconds": round(compute, 3),
        "aggregate_cold": round(cold, 3),
        "aggregate_warm": round(warm, 4),
        "ratio": round(ratio, 2),
        "python_seconds": round(in_python, 3),
        "differ": differ,
        "load": os.getloadavg(),
    }
    print(common.RESULT + json.dumps(figures))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=5000)
    parser.add_argument("--db", help="keep the database NAME (kaohe_bench_…) and reuse it")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.units)
        return 0
    run(units=args.units, db=args.db)
    return 0


if __name__ == "__main__":
    sys.exit(main())
