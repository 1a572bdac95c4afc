"""Public survey benchmark (issue 19): 200 concurrent respondents through gunicorn on
PostgreSQL. Prints figures; fails only when the counts after the run disagree.

    python bench/surveys.py [--db kaohe_bench_surveys] [--respondents 200] [--rounds 3]

Each respondent is a client thread with a household code of its own (a code link needs
no challenge, so nothing in the load is refused by anti-stuffing): it GETs the form,
reads its CSRF token and POSTs its answers, then takes the next code of its share.
In the same run, with the same concurrency, the same threads GET the thanks page (a
minimal page: a template and no query) as the floor the answers are compared with;
both phases are taken in `--rounds` alternating turns, so load from other processes
on the machine falls on both alike. Then a race: pairs of threads POST one fresh code
at the same moment (a barrier each), and every thread POSTs an already used code again.

Afterwards the database is read: responses stored = successful POSTs, codes spent =
successful POSTs, a race's code stored once, a replay stored nothing.

Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth). Without --db the
database is a throwaway kaohe_bench_surveys_<pid>; with --db it is made if missing and
kept. Runs gunicorn (2 sync workers) on a free port with debug off.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import common
from common import Outcome, Session, free_port, load_average, p95, request, wait_until_up

WORKERS = 2
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


# --- Orchestration (no Django in this process) -----------------------------------


def orchestrate(args: argparse.Namespace) -> int:
    throwaway = f"{common.DB_PREFIX}surveys_{os.getpid()}"
    extra = ["--respondents", str(args.respondents), "--rounds", str(args.rounds)]
    extra += ["--per-thread", str(args.per_thread)]
    figures = common.kept_or_throwaway(
        args.db, throwaway, lambda db: common.worker_figures(__file__, db, extra)
    )
    return 0 if figures.get("counts_ok") else 1


# --- HTTP client ---------------------------------------------------------------------


@dataclass
class Phase:
    """What the threads of one kind of work did, over all its turns."""

    label: str
    outcomes: list[Outcome] = field(default_factory=list)
    units: int = 0  # answers stored, or pages served
    seconds: float = 0.0

    @property
    def per_second(self) -> float:
        return self.units / self.seconds if self.seconds else 0.0

    def line(self, unit: str) -> str:
        statuses = Counter(o.status for o in self.outcomes)
        shown = ", ".join(f"{status}: {n}" for status, n in sorted(statuses.items()))
        slow = p95([o.seconds for o in self.outcomes]) * 1000
        return (
            f"  {self.label:<34} {self.units:6} {unit} in {self.seconds:6.1f} s  "
            f"{self.per_second:7.1f} {unit}/s   p95 {slow:6.0f} ms   ({shown})"
        )


def run_threads(work: Sequence[Callable[[], None]]) -> float:
    """Start one thread per item at once; the seconds until the last is done."""
    threads = [threading.Thread(target=job) for job in work]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started


# --- The worker (Django, on its own database) -----------------------------------------


@dataclass
class World:
    region_id: int
    target_id: int
    question_ids: list[int]
    codes: list[str]


def build(codes_needed: int) -> World:
    import datetime as dt

    from kaohe.core import clock
    from kaohe.org import services as org
    from kaohe.org.models import UnitKind, UnitType
    from kaohe.surveys.models import (
        IndexKind,
        Question,
        QuestionKind,
        Survey,
        SurveyState,
        Target,
        Token,
    )
    from kaohe.surveys.services import new_token, token_digest

    tag = f"{os.getpid()}{int(time.time()) % 100000}"
    region = org.region_create(actor=None, name=f"压测区{tag}", code=f"sv{tag}", level="district")
    unit = org.unit_create(
        actor=None,
        region=region,
        name="区政务服务中心",
        code=f"SV{tag}",
        unit_type=UnitType.DISTRICT_UNIT,
        unit_kind=UnitKind.ADMINISTRATIVE,
    )
    today = clock.today()
    survey = Survey.objects.create(
        region=region,
        name="群众满意度调查（压测）",
        intro="请根据您的亲身感受作答。",
        state=SurveyState.OPEN,
        opens_on=today - dt.timedelta(days=1),
        closes_on=today + dt.timedelta(days=30),
    )
    specs = [
        ("您对办事效率满意吗？", QuestionKind.SCALE5, IndexKind.SATISFACTION, []),
        ("您对服务态度满意吗？", QuestionKind.SCALE5, IndexKind.SATISFACTION, []),
        ("您在本地生活感到幸福吗？", QuestionKind.SCALE10, IndexKind.HAPPINESS, []),
        ("您在本地生活感到安全吗？", QuestionKind.SCALE10, IndexKind.SECURITY, []),
        ("您是第一次来办事吗？", QuestionKind.SINGLE, "", ["是", "否"]),
        ("您还有什么意见建议？", QuestionKind.TEXT, "", []),
    ]
    questions = [
        Question.objects.create(
            survey=survey,
            position=i,
            text=text,
            kind=kind,
            index=index,
            choices=choices,
            required=kind != QuestionKind.TEXT,
        )
        for i, (text, kind, index, choices) in enumerate(specs, start=1)
    ]
    target = Target.objects.create(survey=survey, unit=unit, window="综合窗口")
    codes = [new_token() for _ in range(codes_needed)]
    Token.objects.bulk_create(
        (Token(target=target, digest=token_digest(c)) for c in codes), batch_size=2000
    )
    return World(region.pk, target.pk, [q.pk for q in questions], codes)


def answer_form(world: World, n: int) -> dict[str, Any]:
    q = world.question_ids
    form: dict[str, Any] = {
        f"q{q[0]}": str(n % 5 + 1),
        f"q{q[1]}": str((n + 2) % 5 + 1),
        f"q{q[2]}": str(n % 10 + 1),
        f"q{q[3]}": str((n + 3) % 10 + 1),
        f"q{q[4]}": str(n % 2 + 1),
    }
    if n % 4 == 0:
        form[f"q{q[5]}"] = "窗口工作人员态度很好，办事很快。"
    return form


def respond(port: int, world: World, code: str, n: int) -> tuple[Outcome, Outcome]:
    """A respondent: the form (GET), then the answers with the page's CSRF token (POST)."""
    browser = Session()
    page = request(port, browser, "GET", f"/s/c/{code}/")
    token = CSRF_INPUT.search(page.body.decode(errors="replace"))
    form = {**answer_form(world, n), "csrfmiddlewaretoken": token[1] if token else ""}
    sent = request(port, browser, "POST", f"/s/c/{code}/", form)
    return page, sent


def worker(db: str, args: argparse.Namespace) -> dict[str, Any]:
    common.setup_django()
    from django.db import connections

    from kaohe.surveys.models import Response, Token

    threads, rounds, per_thread = args.respondents, args.rounds, args.per_thread
    answers_needed = threads * rounds * per_thread
    race_pairs = threads // 2
    replays = threads
    print(f"Public survey bench: {threads} concurrent respondents, gunicorn ({WORKERS} workers)")
    print(f"  database {db} (PostgreSQL)")
    migrated = common.migrate()
    started = time.perf_counter()
    world = build(answers_needed + race_pairs)
    built = time.perf_counter() - started
    print(f"  set-up: migrate {migrated:.1f} s, survey and {len(world.codes)} codes {built:.1f} s")
    connections.close_all()

    port = free_port()
    static_dir = tempfile.TemporaryDirectory(prefix="kaohe-bench-static-")
    static = Path(static_dir.name)
    common.collect_static(static)
    env = {**os.environ, "KAOHE_STATIC_ROOT": str(static)}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [str(gunicorn), "kaohe.wsgi:application", "--workers", str(WORKERS)]
    command += ["--bind", f"{common.HOST}:{port}", "--log-level", "warning"]
    command += ["--backlog", "2048", "--timeout", "120"]
    server = subprocess.Popen(command, cwd=common.ROOT, env=env)  # noqa: S603
    codes = iter(world.codes)
    lock = threading.Lock()
    answers = Phase("respondents (GET form + POST)")
    forms = Phase("forms")
    thanks = Phase("GET /s/thanks/ (minimal page)")
    try:
        wait_until_up(port, server, "/s/thanks/")
        # Warm both workers (imports, templates, first queries) before anything is timed.
        for _ in range(20):
            request(port, Session(), "GET", "/s/thanks/")

        def respondent_turn(n0: int) -> Callable[[], None]:
            def run() -> None:
                mine: list[tuple[Outcome, Outcome]] = []
                for i in range(per_thread):
                    with lock:
                        code = next(codes)
                    mine.append(respond(port, world, code, n0 + i))
                with lock:
                    for page, sent in mine:
                        forms.outcomes.append(page)
                        answers.outcomes.append(sent)
                        answers.units += sent.status == 302

            return run

        def thanks_turn() -> Callable[[], None]:
            def run() -> None:
                # As many requests as a respondent thread makes (a form and a POST each).
                mine = [
                    request(port, Session(), "GET", "/s/thanks/") for _ in range(2 * per_thread)
                ]
                with lock:
                    thanks.outcomes.extend(mine)
                    thanks.units += sum(o.status == 200 for o in mine)

            return run

        for turn in range(rounds):
            answers.seconds += run_threads(
                [respondent_turn((turn * threads + t) * per_thread) for t in range(threads)]
            )
            thanks.seconds += run_threads([thanks_turn() for _ in range(threads)])

        # The race: two threads post one fresh code at the same moment.
        race_codes = [next(codes) for _ in range(race_pairs)]
        race: list[Outcome] = []

        def racer(code: str, barrier: threading.Barrier, n: int) -> Callable[[], None]:
            def run() -> None:
                browser = Session()
                page = request(port, browser, "GET", f"/s/c/{code}/")
                token = CSRF_INPUT.search(page.body.decode(errors="replace"))
                form = {**answer_form(world, n), "csrfmiddlewaretoken": token[1] if token else ""}
                barrier.wait(timeout=300)
                sent = request(port, browser, "POST", f"/s/c/{code}/", form)
                with lock:
                    race.append(sent)

            return run

        jobs = []
        for i, code in enumerate(race_codes):
            barrier = threading.Barrier(2)
            jobs += [racer(code, barrier, i), racer(code, barrier, i + 1)]
        race_seconds = run_threads(jobs)

        # Replays: every thread posts an already used code again.
        used = world.codes[:replays]
        replayed: list[Outcome] = []

        def replay(code: str) -> Callable[[], None]:
            def run() -> None:
                # A used code's page has no form: the CSRF pair is made up, as a script's.
                browser = Session(cookies={"csrftoken": "a" * 32})
                form = {**answer_form(world, 1), "csrfmiddlewaretoken": "a" * 32}
                sent = request(port, browser, "POST", f"/s/c/{code}/", form)
                with lock:
                    replayed.append(sent)

            return run

        run_threads([replay(c) for c in used])
    finally:
        server.terminate()
        server.wait(timeout=30)
        static_dir.cleanup()

    # The counts, read from the database after the run.
    stored = Response.objects.filter(target_id=world.target_id).count()
    spent = Token.objects.filter(target_id=world.target_id, used=True).count()
    posted_ok = answers.units
    race_ok = sum(o.status == 302 for o in race)
    race_refused = sum(o.status == 410 for o in race)
    replay_ok = sum(o.status == 302 for o in replayed)
    expected = posted_ok + race_ok
    counts_ok = (
        stored == expected
        and spent == expected
        and race_ok == race_pairs
        and race_refused == race_pairs
        and replay_ok == 0
    )

    print(answers.line("answers"))
    form_p95 = p95([o.seconds for o in forms.outcomes]) * 1000
    print(f"    of which the form (GET /s/c/<code>/): p95 {form_p95:.0f} ms")
    print(thanks.line("pages"))
    ratio = answers.per_second / thanks.per_second if thanks.per_second else 0.0
    print(f"  answers/s ÷ minimal page req/s: {ratio:.2f} (target >= 0.5)")
    print(
        f"  respondents' requests/s ÷ minimal page req/s: {2 * ratio:.2f} "
        "(an answer is two requests, the form and the POST)"
    )
    print(
        f"  race: {race_pairs} codes each posted by two threads at once in {race_seconds:.1f} s: "
        f"{race_ok} stored, {race_refused} refused as used (HTTP 410)"
    )
    print(
        f"  replays of used codes: {len(replayed)}, stored {replay_ok} "
        f"({dict(Counter(o.status for o in replayed))})"
    )
    print(
        f"  database: {stored} responses, {spent} codes spent; successful POSTs {expected} "
        f"-> {'OK' if counts_ok else 'MISMATCH'}"
    )
    print(f"  {load_average()}")
    return {
        "answers_per_second": round(answers.per_second, 1),
        "answers_p95_ms": round(p95([o.seconds for o in answers.outcomes]) * 1000),
        "minimal_per_second": round(thanks.per_second, 1),
        "ratio": round(ratio, 2),
        "counts_ok": counts_ok,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=None, help="a kept bench database (kaohe_bench_*)")
    parser.add_argument("--respondents", type=int, default=200, help="concurrent respondents")
    parser.add_argument("--per-thread", type=int, default=2, help="respondents per thread per turn")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        figures = worker(args.worker, args)
        print(common.RESULT + json.dumps(figures))
        return 0
    return orchestrate(args)


if __name__ == "__main__":
    sys.exit(main())
