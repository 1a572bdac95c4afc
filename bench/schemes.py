"""Result-entry benchmark: the entry grid of a unit with N assessed cadres and a
43-indicator scheme (template A of the demo), opened and saved over HTTP.

    python bench/schemes.py [--people 200] [--small 20] [--quarter 1]

Runs on SQLite in a temporary file, or on the database KAOHE_DATABASE_URL names
(which it empties: give it a throwaway one). Two units are measured, a small one
and a large one, so the query counts can be compared across sizes. Before the
first step every cell of an indicator that requires evidence gets one of the
person's work logs linked (as an assessor would, or the saves would be refused).
Each step is one request through django.test.Client logged in as region_admin:

    open (empty)    GET the grid before any value was entered
    save (create)   POST every cell filled with valid values (results created)
    open (filled)   GET the grid again, now with N × 43 stored results
    save (update)   POST every cell with different values (results updated)
    save (clear)    POST every cell empty (results deleted, evidence rows kept)

Prints times, query counts (by statement kind) and the load average; asserts
nothing. The counts should be the same for both sizes: a save is one locking
SELECT, one upsert and/or one DELETE whose rows travel as one JSON parameter, and
the audit row, whatever the number of cells.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import time
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

import common

common.setup_django(sqlite_by_default=True)

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from kaohe.accounts.models import User  # noqa: E402
from kaohe.core import clock  # noqa: E402
from kaohe.org import services as org_services  # noqa: E402
from kaohe.org.demo import generate_demo  # noqa: E402
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
from kaohe.schemes.demo import (  # noqa: E402
    CATEGORY_A,
    TEMPLATE_A,
    TEMPLATE_A_NAME,
    publish_template,
)
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
    millis: float
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


def measure(client: Client, label: str, url: str, data: dict[str, str] | None = None) -> Step:
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        response = client.get(url) if data is None else client.post(url, data)
        millis = (time.perf_counter() - started) * 1000
    kinds = Counter(q["sql"].lstrip().split(" ", 1)[0].upper() for q in captured.captured_queries)
    return Step(label, millis, len(captured), kinds, response.status_code)


def run_unit(
    client: Client, admin: User, template: SchemeVersion, unit: Unit, year: int, quarter: int
) -> tuple[int, int, list[Step]]:
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
    for data in (first, second, empty):
        data["versions"] = str(version.pk)  # the page's scheme version, as the form sends
    limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS or 0
    fields = len(first) + 1
    client.get(url)  # unmeasured: the first request compiles templates and warms the session
    steps = [measure(client, "open (empty)", url)]
    # A grid this large is refused by the form-field limit in production; raise it
    # here so the save itself is still measured, and say so.
    with override_settings(DATA_UPLOAD_MAX_NUMBER_FIELDS=max(limit, fields)):
        steps.append(measure(client, "save (create)", url, first))
        steps.append(measure(client, "open (filled)", url))
        steps.append(measure(client, "save (update)", url, second))
        steps.append(measure(client, "save (clear)", url, empty))
    if limit and fields > limit:
        print(
            f"note: {fields} form fields exceed DATA_UPLOAD_MAX_NUMBER_FIELDS={limit}; "
            "the limit was raised for this measurement"
        )
    return len(people), len(leaves), steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--people", type=int, default=200, help="cadres in the large unit")
    parser.add_argument("--small", type=int, default=20, help="cadres in the small unit")
    parser.add_argument("--quarter", type=int, default=1, choices=[1, 2, 3, 4])
    args = parser.parse_args()

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    common.migrate()
    year = clock.today().year
    print(f"kaohe result-entry benchmark ({engine}, {year} Q{args.quarter})")

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
    results: list[tuple[int, int, list[Step]]] = []
    for size in (args.small, args.people):
        unit = bench_unit(region, admin, size, year)
        results.append(run_unit(client, admin, template, unit, year, args.quarter))

    print(f"load average (1, 5, 15 min): {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        f"{'people':>6}  {'indicators':>10}  {'step':<14}{'time ms':>9}  {'queries':>7}  "
        f"{'status':>6}  statements"
    )
    for people, indicators, steps in results:
        for step in steps:
            kinds = ", ".join(f"{k} {n}" for k, n in sorted(step.kinds.items()))
            print(
                f"{people:6}  {indicators:10}  {step.label:<14}{step.millis:9.0f}  "
                f"{step.queries:7}  {step.status:6}  {kinds}"
            )


if __name__ == "__main__":
    main()
