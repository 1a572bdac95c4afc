"""Rating-round benchmark: closing a round (close, folding the scores into tallies,
results) against a plain GROUP BY over the same score rows. Prints figures; asserts
nothing.

    python bench/reviews.py [--skip-sqlite] [--skip-pg] [--people 100000] [--unit-size 25]

(a) sqlite  the demo county in a temporary SQLite file, one round with every unit
            able to vote (small units' outside raters approved as in the demo) and
            every ballot cast, written in bulk as the demo does.
(b) pg      `--people` cadres (default 100,000) in units of `--unit-size` (default
            25) built in SQL on a throwaway PostgreSQL database, with a score for
            every rater × target pair of each unit: about 2.4 million rows.

Both time `services.round_close` (close, then tallies + results + deleting the scores),
the GROUP BY over the same score rows (the yardstick of the issue), and
`closing.scores_tally` and `closing.results_write` on their own, so readers see where
the time goes.

(b) needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth); it creates and
drops a database named kaohe_bench_reviews_<pid>, also when it fails. Each part runs
in its own Python process, so each gets a fresh Django set-up for its own database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from common import (
    DB_PREFIX,
    PG_URL,
    ROOT,
    create_database,
    drop_database,
    migrate,
    setup_django,
    worker_env,
)

if TYPE_CHECKING:
    from kaohe.accounts.models import User
    from kaohe.reviews.models import ReviewRound

GROUP_BY = (
    "SELECT target_id, rater_group, COUNT(*), SUM(value), MIN(value), MAX(value) "
    "FROM reviews_score WHERE round_id = %s GROUP BY target_id, rater_group"
)
TARGETS = {"close": 3.0, "sqlite": 3.0, "pg": 60.0}  # ratio; seconds per part


# --- Orchestration (no Django in this process) -----------------------------------


def run_part(part: str, database_url: str, args: argparse.Namespace) -> int:
    env = worker_env(database_url)
    command = [sys.executable, str(Path(__file__).resolve()), "--part", part]
    command += ["--people", str(args.people), "--unit-size", str(args.unit_size)]
    command += ["--setup-only"] if args.setup_only else []
    return subprocess.run(command, env=env, cwd=ROOT, check=False).returncode  # noqa: S603


def orchestrate(args: argparse.Namespace) -> int:
    failures = 0
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory(prefix="kaohe-bench-") as tmp:
            failures += run_part("sqlite", f"sqlite:///{tmp}/bench.sqlite3", args) != 0
    if not args.skip_pg:
        name = f"{DB_PREFIX}reviews_{os.getpid()}"
        create_database(name)
        try:
            failures += run_part("pg", PG_URL.format(name=name), args) != 0
        finally:
            if args.setup_only:
                print(f"  kept database {name} (drop it when done)")
            else:
                drop_database(name)
    return 1 if failures else 0


# --- Shared by both parts ------------------------------------------------------------


def group_by_seconds(round_id: int, *, hashed: bool = False) -> tuple[float, int]:
    """One run of the plain GROUP BY, fetching every row: (seconds, rows). `hashed`
    (PostgreSQL) keeps the planner off the index, so it aggregates in parallel."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        if hashed:
            for setting in ("enable_indexscan", "enable_indexonlyscan", "enable_bitmapscan"):
                cursor.execute(f"SET LOCAL {setting} = off")
        started = time.perf_counter()
        cursor.execute(GROUP_BY, [round_id])
        rows = len(cursor.fetchall())
        return time.perf_counter() - started, rows


def fastest_group_by(round_id: int) -> tuple[float, int, str]:
    """The yardstick: the median of three runs of the GROUP BY as the planner plans it
    and, on PostgreSQL, of three runs as a parallel hash aggregate; the faster of the
    two, so the ratio is never flattered by a slow plan. (seconds, rows, account)."""
    from django.db import connection

    runs = [group_by_seconds(round_id) for _ in range(3)]
    planned = statistics.median(t for t, _rows in runs)
    account = f"as planned {planned:.3f} s [{', '.join(f'{t:.3f}' for t, _r in runs)}]"
    best = planned
    if connection.vendor == "postgresql":
        hashed_runs = [group_by_seconds(round_id, hashed=True) for _ in range(3)]
        hashed = statistics.median(t for t, _rows in hashed_runs)
        account += (
            f"; parallel hash aggregate {hashed:.3f} s "
            f"[{', '.join(f'{t:.3f}' for t, _r in hashed_runs)}]"
        )
        best = min(best, hashed)
    return best, runs[0][1], account


class Stopwatch:
    """Times the two phases of round_close from inside the one call, by standing in
    for `closing.scores_tally` and `closing.results_write` while it runs.

    On PostgreSQL any deferred constraint checks run at commit, after results_write
    has returned; the stand-in forces them at its end, inside the same transaction, so
    they are shown on their own.
    """

    def __init__(self) -> None:
        self.tally = self.fk_checks = self.write = 0.0

    def __enter__(self) -> Stopwatch:
        from django.db import connection

        from kaohe.reviews import closing

        self._originals = (closing.scores_tally, closing.results_write)
        tally, write = self._originals

        def timed_tally(round_: ReviewRound) -> int:
            started = time.perf_counter()
            tallies = tally(round_)
            self.tally = time.perf_counter() - started
            return tallies

        def timed_write(round_: ReviewRound) -> int:
            started = time.perf_counter()
            written = write(round_)
            self.write = time.perf_counter() - started
            if connection.vendor == "postgresql":
                started = time.perf_counter()
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                self.fk_checks = time.perf_counter() - started
            return written

        closing.scores_tally = timed_tally
        closing.results_write = timed_write
        return self

    def __exit__(self, *exc: object) -> None:
        from kaohe.reviews import closing

        closing.scores_tally, closing.results_write = self._originals


def time_close(label: str, round_: ReviewRound, admin: User, target: float) -> None:
    """Time round_close against the GROUP BY, with the tallies and the results apart."""
    from kaohe.reviews import services
    from kaohe.reviews.models import RoundResult, Score

    scores = Score.objects.filter(round=round_).count()
    # On the table as voting left it.
    plain, groups, account = fastest_group_by(round_.pk)
    with Stopwatch() as watch:
        started = time.perf_counter()
        services.round_close(actor=admin, round_=round_)
        close = time.perf_counter() - started
    results = RoundResult.objects.filter(round=round_).count()
    ratio = close / plain if plain else float("inf")
    rest = close - watch.tally - watch.fk_checks - watch.write
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"  {label}: {scores:,} score rows, {groups:,} (target, group) rows; load {load}")
    print(f"  GROUP BY (median of 3, the faster plan): {plain:.3f} s; {account}")
    print(f"  round_close (close + tallies + results): {close:.2f} s (target < {target:g} s)")
    print(f"  ratio round_close / GROUP BY: {ratio:.1f} (target <= {TARGETS['close']:g})")
    print(f"    scores_tally (the scores tallied into a scratch table): {watch.tally:.2f} s")
    print(
        f"    results_write ({results:,} results written, the scores dropped): {watch.write:.2f} s"
    )
    if watch.fk_checks:
        print(f"    deferred constraint checks: {watch.fk_checks:.2f} s")
    print(f"    the rest (state change, event, audit, commits): {rest:.2f} s")


# --- (a) The demo county, SQLite ------------------------------------------------------


def part_sqlite(args: argparse.Namespace) -> None:
    setup_django()
    import random

    from django.utils import timezone

    from kaohe.accounts.models import User
    from kaohe.org.demo import generate_demo
    from kaohe.reviews import services
    from kaohe.reviews.demo import SEED, approve_small_units, cast_ballots
    from kaohe.reviews.models import Participation, RoundUnit

    print("(a) closing a round of the demo county, every ballot cast, SQLite")
    migrated = migrate()
    year = timezone.localdate().year
    started = time.perf_counter()
    demo = generate_demo(year=year)
    generated = time.perf_counter() - started
    admin = User.objects.get(username="region_admin", region_id=demo.region_id)
    region = admin.region
    assert region is not None
    # The fourth quarter: the demo county is designed around Dec 31.
    started = time.perf_counter()
    round_ = services.round_create(
        actor=admin,
        region=region,
        year=year,
        number=4,
        starts_on=dt.date(year + 1, 1, 1),
        ends_on=dt.date(year + 1, 1, 10),
    )
    rng = random.Random(SEED)
    small, extras = approve_small_units(round_, actor=admin, rng=rng)
    services.round_open(actor=admin, round_=round_)
    counts = cast_ballots(round_, rng=rng, turnout=1.0, void_share=0.0)
    voting = time.perf_counter() - started
    units = RoundUnit.objects.filter(round=round_).count()
    print(
        f"  set-up: migrate {migrated:.1f} s, demo county {generated:.1f} s; round over "
        f"{units} units ({small} small, {extras} outside raters approved), "
        f"{Participation.objects.filter(round=round_).count():,} ballots and "
        f"{counts.scores:,} scores written in bulk in {voting:.1f} s"
    )
    time_close("sqlite", round_, admin, TARGETS["sqlite"])


# --- (b) A city-sized round, PostgreSQL ----------------------------------------------


def part_pg(args: argparse.Namespace) -> None:
    setup_django()
    from django.db import connection
    from django.utils import timezone

    from kaohe.accounts.models import Role, User
    from kaohe.accounts.services import role_grant
    from kaohe.org import services as org_services
    from kaohe.org.models import PersonnelCategory, RankLevel, Region
    from kaohe.reviews.models import ReviewRound, RoundState

    people, size = args.people, args.unit_size
    units = -(-people // size)
    print(
        f"(b) closing a round of {people:,} cadres in {units:,} units of {size}, "
        "every ballot cast, PostgreSQL"
    )
    migrated = migrate()
    year = timezone.localdate().year
    jan1 = dt.date(year, 1, 1)
    started = time.perf_counter()
    region = org_services.region_create(
        actor=None, name="基准市", code="bench-city", level=Region.Level.CITY
    )
    admin = User.objects.create(username="bench_admin", region=region)
    role_grant(actor=None, user=admin, role=Role.REGION_ADMIN)
    rank = RankLevel.objects.filter(region=region).order_by("sort_order").values_list("pk")[0][0]
    category = PersonnelCategory.objects.filter(region=region).values_list("pk")[0][0]
    round_ = ReviewRound.objects.create(
        region=region,
        year=year,
        number=4,
        state=RoundState.OPEN,
        starts_on=dt.date(year + 1, 1, 1),
        ends_on=dt.date(year + 1, 1, 10),
    )

    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO org_unit (region_id, parent_id, name, code, unit_type, unit_kind,
                performance_category_id, path, depth, sort_order, is_active)
            SELECT %s, NULL, '基准单位' || g, 'U' || lpad(g::text, 6, '0'),
                   CASE WHEN g %% 10 = 0 THEN 'town' ELSE 'district_unit' END,
                   'administrative', NULL, '', 0, g, true
            FROM generate_series(1, %s) AS g
            """,
            [region.pk, units],
        )
        cursor.execute(
            "UPDATE org_unit SET path = id::text || '/' WHERE region_id = %s", [region.pk]
        )
        cursor.execute(
            """
            INSERT INTO org_person (region_id, staff_no, name, gender, birth_date, created_at)
            SELECT %s, 'C' || lpad(g::text, 7, '0'), '干部' || g,
                   CASE WHEN g %% 2 = 0 THEN 'M' ELSE 'F' END,
                   date '1970-01-01' + (g %% 9000), now()
            FROM generate_series(1, %s) AS g
            """,
            [region.pk, people],
        )
        # The k-th person (by id) sits in unit k / size; the first of each unit is its
        # main leader, the next three its leadership team, the rest general cadres.
        cursor.execute(
            """
            INSERT INTO org_membership (region_id, person_id, unit_id, post, rank_level_id,
                personnel_category_id, leadership_role, status, valid_from, valid_to)
            SELECT p.region_id, p.id, u.id, '科员', %s, %s,
                   CASE WHEN p.k %% %s = 0 THEN 'main'
                        WHEN p.k %% %s <= 3 THEN 'team' ELSE 'staff' END,
                   'on_duty', %s, NULL
            FROM (SELECT id, region_id, row_number() OVER (ORDER BY id) - 1 AS k
                  FROM org_person WHERE region_id = %s) AS p
            JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k
                  FROM org_unit WHERE region_id = %s) AS u ON u.k = p.k / %s
            """,
            [rank, category, size, size, jan1, region.pk, region.pk, size],
        )
        cursor.execute(
            """
            INSERT INTO reviews_roundunit (round_id, unit_id, proposal, proposal_note,
                decision_note)
            SELECT %s, id, 'not_needed', '', '' FROM org_unit WHERE region_id = %s
            """,
            [round_.pk, region.pk],
        )
        cursor.execute(
            """
            INSERT INTO reviews_participation (round_id, unit_id, rater_id, submitted_at)
            SELECT %s, unit_id, person_id, now() FROM org_membership WHERE region_id = %s
            """,
            [round_.pk, region.pk],
        )
        cursor.execute("VACUUM ANALYZE")
        setup = time.perf_counter() - started

        started = time.perf_counter()
        cursor.execute("SELECT setseed(0.20261122)")
        cursor.execute("SET synchronous_commit = off")
        cursor.execute("SET maintenance_work_mem = '512MB'")
        # The round's partition is loaded as a bare table and attached afterwards, which
        # builds its indexes in one pass: several times faster than maintaining them
        # row by row. Everything is in place before anything is timed.
        partition = f"reviews_score_r{int(round_.pk)}"
        cursor.execute(f"CREATE TABLE {partition} (LIKE reviews_score INCLUDING DEFAULTS)")
        cursor.execute("SELECT min(id), max(id) FROM org_unit WHERE region_id = %s", [region.pk])
        first, last = cursor.fetchone() or (0, 0)
        # In slices of units, so no single statement runs for minutes. Values: a
        # bell curve around 84 (the sum of three uniforms), clipped to 50–100.
        step = 500
        for lo in range(first, last + 1, step):
            cursor.execute(
                f"INSERT INTO {partition} "  # noqa: S608 (a table name made from an id)
                """(id, round_id, unit_id, target_id, rater_group, dimension, value)
                SELECT gen_random_uuid(), %s, r.unit_id, t.person_id,
                       CASE r.leadership_role WHEN 'main' THEN 'leader'
                            WHEN 'team' THEN 'team' ELSE 'others' END, '',
                       least(100, greatest(50,
                           round(84 + 10 * (random() + random() + random() - 1.5))))::int
                FROM org_membership r
                JOIN org_membership t ON t.unit_id = r.unit_id AND t.person_id <> r.person_id
                WHERE r.region_id = %s AND r.unit_id BETWEEN %s AND %s
                """,
                [round_.pk, region.pk, lo, min(lo + step - 1, last)],
            )
        inserted = time.perf_counter() - started
        started = time.perf_counter()
        cursor.execute(
            f"ALTER TABLE reviews_score ATTACH PARTITION {partition} "
            f"FOR VALUES IN ({int(round_.pk)})"
        )
        indexed = time.perf_counter() - started
        started = time.perf_counter()
        # VACUUM as autovacuum would have by then: it sets the visibility map too.
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("RESET synchronous_commit")
        cursor.execute("RESET maintenance_work_mem")
        vacuumed = time.perf_counter() - started
        cursor.execute(
            "SELECT pg_size_pretty(sum(pg_total_relation_size(relid))) "
            "FROM pg_partition_tree('reviews_score')"
        )
        size_row = cursor.fetchone()
    print(
        f"  set-up: migrate {migrated:.1f} s, units + people + memberships + participation "
        f"{setup:.1f} s, scores {inserted:.1f} s, attaching them (indexes) {indexed:.1f} s, "
        f"VACUUM ANALYZE {vacuumed:.1f} s; score table with indexes "
        f"{size_row[0] if size_row else '?'}"
    )
    if not args.setup_only:
        time_close("pg", round_, admin, TARGETS["pg"])


# --- Entry point ----------------------------------------------------------------------

PARTS: dict[str, Callable[[argparse.Namespace], None]] = {
    "sqlite": part_sqlite,
    "pg": part_pg,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--skip-sqlite", action="store_true", help="skip (a), the demo county")
    parser.add_argument("--skip-pg", action="store_true", help="skip (b), the city-sized round")
    parser.add_argument("--people", type=int, default=100_000, help="cadres in (b)")
    parser.add_argument("--unit-size", type=int, default=25, help="people per unit in (b)")
    parser.add_argument(
        "--setup-only",
        action="store_true",
        help="(b): build the open round and keep its database, to study the close by hand",
    )
    parser.add_argument("--part", choices=sorted(PARTS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.part:
        PARTS[args.part](args)
        return 0
    return orchestrate(args)


if __name__ == "__main__":
    sys.exit(main())
