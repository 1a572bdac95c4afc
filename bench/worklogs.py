"""Work-log benchmark: log submissions over HTTP, and the compliance report at county
and at city scale. Prints figures; asserts nothing.

    python bench/worklogs.py [--skip-http] [--skip-sqlite] [--skip-pg] [--people 30000]
                             [--seconds 10] [--rounds 3] [--threads 8] [--users 600]

(a) http    gunicorn (2 workers) on a throwaway PostgreSQL database with the demo
            county: POST /logs/today/ by logged-in demo users from concurrent client
            threads, against a minimal logged-in page (/bench/ping/) in the same run;
            `--seconds` of each, taken in `--rounds` alternating turns. The form posts
            as the page's does (CSRF token, session cookie); a saved log answers with
            the page's redirect, which a browser then loads as a page view of its own:
            the bench times the submissions, not those page views.
(b) sqlite  the demo county with a full year of logs in a temporary SQLite file:
            the compliance report of the whole county over the year.
(c) pg      `--people` cadres (default 30,000) with a year of logs built in SQL on a
            throwaway PostgreSQL database: the same report.

(a) and (c) need PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth); they create
and drop databases named kaohe_bench_*. Without PostgreSQL, run --skip-http --skip-pg.
Each part runs in its own Python process, so each gets a fresh Django set-up pointing
at its own database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import city
import common
from common import Outcome, Session, free_port, load_average, p95, request, wait_until_up

if TYPE_CHECKING:
    from kaohe.core.calendar import WorkCalendar

DEMO_PASSWORD = "kaohe-demo-2026"  # noqa: S105 - the published demo password


# --- Orchestration (no Django in this process) -----------------------------------


def run_part(
    part: str,
    database_url: str,
    settings: str,
    args: argparse.Namespace,
    extra: dict[str, str] | None = None,
) -> int:
    env = common.worker_env(database_url, settings, extra)
    command = [sys.executable, str(Path(__file__).resolve()), "--part", part]
    command += ["--people", str(args.people), "--seconds", str(args.seconds)]
    command += ["--threads", str(args.threads), "--users", str(args.users)]
    command += ["--rounds", str(args.rounds)]
    return subprocess.run(command, env=env, cwd=common.ROOT, check=False).returncode  # noqa: S603


def fresh_database(name: str) -> None:
    """The database `name`, emptied of what an interrupted run may have left."""
    common.drop_database(name)
    common.create_database(name)


def orchestrate(args: argparse.Namespace) -> int:
    failures = 0
    tag = f"{os.getpid()}"
    if not args.skip_http:
        name = f"{common.DB_PREFIX}http_{tag}"
        fresh_database(name)
        try:
            # Debug is off, so the pages the server renders need collectstatic's manifest.
            with tempfile.TemporaryDirectory(prefix="kaohe-bench-static-") as static:
                common.collect_static(Path(static))
                extra = {"KAOHE_STATIC_ROOT": static}
                url = common.PG_URL.format(name=name)
                failures += run_part("http", url, "bench.http_settings", args, extra) != 0
        finally:
            common.drop_database(name)
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory(prefix="kaohe-bench-") as tmp:
            url = f"sqlite:///{tmp}/bench.sqlite3"
            failures += run_part("sqlite", url, "kaohe.settings", args) != 0
    if not args.skip_pg:
        name = f"{common.DB_PREFIX}city_{tag}"
        fresh_database(name)
        try:
            failures += run_part("pg", common.PG_URL.format(name=name), "kaohe.settings", args) != 0
        finally:
            common.drop_database(name)
    return 1 if failures else 0


# --- Shared helpers for the parts ---------------------------------------------------


def latest_workday(cal: WorkCalendar, day: dt.date) -> dt.date:
    while not cal.is_workday(day):
        day -= dt.timedelta(days=1)
    return day


# --- (a) HTTP ------------------------------------------------------------------------


def login(port: int, username: str) -> Session:
    session = Session(username)
    request(port, session, "GET", "/login/")
    form = {
        "username": username,
        "password": DEMO_PASSWORD,
        "csrfmiddlewaretoken": session.cookies.get("csrftoken", ""),
    }
    outcome = request(port, session, "POST", "/login/", form)
    if outcome.status != 302 or "sessionid" not in session.cookies:
        raise RuntimeError(f"login of {username} failed with HTTP {outcome.status}")
    return session


@dataclass
class Phase:
    label: str
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def per_second(self) -> float:
        return len(self.outcomes) / self.seconds if self.seconds else 0.0

    def line(self) -> str:
        statuses = Counter(o.status for o in self.outcomes)
        shown = ", ".join(f"{status}: {n}" for status, n in sorted(statuses.items()))
        slow = p95([o.seconds for o in self.outcomes]) * 1000
        return (
            f"  {self.label:<24} {len(self.outcomes):6} requests in {self.seconds:5.1f} s  "
            f"{self.per_second:7.1f} req/s   p95 {slow:6.0f} ms   ({shown})"
        )


def run_phase(
    label: str,
    work: Sequence[Iterator[Callable[[], Outcome]]],
    seconds: float,
) -> Phase:
    """Each thread runs requests from its own queue until it is empty or time is up."""
    phase = Phase(label)
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker(jobs: Iterator[Callable[[], Outcome]]) -> None:
        mine: list[Outcome] = []
        while time.monotonic() < deadline:
            job = next(jobs, None)
            if job is None:
                break
            mine.append(job())
        with lock:
            phase.outcomes.extend(mine)

    threads = [threading.Thread(target=worker, args=(jobs,)) for jobs in work]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    phase.seconds = time.perf_counter() - started
    return phase


def run_alternating(
    phases: Sequence[tuple[str, Sequence[Iterable[Callable[[], Outcome]]]]],
    seconds: float,
    rounds: int,
) -> list[Phase]:
    """Run each phase for `seconds` in all, in `rounds` turns of seconds/rounds taken
    in turn, each thread's queue resuming where its last turn stopped. Load from
    other processes on the machine, which comes and goes, then falls on every
    phase alike instead of on whichever happened to run at the time."""
    queues = [(label, [iter(jobs) for jobs in work]) for label, work in phases]
    totals = [Phase(label) for label, _work in phases]
    for _ in range(rounds):
        for (label, work), total in zip(queues, totals, strict=True):
            turn = run_phase(label, work, seconds / rounds)
            total.outcomes.extend(turn.outcomes)
            total.seconds += turn.seconds
    return totals


LOG_TEXTS = (
    "上午参加全区安全生产工作会议，下午到青石镇督查{n}家企业隐患整改情况。",
    "到王庄村走访农户{n}户，了解秋收进度和群众生产生活困难。",
    "起草年度工作总结初稿，审核{n}家单位报送的考核佐证材料。",
    "在政务服务窗口受理业务{n}件，解答群众政策咨询。",
    "带队在学校周边开展巡逻，办理治安案件{n}起并整理卷宗。",
    "整理归档本季度文书档案{n}份，更新科室工作台账。",
)


def part_http(args: argparse.Namespace) -> None:
    common.setup_django()
    from django.db import connections
    from django.db.models import Q
    from django.utils import timezone

    from kaohe.accounts.models import User
    from kaohe.core.calendar import region_calendar
    from kaohe.demo.org import generate_demo
    from kaohe.org.models import Membership
    from kaohe.worklogs.models import WorkLog
    from kaohe.worklogs.policies import policy_for

    print("(a) HTTP: log submissions through gunicorn (2 workers) on PostgreSQL")
    migrated = common.migrate()
    started = time.perf_counter()
    demo = generate_demo(year=timezone.localdate().year)
    print(f"  set-up: migrate {migrated:.1f} s, demo county {time.perf_counter() - started:.1f} s")

    # The server's clock is pinned to a working day, so "today" and the backfill
    # window are the same whatever day the bench runs.
    year_cal = region_calendar(demo.region_id, dt.date(demo.year, 1, 1), timezone.localdate())
    today = latest_workday(year_cal, timezone.localdate())
    policy = policy_for(demo.region_id)
    cal = region_calendar(demo.region_id, today - dt.timedelta(days=62), today)
    days = [*cal.previous_workdays(today, policy.backfill_workdays), today]
    # Users who owe a log on every one of those days, so each submission can succeed.
    owing = (
        Membership.objects.filter(region_id=demo.region_id, valid_from__lte=days[0])
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .in_scope()
        .values("person_id")
    )
    usernames = list(
        User.objects.filter(person_id__in=owing, is_active=True)
        .order_by("username")
        .values_list("username", flat=True)[: args.users]
    )
    connections.close_all()

    port = free_port()
    env = {**os.environ, "KAOHE_TODAY": today.isoformat()}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [str(gunicorn), "kaohe.wsgi:application", "--workers", "2"]
    command += ["--bind", f"{common.HOST}:{port}", "--log-level", "warning"]
    server = subprocess.Popen(command, cwd=common.ROOT, env=env)  # noqa: S603
    try:
        wait_until_up(port, server)
        threads = args.threads
        groups = [usernames[i::threads] for i in range(threads)]
        started = time.perf_counter()
        sessions_by_thread: list[list[Session]] = [[] for _ in range(threads)]

        def log_in(i: int) -> None:
            sessions_by_thread[i] = [login(port, name) for name in groups[i]]

        login_threads = [threading.Thread(target=log_in, args=(i,)) for i in range(threads)]
        for t in login_threads:
            t.start()
        for t in login_threads:
            t.join()
        logged_in = sum(len(s) for s in sessions_by_thread)
        if logged_in != len(usernames):
            raise RuntimeError("some logins failed")
        print(
            f"  {logged_in} users logged in through the login form in "
            f"{time.perf_counter() - started:.1f} s; server today {today}, "
            f"{len(days)} writable days each; {threads} client threads"
        )

        def ping(session: Session) -> Callable[[], Outcome]:
            return lambda: request(port, session, "GET", "/bench/ping/")

        def submit(session: Session, day: dt.date, n: int) -> Callable[[], Outcome]:
            form = {
                "day": day.isoformat(),
                "content": LOG_TEXTS[n % len(LOG_TEXTS)].format(n=n % 9 + 2),
                "csrfmiddlewaretoken": session.cookies.get("csrftoken", ""),
            }
            return lambda: request(port, session, "POST", "/logs/today/", form)

        # Warm both workers up (imports, first queries) before anything is timed.
        run_phase(
            "warm-up", [iter([ping(s) for s in group[:5]]) for group in sessions_by_thread], 10
        )
        pings, submissions = run_alternating(
            [
                (
                    "GET /bench/ping/",
                    [[ping(s) for _ in range(1000) for s in group] for group in sessions_by_thread],
                ),
                # Newest day first, user by user: every (user, day) pair is a new log.
                (
                    "POST /logs/today/",
                    [
                        [submit(s, day, i) for day in reversed(days) for i, s in enumerate(group)]
                        for group in sessions_by_thread
                    ],
                ),
            ],
            args.seconds,
            args.rounds,
        )
    finally:
        server.terminate()
        server.wait(timeout=30)

    created = WorkLog.objects.filter(region_id=demo.region_id).count()
    print(pings.line())
    print(submissions.line())
    ok = sum(1 for o in submissions.outcomes if o.status == 302)
    print(f"  logs created: {created} ({ok} redirects after a successful submission)")
    ratio = submissions.per_second / pings.per_second if pings.per_second else 0.0
    print(f"  submissions/ping throughput ratio: {ratio:.2f} (target >= 0.5)")
    print(f"  {load_average()}")


# --- (b) Compliance report on the demo county, SQLite ---------------------------------


def time_report(region_id: int, start: dt.date, end: dt.date, today: dt.date) -> None:
    from kaohe.org.models import Unit
    from kaohe.worklogs.compliance import compliance_report
    from kaohe.worklogs.policies import policy_for

    for attempt in ("first", "second"):
        started = time.perf_counter()
        report = compliance_report(
            region_id=region_id,
            units=Unit.objects.filter(region_id=region_id),
            start=start,
            end=end,
            today=today,
            policy=policy_for(region_id),
        )
        elapsed = time.perf_counter() - started
        total = report.total
        print(
            f"  compliance report ({attempt} run): {elapsed:.2f} s — {len(report.people)} person "
            f"rows, {len(report.units)} unit rows; expected {total.expected}, written "
            f"{total.written} (backfilled {total.backfilled}), missing {total.missing}, "
            f"pending {total.pending}"
        )
    print(f"  {load_average()}")


def time_deductions(region_id: int, year: int, today: dt.date) -> None:
    """worklog_deductions as kaohe/scoring calls it: everyone in the region, for the
    last quarter and for the year."""
    from kaohe.org.models import Person
    from kaohe.worklogs.compliance import worklog_deductions
    from kaohe.worklogs.rules import Period

    people = list(Person.objects.filter(region_id=region_id).values_list("pk", flat=True))
    for period in (Period(year, 4), Period(year)):
        started = time.perf_counter()
        result = worklog_deductions(
            region_id=region_id, period=period, today=today, person_ids=people
        )
        elapsed = time.perf_counter() - started
        print(
            f"  worklog_deductions, {period.label()}: {elapsed:.2f} s — {len(result):,} people, "
            f"{sum(d.missing_logs for d in result.values()):,} missing logs, "
            f"{sum(d.missing_quarterly_summaries for d in result.values()):,} missing "
            "quarterly summaries"
        )
    print(f"  {load_average()}")


def part_sqlite(args: argparse.Namespace) -> None:
    common.setup_django()
    from django.utils import timezone

    from kaohe.demo.org import generate_demo
    from kaohe.demo.worklogs import generate_demo_logs
    from kaohe.worklogs.models import WorkLog

    print("(b) compliance report, demo county, full year, SQLite")
    common.migrate()
    year = timezone.localdate().year
    started = time.perf_counter()
    demo = generate_demo(year=year)
    print(f"  demo county: {time.perf_counter() - started:.1f} s")
    year_end = dt.date(year, 12, 31)
    result = generate_demo_logs(region_id=demo.region_id, year=year, today=year_end)
    logs = WorkLog.objects.filter(region_id=demo.region_id).count()
    print(
        f"  generate_demo_logs: {result.seconds:.1f} s — {logs} logs "
        f"({result.backfilled} backfilled, {result.missing} missing), "
        f"{result.quarterly_summaries} quarterly summaries"
    )
    # Ten days into the next year every day of the year is due: no pending days left.
    time_report(demo.region_id, dt.date(year, 1, 1), year_end, dt.date(year + 1, 1, 10))


# --- (c) Compliance report at city scale, PostgreSQL -----------------------------------

UNITS = 600
MOVED_EVERY = 33  # every 33rd person changes unit on Jul 1: two stretches
ON_LEAVE_EVERY = 97  # every 97th person has ten days of leave in March
CITY_TEXTS = (
    "上午参加全区安全生产工作会议，下午到青石镇督查3家企业隐患整改情况。",
    "到王庄村走访农户8户，了解春耕生产和群众生产生活困难；下午参加镇防汛值班。",
    "起草专项工作方案，修改完善后报分管领导审核；审核5家单位报送的统计报表。",
    "在政务服务窗口受理业务46件，解答群众咨询；整理归档本季度文书档案。",
    "带队在学校周边开展巡逻，盘查可疑人员2名；下午办理盗窃案件1起，整理询问笔录。",
    "上午组织科室集中学习，撰写学习心得；下午到柳河镇调研营商环境工作，形成调研记录。",
    "接待群众来访5人次，现场答复并登记办理信访诉求；入户核查低保对象3户。",
    "对城关镇12家商户开展执法检查，下达整改通知书2份；复查宏达机械公司整改落实情况。",
)


def part_pg(args: argparse.Namespace) -> None:
    common.setup_django()
    from django.db import connection
    from django.utils import timezone

    from kaohe.core.calendar import region_calendar
    from kaohe.org import services
    from kaohe.org.models import PersonnelCategory, RankLevel, Region, Unit, UnitKind, UnitType
    from kaohe.worklogs.models import WorkLog
    from kaohe.worklogs.tallies import tallies_rebuild

    t = city.tables()

    people = args.people
    print(f"(c) compliance report, {people:,} cadres, full year, PostgreSQL")
    migrated = common.migrate()
    year = timezone.localdate().year
    jan1, jun30, jul1, dec31 = (dt.date(year, m, d) for m, d in ((1, 1), (6, 30), (7, 1), (12, 31)))
    started = time.perf_counter()
    region = services.region_create(
        actor=None, name="基准市", code="bench-city", level=Region.Level.CITY
    )
    units = Unit.objects.bulk_create(
        Unit(
            region=region,
            name=f"基准单位{i:03d}",
            code=f"U{i:03d}",
            unit_type=UnitType.TOWN if i < 100 else UnitType.DISTRICT_UNIT,
            unit_kind=UnitKind.ADMINISTRATIVE,
            sort_order=i,
        )
        for i in range(UNITS)
    )
    for unit in units:
        unit.path = Unit.path_segment(unit.pk)
    Unit.objects.bulk_update(units, ["path"])
    unit_ids = [u.pk for u in units]
    rank = RankLevel.objects.filter(region=region).order_by("sort_order").values_list("pk")[0][0]
    category = PersonnelCategory.objects.filter(region=region).values_list("pk")[0][0]
    cal = region_calendar(region.pk, jan1, dec31)
    workdays = cal.between(jan1, dec31)

    with connection.cursor() as cursor:
        city.series(cursor, people)
        city.people_add(cursor, region.pk, people, timezone.now())
        city.series_drop(cursor)
        cursor.execute(
            f"""
            INSERT INTO {t.membership} (region_id, person_id, unit_id, post, rank_level_id,
                personnel_category_id, leadership_role, status, valid_from, valid_to)
            SELECT p.region_id, p.id, (%s::bigint[])[1 + p.id %% %s], '科员', %s, %s,
                   'staff', 'on_duty', %s,
                   CASE WHEN p.id %% %s = 0 THEN %s::date END
            FROM {t.person} p WHERE p.region_id = %s
            """,  # noqa: S608
            [unit_ids, UNITS, rank, category, jan1, MOVED_EVERY, jun30, region.pk],
        )
        cursor.execute(
            f"""
            INSERT INTO {t.membership} (region_id, person_id, unit_id, post, rank_level_id,
                personnel_category_id, leadership_role, status, valid_from, valid_to)
            SELECT p.region_id, p.id, (%s::bigint[])[1 + (p.id + 7) %% %s], '科员', %s, %s,
                   'staff', 'on_duty', %s, NULL
            FROM {t.person} p WHERE p.region_id = %s AND p.id %% %s = 0
            """,  # noqa: S608
            [unit_ids, UNITS, rank, category, jul1, region.pk, MOVED_EVERY],
        )
        cursor.execute(
            f"""
            INSERT INTO {t.leave} (region_id, person_id, start, "end", reason)
            SELECT p.region_id, p.id, %s, %s, '病假'
            FROM {t.person} p WHERE p.region_id = %s AND p.id %% %s = 0
            """,  # noqa: S608
            [dt.date(year, 3, 9), dt.date(year, 3, 18), region.pk, ON_LEAVE_EVERY],
        )
        cursor.execute(f"SELECT min(id), max(id) FROM {t.person} WHERE region_id = %s", [region.pk])  # noqa: S608
        first_id, last_id = cursor.fetchone() or (0, 0)
        setup = time.perf_counter() - started
        started = time.perf_counter()
        cursor.execute("SELECT setseed(0.20261121)")
        city.bulk_writes(cursor)
        # The log table's triggers keep the monthly tallies too: they are recounted once
        # afterwards (tallies_rebuild).
        rebuild = common.strip_table(cursor, WorkLog)
        # In slices of people, so no single statement runs for minutes.
        step = 5000
        for lo in range(first_id, last_id + 1, step):
            cursor.execute(
                f"""
                INSERT INTO {t.work_log} ({city.log_columns()})
                SELECT m.region_id, m.person_id, m.unit_id, d.day,
                       (%s::text[])[1 + (m.person_id + extract(doy FROM d.day)::int) %% %s],
                       CASE WHEN random() < 0.08 THEN 'backfilled' ELSE 'on_time' END,
                       now(), now(), 0
                FROM {t.membership} m
                JOIN unnest(%s::date[]) AS d(day)
                  ON d.day BETWEEN m.valid_from AND coalesce(m.valid_to, %s)
                WHERE m.region_id = %s AND m.person_id BETWEEN %s AND %s
                  AND random() >= 0.05
                  AND NOT EXISTS (
                      SELECT 1 FROM {t.leave} l
                      WHERE l.person_id = m.person_id AND d.day BETWEEN l.start AND l."end")
                """,  # noqa: S608
                [
                    list(CITY_TEXTS),
                    len(CITY_TEXTS),
                    workdays,
                    dec31,
                    region.pk,
                    lo,
                    min(lo + step - 1, last_id),
                ],
            )
        inserted = time.perf_counter() - started
        started = time.perf_counter()
        rebuild()
        indexed = time.perf_counter() - started
        started = time.perf_counter()
        tally_rows = tallies_rebuild(actor=None, region_ids=[region.pk])
        tallied = time.perf_counter() - started
        started = time.perf_counter()
        # VACUUM as autovacuum would have by then: it sets the visibility map too.
        cursor.execute("VACUUM ANALYZE")
        vacuumed = time.perf_counter() - started
        cursor.execute(f"SELECT count(*) FROM {t.work_log} WHERE region_id = %s", [region.pk])  # noqa: S608
        row = cursor.fetchone()
        logs = row[0] if row else 0
        cursor.execute(f"SELECT pg_size_pretty(pg_total_relation_size('{t.work_log}'))")
        size_row = cursor.fetchone()
    print(
        f"  set-up: migrate {migrated:.1f} s, {UNITS} units + {people:,} people + memberships "
        f"{setup:.1f} s, {logs:,} logs ({len(workdays)} working days) {inserted:.1f} s, "
        f"indexes {indexed:.1f} s, {tally_rows:,} monthly tallies {tallied:.1f} s, "
        f"VACUUM ANALYZE {vacuumed:.1f} s; "
        f"log table with indexes {size_row[0] if size_row else '?'}"
    )
    time_report(region.pk, jan1, dec31, dt.date(year + 1, 1, 10))
    time_deductions(region.pk, year, dt.date(year + 1, 1, 20))


# --- Entry point ----------------------------------------------------------------------

PARTS: dict[str, Callable[[argparse.Namespace], None]] = {
    "http": part_http,
    "sqlite": part_sqlite,
    "pg": part_pg,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--skip-http", action="store_true", help="skip (a), the HTTP bench")
    parser.add_argument("--skip-sqlite", action="store_true", help="skip (b), SQLite report")
    parser.add_argument("--skip-pg", action="store_true", help="skip (c), the city-scale report")
    parser.add_argument("--people", type=int, default=30_000, help="cadres in (c)")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each HTTP phase")
    parser.add_argument(
        "--rounds", type=int, default=3, help="HTTP phases alternate in this many turns"
    )
    parser.add_argument("--threads", type=int, default=8, help="HTTP client threads")
    parser.add_argument("--users", type=int, default=600, help="demo users logged in for (a)")
    parser.add_argument("--part", choices=sorted(PARTS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.part:
        PARTS[args.part](args)
        return 0
    return orchestrate(args)


if __name__ == "__main__":
    sys.exit(main())
