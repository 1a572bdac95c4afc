"""The import page of earlier years: the region's assessment office only (404 for
anyone else), the problems listed in place, the result summed up, the template
downloaded, a large file run as a job, and query counts that do not grow with the file."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterator

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook
from pytest_django import DjangoAssertNumQueries
from pytest_django.fixtures import Settings

from kaohe.jobs.models import Job, JobState
from kaohe.org.models import Person
from kaohe.outcomes.models import YearRecord
from kaohe.outcomes.priors import COLUMNS
from kaohe.outcomes.tests.test_priors_import import prior, xlsx
from kaohe.testing import World

pytestmark = pytest.mark.django_db

PAGE = reverse("outcomes:priors_import")
TEMPLATE = reverse("outcomes:priors_template")


@pytest.fixture(autouse=True)
def _today(settings: Settings) -> Iterator[None]:
    settings.KAOHE_TODAY = dt.date(2026, 11, 20)
    yield


def post(client: Client, content: bytes, *, replace: bool = False) -> str:
    data: dict[str, object] = {"file": SimpleUploadedFile("往年结果.xlsx", content)}
    if replace:
        data["replace"] = "on"
    response = client.post(PAGE, data)
    assert response.status_code == 200
    return response.content.decode()


def people(world: World, n: int) -> list[Person]:
    return Person.objects.bulk_create(
        Person(region=world.region, staff_no=f"P{i:04d}", name=f"人员{i}") for i in range(n)
    )


@pytest.mark.parametrize("persona", ["unit_admin", "unit_head", "team_member", "cadre"])
def test_it_is_404_for_anyone_but_the_regions_office(
    client_as: Callable[[str], Client], persona: str
) -> None:
    client = client_as(persona)
    assert client.get(PAGE).status_code == 404
    assert client.get(TEMPLATE).status_code == 404
    assert client.post(PAGE, {}).status_code == 404


def test_it_asks_anonymous_users_to_log_in(client_as: Callable[[str], Client]) -> None:
    assert client_as("public").get(PAGE).status_code == 302


def test_the_office_sees_the_page_in_chinese_and_its_link(
    client_as: Callable[[str], Client],
) -> None:
    page = client_as("region_admin").get(PAGE).content.decode()
    assert "往年考核结果导入" in page and "尚未导入往年考核结果" in page
    assert "Import of earlier years" not in page
    # Its entry is a card of the 用实绩 hub, for the office only.
    hub = reverse("results_hub")
    assert f'href="{PAGE}"' in client_as("region_admin").get(hub).content.decode()
    assert f'href="{PAGE}"' not in client_as("unit_admin").get(hub).content.decode()


def test_the_template_has_the_headers_and_an_example_row(
    client_as: Callable[[str], Client],
) -> None:
    response = client_as("region_admin").get(TEMPLATE)
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == list(COLUMNS)
    assert rows[1][7] == "称职" and rows[1][5] == "一般干部"


def test_a_good_file_is_summed_up_by_people_and_years(
    world: World, client_as: Callable[[str], Client]
) -> None:
    cadre, head = world.people["cadre"], world.people["head"]
    rows = [prior(p.staff_no, p.name, y) for p in (cadre, head) for y in (2023, 2024, 2025)]
    page = post(client_as("region_admin"), xlsx(rows))
    assert "2 人 × 3 年，共 6 条" in page
    assert "新增 6 条" in page
    assert 'id="import-summary"' in page and 'id="imported-years"' in page
    assert YearRecord.objects.count() == 6


def test_a_bad_file_lists_its_problems_and_imports_nothing(
    world: World, client_as: Callable[[str], Client]
) -> None:
    cadre = world.people["cadre"]
    rows = [prior(cadre.staff_no, cadre.name), prior("NOPE", "某人", 2024, 年度考核等次="良")]
    page = post(client_as("region_admin"), xlsx(rows))
    assert 'data-code="outcomes.priors_rows_invalid"' in page
    assert "第 3 行 人员编号：" in page and "第 3 行 年度考核等次：" in page
    assert not YearRecord.objects.exists()


def test_a_missing_file_is_refused_in_chinese(client_as: Callable[[str], Client]) -> None:
    response = client_as("region_admin").post(PAGE, {})
    assert 'data-code="outcomes.priors_no_file"' in response.content.decode()


def test_the_replace_box_replaces(world: World, client_as: Callable[[str], Client]) -> None:
    cadre = world.people["cadre"]
    client = client_as("region_admin")
    post(client, xlsx([prior(cadre.staff_no, cadre.name)]))
    changed = xlsx([prior(cadre.staff_no, cadre.name, 年度考核等次="基本称职")])
    assert "替换已导入的年度" in post(client, changed)  # refused without the box
    page = post(client, changed, replace=True)
    assert "替换 1 条（更正 1 项）" in page
    assert YearRecord.objects.get().grade == "basic"


def test_a_large_file_is_imported_as_a_job(
    world: World, client_as: Callable[[str], Client], settings: Settings
) -> None:
    settings.KAOHE_ROSTER_JOB_BYTES = 0  # every file counts as large here
    cadre = world.people["cadre"]
    client = client_as("region_admin")
    response = client.post(
        PAGE, {"file": SimpleUploadedFile("a.xlsx", xlsx([prior(cadre.staff_no, cadre.name)]))}
    )
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("jobs:job", args=[job.pk])
    assert (job.kind, job.state) == ("outcomes.priors.import", JobState.DONE)
    assert "1 人 × 1 年" in client.get(response["Location"]).content.decode()
    assert YearRecord.objects.count() == 1


def test_another_regions_office_sees_only_its_own_years(
    world: World, client_as: Callable[[str], Client]
) -> None:
    cadre = world.people["cadre"]
    post(client_as("region_admin"), xlsx([prior(cadre.staff_no, cadre.name)]))
    page = client_as("other_admin").get(PAGE).content.decode()
    assert "尚未导入往年考核结果" in page
    # and it cannot import the first region's people
    foreign = post(client_as("other_admin"), xlsx([prior(cadre.staff_no, cadre.name, 2024)]))
    assert "第 2 行 人员编号：" in foreign
    assert YearRecord.objects.count() == 1


def _queries(client: Client, content: bytes) -> int:
    with CaptureQueriesContext(connection) as captured:
        post(client, content)
    return len(captured)


def test_the_import_and_the_page_do_not_grow_with_the_file(
    world: World,
    client_as: Callable[[str], Client],
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    crowd = people(world, 60)
    client = client_as("region_admin")
    small = _queries(client, xlsx([prior(p.staff_no, p.name, 2023) for p in crowd[:5]]))
    large = _queries(client, xlsx([prior(p.staff_no, p.name, 2024) for p in crowd]))
    # The same statements for 60 rows as for 5; SQLite splits a bulk INSERT at its limit
    # of bound variables (about fifty rows of YearRecord), hence at most one more.
    assert small <= large <= small + 1, (small, large)
    bad = _queries(client, xlsx([prior(p.staff_no, "错名", 2025) for p in crowd]))
    assert bad <= small
    with django_assert_max_num_queries(12):
        client.get(PAGE)
