"""Result-entry benchmark: the entry grid of a unit with N assessed cadres and a
43-indicator scheme (template A of the demo), opened and saved over HTTP, for a
small and a large unit in the same run, with the large one's time over the small
one's (issue 14: under 3 for 200 people against 20).

    python bench/schemes.py [--people 200] [--small 20] [--quarter 1] [--repeat 3] [--plain-form]
                            [--profile STEP]

Runs on SQLite in a temporary file, or on the database KAOHE_DATABASE_URL names
(a new, empty one: the demo county is generated in it), with production settings (debug off:
no query log, no template debugging) unless KAOHE_DEBUG says otherwise. Before the
first step every cell of an indicator that requires evidence gets one of the
person's work logs linked (as an assessor would, or the saves would be refused).
Each step is one request through django.test.Client logged in as region_admin,
posting the grid as the page does (application/x-www-form-urlencoded; the test
client's default, multipart, costs Django seconds to parse at 8,600 fields and is
not what a browser sends for this form): the page's script sends the changed cells
as one JSON field, "cells" (every step below changes every cell); `--plain-form`
posts a field per cell instead, as the form does without its script:

    open (empty)    GET the grid before any value was entered
    save (create)   POST every cell filled with valid values (results created)
    open (filled)   GET the grid again, now with N × 43 stored results
    save (update)   POST every cell with different values (results updated)
    save (clear)    POST every cell empty (results deleted, evidence rows kept)

The two units' requests alternate, step by step, so that both meet the same load;
every step is repeated `--repeat` times and its median shown: the opens and the
updates in place (the updates alternating between two sets of values), the create and
the clear as further fill-and-empty pairs after the sequence.
Prints times, query counts (by statement kind), the ratios and the load average;
asserts nothing. `--profile "save (create)"` (any step's label) also prints a
pyinstrument profile of that step's first request to the large unit, whose time
then includes the profiler's. The counts should be the same for both sizes: a save is one
locking SELECT, one upsert and/or one DELETE whose rows travel as one JSON
parameter, and the audit row, whatever the number of cells.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import time
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

import common

# Production settings, as the pages run; the test client's host and plain HTTP pass.
common.production_defaults()
common.setup_django(sqlite_by_default=True)

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.client import BOUNDARY, encode_multipart  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from kaohe.accounts.models import User  # noqa: E402
from kaohe.core import clock  # noqa: E402
from kaohe.demo.org import generate_demo  # noqa: E402
from kaohe.demo.schemes import (  # noqa: E402
    CATEGORY_A,
    TEMPLATE_A,
    TEMPLATE_A_NAME,
    publish_template,
)
from kaohe.org import services as org_services  # noqa: E402
from kaohe.org.models import (  # noqa: E402
    Gender,
    LeadershipRole,
    Membership,
    MembershipStatus,
    PerformanceCategory,
    Person,
    PersonnelCategory,
    RankLevel,
    RankTier,
    Region,
    Unit,
    UnitKind,
    UnitType,
)
from kaohe.schemes import services as scheme_services  # noqa: E402
from kaohe.schemes.models import (  # noqa: E402
    Indicator,
    IndicatorKind,
    IndicatorResult,
    SchemeVersion,
)
from kaohe.worklogs.models import Timeliness, WorkLog  # noqa: E402
from kaohe.worklogs.rules import Period  # noqa: E402

SEED = 20261121


@dataclass(frozen=True)
class Step:
    label: str
    millis: float  # wall-clock
    cpu_millis: float  # this process's CPU: the app's and, on SQLite, the database's
    queries: int
    kinds: Counter[str]
    status: int


def bench_unit(region: Region, admin: User, size: int, year: int) -> Unit:
    """A district unit with `size` in-scope general cadres from Jan 1 of `year`."""
    unit = org_services.unit_create(
        actor=None,
        region=region,
        name=f"基准测试单位（{size}人）",
        code=f"BENCH{size}",
        unit_type=UnitType.DISTRICT_UNIT,
        unit_kind=UnitKind.ADMINISTRATIVE,
        performance_category=PerformanceCategory.objects.filter(region=region).first(),
    )
    rank = RankLevel.objects.filter(region=region, tier=RankTier.STAFF).first()
    category = PersonnelCategory.objects.get(region=region, name=CATEGORY_A)
    if rank is None:
        raise SystemExit("The region has no rank level for general cadres.")
    people = Person.objects.bulk_create(
        Person(
            region=region,
            staff_no=f"BM{size:04d}{i:04d}",
            name=f"基准{size}-{i}",
            gender=Gender.MALE if i % 2 else Gender.FEMALE,
        )
        for i in range(size)
    )
    Membership.objects.bulk_create(
        Membership(
            region=region,
            person=person,
            unit=unit,
            post="科员",
            rank_level=rank,
            personnel_category=category,
            leadership_role=LeadershipRole.STAFF,
            status=MembershipStatus.ON_DUTY,
            valid_from=dt.date(year, 1, 1),
        )
        for person in people
    )
    return unit


def approved_scheme(admin: User, template: SchemeVersion, unit: Unit, year: int) -> SchemeVersion:
    version = scheme_services.unit_scheme_create(
        actor=admin, template=template, unit=unit, year=year
    )
    scheme_services.version_submit(actor=admin, version=version)
    scheme_services.version_approve(actor=admin, version=version)
    return version


def link_evidence(
    unit: Unit, version: SchemeVersion, people: list[int], evidenced: list[Indicator], quarter: int
) -> None:
    """One work log per person, linked to each of their evidence-required cells."""
    period = Period(version.scheme.year, quarter)
    logs = WorkLog.objects.bulk_create(
        WorkLog(
            region_id=unit.region_id,
            person_id=person,
            unit=unit,
            day=period.start + dt.timedelta(days=4),
            content="按计划完成季度重点任务，报告已报送。",
            timeliness=Timeliness.ON_TIME,
        )
        for person in people
    )
    results = IndicatorResult.objects.bulk_create(
        IndicatorResult(
            version=version,
            indicator=indicator,
            unit=unit,
            person_id=person,
            year=period.year,
            quarter=period.quarter,
        )
        for person in people
        for indicator in evidenced
    )
    log_of = {log.person_id: log.pk for log in logs}
    link = IndicatorResult.evidence_logs.through
    link.objects.bulk_create(
        link(indicatorresult_id=r.pk, worklog_id=log_of[r.person_id]) for r in results
    )


def cell_value(rng: random.Random, indicator: Indicator) -> str:
    """A valid entry for the indicator's kind."""
    if indicator.kind == IndicatorKind.DEDUCTION:
        return str(rng.randint(0, 3))
    if indicator.kind == IndicatorKind.VETO:
        return "否"
    if indicator.kind == IndicatorKind.PASS_FAIL:
        return "合格"
    limit = indicator.max_points if indicator.kind == IndicatorKind.SCORED else indicator.cap
    tenths = rng.randint(0, int(limit * 10))
    return format(Decimal(tenths) / 10, "f")


def form_data(rng: random.Random, people: list[int], indicators: list[Indicator]) -> dict[str, str]:
    return {
        f"c_{person}_{indicator.pk}": cell_value(rng, indicator)
        for person in people
        for indicator in indicators
    }


def encoded(data: dict[str, str], version: int, *, plain: bool) -> bytes:
    """The body as the page's script sends it (the cells as one JSON field, "cells",
    keyed "<person>_<indicator>", in a multipart body), or with `plain` as the form
    alone does (urlencoded, a field a cell)."""
    if plain:
        return urlencode({**data, "versions": str(version)}).encode()
    cells = {name.removeprefix("c_"): text for name, text in data.items()}
    form = {"versions": str(version), "cells": json.dumps(cells, ensure_ascii=False)}
    return encode_multipart(BOUNDARY, form)


FORM = "application/x-www-form-urlencoded"
# Equal to the test client's MULTIPART_CONTENT but not that object, which makes the
# client encode the data itself: the bodies here are encoded before the clock starts.
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"
STEPS = ("open (empty)", "save (create)", "open (filled)", "save (update)", "save (clear)")


def measure(
    client: Client,
    label: str,
    url: str,
    body: bytes | None = None,
    content_type: str = FORM,
    *,
    profile: bool = False,
) -> Step:
    profiler = None
    if profile:
        from pyinstrument import Profiler  # a development tool, imported only when asked

        profiler = Profiler(interval=0.0005)
        profiler.start()
    with CaptureQueriesContext(connection) as captured:
        started, cpu = time.perf_counter(), time.process_time()
        response = (
            client.get(url) if body is None else client.post(url, body, content_type=content_type)
        )
        millis = (time.perf_counter() - started) * 1000
        cpu_millis = (time.process_time() - cpu) * 1000
    if profiler is not None:
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=False))
    kinds = Counter(q["sql"].lstrip().split(" ", 1)[0].upper() for q in captured.captured_queries)
    return Step(label, millis, cpu_millis, len(captured), kinds, response.status_code)


@dataclass
class BenchGrid:
    """One unit's grid and the forms posted to it."""

    people: int
    indicators: int
    url: str
    fields: int
    # The forms as the browser sends them, encoded before the clock starts.
    first: bytes
    second: bytes
    empty: bytes
    content_type: str


def prepare(
    admin: User, template: SchemeVersion, unit: Unit, year: int, quarter: int, *, plain: bool
) -> BenchGrid:
    version = approved_scheme(admin, template, unit, year)
    leaves = [
        i
        for i in version.indicators.order_by("id")
        if i.kind != IndicatorKind.GROUP  # every leaf, automatic ones included
    ]
    people = list(
        Membership.objects.filter(unit=unit)
        .order_by("person_id")
        .values_list("person_id", flat=True)
    )
    link_evidence(unit, version, people, [i for i in leaves if i.evidence_required], quarter)
    url = reverse("schemes:entry", args=[unit.pk, year, quarter])
    rng = random.Random(SEED + unit.pk)
    first, second = form_data(rng, people, leaves), form_data(rng, people, leaves)
    empty = {key: "" for key in first}
    # Every cell changes in each save, so the script sends them all too.
    return BenchGrid(
        len(people),
        len(leaves),
        url,
        len(first) + 1,
        encoded(first, version.pk, plain=plain),
        encoded(second, version.pk, plain=plain),
        encoded(empty, version.pk, plain=plain),
        FORM if plain else MULTIPART,
    )


def median_step(steps: list[Step]) -> Step:
    """The step of median time (the upper one of an even number)."""
    ordered = sorted(steps, key=lambda step: step.millis)
    return ordered[len(ordered) // 2]


def run(
    client: Client, grids: list[BenchGrid], repeat: int, profile: str | None = None
) -> list[list[Step]]:
    """Every step for every grid, the grids alternating within each step; per grid,
    the median of each step's samples. The step labelled `profile` is profiled in
    its first request to the last (largest) grid."""
    for grid in grids:
        client.get(grid.url)  # unmeasured: the first request compiles templates and warms up

    def samples(label: str, forms: list[str | None]) -> list[list[Step]]:
        """`forms` names the form posted each time (a BenchGrid field), None to open;
        per grid, the steps measured."""
        taken: list[list[Step]] = [[] for _grid in grids]
        for n, form in enumerate(forms):
            for grid, mine in zip(grids, taken, strict=True):
                data = None if form is None else getattr(grid, form)
                profiled = label == profile and n == 0 and grid is grids[-1]
                mine.append(
                    measure(client, label, grid.url, data, grid.content_type, profile=profiled)
                )
        return taken

    by_label: dict[str, list[list[Step]]] = {}
    by_label[STEPS[0]] = samples(STEPS[0], [None] * repeat)
    by_label[STEPS[1]] = samples(STEPS[1], ["first"])
    by_label[STEPS[2]] = samples(STEPS[2], [None] * repeat)
    # Alternating values, so that every repeat changes the cells.
    by_label[STEPS[3]] = samples(STEPS[3], [("second", "first")[n % 2] for n in range(repeat)])
    by_label[STEPS[4]] = samples(STEPS[4], ["empty"])
    # A create needs an empty grid and a clear a full one: their further samples come
    # in pairs after the sequence (fill, empty again), so each step is a median too.
    for _more in range(repeat - 1):
        for label, form in ((STEPS[1], "first"), (STEPS[4], "empty")):
            for mine, more in zip(by_label[label], samples(label, [form]), strict=True):
                mine.extend(more)
    return [[median_step(by_label[label][g]) for label in STEPS] for g in range(len(grids))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--people", type=int, default=200, help="cadres in the large unit")
    parser.add_argument("--small", type=int, default=20, help="cadres in the small unit")
    parser.add_argument("--quarter", type=int, default=1, choices=[1, 2, 3, 4])
    parser.add_argument("--repeat", type=int, default=3, help="samples of each step")
    parser.add_argument(
        "--plain-form",
        action="store_true",
        help="post a field per cell, as the form does without its script",
    )
    parser.add_argument(
        "--profile",
        choices=STEPS,
        help="print a pyinstrument profile of this step for the large unit",
    )
    args = parser.parse_args()

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    common.migrate()
    year = clock.today().year
    posted = "a field per cell" if args.plain_form else "the cells as one JSON field"
    print(f"kaohe result-entry benchmark ({engine}, {year} Q{args.quarter}; saves post {posted})")

    started = time.perf_counter()
    with override_settings(
        # The demo's one password hash is not under test.
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
    ):
        demo = generate_demo(year=year)
    region = Region.objects.get(pk=demo.region_id)
    admin = User.objects.get(region=region, username="region_admin")
    template, rows = publish_template(
        actor=admin,
        region=region,
        year=year,
        name=TEMPLATE_A_NAME,
        category=CATEGORY_A,
        specs=TEMPLATE_A,
    )
    setup = time.perf_counter() - started
    print(f"set-up: demo county and template A ({rows} indicators) in {setup:.2f} s")

    client = Client()
    client.force_login(admin)
    grids = [
        prepare(
            admin,
            template,
            bench_unit(region, admin, size, year),
            year,
            args.quarter,
            plain=args.plain_form,
        )
        for size in (args.small, args.people)
    ]
    limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS or 0
    fields = max(grid.fields for grid in grids)
    # A grid larger than the form-field limit is refused in production; the limit is
    # raised here so that the save itself is still measured, and the note says so.
    with override_settings(
        DATA_UPLOAD_MAX_NUMBER_FIELDS=max(limit, fields),
        # Debug off serves static files by collectstatic's manifest; there is none here.
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    ):
        results = run(client, grids, args.repeat, args.profile)
    if limit and fields > limit:
        print(
            f"note: {fields} form fields exceed DATA_UPLOAD_MAX_NUMBER_FIELDS={limit}; "
            "the limit was raised for this measurement"
        )

    print(f"load average (1, 5, 15 min): {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        f"{'people':>6}  {'indicators':>10}  {'step':<14}{'time ms':>9}{'cpu ms':>8}  "
        f"{'queries':>7}  {'status':>6}  statements"
    )
    for grid, steps in zip(grids, results, strict=True):
        for step in steps:
            kinds = ", ".join(f"{k} {n}" for k, n in sorted(step.kinds.items()))
            print(
                f"{grid.people:6}  {grid.indicators:10}  {step.label:<14}{step.millis:9.0f}"
                f"{step.cpu_millis:8.0f}  {step.queries:7}  {step.status:6}  {kinds}"
            )
    small, large = grids
    print()
    print(f"{large.people} people against {small.people}, same run (target: time ratio under 3)")
    print(
        f"{'step':<14}{f'{small.people} ms':>9}{f'{large.people} ms':>10}{'ratio':>7}"
        f"{'cpu ratio':>11}  queries ({small.people} / {large.people})"
    )
    for few, many in zip(*results, strict=True):
        print(
            f"{few.label:<14}{few.millis:9.0f}{many.millis:10.0f}"
            f"{many.millis / few.millis:7.2f}{many.cpu_millis / few.cpu_millis:11.2f}"
            f"  {few.queries} / {many.queries}"
        )


if __name__ == "__main__":
    main()
