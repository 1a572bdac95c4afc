"""Eligibility lists benchmark (issue 16, item 3): deriving a region's lists for its
latest year from three archived years, against one SQL aggregate over the same rows.
Prints figures; asserts nothing.

    python bench/outcomes_lists.py [--people 300000] [--db NAME]

On a throwaway PostgreSQL database (kaohe_bench_lists_<pid>, dropped at the end; with
`--db NAME` the database is kept and a later run with the same NAME skips the build):
`--people` cadres in units of 20, and for each of them three archived years
(YearRecord) 2024 (imported), 2025 and 2026 (computed in kaohe), written in SQL: a
composite (half the person's own, the same each year, half drawn anew), its rank and
head count in the rank tier (RANK() over the year and tier), the grade by that rank
(top 20% 优秀, then 70% 称职, 7% 基本称职, 3% 不称职) and four quarter grades drawn at random
(35% 好, 40% 较好, 20% 一般, 5% 较差).

Timed: `outcomes.services.eligibility_derive` for 2026 (which reads all three years of
everyone archived in 2026 and writes every list's entries), first on an empty entries
table (the archive's publish), then again (a re-derive, which first deletes the year's
entries); the yardstick is one aggregate over the same 900,000 rows (GROUP BY tier,
COUNT and AVG of the composite, MAX of the rank), once cold and three times warm
(median). The ratio printed is the derive's time over the warm aggregate's.

`run(people=…, db=…)` does the same from another script (bench/outcomes.py) and returns
the figures; the build and the timing run in a worker process of their own, so the
caller's Django (if any) is not touched.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import city
import common

YEARS = (2024, 2025, 2026)
UNIT_SIZE = 20
TARGET_SECONDS = 60.0
TARGET_RATIO = 3.0
RESULT = "RESULT "

AGGREGATE = """
SELECT tier, COUNT(*), AVG(composite), MAX(rank_in_tier)
FROM {records} WHERE region_id = %s AND year <= %s
GROUP BY tier
"""


# --- Orchestration (no Django in this process) -----------------------------------


def database_exists(name: str) -> bool:
    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise ValueError(f"not a bench database name: {name!r}")
    query = f"SELECT 1 FROM pg_database WHERE datname = '{name}'"  # noqa: S608
    found = subprocess.run(  # noqa: S603
        [*common.PSQL, "-tA", "-c", query], check=True, capture_output=True, text=True
    )
    return found.stdout.strip() == "1"


def _worker(db: str, people: int) -> dict[str, Any]:
    env = common.worker_env(common.PG_URL.format(name=db))
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", db]
    command += ["--people", str(people)]
    done = subprocess.run(  # noqa: S603
        command, env=env, cwd=common.ROOT, check=True, stdout=subprocess.PIPE, text=True
    )
    figures: dict[str, Any] = {}
    for line in done.stdout.splitlines():
        if line.startswith(RESULT):
            figures = json.loads(line[len(RESULT) :])
        else:
            print(line)
    return figures


def run(*, people: int = 300_000, db: str | None = None) -> dict[str, Any]:
    """Build (unless `db` already holds the city) and time; print the figures and return
    them: derive_seconds, rederive_seconds, aggregate_cold, aggregate_warm, ratio,
    entries, records."""
    if db:
        if not db.startswith(common.DB_PREFIX):
            raise ValueError(f"bench databases start with {common.DB_PREFIX}")
        if not database_exists(db):
            common.create_database(db)
        figures = _worker(db, people)
        print(f"  kept database {db} (dropdb -h 127.0.0.1 -U postgres {db})")
        return figures
    name = f"{common.DB_PREFIX}lists_{os.getpid()}"
    common.create_database(name)
    try:
        return _worker(name, people)
    finally:
        common.drop_database(name)


# --- The worker (Django set up on its database) -------------------------------------


def build(region_id: int, people: int) -> int:
    """Units, cadres and their three archived years, in SQL; returns the records' count."""
    from django.db import connection
    from django.utils import timezone

    from kaohe.outcomes.models import YearRecord

    t = city.tables()
    records = YearRecord._meta.db_table
    units = -(-people // UNIT_SIZE)
    with connection.cursor() as cursor:
        city.bulk_writes(cursor)
        cursor.execute("SELECT setseed(0.20261203)")
        city.series(cursor, max(people, units))
        city.units_add(cursor, region_id, units)
        city.people_add(cursor, region_id, people, timezone.now())
        city.series_drop(cursor)
        r = city.random()
        # Each quarter's grade from a number of its own: 35% 好, 40% 较好, 20% 一般, 5% 较差.
        quarters = ", ".join(
            f"CASE WHEN x{i} < 0.35 THEN 'good' WHEN x{i} < 0.75 THEN 'fairly_good' "
            f"WHEN x{i} < 0.95 THEN 'average' ELSE 'poor' END"
            for i in range(4)
        )
        draws = ", ".join(f"{r} AS x{i}" for i in range(4))
        for year in YEARS:
            cursor.execute(
                f"""
                INSERT INTO {records} (region_id, person_id, year, source, run_id, unit_id,
                    unit_name, post, tier, composite, grade, rank_in_tier, tier_size,
                    rank_in_unit, unit_size, quarter_grades, priority, frozen_at)
                SELECT region_id, id, %s, %s, NULL, unit_id, unit_name, '科员', tier,
                       composite,
                       CASE WHEN rnk <= size * 0.2 THEN 'excellent'
                            WHEN rnk <= size * 0.9 THEN 'competent'
                            WHEN rnk <= size * 0.97 THEN 'basic' ELSE 'incompetent' END,
                       rnk, size, 1, {UNIT_SIZE}, q, q = '["good","good","good","good"]'::jsonb,
                       now()
                FROM (
                  SELECT b.*, RANK() OVER (PARTITION BY tier ORDER BY composite DESC) AS rnk,
                         COUNT(*) OVER (PARTITION BY tier) AS size
                  FROM (
                    SELECT p.region_id, p.id, u.id AS unit_id, u.name AS unit_name,
                           CASE WHEN p.k %% 10 = 0 THEN 'section_chief'
                                WHEN p.k %% 10 <= 3 THEN 'deputy_section_chief'
                                ELSE 'staff' END AS tier,
                           round((60 + 20 * ((p.k * 7919) %% 1000) / 1000.0 + 20 * {r})::numeric, 2)
                             AS composite,
                           jsonb_build_array({quarters}) AS q
                    FROM (SELECT id, region_id, row_number() OVER (ORDER BY id) - 1 AS k,
                                 {draws}
                          FROM {t.person} WHERE region_id = %s) p
                    JOIN (SELECT id, name, row_number() OVER (ORDER BY id) - 1 AS k
                          FROM {t.unit} WHERE region_id = %s) u ON u.k = p.k / {UNIT_SIZE}
                  ) b
                ) ranked
                """,  # noqa: S608
                [year, "imported" if year == YEARS[0] else "computed", region_id, region_id],
            )
        count = f"SELECT COUNT(*) FROM {records} WHERE region_id = %s"  # noqa: S608
        cursor.execute(count, [region_id])
        row = cursor.fetchone()
        assert row is not None
        return int(row[0])


def aggregate_seconds(region_id: int) -> float:
    from django.db import connection

    from kaohe.outcomes.models import YearRecord

    sql = AGGREGATE.format(records=YearRecord._meta.db_table)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql, [region_id, YEARS[-1]])
        cursor.fetchall()
    return time.perf_counter() - started


def worker(db: str, people: int) -> None:
    common.setup_django()
    from django.db import connection
    from django.db.models import Count

    from kaohe.org import services as org_services
    from kaohe.org.models import Person, Region
    from kaohe.outcomes.models import EligibilityEntry, YearRecord
    from kaohe.outcomes.services import eligibility_derive

    migrated = common.migrate()
    region = Region.objects.filter(code="bench-lists").first()
    started = time.perf_counter()
    built = region is None
    if region is None:
        region = org_services.region_create(
            actor=None, name="基准市", code="bench-lists", level=Region.Level.CITY
        )
        build(region.pk, people)
    build_seconds = time.perf_counter() - started
    records = YearRecord.objects.filter(region=region).count()
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {EligibilityEntry._meta.db_table}")
        # As autovacuum would have by then (the visibility map too), on the tables read.
        for model in (YearRecord, EligibilityEntry, Person):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    print(
        f"eligibility lists, PostgreSQL (database {db}): {records:,} archived years of "
        f"{records // len(YEARS):,} cadres, {len(YEARS)} years; migrate {migrated:.1f} s, "
        + (f"built in {build_seconds:.1f} s" if built else "reused the built city")
    )
    cold = aggregate_seconds(region.pk)
    warm = statistics.median(aggregate_seconds(region.pk) for _ in range(3))
    started = time.perf_counter()
    entries = eligibility_derive(region_id=region.pk, year=YEARS[-1])
    derive = time.perf_counter() - started
    started = time.perf_counter()
    eligibility_derive(region_id=region.pk, year=YEARS[-1])
    rederive = time.perf_counter() - started
    ratio = derive / warm if warm else float("inf")
    kinds = dict(
        EligibilityEntry.objects.filter(region=region, year=YEARS[-1])
        .values("kind")
        .annotate(n=Count("id"))
        .values_list("kind", "n")
    )
    print(
        f"  SQL aggregate (GROUP BY tier over {records:,} rows): first run {cold:.3f} s, "
        f"warm {warm:.3f} s"
    )
    print(
        f"  eligibility_derive {YEARS[-1]}: {derive:.2f} s for {entries:,} entries "
        f"(target < {TARGET_SECONDS:g} s: {'met' if derive < TARGET_SECONDS else 'MISSED'}); "
        f"ratio to the warm aggregate {ratio:.1f} "
        f"(target <= {TARGET_RATIO:g}: {'met' if ratio <= TARGET_RATIO else 'MISSED'})"
    )
    print(f"  re-derive (deletes the year's entries first): {rederive:.2f} s")
    print("  entries by list: " + ", ".join(f"{k} {n:,}" for k, n in sorted(kinds.items())))
    figures = {
        "records": records,
        "entries": entries,
        "derive_seconds": round(derive, 3),
        "rederive_seconds": round(rederive, 3),
        "aggregate_cold": round(cold, 3),
        "aggregate_warm": round(warm, 3),
        "ratio": round(ratio, 2),
        "by_list": kinds,
    }
    print(RESULT + json.dumps(figures))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=300_000)
    parser.add_argument("--db", help="keep the database NAME (kaohe_bench_…) and reuse it")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.people)
        return 0
    run(people=args.people, db=args.db)
    return 0


if __name__ == "__main__":
    sys.exit(main())
