"""The archive's pages (R6.1): a cadre's year, its PDF, the search across years and a
cadre's own years; scoped for every persona, in Chinese, with query counts that do not
grow with what the year holds."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from kaohe.conduct.models import AbsenceRecord, DisciplineRecord
from kaohe.org.models import Person
from kaohe.outcomes.models import YearRecord, YearRecordCorrection
from kaohe.scoring.models import AnnualResult, AnnualRun, QuarterResult, QuarterRun, RunState
from kaohe.testing import World
from kaohe.worklogs.models import Summary, SummaryKind, Timeliness, WorkLog

pytestmark = pytest.mark.django_db

Clients = Callable[[str], Client]


def record(
    world: World, key: str, year: int = 2026, grade: str = "competent", **over: object
) -> YearRecord:
    """A frozen year as the archive writes it (the freeze itself: test_archive_freeze)."""
    person = world.people[key]
    membership = person.memberships.order_by("-valid_from").first()
    assert membership is not None
    values: dict[str, object] = {
        "region_id": person.region_id,
        "person": person,
        "year": year,
        "unit_id": membership.unit_id,
        "unit_name": membership.unit.name,
        "post": membership.post,
        "tier": "staff",
        "composite": Decimal("86.50"),
        "grade": grade,
        "rank_in_tier": 2,
        "tier_size": 9,
        "rank_in_unit": 1,
        "unit_size": 3,
        "quarter_grades": ["good", "fairly_good", "good", "average"],
        "priority": False,
        "frozen_at": timezone.now(),
    }
    values.update(over)
    return YearRecord.objects.create(**values)


def archive_url(person: Person, year: int = 2026, pdf: bool = False) -> str:
    return reverse("outcomes:archive_pdf" if pdf else "outcomes:archive", args=[person.pk, year])


@pytest.mark.parametrize(
    ("persona", "whose", "status"),
    [
        ("cadre", "cadre", 200),  # their own
        ("cadre", "team", 404),  # a colleague's
        ("cadre_other", "cadre", 404),
        ("unit_head", "cadre", 200),  # a leader, within their scope
        ("team_member", "cadre", 200),
        ("unit_head", "town_cadre", 404),  # outside it
        ("region_admin", "town_cadre", 200),  # the office, the whole region
        ("region_admin", "foreign", 404),  # another region's
        ("other_admin", "cadre", 404),  # another region's office
        ("supervisor", "town_cadre", 404),  # not a reader of archives
        ("unit_admin", "cadre", 404),
    ],
)
def test_each_persona_reads_the_archive_within_scope(
    world: World, client_as: Clients, persona: str, whose: str, status: int
) -> None:
    record(world, whose)
    client = client_as(persona)
    person = world.people[whose]
    assert client.get(archive_url(person)).status_code == status
    assert client.get(archive_url(person, pdf=True)).status_code == status


def test_a_year_out_of_range_and_an_unknown_person_are_404(
    world: World, client_as: Clients
) -> None:
    client = client_as("region_admin")
    assert client.get(archive_url(world.people["cadre"], 1990)).status_code == 404
    assert client.get(reverse("outcomes:archive", args=[999999, 2026])).status_code == 404


def test_the_page_shows_the_frozen_year_live_logs_corrections_and_conduct(
    world: World, client_as: Clients
) -> None:
    rec = record(world, "cadre", grade="excellent")
    YearRecordCorrection.objects.create(
        record=rec,
        field="grade",
        old_value="competent",
        new_value="excellent",
        reason="复核决定改变等次",
        basis="复核决定 2027-03-02",
    )
    cadre = world.people["cadre"]
    DisciplineRecord.objects.create(
        region=world.region,
        person=cadre,
        kind="warning",
        start=dt.date(2026, 3, 1),
        end=dt.date(2026, 8, 31),
        document="区纪委〔2026〕3号",
    )
    AbsenceRecord.objects.create(
        region=world.region,
        person=cadre,
        kind="leave",
        start=dt.date(2026, 5, 6),
        end=dt.date(2026, 5, 8),
        days=Decimal(3),
    )
    Summary.objects.create(
        region=world.region,
        person=cadre,
        unit=world.bureau,
        kind=SummaryKind.QUARTERLY,
        year=2026,
        quarter=1,
        content="第一季度完成窗口服务一千余件",
        timeliness=Timeliness.ON_TIME,
    )
    page = client_as("cadre").get(archive_url(cadre)).content.decode()
    assert "张小明 2026 年度实绩档案" in page
    assert "优秀" in page and "第 2 名（共 9 人）" in page  # grade; rank in the tier
    assert "好、较好、好、一般" in page  # the four quarters' grades, by their labels
    assert "称职" in page and "复核决定改变等次" in page and "复核决定 2027-03-02" in page
    assert "警告" in page and "区纪委〔2026〕3号" in page and "3 天" in page
    assert "第1季度总结" in page and "第一季度完成窗口服务一千余件" in page
    assert "excellent" not in page and "competent" not in page  # labels, never codes
    assert "Published figures" not in page  # in Chinese


def test_an_unpublished_year_shows_its_live_parts_and_says_it_is_not_frozen(
    world: World, client_as: Clients
) -> None:
    page = client_as("cadre").get(archive_url(world.people["cadre"])).content.decode()
    assert "尚未公布" in page and "工作日志" in page


def _year_of_things(world: World, n: int) -> None:
    """The cadre's year with `n` of everything: corrections, punishments, absences,
    summaries, logs, and the four published quarters with the published year."""
    cadre = world.people["cadre"]
    annual = AnnualRun.objects.create(region=world.region, year=2026, state=RunState.PUBLISHED)
    AnnualResult.objects.create(
        run=annual,
        person=cadre,
        unit=world.bureau,
        pool_id=0,
        tier="staff",
        composite=Decimal("86.50"),
        grade="competent",
        steps=[],
        rank_in_tier=2,
    )
    rec = record(world, "cadre", run=annual)
    for quarter in range(1, min(n, 4) + 1):
        run = QuarterRun.objects.create(
            region=world.region, year=2026, quarter=quarter, state=RunState.PUBLISHED
        )
        QuarterResult.objects.create(
            run=run,
            person=cadre,
            unit=world.bureau,
            pool_id=0,
            score=Decimal(88),
            grade="good",
            rank_in_unit=1,
        )
    for i in range(n):
        YearRecordCorrection.objects.create(
            record=rec, field="composite", old_value="86.50", new_value="87.00", reason=f"更正{i}"
        )
        DisciplineRecord.objects.create(
            region=world.region,
            person=cadre,
            kind="warning",
            start=dt.date(2026, 1, 1 + i),
            document=f"文件{i}",
        )
        AbsenceRecord.objects.create(
            region=world.region,
            person=cadre,
            kind="late_early",
            start=dt.date(2026, 2, 1 + i),
            end=dt.date(2026, 2, 1 + i),
            times=1,
        )
        WorkLog.objects.create(
            region=world.region,
            person=cadre,
            unit=world.bureau,
            day=dt.date(2026, 3, 2) + dt.timedelta(days=i),
            content=f"日志{i}",
            timeliness=Timeliness.ON_TIME,
        )
    for quarter in range(1, min(n, 4) + 1):
        Summary.objects.create(
            region=world.region,
            person=cadre,
            unit=world.bureau,
            kind=SummaryKind.QUARTERLY,
            year=2026,
            quarter=quarter,
            content=f"第{quarter}季度小结",
            timeliness=Timeliness.ON_TIME,
        )


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("persona", ["cadre", "unit_head"])
def test_the_page_and_pdf_read_a_fixed_number_of_queries(
    world: World, client_as: Clients, persona: str, django_assert_max_num_queries: object
) -> None:
    client = client_as(persona)
    cadre = world.people["cadre"]
    _year_of_things(world, 1)
    client.get(archive_url(cadre))  # the caches (grants, calendar, rules) warm
    few = _queries(client, archive_url(cadre))
    few_pdf = _queries(client, archive_url(cadre, pdf=True))
    YearRecordCorrection.objects.all().delete()
    DisciplineRecord.objects.all().delete()
    AbsenceRecord.objects.all().delete()
    WorkLog.objects.all().delete()
    Summary.objects.all().delete()
    QuarterResult.objects.all().delete()
    QuarterRun.objects.all().delete()
    YearRecord.objects.all().delete()
    AnnualResult.objects.all().delete()
    AnnualRun.objects.all().delete()
    _year_of_things(world, 8)
    many = _queries(client, archive_url(cadre))
    # 18: the lists and the consequences of the year are one query each; and one more
    # for due process's registered section (the notice; the cases part adds one).
    assert many == few <= 19, (few, many)
    assert _queries(client, archive_url(cadre, pdf=True)) == few_pdf


def test_the_pdf_holds_the_name_and_the_grade(world: World, client_as: Clients) -> None:
    _year_of_things(world, 3)
    YearRecord.objects.filter(person=world.people["cadre"]).update(grade="excellent")
    response = client_as("region_admin").get(archive_url(world.people["cadre"], pdf=True))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "张小明" in text and "优秀" in text and "好、较好、好、一般" in text
    assert "区人力资源和社会保障局" in text and "更正记录" in text and "文件2" in text


def _many_years(world: World) -> None:
    """Eight years of each of the region's seven people and one of the other region's."""
    keys = ["head", "team", "cadre", "centre_head", "centre_cadre", "town_head", "town_cadre"]
    grades = ["excellent", "competent", "basic"]
    for year in range(2019, 2027):
        for i, key in enumerate(keys):
            record(world, key, year=year, grade=grades[(i + year) % 3])
    record(world, "foreign")


def test_the_office_searches_across_years_by_name_unit_year_and_grade(
    world: World, client_as: Clients
) -> None:
    _many_years(world)
    client = client_as("region_admin")
    url = reverse("outcomes:archive_search")
    page = client.get(url).content.decode()
    assert "共 56 条档案" in page and "孙丽" not in page  # 7 × 8, not the other region's
    assert "第 1 页，共 2 页" in page and "page=2" in page  # 50 a page
    second = client.get(url, {"page": 2}).content.decode()
    assert "第 2 页，共 2 页" in second
    page = client.get(url, {"name": "张小明"}).content.decode()
    assert "共 8 条档案" in page
    page = client.get(url, {"name": "张小明", "year": "2024"}).content.decode()
    assert "共 1 条档案" in page
    link = reverse("outcomes:archive", args=[world.people["cadre"].pk, 2024])
    assert f'href="{link}"' in page
    page = client.get(url, {"unit": "城关镇", "grade": "excellent"}).content.decode()
    assert "城关镇" in page and "张小明" not in page
    n = YearRecord.objects.filter(unit_name="城关镇", grade="excellent").count()
    assert f"共 {n} 条档案" in page
    # Bad input: a clear message, never a 500; an unknown grade is ignored.
    page = client.get(url, {"year": "二〇二六", "grade": "great"}).content.decode()
    assert "四位数字" in page and "共 56 条档案" in page


def test_a_leader_searches_their_scope_a_cadre_may_not_search(
    world: World, client_as: Clients
) -> None:
    _many_years(world)
    url = reverse("outcomes:archive_search")
    page = client_as("unit_head").get(url).content.decode()
    assert "张小明" in page and "城关镇" not in page and "杨帆" not in page
    assert client_as("cadre").get(url).status_code == 404
    assert client_as("supervisor").get(url).status_code == 404
    other = client_as("other_admin").get(url).content.decode()
    assert "共 1 条档案" in other and "张小明" not in other


def test_the_search_reads_a_fixed_number_of_queries(world: World, client_as: Clients) -> None:
    client = client_as("region_admin")
    url = reverse("outcomes:archive_search")
    record(world, "cadre")
    client.get(url)
    few = _queries(client, url)
    YearRecord.objects.all().delete()
    _many_years(world)
    assert _queries(client, url) == few


def test_a_cadre_lists_their_years_from_the_navigation_and_my_results(
    world: World, client_as: Clients
) -> None:
    record(world, "cadre", year=2025, grade="excellent")
    record(world, "cadre", year=2026)
    record(world, "team", year=2026)
    client = client_as("cadre")
    mine = reverse("outcomes:archive_mine")
    assert f'href="{mine}"' in client.get(reverse("scoring:mine")).content.decode()
    assert f'href="{mine}"' in client.get("/").content.decode()  # the navigation
    page = client.get(mine).content.decode()
    cadre = world.people["cadre"]
    assert "2026 年度档案" in page and "2025 年度档案" in page and "优秀" in page
    assert reverse("outcomes:archive", args=[cadre.pk, 2025]) in page
    assert str(world.people["team"].pk) + "/2026/" not in page
    # The search is a card of the 用实绩 hub, which the top bar links for the office.
    hub = reverse("results_hub")
    assert f'href="{hub}"' not in client.get("/").content.decode()
    assert f'href="{hub}"' in client_as("region_admin").get("/").content.decode()
