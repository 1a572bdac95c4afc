"""The official forms as PDF: what each form says (its text read back with pypdf), a
unit's file holding everyone, who may print which, and the queries a unit's file costs."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from kaohe.conduct.models import AbsenceKind, AbsenceRecord, DisciplineKind, DisciplineRecord
from kaohe.org import services as org_services
from kaohe.org.models import (
    LeadershipRole,
    MembershipStatus,
    Person,
    PersonnelCategory,
    RankLevel,
    Unit,
    UnitKind,
    UnitType,
)
from kaohe.outcomes.models import YearRecord
from kaohe.scoring.models import (
    AnnualResult,
    AnnualRun,
    PersonYearFlag,
    QuarterResult,
    QuarterRun,
    RunState,
)
from kaohe.testing import START, World
from kaohe.worklogs.models import Summary, SummaryKind, Timeliness

pytestmark = pytest.mark.django_db

YEAR = 2026


def annual_url(unit: Unit, year: int = YEAR) -> str:
    return reverse("outcomes:forms_unit_annual", args=[unit.pk, year])


def quarter_url(unit: Unit, quarter: int = 1, year: int = YEAR) -> str:
    return reverse("outcomes:forms_unit_quarter", args=[unit.pk, year, quarter])


def person_url(person: Person, quarter: int | None = None, year: int = YEAR) -> str:
    if quarter is None:
        return reverse("outcomes:forms_person_annual", args=[person.pk, year])
    return reverse("outcomes:forms_person_quarter", args=[person.pk, year, quarter])


def pages_text(content: bytes) -> list[str]:
    """Each page's text, without the whitespace the extraction puts between cells."""
    reader = PdfReader(io.BytesIO(content))
    return [re.sub(r"\s+", "", page.extract_text() or "") for page in reader.pages]


def pdf_text(client: Client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    return pages_text(response.content)


def summary(world: World, person: Person, text: str, quarter: int = 0) -> None:
    Summary.objects.create(
        region=world.region,
        person=person,
        unit=world.bureau,
        kind=SummaryKind.QUARTERLY if quarter else SummaryKind.ANNUAL,
        year=YEAR,
        quarter=quarter,
        content=text,
        timeliness=Timeliness.ON_TIME,
    )


def annual_run(world: World, grades: dict[str, str], state: str = RunState.PUBLISHED) -> AnnualRun:
    run, _new = AnnualRun.objects.get_or_create(
        region=world.region, year=YEAR, number=1, defaults={"state": state}
    )
    for key, grade in grades.items():
        person = world.people[key]
        AnnualResult.objects.create(
            run=run,
            person=person,
            unit=world.bureau,
            pool_id=0,
            tier="staff",
            composite=Decimal("88.50"),
            grade=grade,
            steps=[
                {"code": "annual.composite", "figures": {"score": "88.50"}},
                {"code": "annual.grade", "figures": {"grade": grade}},
            ],
        )
    return run


def quarter_run(
    world: World, grades: dict[str, str], state: str = RunState.PUBLISHED, reason: str = ""
) -> QuarterRun:
    run = QuarterRun.objects.create(region=world.region, year=YEAR, quarter=1, state=state)
    for key, grade in grades.items():
        QuarterResult.objects.create(
            run=run,
            person=world.people[key],
            unit=world.bureau,
            pool_id=0,
            score=Decimal(90),
            computed_grade="fairly_good",
            grade=grade,
            change_reason=reason if key == "cadre" else "",
        )
    return run


@pytest.fixture
def filled(world: World) -> World:
    """The bureau's three people with a published year and first quarter."""
    p = world.people
    Person.objects.filter(pk=p["cadre"].pk).update(gender="M", birth_date=dt.date(1990, 5, 17))
    annual_run(world, {"head": "excellent", "team": "pending", "cadre": "competent"})
    YearRecord.objects.create(
        region=world.region,
        person=p["head"],
        year=YEAR,
        unit=world.bureau,
        unit_name="区人力资源和社会保障局（档案）",
        post="局长",
        grade="excellent",
        frozen_at=timezone.now(),
    )
    PersonYearFlag.objects.create(
        person=p["team"], year=YEAR, kind=PersonYearFlag.Kind.INVESTIGATION, reason="区纪委立案"
    )
    summary(world, p["cadre"], "全年完成社保扩面任务一万二千人。")
    summary(world, p["cadre"], "一季度办结社保转移业务三百件。", quarter=1)
    quarter_run(world, {"head": "good", "team": "fairly_good", "cadre": "good"}, reason="窗口表彰")
    for kind, days, times in (
        (AbsenceKind.ABSENT, Decimal(1), 0),
        (AbsenceKind.LEAVE, Decimal("2.5"), 0),
        (AbsenceKind.LATE_EARLY, Decimal(0), 3),
    ):
        AbsenceRecord.objects.create(
            region=world.region,
            person=p["cadre"],
            kind=kind,
            start=dt.date(YEAR, 2, 2),
            end=dt.date(YEAR, 2, 4),
            days=days,
            times=times,
        )
    # Outside the quarter: not on its form.
    AbsenceRecord.objects.create(
        region=world.region,
        person=p["cadre"],
        kind=AbsenceKind.ABSENT,
        start=dt.date(YEAR, 5, 6),
        end=dt.date(YEAR, 5, 6),
        days=Decimal(7),
    )
    DisciplineRecord.objects.create(
        region=world.region,
        person=p["cadre"],
        kind=DisciplineKind.WARNING,
        start=dt.date(YEAR, 3, 1),
        end=dt.date(YEAR, 8, 31),
        document="区人社发〔2026〕3号",
    )
    return world


def test_the_unit_annual_file_holds_a_form_for_every_person_with_their_grade(
    filled: World, client_as: Callable[[str], Client]
) -> None:
    pages = pdf_text(client_as("region_admin"), annual_url(filled.bureau))
    assert len(pages) == 3
    head, team, cadre = pages  # leaders first
    assert all("公务员年度考核登记表" in page and "（2026年度）" in page for page in pages)
    assert "王建国" in head and "考核等次：优秀" in head
    assert "区人力资源和社会保障局（档案）" in head  # the archive's snapshot
    assert "实绩档案" in head
    assert "张小明" in cadre and "考核等次：称职" in cadre and "考核等次建议：称职" in cadre
    assert "男" in cadre and "1990年5月" in cadre and "一般干部" in cadre
    assert "全年完成社保扩面任务一万二千人。" in cadre
    # The explanation's summary under the leader's suggestion.
    assert "88.50" in cadre
    # A pending grade explains itself; no grade in the organ's box.
    assert "李文华" in team and "立案审查" in team and "区纪委立案" in team
    assert "考核等次：" not in team
    for page in pages:
        for box in ("本人意见", "签名", "盖章", "机关负责人或者考核委员会意见"):
            assert box in page


def test_a_probationer_without_a_grade_is_explained(
    world: World, client_as: Callable[[str], Client]
) -> None:
    cadre = world.people["cadre"]
    org_services.membership_change(
        actor=None,
        person=cadre,
        unit=world.bureau,
        rank_level=RankLevel.objects.get(region=world.region, name="一般干部"),
        personnel_category=PersonnelCategory.objects.get(region=world.region, name="综合管理类"),
        leadership_role=LeadershipRole.STAFF,
        status=MembershipStatus.PROBATION,
        valid_from=START + dt.timedelta(days=40),
        post="科员",
    )
    annual_run(world, {"cadre": "none"})
    (page,) = pdf_text(client_as("unit_head"), person_url(cadre))
    assert "试用期" in page and "不确定等次" in page


def test_an_unpublished_year_fills_no_grade(
    world: World, client_as: Callable[[str], Client]
) -> None:
    annual_run(world, {"cadre": "excellent"}, state=RunState.CONFIRMED)
    (page,) = pdf_text(client_as("unit_head"), person_url(world.people["cadre"]))
    assert "张小明" in page and "优秀" not in page


def test_the_quarter_form_reports_absences_conduct_and_grades(
    filled: World, client_as: Callable[[str], Client]
) -> None:
    pages = pdf_text(client_as("unit_head"), quarter_url(filled.bureau))
    assert len(pages) == 3
    cadre = pages[2]
    assert "公务员平时考核登记表" in cadre and "（2026年第一季度）" in cadre
    assert "张小明" in cadre and "科员" in cadre
    assert "一季度办结社保转移业务三百件。" in cadre
    assert "旷工1天；请假2.5天；迟到早退3次" in cadre  # May's absence is not this quarter's
    assert "警告" in cadre and "区人社发〔2026〕3号" in cadre
    assert "等次建议：好" in cadre and "调整理由：窗口表彰" in cadre
    assert "审定等次：好" in cadre
    assert "李文华" in pages[1] and "审定等次：较好" in pages[1]
    assert "无" in pages[1]  # no punishment recorded


def test_before_publication_a_cadre_sees_no_proposal_and_leaders_do(
    world: World, client_as: Callable[[str], Client]
) -> None:
    quarter_run(world, {"cadre": "good"}, state=RunState.CONFIRMED, reason="窗口表彰")
    url = person_url(world.people["cadre"], quarter=1)
    (own,) = pdf_text(client_as("cadre"), url)
    assert "等次建议：" not in own and "窗口表彰" not in own and "审定等次" not in own
    (lead,) = pdf_text(client_as("unit_head"), url)
    assert "等次建议：好" in lead and "审定等次" not in lead


@pytest.mark.parametrize(
    ("persona", "unit", "status"),
    [
        ("region_admin", "bureau", 200),
        ("region_admin", "town", 200),
        ("unit_admin", "bureau", 200),
        ("unit_admin", "centre", 200),  # the subtree
        ("unit_head", "bureau", 200),
        ("team_member", "bureau", 200),
        ("unit_head", "town", 404),
        ("cadre", "bureau", 404),
        ("supervisor", "town", 404),
        ("other_admin", "bureau", 404),
        ("region_admin", "foreign_unit", 404),
    ],
)
def test_who_prints_a_units_forms(
    world: World, client_as: Callable[[str], Client], persona: str, unit: str, status: int
) -> None:
    client = client_as(persona)
    target = getattr(world, unit)
    assert client.get(annual_url(target)).status_code == status
    assert client.get(quarter_url(target, 4)).status_code == status


@pytest.mark.parametrize(
    ("persona", "person", "status"),
    [
        ("cadre", "cadre", 200),  # their own
        ("cadre", "team", 404),
        ("cadre_other", "cadre", 404),
        ("unit_head", "cadre", 200),
        ("unit_head", "centre_cadre", 200),
        ("unit_head", "town_cadre", 404),
        ("supervisor", "town_cadre", 404),
        ("region_admin", "town_cadre", 200),
        ("other_admin", "cadre", 404),
        ("region_admin", "foreign", 404),
    ],
)
def test_who_prints_a_persons_forms(
    world: World, client_as: Callable[[str], Client], persona: str, person: str, status: int
) -> None:
    client = client_as(persona)
    target = world.people[person]
    assert client.get(person_url(target)).status_code == status
    assert client.get(person_url(target, quarter=2)).status_code == status


def test_an_anonymous_visitor_is_sent_to_log_in(world: World) -> None:
    response = Client().get(annual_url(world.bureau))
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize(
    "path",
    [
        "/outcomes/forms/unit/{unit}/1999/annual.pdf",
        "/outcomes/forms/unit/{unit}/2100/annual.pdf",
        "/outcomes/forms/unit/{unit}/2026/q0.pdf",
        "/outcomes/forms/unit/{unit}/2026/q5.pdf",
        "/outcomes/forms/person/{person}/2026/q9.pdf",
        "/outcomes/forms/person/{person}/99999999999999999999/annual.pdf",
        "/outcomes/forms/person/{person}/2020/annual.pdf",  # no membership that year
    ],
)
def test_a_period_no_form_can_have_is_not_found(
    world: World, client_as: Callable[[str], Client], path: str
) -> None:
    url = path.format(unit=world.bureau.pk, person=world.people["cadre"].pk)
    assert client_as("region_admin").get(url).status_code == 404


def test_a_unit_without_anyone_assessed_prints_one_page(
    world: World, client_as: Callable[[str], Client]
) -> None:
    empty = org_services.unit_create(
        actor=None,
        region=world.region,
        name="空单位",
        code="E001",
        unit_type=UnitType.TOWN,
        unit_kind=UnitKind.ADMINISTRATIVE,
    )
    (page,) = pdf_text(client_as("region_admin"), annual_url(empty))
    assert "本期无考核对象" in page


def _add_people(world: World, count: int) -> None:
    rank = RankLevel.objects.get(region=world.region, name="一般干部")
    category = PersonnelCategory.objects.get(region=world.region, name="综合管理类")
    for n in range(count):
        person = org_services.person_create(
            actor=None, region=world.region, staff_no=f"X{n:04d}", name=f"新人{n}"
        )
        org_services.membership_change(
            actor=None,
            person=person,
            unit=world.bureau,
            rank_level=rank,
            personnel_category=category,
            leadership_role=LeadershipRole.STAFF,
            status=MembershipStatus.ON_DUTY,
            valid_from=START,
            post="科员",
        )
        world.people[f"extra{n}"] = person


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_a_units_file_costs_the_same_queries_for_any_number_of_people(
    filled: World, client_as: Callable[[str], Client]
) -> None:
    client = client_as("unit_head")
    client.get(annual_url(filled.bureau))  # warm the user's cached facts
    small = (
        _queries(client, annual_url(filled.bureau)),
        _queries(client, quarter_url(filled.bureau)),
    )
    _add_people(filled, 12)
    annual_run(filled, {f"extra{n}": "competent" for n in range(12)})
    for n in range(12):
        summary(filled, filled.people[f"extra{n}"], f"第{n}人的年度总结。")
    large = (
        _queries(client, annual_url(filled.bureau)),
        _queries(client, quarter_url(filled.bureau)),
    )
    assert large == small
    assert small[0] <= 12 and small[1] <= 12
    assert len(pdf_text(client, annual_url(filled.bureau))) == 15


def test_a_punishment_in_force_explains_a_year_without_a_grade(
    world: World, client_as: Callable[[str], Client]
) -> None:
    cadre = world.people["cadre"]
    DisciplineRecord.objects.create(
        region=world.region,
        person=cadre,
        kind=DisciplineKind.DEMERIT,
        start=dt.date(YEAR - 1, 9, 1),
        end=dt.date(YEAR + 1, 2, 28),
        document="区纪发〔2025〕9号",
    )
    annual_run(world, {"cadre": "none"})
    (page,) = pdf_text(client_as("region_admin"), person_url(cadre))
    assert "受记过（2025年9月1日至2027年2月28日，区纪发〔2025〕9号）处分期间" in page
    assert "新录用公务员在试用期内" not in page


def test_an_imported_year_prints_its_archived_grade(
    world: World, client_as: Callable[[str], Client]
) -> None:
    cadre = world.people["cadre"]
    YearRecord.objects.create(
        region=world.region,
        person=cadre,
        year=YEAR - 1,
        source="imported",
        unit_name="原区劳动局",
        post="办事员",
        grade="excellent",
        frozen_at=timezone.now(),
    )
    (page,) = pdf_text(client_as("cadre"), person_url(cadre, year=YEAR - 1))
    assert "原区劳动局" in page and "办事员" in page
    assert "考核等次：优秀" in page and "考核等次建议：优秀" in page and "实绩档案" in page


def test_a_unit_prints_an_imported_year_from_the_archive(
    world: World, client_as: Callable[[str], Client]
) -> None:
    for key, grade in (("head", "excellent"), ("cadre", "competent")):
        YearRecord.objects.create(
            region=world.region,
            person=world.people[key],
            year=YEAR - 1,
            source="imported",
            unit=world.bureau,
            unit_name="原区劳动局",
            grade=grade,
            frozen_at=timezone.now(),
        )
    pages = pdf_text(client_as("unit_head"), annual_url(world.bureau, YEAR - 1))
    assert len(pages) == 2
    assert "王建国" in pages[0] and "考核等次：优秀" in pages[0]
    assert "张小明" in pages[1] and "考核等次：称职" in pages[1] and "原区劳动局" in pages[1]
