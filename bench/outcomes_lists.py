"""Eligibility lists benchmark (issue 16, item 3): what a region's lists cost for its
latest year over three archived years, against one SQL aggregate over the same rows.
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

The lists are not stored: each is a predicate on the year's records over the facts
each record carries (outcomes.lists). Timed:

(a) the archive of the year after the three (2027): scoring's published run of 300,000
    results (built in SQL once: every cadre seated, an annual result each, four
    published quarters) frozen into the year's records with their lists' facts carried
    on from each person's latest earlier year (`services.archive_year`: one INSERT …
    SELECT); printed beside it, (a'), the facts UPDATE of that year from the whole
    archive (`services.year_facts_refresh`), which an import of earlier years or a
    republish pays, and the check that both give the same facts;
(b') the ten lists decided: each one's predicate over the year's records, counted;
    (a) + (b') is what the archives and lists cost, against the yardstick;
(b) every list read in full, as its export reads it: each list's count, then all its
    rows in the list's order with their reasons put into words (rules.record_entries,
    citations), summed over the ten lists (no workbook written);
(c) one page: the promotion list's count and first page for one tier (with the plans
    PostgreSQL chose, to see that both are indexed).

The yardstick is the aggregate a list really is, run on the raw rows: one GROUP BY
person over the same 900,000 archived years (one row per cadre: their 优秀 years, years
at 称职 or better, first year, and their quarters of 好 and of 一般 or lower counted
from the stored grades), every row fetched, once cold and three times warm (median).
(a), (a) + (b') and (b) are each compared with the warm yardstick (target ≤ 3), and
(a) + (b') and (a) + (b) with the 60 s target.

`run(people=…, db=…)` does the same from another script (bench/outcomes.py) and returns
the figures; the build and the timing run in a worker process of their own, so the
caller's Django (if any) is not touched.
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

YEARS = (2024, 2025, 2026)
UNIT_SIZE = 20
TARGET_SECONDS = 60.0
TARGET_RATIO = 3.0

AGGREGATE = """
SELECT person_id,
       COUNT(*) FILTER (WHERE grade = 'excellent'),
       COUNT(*) FILTER (WHERE grade IN ('excellent', 'competent')),
       MIN(year),
       SUM((LENGTH(q) - LENGTH(REPLACE(q, '"good"', ''))) / 6),
       SUM((LENGTH(q) - LENGTH(REPLACE(REPLACE(q, '"average"', ''), '"poor"', ''))))
FROM (SELECT person_id, grade, year, CAST(quarter_grades AS TEXT) AS q
      FROM {records} WHERE region_id = %s AND year <= %s) r
GROUP BY person_id
"""


# --- Orchestration (no Django in this process) -----------------------------------


def run(*, people: int = 300_000, db: str | None = None) -> dict[str, Any]:
    """Build (unless `db` already holds the city) and time; print the figures and return
    them: archive_seconds, update_seconds, read_all_seconds, page_count_seconds,
    page_read_seconds, aggregate_cold, aggregate_warm, ratio_archive, ratio_read_all,
    by_list, records."""
    return common.kept_or_throwaway(
        db,
        f"{common.DB_PREFIX}lists_{os.getpid()}",
        lambda name: common.worker_figures(__file__, name, ["--people", str(people)]),
    )


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


ARCHIVE_YEAR = YEARS[-1] + 1


def build_archive_year(region_id: int) -> int:
    """The year after the archived ones as scoring leaves it published, in SQL: every
    cadre seated in their unit (a membership in force at the year's end, as `city`
    seats a city), a published AnnualRun with a result each (the tier as the records
    have it, a composite, its rank in the tier, the grade by that rank) and four
    published QuarterRuns with a graded result each. Returns the annual run's id; kept
    when the database is reused (only the year's records are deleted before timing)."""
    import datetime as dt

    from django.db import connection

    from kaohe.org.models import Membership, PersonnelCategory, RankLevel
    from kaohe.scoring.models import (
        AnnualResult,
        AnnualRun,
        QuarterResult,
        QuarterRun,
        RunState,
    )

    year = ARCHIVE_YEAR
    found = AnnualRun.objects.filter(region_id=region_id, year=year).first()
    if found is not None:
        return found.pk
    levels = list(
        RankLevel.objects.filter(region_id=region_id)
        .order_by("sort_order")
        .values_list("pk", flat=True)
    )
    levels += [levels[-1]] * (9 - len(levels))
    category = PersonnelCategory.objects.filter(region_id=region_id).order_by("sort_order")[0]
    run = AnnualRun.objects.create(region_id=region_id, year=year, state=RunState.PUBLISHED)
    quarters = [
        QuarterRun.objects.create(
            region_id=region_id, year=year, quarter=q, state=RunState.PUBLISHED
        )
        for q in (1, 2, 3, 4)
    ]
    annual = AnnualResult._meta.db_table
    quarterly = QuarterResult._meta.db_table
    members = Membership._meta.db_table
    r = city.random()
    with connection.cursor() as cursor:
        city.bulk_writes(cursor)
        cursor.execute("SELECT setseed(0.20271231)")
        if not Membership.objects.filter(region_id=region_id).exists():
            city.people_seat(cursor, region_id, UNIT_SIZE, levels, category.pk, dt.date(year, 1, 1))
        cursor.execute(
            f"""
            INSERT INTO {annual} (run_id, person_id, unit_id, pool_id, tier, composite, grade,
                priority, consequences, tie, steps, step_numbers, rank_in_tier)
            SELECT %s, person_id, unit_id, 0, tier, composite,
                   CASE WHEN rnk <= size * 0.2 THEN 'excellent'
                        WHEN rnk <= size * 0.9 THEN 'competent'
                        WHEN rnk <= size * 0.97 THEN 'basic' ELSE 'incompetent' END,
                   false, '[]'::jsonb, false, '[]'::jsonb, '', rnk
            FROM (
              SELECT b.*, RANK() OVER (PARTITION BY tier ORDER BY composite DESC) AS rnk,
                     COUNT(*) OVER (PARTITION BY tier) AS size
              FROM (
                SELECT m.person_id, m.unit_id,
                       CASE WHEN m.k %% 10 = 0 THEN 'section_chief'
                            WHEN m.k %% 10 <= 3 THEN 'deputy_section_chief'
                            ELSE 'staff' END AS tier,
                       round((60 + 40 * {r})::numeric, 2) AS composite
                FROM (SELECT person_id, unit_id, row_number() OVER (ORDER BY person_id) - 1 AS k
                      FROM {members} WHERE region_id = %s) m
              ) b
            ) ranked
            """,  # noqa: S608
            [run.pk, region_id],
        )
        for quarter in quarters:
            cursor.execute(
                f"""
                INSERT INTO {quarterly} (run_id, person_id, unit_id, pool_id, score, band,
                    computed_grade, grade, tie, change_reason, steps, rank_in_unit)
                SELECT %s, person_id, unit_id, 0, 80, '', g, g, false, '', '[]'::jsonb, 0
                FROM (SELECT person_id, unit_id,
                             CASE WHEN x < 0.35 THEN 'good' WHEN x < 0.75 THEN 'fairly_good'
                                  WHEN x < 0.95 THEN 'average' ELSE 'poor' END AS g
                      FROM (SELECT person_id, unit_id, {r} AS x
                            FROM {members} WHERE region_id = %s) d) q
                """,  # noqa: S608
                [quarter.pk, region_id],
            )
    return run.pk


def aggregate_seconds(region_id: int) -> float:
    from django.db import connection

    from kaohe.outcomes.models import YearRecord

    sql = AGGREGATE.format(records=YearRecord._meta.db_table)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql, [region_id, YEARS[-1]])
        cursor.fetchall()
    return time.perf_counter() - started


def _verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def _explain(query: Any) -> str:
    """PostgreSQL's plan of a queryset, its node lines only (which index, which scan)."""
    plan = query.explain()
    nodes = [line.strip() for line in plan.splitlines() if "->" in line or line[:1] != " "]
    return "\n      ".join(nodes[:6])


def worker(db: str, people: int) -> None:
    common.setup_django()
    from django.db import connection, transaction

    from kaohe.org import services as org_services
    from kaohe.org.models import Membership, Person, RankTier, Region
    from kaohe.outcomes.lists import FACT_FIELDS, LIST_ORDER, facts, list_q
    from kaohe.outcomes.models import YearRecord
    from kaohe.outcomes.policies import list_policy, policy_for
    from kaohe.outcomes.rules import ListKind
    from kaohe.outcomes.selectors import LIST_PAGE_SIZE, ROW_FIELDS, ListLines, ListRow
    from kaohe.outcomes.services import archive_year, year_facts_refresh
    from kaohe.scoring.models import AnnualResult, AnnualRun, QuarterResult

    migrated = common.migrate()
    region = Region.objects.filter(code="bench-lists").first()
    started = time.perf_counter()
    built = region is None
    if region is None:
        region = org_services.region_create(
            actor=None, name="基准市", code="bench-lists", level=Region.Level.CITY
        )
        build(region.pk, people)
        with transaction.atomic():  # the facts of the three years, as archived
            year_facts_refresh(region_id=region.pk, years=YEARS)
    build_seconds = time.perf_counter() - started
    records = YearRecord.objects.filter(region=region, year__lte=YEARS[-1]).count()
    with connection.cursor() as cursor:
        # As autovacuum would have by then (the visibility map too), on the tables read.
        for model in (YearRecord, Person):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    print(
        f"eligibility lists, PostgreSQL (database {db}): {records:,} archived years of "
        f"{records // len(YEARS):,} cadres, {len(YEARS)} years; migrate {migrated:.1f} s, "
        + (f"built in {build_seconds:.1f} s" if built else "reused the built city")
    )
    cold = aggregate_seconds(region.pk)
    warm = statistics.median(aggregate_seconds(region.pk) for _ in range(3))
    year = YEARS[-1]
    policy = list_policy(policy_for(region.pk))
    of_year = YearRecord.objects.filter(region=region, year=year)

    # (a) the archive of the year after the three: scoring's published run of 300,000
    # results frozen into the year's records, each with its lists' facts carried on
    # from the person's latest earlier year (outcomes.services.archive_year, what a
    # publish runs before the consequences and the notices). The run is built once;
    # the year's records are deleted first when the database is reused.
    started = time.perf_counter()
    run_id = build_archive_year(region.pk)
    archive_build = time.perf_counter() - started
    YearRecord.objects.filter(region=region, year=ARCHIVE_YEAR).delete()
    with connection.cursor() as cursor:
        for table in (AnnualResult, QuarterResult, Membership, YearRecord):
            cursor.execute(f"VACUUM ANALYZE {table._meta.db_table}")
    run = AnnualRun.objects.select_related("region").get(pk=run_id)
    started = time.perf_counter()
    archived = archive_year(run=run)
    archive_seconds = time.perf_counter() - started
    of_archive = YearRecord.objects.filter(region=region, year=ARCHIVE_YEAR)
    written = {r[0]: facts(r) for r in of_archive.values_list(*FACT_FIELDS).iterator(10000)}

    # (a') the UPDATE of a year's facts from the whole archive: what an import of
    # earlier years or a republish pays (here the archived year's 300,000 records),
    # and the check that the archive's carried facts are the refresh's.
    started = time.perf_counter()
    with transaction.atomic():
        refreshed = year_facts_refresh(region_id=region.pk, years=[ARCHIVE_YEAR])
    update = time.perf_counter() - started
    stored = {r[0]: facts(r) for r in of_archive.values_list(*FACT_FIELDS).iterator(10000)}
    assert stored == written, "the archive's facts differ from the refresh's"
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {YearRecord._meta.db_table}")

    # (b') each list of the year as the database decides it: its predicate over the
    # year's records and their facts, counted (the ten lists, one COUNT each).
    started = time.perf_counter()
    counts = {str(kind): of_year.filter(list_q(kind, year, policy)).count() for kind in ListKind}
    decided = time.perf_counter() - started

    # (b) every list in full: its count and all its rows, as the export reads them.
    by_list: dict[str, int] = {}
    started = time.perf_counter()
    for kind in ListKind:
        rows = of_year.filter(list_q(kind, year, policy))
        count = rows.count()
        line = ListLines(kind, policy)
        read = 0
        for values in rows.order_by(*LIST_ORDER).values_list(*ROW_FIELDS).iterator(5000):
            shown: ListRow = line(values)
            read += bool(shown.citation)
        assert read == count
        by_list[str(kind)] = count
    full = time.perf_counter() - started

    # (c) one tier's promotion list: its count and first page.
    tier = RankTier.STAFF
    page_rows = of_year.filter(list_q(ListKind.PROMOTION, year, policy), tier=tier)
    timings: list[tuple[float, float]] = []
    for _ in range(3):
        started = time.perf_counter()
        tier_count = page_rows.count()
        counted = time.perf_counter() - started
        started = time.perf_counter()
        first = list(page_rows.order_by(*LIST_ORDER).values_list(*ROW_FIELDS)[:LIST_PAGE_SIZE])
        timings.append((counted, time.perf_counter() - started))
    page_count = statistics.median(c for c, _p in timings)
    page_read = statistics.median(p for _c, p in timings)
    assert len(first) == min(LIST_PAGE_SIZE, tier_count)

    assert counts == by_list
    ratio_a = archive_seconds / warm if warm else float("inf")
    ratio_b = full / warm if warm else float("inf")
    ratio_lists = (archive_seconds + decided) / warm if warm else float("inf")
    total = archive_seconds + full
    print(
        f"  yardstick: one GROUP BY person over {records:,} rows (优秀 years, years counted, "
        f"first year, quarters), every row fetched: first run {cold:.3f} s, warm {warm:.3f} s"
    )
    print(
        f"  (a) the archive of {ARCHIVE_YEAR}: {archived['created']:,} records with their "
        f"lists' facts, from the published run (archive_year; the run built in "
        f"{archive_build:.1f} s): {archive_seconds:.2f} s; ratio {ratio_a:.1f} (target <= "
        f"{TARGET_RATIO:g}: {_verdict(ratio_a <= TARGET_RATIO)})"
    )
    print(
        f"  (a') the facts UPDATE of {ARCHIVE_YEAR} from the archive ({refreshed:,} records: "
        f"an import of earlier years, a republish): {update:.2f} s; ratio {update / warm:.1f}; "
        "the archive's facts equal it"
    )
    print(
        f"  (b') the ten lists of {year} decided (each one's predicate over the year's "
        f"records, counted): {decided:.2f} s; (a) + (b') {archive_seconds + decided:.2f} s, "
        f"ratio {ratio_lists:.1f} (target <= {TARGET_RATIO:g}: "
        f"{_verdict(ratio_lists <= TARGET_RATIO)}; < {TARGET_SECONDS:g} s: "
        f"{_verdict(archive_seconds + decided < TARGET_SECONDS)})"
    )
    print(
        f"  (b) every list of {year} read in full (count + rows with reasons, "
        f"{sum(by_list.values()):,} rows): {full:.2f} s; ratio {ratio_b:.1f} (target <= "
        f"{TARGET_RATIO:g}: {_verdict(ratio_b <= TARGET_RATIO)})"
    )
    print(
        f"  (a) + (b): {total:.2f} s (target < {TARGET_SECONDS:g} s: "
        f"{_verdict(total < TARGET_SECONDS)})"
    )
    print(
        f"  (c) promotion list, tier {tier} ({tier_count:,} people): count "
        f"{page_count * 1000:.1f} ms, first page of {LIST_PAGE_SIZE} {page_read * 1000:.1f} ms "
        "(median of 3)"
    )
    print("    count plan: " + _explain(page_rows))
    print("    page plan:  " + _explain(page_rows.order_by(*LIST_ORDER)[:LIST_PAGE_SIZE]))
    print("  people by list: " + ", ".join(f"{k} {n:,}" for k, n in by_list.items()))
    figures = {
        "records": records,
        "archive_seconds": round(archive_seconds, 3),
        "update_seconds": round(update, 3),
        "read_all_seconds": round(full, 3),
        "page_count_seconds": round(page_count, 4),
        "page_read_seconds": round(page_read, 4),
        "aggregate_cold": round(cold, 3),
        "aggregate_warm": round(warm, 3),
        "ratio_archive": round(ratio_a, 2),
        "ratio_read_all": round(ratio_b, 2),
        "lists_decided_seconds": round(decided, 3),
        "ratio_archive_and_lists": round(ratio_lists, 2),
        "by_list": by_list,
        "load": os.getloadavg(),
    }
    print(common.RESULT + json.dumps(figures))


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
