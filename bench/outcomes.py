"""Outcomes benchmark (issue 16, 用实绩): each section builds its own data and prints
its figures and ratios; `--only SECTION` runs one.

    python bench/outcomes.py [--only forms] [--people 50] [--small 5] [--repeat 3]

Sections:

    forms   one unit's official forms as one PDF (年度考核登记表 for the year and
            平时考核登记表 for a quarter), for a unit of --people and of --small
            assessed cadres: seconds per file (the median of --repeat requests through
            the page's view, as the region's office), per person, queries per file
            (the same for both sizes), pages and size. Target: < 2 s for 50 people.
    lists   the archives and lists of 300,000 cadres over three years, on PostgreSQL:
            the archive of a year with its lists' facts, the ten lists decided, every
            list read in full, one tier's page, each against one GROUP BY person over
            the same rows
            (bench/outcomes_lists.py; --lists-people, --lists-db).

Runs on SQLite in a temporary file, or on the database KAOHE_DATABASE_URL names (a
new, empty one), with production settings (debug off: no query log) unless
KAOHE_DEBUG says otherwise. Asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import common
import outcomes_lists

common.production_defaults()
common.setup_django(sqlite_by_default=True)

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from kaohe.accounts.models import Role, User  # noqa: E402
from kaohe.accounts.services import role_grant  # noqa: E402
from kaohe.conduct.models import (  # noqa: E402
    AbsenceKind,
    AbsenceRecord,
    DisciplineKind,
    DisciplineRecord,
)
from kaohe.org import services as org_services  # noqa: E402
from kaohe.org.models import (  # noqa: E402
    Gender,
    LeadershipRole,
    MembershipStatus,
    PersonnelCategory,
    RankLevel,
    RankTier,
    Region,
    Unit,
    UnitKind,
    UnitType,
)
from kaohe.scoring.models import (  # noqa: E402
    AnnualResult,
    AnnualRun,
    QuarterResult,
    QuarterRun,
    RunState,
)
from kaohe.worklogs.models import Summary, SummaryKind, Timeliness  # noqa: E402

SEED = 16
YEAR = 2026
QUARTER = 2
# An annual summary near the policy's 3,000-character maximum would run over a page;
# the demo's are about 600 characters, quarterly ones about 300.
ANNUAL_SUMMARY = (
    "一年来，认真贯彻落实区委区政府决策部署，围绕社保扩面、就业帮扶和窗口服务三项重点工作，"
    "牵头完成年度目标任务，办理业务逾千件，群众满意率保持在百分之九十八以上。"
) * 5
QUARTER_SUMMARY = "本季度完成社保转移接续业务三百余件，参与就业招聘会两场，按时报送各类报表。" * 4
GRADES = ["excellent", "competent", "competent", "competent", "basic"]
QUARTER_GRADES = ["good", "fairly_good", "fairly_good", "average"]


@dataclass(frozen=True)
class Figure:
    label: str
    people: int
    seconds: float
    queries: int
    pages: int
    kilobytes: float


def _annual_steps(rng: random.Random, grade: str) -> list[dict[str, object]]:
    parts = [("annual.democratic", 10), ("annual.unit_result", 20), ("annual.quarterly", 70)]
    steps: list[dict[str, object]] = [{"code": "annual.role", "figures": {"role": "other"}}]
    for code, weight in parts:
        value = f"{rng.uniform(75, 98):.2f}"
        steps.append({"code": code, "figures": {"value": value, "weight": str(weight)}})
    steps += [
        {"code": "annual.composite", "figures": {"score": f"{rng.uniform(80, 95):.2f}"}},
        {"code": "annual.quota", "figures": {"count": "50", "limit": "10", "places": "10"}},
        {"code": "annual.rank", "figures": {"place": str(rng.randint(1, 50)), "places": "10"}},
        {"code": "annual.grade", "figures": {"grade": grade}},
    ]
    return steps


def _unit(region: Region, admin: User, code: str, size: int) -> Unit:
    """A unit of `size` assessed cadres with their year and quarter published, their
    summaries, and a few absences and punishments."""
    rng = random.Random(SEED + size)
    unit = org_services.unit_create(
        actor=admin,
        region=region,
        name=f"区第{code}局",
        code=code,
        unit_type=UnitType.DISTRICT_UNIT,
        unit_kind=UnitKind.ADMINISTRATIVE,
    )
    rank = RankLevel.objects.get(region=region, name="一级科员")
    category = PersonnelCategory.objects.get(region=region, name="综合管理类")
    people = []
    for n in range(size):
        person = org_services.person_create(
            actor=admin,
            region=region,
            staff_no=f"{code}{n:04d}",
            name=f"干部{code}{n:03d}",
            gender=rng.choice(Gender.values),
            birth_date=dt.date(rng.randint(1965, 2000), rng.randint(1, 12), 1),
        )
        org_services.membership_change(
            actor=admin,
            person=person,
            unit=unit,
            rank_level=rank,
            personnel_category=category,
            leadership_role=LeadershipRole.MAIN if n == 0 else LeadershipRole.STAFF,
            status=MembershipStatus.ON_DUTY,
            valid_from=dt.date(YEAR - 3, 1, 1),
            post="局长" if n == 0 else "科员",
        )
        people.append(person)
    annual, _new = AnnualRun.objects.get_or_create(
        region=region, year=YEAR, number=1, defaults={"state": RunState.PUBLISHED}
    )
    quarter, _new = QuarterRun.objects.get_or_create(
        region=region, year=YEAR, quarter=QUARTER, number=1, defaults={"state": RunState.PUBLISHED}
    )
    summaries, annuals, quarters, absences, discipline = [], [], [], [], []
    for n, person in enumerate(people):
        grade = GRADES[n % len(GRADES)]
        annuals.append(
            AnnualResult(
                run=annual,
                person=person,
                unit=unit,
                pool_id=0,
                tier=RankTier.STAFF,
                composite=Decimal("88.00"),
                grade=grade,
                steps=_annual_steps(rng, grade),
                rank_in_tier=n + 1,
            )
        )
        quarters.append(
            QuarterResult(
                run=quarter,
                person=person,
                unit=unit,
                pool_id=0,
                score=Decimal("88.00"),
                computed_grade=QUARTER_GRADES[n % 4],
                grade=QUARTER_GRADES[n % 4],
                change_reason="窗口服务获群众书面表扬" if n % 7 == 0 else "",
                rank_in_unit=n + 1,
            )
        )
        for kind, year_quarter, text in (
            (SummaryKind.ANNUAL, 0, ANNUAL_SUMMARY),
            (SummaryKind.QUARTERLY, QUARTER, QUARTER_SUMMARY),
        ):
            summaries.append(
                Summary(
                    region=region,
                    person=person,
                    unit=unit,
                    kind=kind,
                    year=YEAR,
                    quarter=year_quarter,
                    content=text,
                    timeliness=Timeliness.ON_TIME,
                )
            )
        if n % 3 == 0:
            absences.append(
                AbsenceRecord(
                    region=region,
                    person=person,
                    kind=AbsenceKind.LEAVE,
                    start=dt.date(YEAR, 5, 6),
                    end=dt.date(YEAR, 5, 8),
                    days=Decimal(3),
                )
            )
        if n % 10 == 9:
            discipline.append(
                DisciplineRecord(
                    region=region,
                    person=person,
                    kind=DisciplineKind.WARNING,
                    start=dt.date(YEAR, 4, 1),
                    end=dt.date(YEAR, 9, 30),
                    document=f"区纪发〔{YEAR}〕{n}号",
                )
            )
    AnnualResult.objects.bulk_create(annuals)
    QuarterResult.objects.bulk_create(quarters)
    Summary.objects.bulk_create(summaries)
    AbsenceRecord.objects.bulk_create(absences)
    DisciplineRecord.objects.bulk_create(discipline)
    return unit


def _measure(client: Client, label: str, url: str, people: int, repeat: int) -> Figure:
    client.get(url)  # unmeasured: the first request warms caches and the font
    times = []
    for _n in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
        if response.status_code != 200 or response["Content-Type"] != "application/pdf":
            raise SystemExit(f"{url}: {response.status_code} {response['Content-Type']}")
    content = response.content
    pages = len(PdfReader(io.BytesIO(content)).pages)
    return Figure(label, people, statistics.median(times), len(queries), pages, len(content) / 1024)


def forms_section(args: argparse.Namespace) -> None:
    """One unit's official forms as one PDF, for two unit sizes."""
    print(f"\n== forms: one unit's official forms as one PDF ({YEAR}, Q{QUARTER}) ==")
    started = time.perf_counter()
    region = org_services.region_create(actor=None, name="基准区", code="bench", level="district")
    admin = User.objects.create_user(username="bench_office", password=None, region=region)
    role_grant(actor=None, user=admin, role=Role.REGION_ADMIN)
    units = [
        (size, _unit(region, admin, f"B{size:03d}", size)) for size in (args.small, args.people)
    ]
    print(
        f"set-up: {args.small} + {args.people} cadres with a published year in "
        f"{time.perf_counter() - started:.2f} s"
    )
    client = Client()
    client.force_login(admin)
    figures: list[Figure] = []
    for size, unit in units:
        figures.append(
            _measure(
                client,
                "年度考核登记表",
                reverse("outcomes:forms_unit_annual", args=[unit.pk, YEAR]),
                size,
                args.repeat,
            )
        )
        figures.append(
            _measure(
                client,
                "平时考核登记表",
                reverse("outcomes:forms_unit_quarter", args=[unit.pk, YEAR, QUARTER]),
                size,
                args.repeat,
            )
        )
    print(
        f"{'people':>6} {'seconds':>8} {'ms/person':>9} {'queries':>7} {'pages':>5} "
        f"{'KiB':>7}  form"
    )
    for f in figures:
        print(
            f"{f.people:>6} {f.seconds:>8.3f} {1000 * f.seconds / f.people:>9.1f} "
            f"{f.queries:>7} {f.pages:>5} {f.kilobytes:>7.1f}  {f.label}"
        )
    for label in ("年度考核登记表", "平时考核登记表"):
        small, large = (f for f in figures if f.label == label)
        verdict = "met" if large.seconds < 2 else "MISSED"
        print(
            f"{label}: {large.people} people in {large.seconds:.3f} s (target < 2 s: {verdict}); "
            f"{large.people}/{small.people} people → time ×{large.seconds / small.seconds:.1f}, "
            f"queries {small.queries} → {large.queries}"
        )


def lists_section(args: argparse.Namespace) -> None:
    """The archives and lists over three years (bench/outcomes_lists.py)."""
    outcomes_lists.run(people=args.lists_people, db=args.lists_db)


SECTIONS: dict[str, Callable[[argparse.Namespace], None]] = {
    "forms": forms_section,
    "lists": lists_section,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--only", choices=sorted(SECTIONS), help="run this section alone")
    parser.add_argument("--people", type=int, default=50, help="forms: cadres in the large unit")
    parser.add_argument("--small", type=int, default=5, help="forms: cadres in the small unit")
    parser.add_argument("--repeat", type=int, default=3, help="samples of each timed request")
    parser.add_argument(
        "--lists-people", type=int, default=300_000, help="lists: cadres in the city"
    )
    parser.add_argument(
        "--lists-db", help="lists: keep the city in database NAME (kaohe_bench_…) and reuse it"
    )
    args = parser.parse_args()
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    common.migrate()
    print(f"kaohe outcomes benchmark ({engine})")
    with override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        # Debug off serves static files by collectstatic's manifest; none is needed here.
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    ):
        for name, section in SECTIONS.items():
            if args.only in (None, name):
                section(args)
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
