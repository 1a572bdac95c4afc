"""A round close killed at any moment leaves the open round or the closed one, never
something in between (issue 12). Prints a table and a summary; exits 1 if any run
was left in between.

    python bench/close_kill.py [--skip-sqlite] [--skip-pg] [--runs 20]
                               [--sqlite-people 40000] [--pg-people 40000] [--unit-size 25]

For each database (SQLite in a temporary file, PostgreSQL on 127.0.0.1:5432): build
an open round with every ballot cast, as `bench/reviews.py` (b) does (the round
opened by `services.round_open`, participation, a sealed ballot box per unit and rater
group), plus a few sealed drafts (the close deletes them), big enough that its close
takes over a second. Then:

1. restore a copy of it (SQLite: copy the file; PostgreSQL: CREATE DATABASE …
   TEMPLATE) and read its fingerprint in a fresh process: the round's state, events,
   drafts (and a digest of their sealed bytes), participation, boxes (and a digest
   of their sealed bytes) and results (rows, scored, sum of scores);
2. close it once in a subprocess, timing `services.round_close` from inside, and
   read the closed fingerprint: results for every target, no box, no draft;
3. `--runs` times (default 20): restore, start the close in a subprocess and SIGKILL
   it at moment i / (runs + 1) of the measured close, then read the fingerprint in a
   fresh process: it must equal the open one (the round open, every box and draft
   intact byte for byte, no result) or the closed one (complete), nothing else.

The close process says which step of the close it has begun (the steps of
`bench/reviews.py`'s CloseWatch), so the table shows where each kill landed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import city
from common import (
    DB_PREFIX,
    PG_URL,
    ROOT,
    create_database,
    drop_database,
    migrate,
    psql,
    setup_django,
    worker_env,
)

REGION_CODE = "bench-city"  # made by reviews.build_round
ADMIN = "bench_admin"
DRAFTS = 10  # sealed drafts in the built round
OPEN, CLOSED, BETWEEN = "open, intact", "closed, complete", "IN BETWEEN"


# --- Worker parts (each a fresh process with Django set up) --------------------------


def part_build(args: argparse.Namespace) -> None:
    setup_django()
    from django.db import connection
    from reviews import SCORES, build_round

    migrated = migrate()
    print(f"  migrate {migrated:.1f} s")
    round_ = build_round(args.people, args.unit_size)
    drafts_add(round_)
    with connection.cursor() as cursor:
        # The yardstick's scores are not needed here; copies are smaller without them.
        cursor.execute(f"DROP TABLE {SCORES}")
        if city.is_postgres():
            cursor.execute("VACUUM ANALYZE")


def drafts_add(round_: Any, count: int = DRAFTS) -> None:
    """A few sealed drafts, which the close deletes with the rest: so that the
    fingerprint sees whether a killed close left them (byte for byte) or not. Their
    raters are the first members of the first units; only their rows matter here."""
    from kaohe.org.models import Membership
    from kaohe.reviews.models import DraftBallot
    from kaohe.reviews.seal import seal_draft

    drafts = []
    for unit_id, rater_id in (
        Membership.objects.filter(region__code=REGION_CODE)
        .order_by("unit_id", "person_id")
        .values_list("unit_id", "person_id")[:count]
    ):
        values = {str(rater_id + i): 70 + i for i in range(1, 6)}
        sealed = seal_draft(values, round_id=round_.pk, unit_id=unit_id, rater_id=rater_id)
        drafts.append(DraftBallot(round=round_, unit_id=unit_id, rater_id=rater_id, sealed=sealed))
    DraftBallot.objects.bulk_create(drafts)


def part_close(args: argparse.Namespace) -> None:
    """Close the round, saying "start" just before and each step as it begins."""
    setup_django()
    from reviews import CloseWatch

    from kaohe.accounts.models import User
    from kaohe.reviews import services
    from kaohe.reviews.models import ReviewRound

    round_ = ReviewRound.objects.get(region__code=REGION_CODE)
    admin = User.objects.get(username=ADMIN)

    def say(line: str) -> None:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

    with CloseWatch(on_step=lambda name: say(f"step {name}")):
        say("start")
        started = time.perf_counter()
        services.round_close(actor=admin, round_=round_)
        say(f"done {time.perf_counter() - started:.3f}")


def part_check(args: argparse.Namespace) -> None:
    """Print the round's fingerprint as one line of JSON."""
    setup_django()
    print("FINGERPRINT " + json.dumps(fingerprint(), sort_keys=True))


def fingerprint() -> dict[str, Any]:
    import hashlib

    from django.db.models import Count, Sum

    from kaohe.org.models import Membership
    from kaohe.reviews.models import (
        BallotBox,
        DraftBallot,
        Participation,
        ReviewRound,
        RoundResult,
        RoundUnit,
    )
    from kaohe.reviews.selectors import round_history

    if city.is_postgres():
        _wait_for_other_sessions()
    round_ = ReviewRound.objects.get(region__code=REGION_CODE)

    def digest(rows: Any) -> str:
        """A digest of (key, key, sealed bytes) rows in a fixed order: unchanged only if
        every row is, and where it is."""
        hashed = hashlib.sha256()
        for first, second, sealed in rows:
            hashed.update(f"{first}:{second}:".encode() + bytes(sealed))
        return hashed.hexdigest()[:16]

    boxes = BallotBox.objects.filter(round=round_)
    drafts = DraftBallot.objects.filter(round=round_)
    results = RoundResult.objects.filter(round=round_).aggregate(
        rows=Count("id"), scored=Count("score"), score=Sum("score")
    )
    units = RoundUnit.objects.filter(round=round_).values("unit_id")
    return {
        "state": str(round_.state),
        "events": len(round_history(round_)),
        "drafts": drafts.count(),
        "drafts_digest": digest(
            drafts.order_by("unit_id", "rater_id").values_list("unit_id", "rater_id", "sealed")
        ),
        "participation": Participation.objects.filter(round=round_).count(),
        "boxes": boxes.count(),
        "boxes_digest": digest(
            boxes.order_by("unit_id", "rater_group").values_list("unit_id", "rater_group", "sealed")
        ),
        "results": results["rows"],
        "scored": results["scored"],
        "score_sum": str(results["score"]),
        "targets": Membership.objects.filter(unit_id__in=units)
        .values("person_id")
        .distinct()
        .count(),
    }


def _wait_for_other_sessions(limit: float = 60.0) -> None:
    """The killed close's server session ends when PostgreSQL notices its client has
    gone (at the latest when its statement ends), rolling back; until then it may
    hold locks. Read only once no other client is connected to this database."""
    from django.db import connection

    deadline = time.monotonic() + limit
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
            )
            row = cursor.fetchone()
            if row is not None and row[0] == 0:
                return
            time.sleep(0.1)
    raise RuntimeError("the killed close's session did not end within a minute")


# --- Orchestration (no Django in this process) -----------------------------------


@dataclass
class Database:
    """A master copy of the built round and a working copy restored from it."""

    label: str
    master_url: str
    work_url: str
    restore: Callable[[], None]


def worker(part: str, database_url: str, args: argparse.Namespace) -> list[str]:
    command = [sys.executable, str(Path(__file__).resolve()), "--part", part]
    command += ["--people", str(args.people), "--unit-size", str(args.unit_size)]
    done = subprocess.run(  # noqa: S603 (this script, fixed arguments)
        command, env=worker_env(database_url), cwd=ROOT, check=True, capture_output=True, text=True
    )
    return done.stdout.splitlines()


def read_fingerprint(database_url: str, args: argparse.Namespace) -> dict[str, Any]:
    for line in worker("check", database_url, args):
        if line.startswith("FINGERPRINT "):
            loaded: dict[str, Any] = json.loads(line.removeprefix("FINGERPRINT "))
            return loaded
    raise RuntimeError("the check printed no fingerprint")


@dataclass
class Run:
    moment: float
    killed: bool
    step: str
    outcome: str


def close_once(
    database_url: str, args: argparse.Namespace, kill_after: float | None
) -> tuple[bool, str, float | None]:
    """Start a close; kill it `kill_after` seconds after it began (None: let it end).
    Returns (killed, last step begun, seconds it reported if it ended)."""
    command = [sys.executable, str(Path(__file__).resolve()), "--part", "close"]
    command += ["--people", str(args.people), "--unit-size", str(args.unit_size)]
    process = subprocess.Popen(  # noqa: S603 (this script, fixed arguments)
        command,
        env=worker_env(database_url),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    while (line := process.stdout.readline()) and line.strip() != "start":
        pass
    began = time.perf_counter()
    killed = False
    if kill_after is not None:
        time.sleep(max(0.0, kill_after - (time.perf_counter() - began)))
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            killed = True
    rest, _err = process.communicate()
    if not killed and process.returncode != 0:
        raise RuntimeError(f"the close failed (exit {process.returncode})")
    step, seconds = "state change", None
    for line in rest.splitlines():
        if line.startswith("step "):
            step = line.removeprefix("step ")
        elif line.startswith("done "):
            step, seconds = "ended", float(line.removeprefix("done "))
    return killed, step, seconds


def trial(db: Database, args: argparse.Namespace) -> bool:
    """Build, measure, kill `args.runs` times; print the table. True if all held."""
    print(f"{db.label}: {args.people:,} cadres in units of {args.unit_size}")
    started = time.perf_counter()
    for line in worker("build", db.master_url, args):
        print(line)
    print(f"  built in {time.perf_counter() - started:.1f} s")
    db.restore()
    opened = read_fingerprint(db.work_url, args)
    # The moments spread over the faster of two unkilled closes: on a shared machine
    # one close can take twice as long as the next, and a kill after the end tells
    # little.
    durations = []
    for _ in range(2):
        db.restore()
        _killed, _step, seconds = close_once(db.work_url, args, None)
        assert seconds is not None
        durations.append(seconds)
    duration = min(durations)
    closed = read_fingerprint(db.work_url, args)
    complete = (
        closed["state"] == "closed"
        and closed["results"] == opened["targets"]
        and closed["boxes"] == closed["drafts"] == 0
        and closed["participation"] == opened["participation"]
    )
    print(
        f"  open round: {opened['participation']:,} ballots, {opened['boxes']:,} sealed boxes, "
        f"{opened['drafts']:,} sealed drafts, {opened['targets']:,} "
        f"targets; unkilled closes took {' and '.join(f'{d:.2f}' for d in durations)} s "
        f"and wrote {closed['results']:,} results ({'complete' if complete else 'INCOMPLETE'})"
    )
    if duration < 1:
        print("  note: the close took under a second; raise the cadres for finer moments")
    runs: list[Run] = []
    print(f"  {'#':>3} {'moment':>8}  {'killed':<8} {'last step begun':<22} outcome")
    for i in range(1, args.runs + 1):
        db.restore()
        moment = duration * i / (args.runs + 1)
        killed, step, ended = close_once(db.work_url, args, moment)
        if ended is not None:
            step = f"ended ({ended:.2f}s)"
        seen = read_fingerprint(db.work_url, args)
        outcome = (
            OPEN
            if seen == opened
            else CLOSED
            if complete and seen == closed
            else f"{BETWEEN}: {_difference(seen, opened, closed)}"
        )
        runs.append(Run(moment, killed, step, outcome))
        print(
            f"  {i:>3} {moment:>7.2f}s  {'killed' if killed else 'ended':<8} {step:<22} {outcome}"
        )
    between = [r for r in runs if r.outcome.startswith(BETWEEN)]
    print(
        f"  summary {db.label}: {len(runs)} closes killed at moments "
        f"{runs[0].moment:.2f}–{runs[-1].moment:.2f} s of {duration:.2f} s: "
        f"{sum(r.outcome == OPEN for r in runs)} left the round open and intact, "
        f"{sum(r.outcome == CLOSED for r in runs)} closed and complete, "
        f"{len(between)} in between; in {sum(r.step.startswith('ended') for r in runs)} "
        f"the close had returned before the kill, {sum(not r.killed for r in runs)} "
        "had exited"
    )
    return complete and not between


def _difference(seen: dict[str, Any], opened: dict[str, Any], closed: dict[str, Any]) -> str:
    keys = sorted(k for k in seen if seen[k] != opened.get(k) and seen[k] != closed.get(k))
    return ", ".join(f"{k}={seen[k]}" for k in keys) or "mixed"


def sqlite_database(tmp: str) -> Database:
    master, work = Path(tmp) / "master.sqlite3", Path(tmp) / "work.sqlite3"

    def restore() -> None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{work}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(master, work)
        if Path(f"{master}-wal").exists():
            shutil.copyfile(f"{master}-wal", f"{work}-wal")

    return Database("SQLite", f"sqlite:///{master}", f"sqlite:///{work}", restore)


def pg_database(master: str, work: str) -> Database:
    def restore() -> None:
        drop_database(work)
        psql(f'CREATE DATABASE "{work}" TEMPLATE "{master}"')

    return Database("PostgreSQL", PG_URL.format(name=master), PG_URL.format(name=work), restore)


def orchestrate(args: argparse.Namespace) -> int:
    held = True
    if not args.skip_sqlite:
        args.people = args.sqlite_people
        with tempfile.TemporaryDirectory(prefix="kaohe-kill-") as tmp:
            held &= trial(sqlite_database(tmp), args)
    if not args.skip_pg:
        args.people = args.pg_people
        master = f"{DB_PREFIX}kill_{os.getpid()}"
        work = f"{master}_work"
        create_database(master)
        try:
            held &= trial(pg_database(master, work), args)
        finally:
            drop_database(work)
            drop_database(master)
    print("every killed close left the open round or the complete closed one" if held else "FAIL")
    return 0 if held else 1


PARTS: dict[str, Callable[[argparse.Namespace], None]] = {
    "build": part_build,
    "close": part_close,
    "check": part_check,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--runs", type=int, default=20, help="kills per database")
    parser.add_argument("--sqlite-people", type=int, default=40_000)
    parser.add_argument("--pg-people", type=int, default=40_000)
    parser.add_argument("--unit-size", type=int, default=25)
    parser.add_argument("--people", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--part", choices=sorted(PARTS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.part:
        PARTS[args.part](args)
        return 0
    return orchestrate(args)


if __name__ == "__main__":
    sys.exit(main())
