"""Rating-round benchmark: closing a round against one GROUP BY over its ballots'
scores, and submitting one ballot of 30 scores. Prints figures; asserts nothing.

    python bench/reviews.py [--skip-sqlite] [--skip-pg] [--people 100000] [--unit-size 25]

(a) sqlite  the demo county in a temporary SQLite file, one round with every unit
            able to vote (small units' outside raters approved as in the demo) and
            every ballot cast, folded in bulk as the demo does (`boxes.ballots_fold`).
(b) pg      `--people` cadres (default 100,000) in units of `--unit-size` (default
            25) built in SQL on a throwaway PostgreSQL database, every ballot cast: a
            score for every rater × target pair of each unit, about 2.4 million.

The yardstick. kaohe keeps no row per score (decision 31): a submitted ballot is
folded into the ballot box of its (round, unit, rater group), whose whole tally stays
sealed (`kaohe.reviews.seal`) until the close, which opens every box, loads the
tallies into scratch tables and writes the results in one INSERT … SELECT. The
yardstick is still the GROUP BY over the round's per-ballot scores

    SELECT target_id, rater_group, COUNT(*), SUM(value), MIN(value), MAX(value)
    FROM bench_score WHERE round_id = %s GROUP BY target_id, rater_group

because that is the work of aggregating the round's ballots once, the least any close
over the ballots could do, and it is what earlier sessions measured the close
against (then over `reviews_score`): the ratio `round_close / GROUP BY` (target
<= 3) stays comparable across the redesigns. The scores go into `bench_score`, a
bench-only scratch table shaped like the old `reviews_score` (random key, round,
unit, target, group, aspect, value; the (round, target, group, aspect) index), holding
the same values the ballots gave; kaohe never reads it. The GROUP BY is the median of
three runs; on PostgreSQL also of three as a parallel hash aggregate, and the faster
of the two counts, so the ratio is never flattered by a slow plan.

(b) builds the open round as voting leaves it: the round opened by
`services.round_open` (which fixes the plan weights), participation in SQL (one row
per rater, the day only), the scores in `bench_score`, and a sealed box per (unit,
rater group) built in Python from one GROUP BY over those scores (per unit, group,
target and aspect: count, sum, lowest, highest; ballots per group from the
memberships), sealed with `kaohe.reviews.seal` and inserted in bulk: the same boxes
as `boxes.ballots_fold`, without holding 100,000 ballots in memory.

Both parts then time `services.round_close` and, by standing in for kaohe's own
functions while it runs, where its time goes: the state change and drafts, opening
the boxes and loading the scratch tables (`closing.scores_tally`, with the time spent
in `boxes.boxes_open` — fetching and unsealing — apart), the results SQL, deleting the
boxes (`closing._boxes_delete`) and the commit. And one ballot submission of 30
scores (`services.ballot_submit`) in units of 31 cadres, with its time and the SQL
statements it sends: every ballot unseals its group's box, adds itself and seals it
again (the group's first one creates the box).

(b) needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth); it creates and
drops a database named kaohe_bench_reviews_<pid>, also when it fails. Each part runs
in its own Python process, so each gets a fresh Django set-up for its own database.
`bench/close_kill.py` uses the same builder to kill closes at 20 moments.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from unittest import mock

import city
import common

if TYPE_CHECKING:
    from django.db.backends.utils import CursorWrapper

    from kaohe.accounts.models import User
    from kaohe.reviews.boxes import CastBallot
    from kaohe.reviews.models import ReviewRound

SCORES = "bench_score"  # the bench's scratch table of per-ballot scores
GROUP_BY = (
    "SELECT target_id, rater_group, COUNT(*), SUM(value), MIN(value), MAX(value) "  # noqa: S608
    f"FROM {SCORES} WHERE round_id = %s GROUP BY target_id, rater_group"
)
TARGETS = {"close": 3.0, "sqlite": 3.0, "pg": 60.0}  # ratio; seconds per part
SUBMIT_UNITS = 3  # units of 31 cadres whose "others" raters submit one by one
SUBMIT_UNIT_SIZE = 31  # 1 main leader, 3 team members, 27 others: 30 scores a ballot
ROLE_TO_GROUP = "CASE {role} WHEN 'main' THEN 'leader' WHEN 'team' THEN 'team' ELSE 'others' END"

F = TypeVar("F", bound=Callable[..., Any])


# --- Orchestration (no Django in this process) -----------------------------------


def run_part(part: str, database_url: str, args: argparse.Namespace) -> int:
    env = common.worker_env(database_url)
    command = [sys.executable, str(Path(__file__).resolve()), "--part", part]
    command += ["--people", str(args.people), "--unit-size", str(args.unit_size)]
    command += ["--setup-only"] if args.setup_only else []
    return subprocess.run(command, env=env, cwd=common.ROOT, check=False).returncode  # noqa: S603


def orchestrate(args: argparse.Namespace) -> int:
    failures = 0
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory(prefix="kaohe-bench-") as tmp:
            failures += run_part("sqlite", f"sqlite:///{tmp}/bench.sqlite3", args) != 0
    if not args.skip_pg:
        name = f"{common.DB_PREFIX}reviews_{os.getpid()}"
        common.create_database(name)
        try:
            failures += run_part("pg", common.PG_URL.format(name=name), args) != 0
        finally:
            if args.setup_only:
                print(f"  kept database {name} (drop it when done)")
            else:
                common.drop_database(name)
    return 1 if failures else 0


# --- The scratch table of scores and the yardstick ----------------------------------


def scores_table_create(cursor: CursorWrapper) -> None:
    """`bench_score`, shaped like the old `reviews_score`; indexed by `scores_index`."""
    key = "uuid" if city.is_postgres() else "char(32)"
    cursor.execute(f"DROP TABLE IF EXISTS {SCORES}")
    cursor.execute(
        f"CREATE TABLE {SCORES} (id {key} NOT NULL, round_id bigint NOT NULL, "
        "unit_id bigint NOT NULL, target_id bigint NOT NULL, "
        "rater_group varchar(16) NOT NULL, dimension varchar(8) NOT NULL, "
        "value smallint NOT NULL)"
    )


def scores_index(cursor: CursorWrapper) -> None:
    """The old table's indexes, built once the rows are in (one pass, not per row)."""
    cursor.execute(f"CREATE UNIQUE INDEX {SCORES}_id ON {SCORES} (id)")
    cursor.execute(
        f"CREATE INDEX {SCORES}_rtgd ON {SCORES} (round_id, target_id, rater_group, dimension)"
    )


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
    runs = [group_by_seconds(round_id) for _ in range(3)]
    planned = statistics.median(t for t, _rows in runs)
    account = f"as planned {planned:.3f} s [{', '.join(f'{t:.3f}' for t, _r in runs)}]"
    best = planned
    if city.is_postgres():
        hashed_runs = [group_by_seconds(round_id, hashed=True) for _ in range(3)]
        hashed = statistics.median(t for t, _rows in hashed_runs)
        account += (
            f"; parallel hash aggregate {hashed:.3f} s "
            f"[{', '.join(f'{t:.3f}' for t, _r in hashed_runs)}]"
        )
        best = min(best, hashed)
    return best, runs[0][1], account


# --- Where a close's time goes --------------------------------------------------------


@dataclass
class CloseWatch:
    """Times the steps of one `round_close` from inside the call, by standing in for
    `closing.scores_tally`, `closing._results_sql` and `closing._boxes_delete` while it
    runs (kaohe's code is not changed), and for `closing.boxes_open`, the generator of
    opened boxes that `scores_tally` reads, to add up the time spent in it (fetching
    the boxes and unsealing them) apart from loading the scratch tables.

    The results SQL has no function of its own to wrap: it is the time from the end
    of `scores_tally` to the start of `_boxes_delete` (building the statement, the
    results INSERT, dropping the scratch tables).
    """

    marks: dict[str, float] = field(default_factory=dict)
    returned: dict[str, Any] = field(default_factory=dict)
    on_step: Callable[[str], None] | None = None  # told as each step begins
    opening: float = 0.0  # seconds inside boxes_open, fetching and unsealing
    opened: int = 0  # boxes it yielded
    _originals: dict[str, Any] = field(default_factory=dict)

    def _wrap(self, name: str, function: F) -> F:
        def timed(*args: Any, **kwargs: Any) -> Any:
            if self.on_step is not None:
                self.on_step(name)
            self.marks.setdefault(f"{name}:start", time.perf_counter())
            try:
                self.returned[name] = function(*args, **kwargs)
                return self.returned[name]
            finally:
                self.marks[f"{name}:end"] = time.perf_counter()

        return timed  # type: ignore[return-value]

    def _wrap_boxes(self, function: Callable[..., Iterable[Any]]) -> Callable[..., Iterator[Any]]:
        def timed(*args: Any, **kwargs: Any) -> Iterator[Any]:
            started = time.perf_counter()
            for item in function(*args, **kwargs):
                self.opening += time.perf_counter() - started
                self.opened += 1
                yield item
                started = time.perf_counter()
            self.opening += time.perf_counter() - started

        return timed

    def __enter__(self) -> CloseWatch:
        from kaohe.reviews import closing

        for name in ("scores_tally", "_results_sql", "_boxes_delete"):
            self._originals[name] = getattr(closing, name)
            setattr(closing, name, self._wrap(name, getattr(closing, name)))
        # closing imports boxes_open by name: stand in for it there.
        self._originals["boxes_open"] = getattr(closing, "boxes_open")  # noqa: B009
        setattr(closing, "boxes_open", self._wrap_boxes(self._originals["boxes_open"]))  # noqa: B010
        return self

    def __exit__(self, *exc: object) -> None:
        from kaohe.reviews import closing

        for name, original in self._originals.items():
            setattr(closing, name, original)

    def span(self, first: str, last: str) -> float:
        return self.marks.get(last, 0.0) - self.marks.get(first, 0.0)


def time_close(label: str, round_: ReviewRound, admin: User, target: float) -> None:
    """Time round_close against the GROUP BY, with its steps apart."""
    from django.db import connection

    from kaohe.reviews import services
    from kaohe.reviews.models import BallotBox, Participation, RoundResult

    ballots = Participation.objects.filter(round=round_).count()
    boxes = BallotBox.objects.filter(round=round_).count()
    if not city.is_postgres():
        # The set-up's writes sit in the WAL; SQLite would have checkpointed them during
        # the voting days, not in the close's commit.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    # On the scores as voting gave them.
    plain, groups, account = fastest_group_by(round_.pk)
    scores = _count(f"SELECT COUNT(*) FROM {SCORES} WHERE round_id = %s", [round_.pk])  # noqa: S608
    with CloseWatch() as watch:
        watch.marks["call:start"] = time.perf_counter()
        services.round_close(actor=admin, round_=round_)
        watch.marks["call:end"] = time.perf_counter()
    close = watch.span("call:start", "call:end")
    results = RoundResult.objects.filter(round=round_).count()
    left = BallotBox.objects.filter(round=round_).count()
    ratio = close / plain if plain else float("inf")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"  {label}: {ballots:,} ballots, {scores:,} scores; the open round keeps {boxes:,} "
        f"sealed boxes; load {load}"
    )
    print(
        f"  GROUP BY over the scores, {groups:,} (target, group) rows "
        f"(median of 3, the faster plan): {plain:.3f} s; {account}"
    )
    print(f"  round_close (one transaction): {close:.2f} s (target < {target:g} s)")
    print(f"  ratio round_close / GROUP BY: {ratio:.1f} (target <= {TARGETS['close']:g})")
    tally = watch.span("scores_tally:start", "scores_tally:end")
    steps = [
        ("state change, event, audit, drafts", "call:start", "scores_tally:start"),
        (
            f"opening the {watch.opened:,} boxes and loading the scratch tables "
            f"({watch.returned.get('scores_tally', 0):,} rows; scores_tally)",
            "scores_tally:start",
            "scores_tally:end",
        ),
        (f"results SQL ({results:,} results)", "scores_tally:end", "_boxes_delete:start"),
        (f"deleting the boxes ({left:,} left)", "_boxes_delete:start", "_boxes_delete:end"),
        ("commit", "_boxes_delete:end", "call:end"),
    ]
    for i, (name, first, last) in enumerate(steps):
        print(f"    {name}: {watch.span(first, last):.2f} s")
        if i == 1:
            print(
                f"      of which in boxes_open (fetching and unsealing): {watch.opening:.2f} s; "
                f"arranging the rows and loading them: {tally - watch.opening:.2f} s"
            )
    built = watch.span("_results_sql:start", "_results_sql:end")
    print(f"      (of the results SQL, building the statement in Python: {built:.3f} s)")


def _count(query: str, params: list[Any]) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(query, params)
        row = cursor.fetchone()
    return int(row[0]) if row else 0


# --- One ballot submission --------------------------------------------------------------


@dataclass
class Submission:
    kind: str  # "first" or "later"
    seconds: float
    statements: list[str]


def time_submissions(label: str) -> None:
    """`services.ballot_submit` of 30 scores, by the "others" raters of units of 31
    cadres, each in its own transaction as a rater's request would be: the group's
    first ballot creates its sealed box, every later one unseals it, adds itself and
    seals it again. Median time and SQL statements per kind."""
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from kaohe.accounts.models import Role, User
    from kaohe.accounts.services import role_grant
    from kaohe.org import services as org_services
    from kaohe.org.models import (
        LeadershipRole,
        MembershipStatus,
        PersonnelCategory,
        RankLevel,
        Region,
        UnitKind,
        UnitType,
    )
    from kaohe.reviews import policies, services
    from kaohe.reviews.models import BallotBox, RoundUnit

    year = timezone.localdate().year
    started = time.perf_counter()
    region = org_services.region_create(
        actor=None, name="提交基准区", code="bench-submit", level=Region.Level.DISTRICT
    )
    admin = User.objects.create(username="bench_submit_admin", region=region)
    role_grant(actor=None, user=admin, role=Role.REGION_ADMIN)
    rank = RankLevel.objects.filter(region=region).order_by("sort_order")[0]
    category = PersonnelCategory.objects.filter(region=region)[0]
    raters: dict[int, list[User]] = {}
    for u in range(SUBMIT_UNITS):
        unit = org_services.unit_create(
            actor=None,
            region=region,
            name=f"提交基准单位{u + 1}",
            code=f"SB{u + 1:03d}",
            unit_type=UnitType.DISTRICT_UNIT,
            unit_kind=UnitKind.ADMINISTRATIVE,
        )
        for i in range(SUBMIT_UNIT_SIZE):
            person = org_services.person_create(
                actor=None, region=region, staff_no=f"SB{u + 1}{i:03d}", name=f"提交{u + 1}-{i}"
            )
            role = (
                LeadershipRole.MAIN
                if i == 0
                else LeadershipRole.TEAM
                if i <= 3
                else LeadershipRole.STAFF
            )
            org_services.membership_change(
                actor=None,
                person=person,
                unit=unit,
                rank_level=rank,
                personnel_category=category,
                leadership_role=role,
                status=MembershipStatus.ON_DUTY,
                valid_from=dt.date(year, 1, 1),
            )
            if role == LeadershipRole.STAFF:
                user = User.objects.create(
                    username=f"sb_{person.staff_no}", region=region, person=person
                )
                raters.setdefault(unit.pk, []).append(user)
    round_ = services.round_create(
        actor=admin,
        region=region,
        year=year,
        number=4,
        starts_on=dt.date(year + 1, 1, 1),
        ends_on=dt.date(year + 1, 1, 10),
    )
    services.round_open(actor=admin, round_=round_)
    # Ballots are taken on the round's voting days only: the bench votes on its first.
    settings.KAOHE_TODAY = round_.starts_on
    setup = time.perf_counter() - started

    rng = random.Random(20261202)
    runs: list[Submission] = []
    for round_unit in RoundUnit.objects.filter(round=round_).select_related("round", "unit"):
        sheet_people: list[int] | None = None
        for n, user in enumerate(raters[round_unit.unit_id], start=1):
            assert user.person is not None
            if sheet_people is None:
                sheet = policies.ballot_sheet(rater=user.person, round_unit=round_unit)
                assert sheet is not None
                sheet_people = [p.pk for p in sheet.targets] + [user.person.pk]
            values = {
                str(pid): rng.randint(60, 89) for pid in sheet_people if pid != user.person.pk
            }
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                services.ballot_submit(actor=user, round_unit=round_unit, values=values)
                seconds = time.perf_counter() - started
            assert len(values) == SUBMIT_UNIT_SIZE - 1
            kind = "first" if n == 1 else "later"
            runs.append(Submission(kind, seconds, [q["sql"] for q in queries.captured_queries]))
    sizes = sorted({len(bytes(b)) for b in BallotBox.objects.values_list("sealed", flat=True)})
    print(
        f"  {label}: one ballot of {SUBMIT_UNIT_SIZE - 1} scores, services.ballot_submit, "
        f"{len(runs)} submissions in {SUBMIT_UNITS} units of {SUBMIT_UNIT_SIZE} "
        f"(set-up {setup:.1f} s); sealed box size {', '.join(map(str, sizes))} bytes"
    )
    descriptions = {
        "first": "the group's first ballot (seals a new box)",
        "later": f"ballots 2–{SUBMIT_UNIT_SIZE - 4} of the group (unseal the box, add, seal)",
    }
    for kind, description in descriptions.items():
        chosen = [r for r in runs if r.kind == kind]
        times = sorted(r.seconds * 1000 for r in chosen)
        counts = sorted({len(r.statements) for r in chosen})
        spread = f"{counts[0]}" if len(counts) == 1 else f"{counts[0]}–{counts[-1]}"
        verbs = Counter(_verb(s) for s in chosen[-1].statements)
        print(
            f"    {description}: median {statistics.median(times):.1f} ms over {len(chosen)} "
            f"(range {times[0]:.1f}–{times[-1]:.1f} ms); {spread} SQL statements "
            f"({', '.join(f'{n} {v}' for v, n in sorted(verbs.items()))})"
        )
    _time_seal_alone()


def _time_seal_alone() -> None:
    """The sealing itself, apart from the database: unseal + add + seal of one box of
    a group of 31 cadres, as every ballot does."""
    from kaohe.reviews.seal import BoxTally, seal, unseal

    tally = BoxTally()
    rng = random.Random(1)
    for _ in range(20):
        tally.add_ballot({(1000 + t, ""): rng.randint(60, 89) for t in range(31)})
    sealed = seal(tally, round_id=1, unit_id=1, group="others")
    runs = 2000
    started = time.perf_counter()
    for _ in range(runs):
        opened = unseal(sealed, round_id=1, unit_id=1, group="others")
        opened.add_ballot({(1000 + t, ""): 75 for t in range(30)})
        sealed = seal(opened, round_id=1, unit_id=1, group="others")
    each = (time.perf_counter() - started) / runs * 1e6
    print(
        f"    unseal + add 30 scores + seal of a box of 31 targets, in Python alone: {each:.0f} µs"
    )


def _verb(statement: str) -> str:
    """A statement's kind; Django logs an executemany as "<n> times: <statement>"."""
    count, times, rest = statement.partition(" times: ")
    if times and count.isdigit():
        return f"{_verb(rest)} of {count} rows"
    return statement.lstrip().split(" ", 1)[0].upper()


# --- Building an open round in SQL (part (b), and bench/close_kill.py) --------------


def build_round(people: int, size: int, *, log: Callable[[str], None] = print) -> ReviewRound:
    """An open round of `people` cadres in units of `size`, every ballot cast, as
    voting leaves it: opened by `services.round_open`, participation, a sealed box per
    (unit, rater group), and the per-ballot scores in `bench_score` (dropped by the
    caller when it does not need them)."""
    from django.db import connection
    from django.utils import timezone

    from kaohe.accounts.models import Role, User
    from kaohe.accounts.services import role_grant
    from kaohe.org import services as org_services
    from kaohe.org.models import PersonnelCategory, RankLevel, Region
    from kaohe.reviews import services
    from kaohe.reviews.models import Participation, ReviewRound

    t, pg = city.tables(), city.is_postgres()
    units = -(-people // size)
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
        starts_on=dt.date(year + 1, 1, 1),
        ends_on=dt.date(year + 1, 1, 10),
    )
    voted_on = Participation._meta.get_field("submitted_on").get_db_prep_value(
        round_.starts_on, connection
    )

    with connection.cursor() as cursor:
        city.series(cursor, max(people, units))
        city.units_add(cursor, region.pk, units)
        city.people_add(
            cursor, region.pk, people, connection.ops.adapt_datetimefield_value(timezone.now())
        )
        city.series_drop(cursor)
        # The k-th person (by id) sits in unit k / size; the first of each unit is its
        # main leader, the next three its leadership team, the rest general cadres.
        city.people_seat(cursor, region.pk, size, [rank] * 9, category, jan1)
        cursor.execute(
            f"""
            INSERT INTO {t.round_unit} (round_id, unit_id, proposal, proposal_note,
                decision_note)
            SELECT %s, id, 'not_needed', '', '' FROM {t.unit} WHERE region_id = %s
            """,  # noqa: S608
            [round_.pk, region.pk],
        )
        # Opened as an administrator would: the plan weights the close uses are fixed now.
        services.round_open(actor=admin, round_=round_)
        cursor.execute(
            f"INSERT INTO {t.participation} (round_id, unit_id, rater_id, submitted_on) "  # noqa: S608
            f"SELECT %s, unit_id, person_id, %s FROM {t.membership} WHERE region_id = %s",
            [round_.pk, voted_on, region.pk],
        )
        setup = time.perf_counter() - started

        started = time.perf_counter()
        if pg:
            cursor.execute("SELECT setseed(0.20261122)")
            city.bulk_writes(cursor)
        scores_table_create(cursor)
        cursor.execute(f"SELECT min(id), max(id) FROM {t.unit} WHERE region_id = %s", [region.pk])  # noqa: S608
        first, last = cursor.fetchone() or (0, 0)
        # In slices of units, so no single statement runs for minutes.
        step = 500
        for lo in range(first, last + 1, step):
            cursor.execute(
                f"INSERT INTO {SCORES} "  # noqa: S608
                "(id, round_id, unit_id, target_id, rater_group, dimension, value) "
                f"SELECT {city.uuid()}, %s, r.unit_id, o.person_id, "
                f"{ROLE_TO_GROUP.format(role='r.leadership_role')}, '', {city.score()} "
                f"FROM {t.membership} r JOIN {t.membership} o "
                "ON o.unit_id = r.unit_id AND o.person_id <> r.person_id "
                "WHERE r.region_id = %s AND r.unit_id BETWEEN %s AND %s",
                [round_.pk, region.pk, lo, min(lo + step - 1, last)],
            )
        scores = time.perf_counter() - started
        started = time.perf_counter()
        scores_index(cursor)
        indexed = time.perf_counter() - started

        started = time.perf_counter()
        sealed = _seal_boxes(cursor, round_)
        boxes = time.perf_counter() - started

        started = time.perf_counter()
        if pg:
            # As autovacuum would have by then: it sets the visibility map too.
            cursor.execute("VACUUM ANALYZE")
            cursor.execute("RESET synchronous_commit")
            cursor.execute("RESET maintenance_work_mem")
        vacuumed = time.perf_counter() - started
    log(
        f"  set-up: units + people + memberships + participation {setup:.1f} s, "
        f"scores into {SCORES} {scores:.1f} s, indexing them {indexed:.1f} s, "
        f"{sealed:,} boxes sealed in Python and inserted {boxes:.1f} s"
        + (f", VACUUM ANALYZE {vacuumed:.1f} s" if pg else "")
    )
    return round_


def _seal_boxes(cursor: CursorWrapper, round_: ReviewRound) -> int:
    """A sealed box per (unit, rater group), its tally read from the scores in one
    GROUP BY and its ballots counted from the memberships (everyone voted): what
    folding the group's ballots one by one leaves. Returns the boxes."""
    from kaohe.reviews.boxes import BATCH_SIZE
    from kaohe.reviews.models import BallotBox
    from kaohe.reviews.seal import BoxTally, Entry, seal

    t = city.tables()
    tallies: dict[tuple[int, str], BoxTally] = {}
    group = ROLE_TO_GROUP.format(role="leadership_role")
    cursor.execute(
        f"SELECT unit_id, {group}, COUNT(*) FROM {t.membership} "  # noqa: S608
        f"WHERE unit_id IN (SELECT unit_id FROM {t.round_unit} WHERE round_id = %s) "
        f"GROUP BY unit_id, {group}",
        [round_.pk],
    )
    for unit_id, rater_group, ballots in cursor.fetchall():
        tallies[(int(unit_id), str(rater_group))] = BoxTally(ballots=int(ballots))
    cursor.execute(
        "SELECT unit_id, rater_group, target_id, dimension, "  # noqa: S608
        f"COUNT(*), SUM(value), MIN(value), MAX(value) FROM {SCORES} WHERE round_id = %s "
        "GROUP BY unit_id, rater_group, target_id, dimension",
        [round_.pk],
    )
    for unit_id, rater_group, target, aspect, n, total, low, high in cursor.fetchall():
        tallies[(int(unit_id), str(rater_group))].entries[(int(target), str(aspect))] = Entry(
            int(n), int(total), int(low), int(high)
        )
    BallotBox.objects.bulk_create(
        (
            BallotBox(
                round=round_,
                unit_id=unit_id,
                rater_group=rater_group,
                sealed=seal(tally, round_id=round_.pk, unit_id=unit_id, group=rater_group),
            )
            for (unit_id, rater_group), tally in sorted(tallies.items())
        ),
        batch_size=BATCH_SIZE,
    )
    return len(tallies)


@contextmanager
def scores_captured() -> Iterator[None]:
    """While the demo casts its ballots, keep their scores in `bench_score` too: the
    demo hands every ballot to `boxes.ballots_fold`, which is stood in for."""
    import uuid

    from django.db import connection

    from kaohe.demo import reviews as demo
    from kaohe.reviews import boxes

    fold = boxes.ballots_fold

    def capture(round_arg: ReviewRound, cast: Iterable[CastBallot]) -> None:
        ballots = list(cast)
        rows: list[list[Any]] = [
            [uuid.uuid4().hex, round_arg.pk, b.unit_id, target, b.group, aspect, value]
            for b in ballots
            for (target, aspect), value in b.values.items()
        ]
        with connection.cursor() as cursor:
            scores_table_create(cursor)
            cursor.executemany(
                f"INSERT INTO {SCORES} VALUES (%s, %s, %s, %s, %s, %s, %s)",  # noqa: S608
                rows,
            )
            scores_index(cursor)
        fold(round_arg, ballots)

    with mock.patch.object(demo, "ballots_fold", capture):
        yield


# --- (a) The demo county, SQLite ------------------------------------------------------


def part_sqlite(args: argparse.Namespace) -> None:
    common.setup_django()
    from django.utils import timezone

    from kaohe.accounts.models import User
    from kaohe.demo.org import generate_demo
    from kaohe.demo.reviews import SEED, approve_small_units, cast_ballots
    from kaohe.reviews import services
    from kaohe.reviews.models import RoundUnit

    print("(a) closing a round of the demo county, every ballot cast, SQLite")
    migrated = common.migrate()
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
    with scores_captured():
        cast_ballots(round_, rng=rng, turnout=1.0)
    voting = time.perf_counter() - started
    units = RoundUnit.objects.filter(round=round_).count()
    print(
        f"  set-up: migrate {migrated:.1f} s, demo county {generated:.1f} s; round over "
        f"{units} units ({small} small, {extras} outside raters approved), ballots folded "
        f"in bulk and their scores kept in {SCORES} in {voting:.1f} s"
    )
    time_close("sqlite", round_, admin, TARGETS["sqlite"])
    time_submissions("sqlite")


# --- (b) A city-sized round, PostgreSQL ----------------------------------------------


def part_pg(args: argparse.Namespace) -> None:
    common.setup_django()
    from kaohe.accounts.models import User

    people, size = args.people, args.unit_size
    print(
        f"(b) closing a round of {people:,} cadres in {-(-people // size):,} units of {size}, "
        "every ballot cast, PostgreSQL"
    )
    migrated = common.migrate()
    print(f"  migrate {migrated:.1f} s")
    round_ = build_round(people, size)
    if args.setup_only:
        return
    admin = User.objects.get(username="bench_admin")
    time_close("pg", round_, admin, TARGETS["pg"])
    time_submissions("pg")


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
