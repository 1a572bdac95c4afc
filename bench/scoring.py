"""Scoring benchmark: computing a quarter and a year (R5) against one SQL aggregate over
the same inputs. Prints figures; asserts nothing.

    python bench/scoring.py [--skip-sqlite] [--skip-pg] [--people 300000]
                            [--quarters 0-4] [--[no-]recompute] [--[no-]indicators]
                            [--keep | --db NAME]

(a) sqlite  the demo county as `manage.py demo_load` builds it on 2026-11-20 (a year of
            work logs and their monthly tallies, 88 approved schemes, rated Q1–Q3) in
            a temporary SQLite file, with Q3 indicator results entered for everyone
            under their unit's schemes (`--no-indicators` leaves them out) and the
            demo's own Q3 run dropped: `quarter_compute` for 2026 Q3 twice (the
            second recomputes in place).
(b) pg      `--people` cadres (default 300,000) in units of 20, built in SQL on a
            throwaway PostgreSQL database, with a closed round and a rating for
            everyone in each quarter of 2026 and in the annual democratic evaluation:
            `quarter_compute` for the last `--quarters` quarters (Q1–Q4 up to 50,000
            people; only Q4 above — the earlier quarters' published results are then
            written in SQL from the ratings), the runs are published, and
            `annual_compute` runs. With `--recompute` (the default up to 50,000
            people) the last quarter and the year are computed a second time, in
            place. `--quarters 0` times the year alone, on four quarters written in SQL.
            For the computed quarters every unit has an approved scheme (the demo's
            综合管理类 template, 43 indicators), everyone has that quarter's indicator
            results (about 30 rows a person) and a monthly log tally per month, with
            0–1 working days a month missing; there are no raw logs, leave or
            summaries, so every quarterly summary is missing (0.01 a missing day and
            0.5 a summary, so the grades still spread over all four bands).
            `--no-city-inputs` leaves the schemes, results and tallies out: then every
            working day is missing and the indicator part finds nothing to roll up.
            The last computed quarter is then computed once more as the pages do it,
            as a background job (kaohe.jobs): `job_start` with the database backend,
            the task run in-process as `manage.py db_worker` runs it, and a second
            thread polling the progress page every second. Printed: the job's time and
            its ratio to the warm aggregate, its progress updates (Job.updates), and
            the queries of one poll while queued, during the run and when done.

The yardsticks. QUARTER_AGGREGATE is one SELECT that reads every table the quarter's
compute reads, with the same filters, joins it per person and aggregates per unit:
the in-scope memberships on the quarter's last day, the units' quota pools, the
round's results, the quarter's indicator results under approved unit schemes
(automatic items left out, with each item's points), and what the work-log
deductions read — the in-scope stretches overlapping the quarter, leave, the monthly
log tallies of the quarter and the quarterly summaries. ANNUAL_AGGREGATE does the
same for the year: memberships on Dec 31 with their rank tiers, pools, the annual
democratic evaluation, the units' annual results, every published quarter's results,
the person-year flags, and the discipline and leave records that may touch the year
(the city has about 1.5% of its people with a punishment and 3% with leave:
`conduct_rows`). Each is timed once cold and three times warm (median);
the ratio printed is the compute's time over the warm aggregate's. Not read by the
aggregates: the scoring and work-log policies and the working-day calendar (a few
rows each).

Every compute is timed from the outside and, inside the same call, phase by phase
(inputs and their queries, the engine, the write, the commit), by standing in for
the service's helpers while it runs, so readers see where the time goes.

(b) needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth); it creates and
drops a database named kaohe_bench_scoring_<pid>, also when it fails. With `--db NAME`
it runs on the database NAME (kaohe_bench_…) and keeps it: the first run builds the
city there, later runs with the same options reuse it (the computed quarters' runs
and the year's results removed, that table truncated, VACUUM ANALYZE) and time the
computes again without the minutes of building. Each part runs
in its own Python process (`--sqlite-worker <file>`, `--pg-worker <db>`), so each gets
a fresh Django set-up for its own database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import city
import common

if TYPE_CHECKING:
    from django.db.backends.utils import CursorWrapper
    from django.db.models import QuerySet

    from kaohe.org.models import Region
    from kaohe.scoring.models import AnnualResult, QuarterResult

# The workers' environment beyond common.BASE_ENV: demo_load builds the demo year as
# it stands on this day (Q1–Q3 rated, Q4 open).
WORKER_ENV = {"KAOHE_TODAY": "2026-11-20"}
YEAR = 2026
SEED = 20261130
UNIT_SIZE = 20
DEDUCTION_PER_MISSING_LOG = Decimal("0.01")
DEDUCTION_PER_MISSING_QUARTERLY = Decimal("0.5")
TARGET_SQLITE = 2.0  # seconds for a quarter of the demo county
TARGET_PG = 60.0  # seconds for a quarter, and for a year, at city scale
TARGET_RATIO = 3.0  # compute / one aggregate over the same inputs
# Up to this many cadres (b) computes all four quarters and recomputes in place; above,
# one quarter (Q4) and the year, which already takes minutes (see --quarters).
FULL_RUN_UP_TO = 50_000

# The statuses of kaohe.org.models.IN_SCOPE_STATUSES, spelled out in the SQL below so it
# is a constant; in_scope_sql_matches() checks that they agree before anything runs.
IN_SCOPE_SQL = "('on_duty', 'village', 'seconded', 'new_recruit', 'probation')"
# The yardsticks: one SQL statement each that reads the same rows as the compute it is
# set against, joins them per person and aggregates per unit, fetching one row per
# unit; templates of the tables' names (`aggregate`). Kept in step with
# kaohe.scoring.inputs by hand; what each part stands for:
QUARTER_AGGREGATE = """
WITH
-- members_on: the in-scope memberships in force on the quarter's last day
m AS (SELECT person_id, unit_id, status FROM {t.membership}
      WHERE region_id = %(region)s AND valid_from <= %(end)s
        AND (valid_to IS NULL OR valid_to >= %(end)s) AND status IN {in_scope}),
-- _pools: the units' quota pools of the year
pool AS (SELECT unit_id, pool_id FROM {t.quota_pool_member} WHERE year = %(year)s),
-- _round_scores: the closed round's results
rating AS (SELECT target_id, score FROM {t.round_result} WHERE round_id = %(round)s),
-- indicator_parts: the quarter's results under approved unit schemes, automatic
-- indicators left out, with each indicator's kind and points (the roll-up's tree)
ind AS (SELECT r.person_id, r.unit_id, COUNT(*) AS n, SUM(r.value) AS points,
               SUM(r.occurrences * i.per_occurrence) AS deducted,
               SUM(CASE WHEN r.flag THEN 1 ELSE 0 END) AS flagged, SUM(i.max_points) AS most
        FROM {t.indicator_result} r
        JOIN {t.indicator} i ON i.id = r.indicator_id AND i.auto_source = ''
        JOIN {t.scheme_version} v ON v.id = r.version_id AND v.state = 'approved'
        JOIN {t.scheme} s ON s.id = v.scheme_id AND s.role = 'unit'
        WHERE s.region_id = %(region)s AND r.year = %(year)s AND r.quarter = %(quarter)s
        GROUP BY r.person_id, r.unit_id),
-- worklog_deductions: in-scope memberships overlapping the quarter (the days owed),
-- leave, the monthly log tallies of the quarter and the quarterly summaries written
owe AS (SELECT person_id, COUNT(*) AS stretches, MIN(valid_from) AS since
        FROM {t.membership}
        WHERE region_id = %(region)s AND valid_from <= %(end)s
          AND (valid_to IS NULL OR valid_to >= %(start)s) AND status IN {in_scope}
        GROUP BY person_id),
away AS (SELECT person_id, COUNT(*) AS leaves FROM {t.leave}
         WHERE region_id = %(region)s AND start <= %(end)s AND "end" >= %(start)s
         GROUP BY person_id),
logs AS (SELECT person_id, SUM(on_time) AS on_time, SUM(backfilled) AS backfilled
         FROM {t.log_tally}
         WHERE region_id = %(region)s AND month BETWEEN %(start)s AND %(end)s
         GROUP BY person_id),
summary AS (SELECT DISTINCT person_id FROM {t.summary}
            WHERE region_id = %(region)s AND kind = 'quarterly'
              AND year = %(year)s AND quarter = %(quarter)s)
SELECT m.unit_id, MAX(pool.pool_id), COUNT(*), AVG(rating.score),
       SUM(ind.n), SUM(ind.points), SUM(ind.deducted), SUM(ind.flagged), SUM(ind.most),
       SUM(owe.stretches), MIN(owe.since), SUM(away.leaves),
       SUM(logs.on_time), SUM(logs.backfilled), COUNT(summary.person_id),
       SUM(CASE WHEN m.status = 'probation' THEN 1 ELSE 0 END)
FROM m
LEFT JOIN pool ON pool.unit_id = m.unit_id
LEFT JOIN rating ON rating.target_id = m.person_id
LEFT JOIN ind ON ind.person_id = m.person_id AND ind.unit_id = m.unit_id
LEFT JOIN owe ON owe.person_id = m.person_id
LEFT JOIN away ON away.person_id = m.person_id
LEFT JOIN logs ON logs.person_id = m.person_id
LEFT JOIN summary ON summary.person_id = m.person_id
GROUP BY m.unit_id
"""
# The year's: the memberships in force on Dec 31 with their rank tier, the pools, the
# annual democratic evaluation, the units' annual results, every published quarter's
# results and the person-year flags.
ANNUAL_AGGREGATE = """
WITH
m AS (SELECT m.person_id, m.unit_id, m.status, m.leadership_role, k.tier
      FROM {t.membership} m JOIN {t.rank_level} k ON k.id = m.rank_level_id
      WHERE m.region_id = %(region)s AND m.valid_from <= %(end)s
        AND (m.valid_to IS NULL OR m.valid_to >= %(end)s) AND m.status IN {in_scope}),
pool AS (SELECT unit_id, pool_id FROM {t.quota_pool_member} WHERE year = %(year)s),
democratic AS (SELECT target_id, score FROM {t.round_result} WHERE round_id = %(round)s),
unit_score AS (SELECT unit_id, COALESCE(override, computed) AS score
               FROM {t.unit_year_result} WHERE year = %(year)s),
quarters AS (SELECT q.person_id, COUNT(*) AS n, AVG(q.score) AS mean,
                    SUM(CASE WHEN q.grade = 'good' THEN 1 ELSE 0 END) AS good,
                    SUM(CASE WHEN q.grade = 'poor' THEN 1 ELSE 0 END) AS poor
             FROM {t.quarter_result} q JOIN {t.quarter_run} r ON r.id = q.run_id
             WHERE r.region_id = %(region)s AND r.year = %(year)s AND r.state = 'published'
             GROUP BY q.person_id),
flag AS (SELECT f.person_id, COUNT(*) AS n
         FROM {t.person_year_flag} f JOIN {t.person} p ON p.id = f.person_id
         WHERE f.year = %(year)s AND p.region_id = %(region)s GROUP BY f.person_id),
conduct AS (SELECT person_id, COUNT(*) AS n, SUM(days) AS days FROM (
              SELECT person_id, 0 AS days FROM {discipline}
              WHERE region_id = %(region)s AND start <= %(end)s
                AND ("end" >= %(first)s OR ("end" IS NULL AND start >= %(earliest)s))
              UNION ALL
              SELECT person_id, days FROM {absence}
              WHERE region_id = %(region)s AND kind = 'leave' AND start <= %(end)s
                AND "end" >= %(first)s) c
            GROUP BY person_id)
SELECT m.unit_id, MAX(pool.pool_id), MAX(unit_score.score), COUNT(*),
       AVG(democratic.score), AVG(quarters.mean), SUM(quarters.n), SUM(quarters.good),
       SUM(quarters.poor), SUM(flag.n), SUM(conduct.n), SUM(conduct.days),
       SUM(CASE WHEN m.leadership_role = 'main' THEN 1 ELSE 0 END), COUNT(DISTINCT m.tier)
FROM m
LEFT JOIN pool ON pool.unit_id = m.unit_id
LEFT JOIN democratic ON democratic.target_id = m.person_id
LEFT JOIN unit_score ON unit_score.unit_id = m.unit_id
LEFT JOIN quarters ON quarters.person_id = m.person_id
LEFT JOIN flag ON flag.person_id = m.person_id
LEFT JOIN conduct ON conduct.person_id = m.person_id
GROUP BY m.unit_id
"""


def aggregate(template: str) -> str:
    """A yardstick's SQL: the template with the tables' names and the statuses."""
    from kaohe.conduct.models import AbsenceRecord, DisciplineRecord
    from kaohe.core import sql

    return template.format(
        t=city.tables(),
        in_scope=IN_SCOPE_SQL,
        discipline=sql.table(DisciplineRecord),
        absence=sql.table(AbsenceRecord),
    )


# --- Orchestration (no Django in this process) -----------------------------------


def run_worker(flag: str, target: str, database_url: str, args: argparse.Namespace) -> int:
    env = common.worker_env(database_url, extra=WORKER_ENV)
    command = [sys.executable, str(Path(__file__).resolve()), flag, target]
    command += ["--people", str(args.people)]
    if args.quarters is not None:
        command += ["--quarters", str(args.quarters)]
    if args.recompute is not None:
        command.append("--recompute" if args.recompute else "--no-recompute")
    if args.db:
        command.append("--reuse")
    command.append("--indicators" if args.indicators else "--no-indicators")
    command.append("--city-inputs" if args.city_inputs else "--no-city-inputs")
    return subprocess.run(command, env=env, cwd=common.ROOT, check=False).returncode  # noqa: S603


def orchestrate(args: argparse.Namespace) -> int:
    # A SIGTERM unwinds like Ctrl-C, so the `finally` below still drops the database
    # (subprocess.run kills the worker on the way out).
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(143))
    failures = 0
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory(prefix="kaohe-bench-") as tmp:
            path = f"{tmp}/bench.sqlite3"
            failures += run_worker("--sqlite-worker", path, f"sqlite:///{path}", args) != 0
    if not args.skip_pg and args.db:
        # A named database is kept: built on the first run, reused on the next ones.
        if not common.database_exists(args.db):
            common.create_database(args.db)
        failures += (
            run_worker("--pg-worker", args.db, common.PG_URL.format(name=args.db), args) != 0
        )
        print(f"  kept database {args.db} (dropdb -h 127.0.0.1 -U postgres {args.db})")
    elif not args.skip_pg:
        name = f"{common.DB_PREFIX}scoring_{os.getpid()}"
        common.create_database(name)
        try:
            failures += run_worker("--pg-worker", name, common.PG_URL.format(name=name), args) != 0
        finally:
            if args.keep:
                print(f"  kept database {name} (dropdb -h 127.0.0.1 -U postgres {name})")
            else:
                common.drop_database(name)
    return 1 if failures else 0


# --- Shared by both parts ------------------------------------------------------------


def in_scope_sql_matches() -> None:
    from kaohe.org.models import IN_SCOPE_STATUSES

    spelled = {s.strip(" '") for s in IN_SCOPE_SQL.strip("()").split(",")}
    if spelled != {str(s) for s in IN_SCOPE_STATUSES} or not all(
        IN_SCOPE_SQL in aggregate(sql) for sql in (QUARTER_AGGREGATE, ANNUAL_AGGREGATE)
    ):
        raise RuntimeError(f"the aggregates' statuses are out of date: {set(IN_SCOPE_STATUSES)}")


def set_deductions(region_id: int) -> None:
    """Small deductions, saved through the model so the cached policy is dropped too."""
    from kaohe.worklogs.models import WorklogPolicy

    policy, _created = WorklogPolicy.objects.get_or_create(region_id=region_id)
    policy.deduction_per_missing_log = DEDUCTION_PER_MISSING_LOG
    policy.deduction_per_missing_quarterly = DEDUCTION_PER_MISSING_QUARTERLY
    policy.save()


AggregateParams = dict[str, int | dt.date]


def quarter_params(region_id: int, round_id: int, quarter: int) -> AggregateParams:
    period_start = dt.date(YEAR, 3 * quarter - 2, 1)
    period_end = (dt.date(YEAR, 3 * quarter, 28) + dt.timedelta(days=4)).replace(day=1)
    return {
        "region": region_id,
        "round": round_id,
        "year": YEAR,
        "quarter": quarter,
        "start": period_start,
        "end": period_end - dt.timedelta(days=1),
    }


def annual_params(region_id: int, round_id: int) -> AggregateParams:
    return {
        "region": region_id,
        "round": round_id,
        "year": YEAR,
        "end": dt.date(YEAR, 12, 31),
        "first": dt.date(YEAR, 1, 1),
        "earliest": dt.date(YEAR - 2, 1, 1),  # the longest default period (24 months)
    }


def aggregate_seconds(sql: str, params: AggregateParams) -> tuple[float, int]:
    """One run of a plain aggregate, fetching every row: (seconds, rows)."""
    from django.db import connection

    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(sql, params)
        rows = len(cursor.fetchall())
        return time.perf_counter() - started, rows


@dataclass(frozen=True)
class Aggregate:
    first: float  # the first run, before any warm-up
    warm: float  # the median of the next three
    rows: int

    def line(self, what: str) -> str:
        return (
            f"  SQL aggregate ({what}): {self.rows:,} rows; first run {self.first:.3f} s, "
            f"warm (median of 3) {self.warm:.3f} s"
        )


def time_aggregate(sql: str, params: AggregateParams) -> Aggregate:
    first, rows = aggregate_seconds(sql, params)
    warm = statistics.median(aggregate_seconds(sql, params)[0] for _ in range(3))
    return Aggregate(first, warm, rows)


@dataclass(frozen=True)
class Span:
    label: str
    start: float
    end: float

    @property
    def seconds(self) -> float:
        return self.end - self.start


@dataclass
class Tracer:
    """Stands in for named functions while a compute runs and records when each one
    started and ended, so one call can be cut into its phases without changing it."""

    spans: list[Span] = field(default_factory=list)
    started: float = 0.0
    ended: float = 0.0
    _patches: list[tuple[object, str, object, bool]] = field(default_factory=list)

    def patch(
        self,
        owner: object,
        attr: str,
        label: str,
    ) -> None:
        original: Callable[..., Any] = getattr(owner, attr)
        spans = self.spans

        def stand_in(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                spans.append(Span(label, start, time.perf_counter()))

        # A method of an instance (a manager) is shadowed, then the shadow removed.
        own = attr in getattr(owner, "__dict__", {})
        self._patches.append((owner, attr, original, own))
        setattr(owner, attr, stand_in)

    def restore(self) -> None:
        for owner, attr, original, own in reversed(self._patches):
            if own:
                setattr(owner, attr, original)
            else:
                delattr(owner, attr)
        self._patches.clear()

    def span(self, label: str) -> Span | None:
        return next((s for s in self.spans if s.label == label), None)

    def seconds(self, label: str) -> float:
        """The time in every call of `label` (the year's write: results, then steps)."""
        return sum(s.seconds for s in self.spans if s.label == label)

    @property
    def total(self) -> float:
        return self.ended - self.started

    @contextmanager
    def timing(self) -> Iterator[Tracer]:
        self.started = time.perf_counter()
        try:
            yield self
        finally:
            self.ended = time.perf_counter()
            self.restore()


def gap(a: Span | None, b: Span | None) -> float:
    """Time from the end of `a` to the start of `b`."""
    return b.start - a.end if a and b else 0.0


def quarter_traced(region: Region, quarter: int, today: dt.date) -> tuple[Tracer, dict[str, int]]:
    """quarter_compute with its phases traced: (tracer, results written by grade)."""
    from kaohe.scoring import engine, inputs, services
    from kaohe.scoring.models import QuarterResult
    from kaohe.worklogs import compliance

    tracer = Tracer()
    tracer.patch(services, "quarter_inputs", "inputs")
    tracer.patch(inputs, "_pools", "pools")
    tracer.patch(inputs, "_round_scores", "round scores")
    tracer.patch(inputs, "indicator_parts", "indicator parts")
    tracer.patch(inputs, "worklog_deductions", "work-log deductions")
    tracer.patch(compliance, "compliance_counts", "compliance counts")
    tracer.patch(inputs, "worklog_policy_for", "work-log policy")
    tracer.patch(engine, "quarter_scores", "scores")
    tracer.patch(engine, "quarter_grades", "grades")
    tracer.patch(inputs, "members_on", "memberships")
    tracer.patch(inputs, "_conduct", "conduct")
    tracer.patch(services, "store_rows", "write")
    tracer.patch(services, "audit_record", "audit")
    with tracer.timing():
        run = services.quarter_compute(
            actor=None, region=region, year=YEAR, quarter=quarter, today=today
        )
    return tracer, grade_counts(QuarterResult.objects.filter(run=run))


@dataclass
class JobRun:
    """The quarter computed as the pages compute it: a background job (kaohe.jobs)."""

    seconds: float  # from job_start to the job done, the worker's claim included
    updates: int  # progress writes the job made (Job.updates)
    state: str
    polls: list[tuple[int, int]]  # (percent shown, queries) of each poll during the run
    queued_queries: int  # one poll before the worker takes the job
    done_queries: int  # one poll after it ended


def bench_office(region: Region) -> Any:
    """A login of the region's assessment office: the job's actor and its watcher."""
    from kaohe.accounts.models import Role, User
    from kaohe.accounts.services import role_grant

    username = f"bench-office-{region.pk}"
    kept = User.objects.filter(username=username).first()  # a city reused by --db
    if kept is not None:
        return kept
    user = User.objects.create_user(username=username, region=region)
    role_grant(actor=None, user=user, role=Role.REGION_ADMIN)
    return user


def poll_once(client: Any, url: str) -> tuple[int, int]:
    """One htmx poll of the job's progress: (percent shown, queries it made)."""

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers={"HX-Request": "true"}, secure=True)
    if response.status_code != 200:
        raise RuntimeError(f"the poll answered {response.status_code}")
    shown = re.search(r"<span>(\d+)%</span>", response.content.decode())
    return (int(shown.group(1)) if shown else -1), len(queries)


def quarter_as_job(region: Region, quarter: int, today: dt.date) -> JobRun:
    """quarter_compute as a job: job_start (the database backend enqueues the task),
    then the task run in-process the way `manage.py db_worker` runs it, while another
    thread polls the progress page every second as the page does."""
    import threading
    import warnings

    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from kaohe.jobs.models import Job
    from kaohe.jobs.services import job_start
    from kaohe.jobs.worker import run_queued_tasks
    from kaohe.scoring import jobs

    # Debug is off and nothing was collected: WhiteNoise says so once; the poll
    # serves no static file.
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    office = bench_office(region)
    client = Client(HTTP_HOST=common.HOST)
    client.force_login(office)
    started = time.perf_counter()
    job = job_start(
        actor=office,
        region=region,
        kind=jobs.QUARTER,
        key=jobs.quarter_key(YEAR, quarter),
        params={"year": YEAR, "quarter": quarter, "today": today.isoformat()},
    )
    url = reverse("jobs:job", args=[job.pk])
    _shown, queued_queries = poll_once(client, url)
    polls: list[tuple[int, int]] = []
    running = threading.Event()
    running.set()

    def watch() -> None:
        watcher = Client(HTTP_HOST=common.HOST)
        watcher.force_login(office)
        try:
            while running.is_set():
                polls.append(poll_once(watcher, url))
                time.sleep(1.0)  # as the page's hx-trigger="every 1s"
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    ran = run_queued_tasks()
    seconds = time.perf_counter() - started
    running.clear()
    thread.join()
    if ran != 1:
        raise RuntimeError(f"the worker ran {ran} tasks, not 1")
    job = Job.objects.get(pk=job.pk)
    _shown, done_queries = poll_once(client, url)
    if job.state != "done":
        raise RuntimeError(f"the job ended {job.state}: {job.error}")
    return JobRun(seconds, job.updates, job.state, polls, queued_queries, done_queries)


def print_job(run: JobRun, agg: Aggregate) -> None:
    ratio = run.seconds / agg.warm if agg.warm else float("inf")
    shown = [p for p, _q in run.polls]
    during = sorted({q for _p, q in run.polls})
    constant = {run.queued_queries, run.done_queries, *during} == {run.done_queries}
    print(
        f"  as a job (job_start, the task run as db_worker runs it): {run.state} in "
        f"{run.seconds:.2f} s; ratio to the warm aggregate {ratio:.1f} "
        f"(target <= {TARGET_RATIO:g}: {'met' if ratio <= TARGET_RATIO else 'MISSED'}); "
        f"{run.updates} progress updates; {load()}"
    )
    print(
        f"    progress poll: {run.queued_queries} queries while queued, "
        f"{', '.join(map(str, during)) or 'none'} during the run ({len(run.polls)} polls, "
        f"percent seen {' → '.join(map(str, dict.fromkeys(shown))) or '-'}), "
        f"{run.done_queries} when done ({'constant' if constant else 'NOT constant'})"
    )


def grade_counts(results: QuerySet[QuarterResult] | QuerySet[AnnualResult]) -> dict[str, int]:
    from django.db.models import Count

    rows = results.values_list("grade").annotate(n=Count("id")).order_by("grade")
    return {str(grade): int(n) for grade, n in rows}


def grades_line(counts: dict[str, int]) -> str:
    return ", ".join(f"{grade or '(not graded)'} {n:,}" for grade, n in counts.items())


def quarter_breakdown(t: Tracer) -> list[tuple[str, float]]:
    inputs, grades = t.span("inputs"), t.span("grades")
    writes, audit = t.span("write"), t.span("audit")
    return [
        ("run lookup and policy", inputs.start - t.started if inputs else 0.0),
        ("quarter_inputs", t.seconds("inputs")),
        ("  memberships in force (members_on)", t.seconds("memberships")),
        ("  _pools", t.seconds("pools")),
        ("  _round_scores", t.seconds("round scores")),
        ("  indicator_parts (3 queries)", t.seconds("indicator parts")),
        ("  worklog_deductions", t.seconds("work-log deductions")),
        ("    compliance_counts", t.seconds("compliance counts")),
        (
            "    stretches in scope and summaries owed",
            t.seconds("work-log deductions") - t.seconds("compliance counts"),
        ),
        ("  building the QuarterInputs", gap(t.span("work-log policy"), _end(inputs))),
        ("engine: quarter_scores", t.seconds("scores")),
        ("engine: quarter_grades", t.seconds("grades")),
        ("ranks in unit + delete of the old rows", gap(grades, writes)),
        (
            "store_rows: results, then the run's steps (COPY, SQLite: INSERT)",
            t.seconds("write"),
        ),
        ("audit row + commit", t.ended - audit.start if audit else 0.0),
    ]


def _end(s: Span | None) -> Span | None:
    """A zero-length span at the end of `s`, so gap() can measure up to it."""
    return Span("end", s.end, s.end) if s else None


def print_breakdown(rows: list[tuple[str, float]], total: float) -> None:
    for label, seconds in rows:
        share = seconds / total * 100 if total else 0.0
        print(f"      {label:<62} {seconds:7.2f} s {share:5.1f} %")


def print_quarter(
    label: str, t: Tracer, grades: dict[str, int], target: float, agg: Aggregate
) -> None:
    ratio = t.total / agg.warm if agg.warm else float("inf")
    verdict = "met" if t.total < target else "MISSED"
    print(
        f"  {label}: {sum(grades.values()):,} people in {t.total:.2f} s "
        f"(target < {target:g} s: {verdict}); ratio to the warm aggregate {ratio:.1f} "
        f"(target <= {TARGET_RATIO:g}: {'met' if ratio <= TARGET_RATIO else 'MISSED'}); "
        f"{load()}"
    )
    print(f"    grades: {grades_line(grades)}")
    print_breakdown(quarter_breakdown(t), t.total)


# --- (a) The demo county, SQLite ------------------------------------------------------


def part_sqlite(args: argparse.Namespace) -> None:
    common.setup_django()
    from io import StringIO

    from django.core.management import call_command

    from kaohe.demo.org import demo_region
    from kaohe.reviews.models import ReviewRound, RoundResult
    from kaohe.scoring.models import QuarterRun
    from kaohe.worklogs.models import WorkLog

    in_scope_sql_matches()
    print(f"(a) quarter_compute for {YEAR} Q3, the demo county (manage.py demo_load), SQLite")
    migrated = common.migrate()
    started = time.perf_counter()
    call_command("demo_load", "--quiet", stdout=StringIO())
    loaded = time.perf_counter() - started
    region = demo_region()
    assert region is not None
    round_ = ReviewRound.objects.get(
        region=region, year=YEAR, cadence=ReviewRound.Cadence.QUARTERLY, number=3
    )
    started = time.perf_counter()
    entered = enter_indicator_results(region.pk, 3) if args.indicators else 0
    # The demo computed Q3 already: drop that run, so the first compute starts afresh.
    QuarterRun.objects.filter(region=region, year=YEAR, quarter=3).delete()
    prepared = time.perf_counter() - started
    print(
        f"  set-up: migrate {migrated:.1f} s, demo_load {loaded:.1f} s "
        f"({WorkLog.objects.filter(region=region).count():,} work logs, closed Q3 round with "
        f"{RoundResult.objects.filter(round=round_).count():,} ratings); "
        f"{entered:,} indicator results entered for Q3 and the demo's Q3 run dropped "
        f"{prepared:.1f} s"
    )
    today = dt.date(YEAR, 11, 20)
    agg = time_aggregate(aggregate(QUARTER_AGGREGATE), quarter_params(region.pk, round_.pk, 3))
    print(agg.line("QUARTER_AGGREGATE, the quarter's inputs per unit"))
    for label in ("first run (cold)", "second run (recomputes in place)"):
        tracer, results = quarter_traced(region, 3, today)
        print_quarter(f"quarter_compute, {label}", tracer, results, TARGET_SQLITE, agg)


def enter_indicator_results(region_id: int, quarter: int) -> int:
    """Results for everyone in scope at the quarter's end, under their unit's schemes
    in force, as a unit head would enter them (seeded): scored items 70–100% of their
    points, a bonus for one in ten, a deduction of one or two occurrences for one in
    twenty, pass/fail items passed, a veto triggered for one in three hundred; nothing
    for automatic items. Returns the rows written."""
    import random

    from kaohe.schemes.models import Indicator, IndicatorResult
    from kaohe.schemes.selectors import versions_in_force_many
    from kaohe.scoring.inputs import members_on
    from kaohe.worklogs.rules import Period

    period = Period(YEAR, quarter)
    versions = versions_in_force_many(region_id, period)
    leaves: dict[int, list[tuple[int, str, Decimal, Decimal]]] = {}
    for version_id, pk, kind, max_points, cap in (
        Indicator.objects.filter(
            version_id__in=[v.pk for vs in versions.values() for v in vs], auto_source=""
        )
        .exclude(kind="group")
        .order_by("version_id", "position", "pk")
        .values_list("version_id", "pk", "kind", "max_points", "cap")
    ):
        leaves.setdefault(version_id, []).append((pk, kind, max_points, cap))
    rng = random.Random(SEED)
    rows = []
    members = members_on(region_id, period.end)
    for person_id in sorted(members):
        unit_id = members[person_id].unit_id
        for version in versions.get(unit_id, []):
            for pk, kind, max_points, cap in leaves.get(version.pk, []):
                fields: dict[str, Any] = {}
                if kind == "scored":
                    fields["value"] = (max_points * rng.randint(70, 100) / 100).quantize(
                        Decimal("0.01")
                    )
                elif kind == "bonus" and rng.random() < 0.1:
                    fields["value"] = min(cap, Decimal(rng.randint(1, 3)))
                elif kind == "deduction" and rng.random() < 0.05:
                    fields["occurrences"] = rng.randint(1, 2)
                elif kind == "pass_fail" or (kind == "veto" and rng.random() < 1 / 300):
                    fields["flag"] = True
                if fields:
                    rows.append(
                        IndicatorResult(
                            version=version,
                            indicator_id=pk,
                            unit_id=unit_id,
                            person_id=person_id,
                            year=YEAR,
                            quarter=quarter,
                            **fields,
                        )
                    )
    IndicatorResult.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


# --- (b) A city, PostgreSQL -----------------------------------------------------------


def build_city(region_id: int, people: int, filled: Sequence[int]) -> dict[str, int]:
    """Units, people, memberships, pools, rounds and ratings in SQL, and the published
    results of the `filled` quarters (those not computed); returns counts."""
    from django.db import connection
    from django.db.models import JSONField
    from django.utils import timezone

    from kaohe.org.models import PersonnelCategory, RankLevel
    from kaohe.reviews.models import ReviewRound, RoundResult, RoundState
    from kaohe.scoring.models import QuarterResult

    t = city.tables()
    units = -(-people // UNIT_SIZE)
    ranks = list(
        RankLevel.objects.filter(region_id=region_id).order_by("sort_order").values_list("pk")
    )
    rank_ids = [r[0] for r in ranks]
    category = PersonnelCategory.objects.filter(region_id=region_id).values_list("pk")[0][0]
    rounds = [
        ReviewRound.objects.create(
            region_id=region_id,
            year=YEAR,
            cadence=ReviewRound.Cadence.QUARTERLY,
            number=q,
            state=RoundState.CLOSED,
            starts_on=dt.date(YEAR, 3 * q, 20),
            ends_on=dt.date(YEAR, 3 * q, 28),
        )
        for q in (1, 2, 3, 4)
    ]
    rounds.append(
        ReviewRound.objects.create(
            region_id=region_id,
            year=YEAR,
            cadence=ReviewRound.Cadence.ANNUAL,
            number=1,
            state=RoundState.CLOSED,
            starts_on=dt.date(YEAR, 12, 20),
            ends_on=dt.date(YEAR, 12, 28),
        )
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.20261130)")
        city.series(cursor, max(people, units))
        city.units_add(cursor, region_id, units)
        city.people_add(cursor, region_id, people, timezone.now())
        city.series_drop(cursor)
        # The k-th person (by id) sits in unit k / 20, a few general cadres at 主任科员
        # levels (`city.people_seat`).
        city.people_seat(cursor, region_id, UNIT_SIZE, rank_ids, category, dt.date(YEAR, 1, 1))
        cursor.execute(
            f"""
            INSERT INTO {t.quota_pool} (region_id, year, name, kind, lead_unit_id)
            SELECT region_id, %s, name, 'own', id FROM {t.unit} WHERE region_id = %s
            """,  # noqa: S608
            [YEAR, region_id],
        )
        cursor.execute(
            f"""
            INSERT INTO {t.quota_pool_member} (pool_id, unit_id, year)
            SELECT id, lead_unit_id, year FROM {t.quota_pool} WHERE region_id = %s AND year = %s
            """,  # noqa: S608
            [region_id, YEAR],
        )
        # The units' annual results, read by the annual composite.
        cursor.execute(
            f"""
            INSERT INTO {t.unit_year_result}
                (unit_id, year, computed, months_counted, override_reason)
            SELECT id, %s, round((80 + 20 * random())::numeric, 2), 12, ''
            FROM {t.unit} WHERE region_id = %s
            """,  # noqa: S608
            [YEAR, region_id],
        )
        conduct_rows(cursor, region_id)
        city.bulk_writes(cursor)
        rebuilds = [common.strip_table(cursor, model) for model in (RoundResult, QuarterResult)]
        # Ratings 60–100 with two decimals, as a round's weighted means come out; the
        # details the scoring does not read (JSON columns: groups, weights …) empty.
        details = [
            f.column
            for f in RoundResult._meta.concrete_fields
            if isinstance(f, JSONField) and f.column
        ]
        columns = "".join(f", {c}" for c in details)
        empty = ", '{}'" * len(details)
        # Column names from the model, no input.
        insert_ratings = f"""
            INSERT INTO {t.round_result} (round_id, unit_id, target_id, score,
                rater_count{columns})
            SELECT r.id, m.unit_id, m.person_id, round((60 + 40 * random())::numeric, 2),
                   %s{empty}
            FROM {t.membership} m CROSS JOIN unnest(%s::bigint[]) AS r(id)
            WHERE m.region_id = %s
            """  # noqa: S608
        cursor.execute(
            insert_ratings,
            [UNIT_SIZE - 1, [r.pk for r in rounds], region_id],
        )
        filled_rows = sum(fill_quarter(cursor, region_id, rounds[q - 1].pk, q) for q in filled)
        for rebuild in rebuilds:
            rebuild()
        cursor.execute("RESET synchronous_commit")
        cursor.execute("RESET maintenance_work_mem")
        cursor.execute(f"SELECT count(*) FROM {t.round_result}")  # noqa: S608
        row = cursor.fetchone()
    return {
        "units": units,
        "rounds": len(rounds),
        "ratings": row[0] if row else 0,
        "filled": filled_rows,
    }


def conduct_rows(cursor: CursorWrapper, region_id: int) -> None:
    """Discipline and leave for the year's conduct rules (issue 16): about 1% of the
    people with a 警告 or 记过 this year (blank end: the default period), 0.5% with
    an older 记大过 still in force, and 3% with 10–45 days of leave, a third of them
    above the 30-day limit."""
    from kaohe.conduct.models import AbsenceRecord, DisciplineRecord
    from kaohe.core import sql
    from kaohe.org.models import Membership

    discipline, absence = sql.table(DisciplineRecord), sql.table(AbsenceRecord)
    membership = sql.table(Membership)
    # Table names from the models; the region and dates are bound.
    cursor.execute(
        f"""
        INSERT INTO {discipline} (region_id, person_id, kind, start, "end", document, note,
            created_at)
        SELECT region_id, person_id, kind, start, NULL::date, '区纪发〔' || person_id || '〕号', '',
               now()
        FROM (SELECT region_id, person_id, random() AS r,
                     CASE WHEN random() < 0.6 THEN 'warning' ELSE 'demerit' END AS kind,
                     %s::date + (330 * random())::int AS start
              FROM {membership} WHERE region_id = %s) m
        WHERE r < 0.01
        UNION ALL
        SELECT region_id, person_id, 'major_demerit', %s::date + (300 * random())::int, NULL::date,
               '区监委〔' || person_id || '〕号', '', now()
        FROM {membership} WHERE region_id = %s AND random() < 0.005
        """,  # noqa: S608
        [dt.date(YEAR, 1, 1), region_id, dt.date(YEAR - 1, 1, 1), region_id],
    )
    cursor.execute(
        f"""
        INSERT INTO {absence} (region_id, person_id, kind, start, "end", days, times, note,
            created_at)
        SELECT region_id, person_id, 'leave', start, start + days::int * 7 / 5, days, 0, '',
               now()
        FROM (SELECT region_id, person_id, random() AS r, %s::date + (250 * random())::int AS start,
                     (10 + (35 * random())::int)::numeric AS days
              FROM {membership} WHERE region_id = %s) m
        WHERE r < 0.03
        """,  # noqa: S608
        [dt.date(YEAR, 1, 15), region_id],
    )


def build_city_inputs(region_id: int, quarters: Sequence[int]) -> dict[str, int]:
    """What a real city's quarter also reads, in SQL: every unit's approved scheme (the
    demo's 综合管理类 template, copied per unit with its keys, approved on 1 January),
    each of `quarters`' indicator results for everyone in scope, entered as
    `enter_indicator_results` does (seeded), and a monthly log tally per person and
    month of those quarters, as the triggers would keep it: every working day written
    but 0–2 (by person), 0–2 of them backfilled. Returns row counts."""
    from django.db import connection

    from kaohe.core.calendar import region_calendar
    from kaohe.demo.schemes import TEMPLATE_A, write_tree
    from kaohe.schemes.models import (
        Indicator,
        IndicatorResult,
        Scheme,
        SchemeVersion,
        VersionState,
    )
    from kaohe.worklogs.rules import Period

    t = city.tables()
    template = Scheme.objects.create(
        region_id=region_id, role=Scheme.Role.TEMPLATE, name="基准模板", year=YEAR
    )
    version = SchemeVersion.objects.create(
        scheme=template, number=1, state=VersionState.APPROVED, approved_on=dt.date(YEAR, 1, 1)
    )
    tree = write_tree(version, TEMPLATE_A)
    cal = region_calendar(region_id, Period(YEAR, 1).start, Period(YEAR, 4).end)
    months = [dt.date(YEAR, 3 * q - 2 + i, 1) for q in quarters for i in range(3)]
    workdays = [
        cal.count(m, (m + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1))
        for m in months
    ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.20261201)")
        cursor.execute("SET synchronous_commit = off")
        cursor.execute(
            f"""
            INSERT INTO {t.scheme} (region_id, role, part, name, unit_id, year, quarter,
                created_at)
            SELECT region_id, 'unit', 'trunk', name || '平时考核方案', id, %s, 0, now()
            FROM {t.unit} WHERE region_id = %s
            """,  # noqa: S608
            [YEAR, region_id],
        )
        cursor.execute(
            f"""
            INSERT INTO {t.scheme_version} (scheme_id, number, state, based_on_id,
                created_at, approved_on)
            SELECT id, 1, 'approved', %s, now(), %s FROM {t.scheme}
            WHERE region_id = %s AND role = 'unit'
            """,  # noqa: S608
            [version.pk, dt.date(YEAR, 1, 1), region_id],
        )
        rebuilds = [common.strip_table(cursor, model) for model in (Indicator, IndicatorResult)]
        columns = (
            "key, position, name, description, module, dimension, kind, max_points, "
            "per_occurrence, cap, weight, quantitative, evidence_required, auto_source"
        )
        # The template's rows apart first: the copy below would otherwise scan the
        # table it writes (its indexes are gone) once per unit. Constants only.
        cursor.execute(
            f"CREATE TEMP TABLE bench_template AS SELECT {columns} "  # noqa: S608
            f"FROM {t.indicator} WHERE version_id = %s",
            [version.pk],
        )
        cursor.execute(
            f"""
            INSERT INTO {t.indicator} (version_id, parent_id, {columns})
            SELECT v.id, NULL, {", ".join("t." + c.strip() for c in columns.split(","))}
            FROM {t.scheme_version} v JOIN {t.scheme} s ON s.id = v.scheme_id
            CROSS JOIN bench_template t
            WHERE s.region_id = %s AND s.role = 'unit'
            """,  # noqa: S608
            [region_id],
        )
        cursor.execute("DROP TABLE bench_template")
        # Each copy's parent: the row of its own version with the template parent's key.
        cursor.execute(
            f"""
            CREATE TEMP TABLE bench_parent AS
            SELECT c.key, p.key AS parent_key FROM {t.indicator} c
            JOIN {t.indicator} p ON p.id = c.parent_id WHERE c.version_id = %s
            """,  # noqa: S608
            [version.pk],
        )
        for rebuild in rebuilds[:1]:
            rebuild()
        cursor.execute(
            f"""
            UPDATE {t.indicator} c SET parent_id = p.id
            FROM bench_parent b, {t.indicator} p
            WHERE c.key = b.key AND p.version_id = c.version_id AND p.key = b.parent_key
              AND c.version_id <> %s
            """,  # noqa: S608
            [version.pk],
        )
        cursor.execute("DROP TABLE bench_parent")
        results = 0
        for quarter in quarters:
            cursor.execute(
                f"""
                INSERT INTO {t.indicator_result} (version_id, indicator_id, unit_id,
                    person_id, year, quarter, value, occurrences, flag, note, updated_at)
                SELECT version_id, indicator_id, unit_id, person_id, %s, %s,
                       CASE WHEN kind = 'scored'
                            THEN round(max_points * (70 + floor(random() * 31))::int / 100, 2)
                            WHEN kind = 'bonus' THEN least(cap, (1 + floor(random() * 3))::int) END,
                       CASE WHEN kind = 'deduction' THEN 1 + floor(random() * 2)::int END,
                       CASE WHEN kind IN ('pass_fail', 'veto') THEN true END,
                       '', now()
                FROM (
                    SELECT v.id AS version_id, i.id AS indicator_id, m.unit_id, m.person_id,
                           i.kind, i.max_points, i.cap, random() AS draw
                    FROM {t.membership} m
                    JOIN {t.scheme} s ON s.unit_id = m.unit_id AND s.role = 'unit'
                    JOIN {t.scheme_version} v ON v.scheme_id = s.id
                    JOIN {t.indicator} i ON i.version_id = v.id
                    WHERE m.region_id = %s AND m.status IN {IN_SCOPE_SQL}
                      AND i.auto_source = '' AND i.kind <> 'group'
                ) AS leaf
                WHERE kind IN ('scored', 'pass_fail')
                   OR (kind = 'bonus' AND draw < 0.1)
                   OR (kind = 'deduction' AND draw < 0.05)
                   OR (kind = 'veto' AND draw < 1.0 / 300)
                """,  # noqa: S608
                [YEAR, quarter, region_id],
            )
            results += cursor.rowcount
        for rebuild in rebuilds[1:]:
            rebuild()
        # Tallies straight, as the triggers would keep them for these logs.
        cursor.execute(
            f"""
            INSERT INTO {t.log_tally} (region_id, person_id, unit_id, month,
                on_time, backfilled)
            SELECT m.region_id, m.person_id, m.unit_id, d.month,
                   d.workdays - m.person_id %% 3 - m.person_id %% 2, m.person_id %% 3
            FROM {t.membership} m
            CROSS JOIN unnest(%s::date[], %s::int[]) AS d(month, workdays)
            WHERE m.region_id = %s AND m.status IN {IN_SCOPE_SQL}
            """,  # noqa: S608
            [months, workdays, region_id],
        )
        tallies = cursor.rowcount
        cursor.execute("RESET synchronous_commit")
    return {"indicators": tree, "results": results, "tallies": tallies}


def annual_traced(region: Region) -> tuple[Tracer, dict[str, int]]:
    """annual_compute with its phases traced: (tracer, results written by grade)."""
    from kaohe.scoring import engine, inputs, services
    from kaohe.scoring.models import AnnualResult

    tracer = Tracer()
    tracer.patch(services, "annual_inputs", "inputs")
    tracer.patch(inputs, "_pools", "pools")
    tracer.patch(inputs, "_round_scores", "round scores")
    tracer.patch(engine, "annual_grades", "grades")
    tracer.patch(engine, "group_ranks", "ranks")
    tracer.patch(inputs, "members_on", "memberships")
    tracer.patch(inputs, "_conduct", "conduct")
    tracer.patch(services, "store_rows", "write")
    tracer.patch(services, "audit_record", "audit")
    with tracer.timing():
        run = services.annual_compute(actor=None, region=region, year=YEAR)
    return tracer, grade_counts(AnnualResult.objects.filter(run=run))


def print_annual(label: str, t: Tracer, grades: dict[str, int], agg: Aggregate) -> None:
    inputs, engine_span = t.span("inputs"), t.span("grades")
    writes, audit = t.span("write"), t.span("audit")
    ratio = t.total / agg.warm if agg.warm else float("inf")
    verdict = "met" if t.total < TARGET_PG else "MISSED"
    print(
        f"  {label}: {sum(grades.values()):,} people in {t.total:.2f} s (target < {TARGET_PG:g} s: "
        f"{verdict}); ratio to the warm aggregate {ratio:.1f}; {load()}"
    )
    rows = [
        ("run lookup, policy, share", inputs.start - t.started if inputs else 0.0),
        ("annual_inputs", t.seconds("inputs")),
        ("  memberships in force (members_on)", t.seconds("memberships")),
        ("  _pools", t.seconds("pools")),
        ("  _round_scores (democratic evaluation)", t.seconds("round scores")),
        (
            "  unit scores, published quarter results, flags, AnnualInputs",
            gap(t.span("round scores"), _end(inputs)) - t.seconds("conduct"),
        ),
        ("  _conduct (discipline and leave, one query)", t.seconds("conduct")),
        (
            "engine: annual_grades (composite, rules, quotas)",
            t.seconds("grades") - t.seconds("ranks"),
        ),
        ("engine: group_ranks (in each tier)", t.seconds("ranks")),
        ("delete of the old rows", gap(engine_span, writes)),
        (
            "store_rows: results, then the run's steps (COPY, SQLite: INSERT)",
            t.seconds("write"),
        ),
        ("audit row + commit", t.ended - audit.start if audit else 0.0),
    ]
    print(f"    grades: {grades_line(grades)}")
    print_breakdown(rows, t.total)


def fill_quarter(cursor: CursorWrapper, region_id: int, round_id: int, quarter: int) -> int:
    """A published run of `quarter` written in SQL, for the annual inputs: each person's
    rating as the score and its band as the grade (no quota, no steps). Returns rows."""
    from kaohe.scoring.models import QuarterRun, RunState

    t = city.tables()
    run = QuarterRun.objects.create(
        region_id=region_id, year=YEAR, quarter=quarter, state=RunState.PUBLISHED
    )
    cursor.execute(
        f"""
        INSERT INTO {t.quarter_result} (run_id, person_id, unit_id, pool_id, score,
            band, computed_grade, grade, tie, change_reason, steps, rank_in_unit)
        SELECT %s, r.target_id, r.unit_id, p.pool_id, r.score, g.grade, g.grade, g.grade,
               false, '', '[]', 0
        FROM {t.round_result} r
        JOIN {t.quota_pool_member} p ON p.unit_id = r.unit_id AND p.year = %s
        CROSS JOIN LATERAL (SELECT CASE WHEN r.score >= 90 THEN 'good'
                                        WHEN r.score >= 80 THEN 'fairly_good'
                                        WHEN r.score >= 60 THEN 'average'
                                        ELSE 'poor' END AS grade) AS g
        WHERE r.round_id = %s
        """,  # noqa: S608
        [run.pk, YEAR, round_id],
    )
    rows: int = cursor.rowcount
    return rows


def forget_computed(region: Region, computed: Sequence[int]) -> dict[str, int]:
    """A city kept by `--db` from an earlier run, made ready to time again: the year's
    results and the computed quarters' runs are removed (the results by TRUNCATE where
    the city is all the table holds, so the write starts on an empty table as it did
    the first time). Returns what build_city would have counted."""
    from django.db import connection

    from kaohe.org.models import Unit
    from kaohe.reviews.models import ReviewRound
    from kaohe.scoring.models import AnnualRun, QuarterResult, QuarterRun

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE scoring_annualresult")
        AnnualRun.objects.filter(region=region).delete()
        runs = QuarterRun.objects.filter(region=region, year=YEAR, quarter__in=computed)
        QuarterResult.objects.filter(run__in=runs).delete()
        runs.delete()
        cursor.execute("SELECT count(*) FROM reviews_roundresult")
        row = cursor.fetchone()
    ratings: int = row[0] if row else 0
    rounds = ReviewRound.objects.filter(region=region).count()
    filled = QuarterResult.objects.filter(run__region=region).count()
    counts = {
        "units": Unit.objects.filter(region=region).count(),
        "rounds": rounds,
        "ratings": ratings,
        "filled": filled,
    }
    print(f"  reusing the kept city: computed results of {list(computed)} and the year removed")
    return counts


def load() -> str:
    return "load " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def part_pg(args: argparse.Namespace) -> None:
    common.setup_django()
    from django.db import connection

    from kaohe.org import services as org_services
    from kaohe.org.models import Region
    from kaohe.reviews.models import ReviewRound
    from kaohe.scoring.models import QuarterRun, RunState

    in_scope_sql_matches()
    people = args.people
    small = people <= FULL_RUN_UP_TO
    quarters = args.quarters if args.quarters is not None else (4 if small else 1)
    recompute = args.recompute if args.recompute is not None else small
    computed = list(range(5 - quarters, 5))
    print(
        f"(b) quarter_compute and annual_compute, {people:,} cadres, PostgreSQL "
        f"(database {args.pg_worker}; {load()})"
    )
    migrated = common.migrate()
    started = time.perf_counter()
    filled = [q for q in range(1, 5) if q not in computed]
    region = Region.objects.filter(code="bench-city").first() if args.reuse else None
    reused = region is not None
    inputs: dict[str, int] | None = None
    if region is not None:
        counts = forget_computed(region, computed)
    else:
        region = org_services.region_create(
            actor=None, name="基准市", code="bench-city", level=Region.Level.CITY
        )
        set_deductions(region.pk)
        counts = build_city(region.pk, people, filled)
        inputs = build_city_inputs(region.pk, computed) if args.city_inputs else None
    built = time.perf_counter() - started
    started = time.perf_counter()
    with connection.cursor() as cursor:
        # VACUUM as autovacuum would have by then: it sets the visibility map too. The
        # database's own tables by name: a bare VACUUM also takes the cluster's shared
        # catalogs (pg_authid, pg_database), and waited minutes for a lock on them that
        # a session in another database (a test's ANALYZE in its transaction) held.
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        tables = ", ".join(connection.ops.quote_name(name) for (name,) in cursor.fetchall())
        cursor.execute(f"VACUUM ANALYZE {tables}")
    vacuumed = time.perf_counter() - started
    filled_note = (
        f", published results of {', '.join(f'Q{q}' for q in filled)} written in SQL "
        f"({counts['filled']:,} rows: the rating as score, its band as grade)"
        if filled
        else ""
    )
    inputs_note = (
        "; schemes, indicator results and log tallies as the earlier run built them"
        if reused
        else f"; for {', '.join(f'Q{q}' for q in computed)}: a scheme per unit "
        f"({inputs['indicators']} indicators each), {inputs['results']:,} indicator "
        f"results and {inputs['tallies']:,} monthly log tallies"
        if inputs
        else "; no schemes, indicator results or log tallies (--no-city-inputs)"
    )
    print(
        f"  set-up: migrate {migrated:.1f} s; {counts['units']:,} units of {UNIT_SIZE}, "
        f"{people:,} people, memberships, pools, {counts['rounds']} closed rounds with "
        f"{counts['ratings']:,} ratings{filled_note}{inputs_note} {built:.1f} s; "
        f"VACUUM ANALYZE {vacuumed:.1f} s"
    )
    today = dt.date(YEAR + 1, 1, 20)
    quarter_totals: list[str] = []
    for quarter in range(1, 5):
        if quarter not in computed:
            continue
        round_id = ReviewRound.objects.get(
            region=region, year=YEAR, cadence=ReviewRound.Cadence.QUARTERLY, number=quarter
        ).pk
        agg = time_aggregate(
            aggregate(QUARTER_AGGREGATE), quarter_params(region.pk, round_id, quarter)
        )
        print(agg.line(f"Q{quarter}: QUARTER_AGGREGATE, the quarter's inputs per unit"))
        runs = ["first run"] + (["second run, recomputes in place"] if recompute else [])
        for run_label in runs if quarter == computed[-1] else [""]:
            tracer, results = quarter_traced(region, quarter, today)
            label = f"quarter_compute Q{quarter}" + (f", {run_label}" if run_label else "")
            print_quarter(label, tracer, results, TARGET_PG, agg)
            quarter_totals.append(f"Q{quarter} {tracer.total:.1f} s")
        if quarter == computed[-1]:
            job_run = quarter_as_job(region, quarter, today)
            print_job(job_run, agg)
            quarter_totals.append(f"Q{quarter} as a job {job_run.seconds:.1f} s")
    published = QuarterRun.objects.filter(region=region, year=YEAR).update(state=RunState.PUBLISHED)
    print(f"  {published} quarter runs published (ORM update); {load()}")
    democratic = ReviewRound.objects.get(
        region=region, year=YEAR, cadence=ReviewRound.Cadence.ANNUAL, number=1
    )
    agg = time_aggregate(aggregate(ANNUAL_AGGREGATE), annual_params(region.pk, democratic.pk))
    print(agg.line("ANNUAL_AGGREGATE, the year's inputs per unit"))
    annual_totals: list[str] = []
    for run_label in ["first run"] + (["second run, recomputes in place"] if recompute else []):
        tracer, results = annual_traced(region)
        print_annual(f"annual_compute, {run_label}", tracer, results, agg)
        annual_totals.append(f"{tracer.total:.1f} s")
    print(
        f"  summary: {', '.join([*quarter_totals, 'year ' + ', '.join(annual_totals)])} "
        f"(target < {TARGET_PG:g} s each); {load()}"
    )


# --- Entry point ----------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--skip-sqlite", action="store_true", help="skip (a), the demo county")
    parser.add_argument("--skip-pg", action="store_true", help="skip (b), the city")
    parser.add_argument("--people", type=int, default=300_000, help="cadres in (b)")
    parser.add_argument(
        "--quarters",
        type=int,
        choices=(0, 1, 2, 3, 4),
        help=f"quarters (the last ones) computed in (b); default 4 up to "
        f"{FULL_RUN_UP_TO:,} people, else 1 (the others are written in SQL)",
    )
    parser.add_argument(
        "--recompute",
        action=argparse.BooleanOptionalAction,
        help=f"in (b), run the last quarter and the year a second time, in place; "
        f"default on up to {FULL_RUN_UP_TO:,} people",
    )
    parser.add_argument(
        "--indicators",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="in (a), enter indicator results for everyone under the demo schemes (default)",
    )
    parser.add_argument(
        "--city-inputs",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="in (b), give every unit a scheme and the computed quarters indicator results "
        "and monthly log tallies (default); --no-city-inputs leaves them out",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep (b)'s database afterwards, to study by hand"
    )
    parser.add_argument(
        "--db",
        metavar="NAME",
        help=f"run (b) on the database NAME (starting with {common.DB_PREFIX}) and keep it; if it "
        "already holds the city of an earlier run with the same options, reuse it: drop "
        "that run's computed results, VACUUM and time again, without building",
    )
    parser.add_argument("--reuse", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--sqlite-worker", metavar="FILE", help=argparse.SUPPRESS)
    parser.add_argument("--pg-worker", metavar="DB", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sqlite_worker:
        part_sqlite(args)
        return 0
    if args.pg_worker:
        part_pg(args)
        return 0
    return orchestrate(args)


if __name__ == "__main__":
    sys.exit(main())
