"""Grades and annual results as Excel downloads, "rank N of M", and the paged rankings."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kaohe.core import workbooks
from kaohe.core.tests.downloads import read_download
from kaohe.org.models import Person, RankTier, Unit
from kaohe.scoring.caches import runs_forget
from kaohe.scoring.models import AnnualResult, AnnualRun, QuarterResult, QuarterRun, RunState
from kaohe.testing import World

pytestmark = pytest.mark.django_db


def _extra_people(world: World, n: int, prefix: str = "X") -> list[Person]:
    return Person.objects.bulk_create(
        Person(region=world.region, staff_no=f"{prefix}{i:05d}", name=f"新人{i}") for i in range(n)
    )


def quarter_run(
    world: World, extra: int = 0, state: str = RunState.COMPUTED, quarter: int = 1
) -> QuarterRun:
    """A run over the world's region (no compute: its guards are not under test here):
    the bureau's three plus `extra` more, the centre's two and the town's two."""
    run = QuarterRun.objects.create(region=world.region, year=2026, quarter=quarter, state=state)
    p = world.people
    units: dict[Unit, list[Person]] = {
        world.bureau: [p["head"], p["team"], p["cadre"], *_extra_people(world, extra)],
        world.centre: [p["centre_head"], p["centre_cadre"]],
        world.town: [p["town_head"], p["town_cadre"]],
    }
    QuarterResult.objects.bulk_create(
        QuarterResult(
            run=run,
            person=person,
            unit=unit,
            pool_id=0,
            score=Decimal(95) - rank,
            band="good",
            computed_grade="good" if rank == 1 else "fairly_good",
            grade="good" if rank == 1 else "fairly_good",
            change_reason="=1+1" if rank == 2 else "",
            rank_in_unit=rank,
        )
        for unit, people in units.items()
        for rank, person in enumerate(people, start=1)
    )
    return run


def annual_run(
    world: World, staff: int, state: str = RunState.COMPUTED, prefix: str = "Y"
) -> AnnualRun:
    """A year with the world's section chiefs and `staff` general cadres ranked."""
    run = AnnualRun.objects.create(region=world.region, year=2026, state=state)
    chiefs = [world.people["head"], world.people["town_head"]]
    rows = [(RankTier.SECTION_CHIEF, person) for person in chiefs]
    rows += [(RankTier.STAFF, person) for person in _extra_people(world, staff, prefix)]
    ranks: dict[str, int] = {}
    results = []
    for tier, person in rows:
        ranks[tier] = ranks.get(tier, 0) + 1
        results.append(
            AnnualResult(
                run=run,
                person=person,
                unit=world.bureau,
                pool_id=0,
                tier=tier,
                composite=Decimal(99) - Decimal(ranks[tier]) / 10,
                grade="excellent" if ranks[tier] == 1 else "competent",
                consequences=["talk"] if ranks[tier] == 2 else [],
                rank_in_tier=ranks[tier],
            )
        )
    AnnualResult.objects.bulk_create(results)
    return run


def _queries(client: Client, url: str) -> tuple[int, bytes]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        if isinstance(response, StreamingHttpResponse):
            body = b"".join(response.streaming_content)
        else:
            body = response.content
    assert response.status_code == 200, response.status_code
    return len(queries), body


def test_the_office_downloads_a_runs_grades_by_unit_and_rank(
    world: World, client_as: Callable[[str], Client]
) -> None:
    run = quarter_run(world)
    response = client_as("region_admin").get(reverse("scoring:quarter_export", args=[run.pk]))
    sheets = read_download(response, "测试区-2026年第1季度-考核等次.xlsx")
    rows = sheets["季度考核等次"]
    assert rows[0][:7] == (
        "单位编码",
        "单位",
        "人员编号",
        "姓名",
        "得分",
        "单位内名次",
        "单位内人数",
    )
    assert len(rows) == 1 + 7
    head = next(r for r in rows if r[3] == "王建国")
    assert head[:7] == ("D001", "区人力资源和社会保障局", "T0001", "王建国", 94, 1, 3)
    assert head[7:10] == ("好", "好", "好")
    team = next(r for r in rows if r[3] == "李文华")
    assert team[9] == "较好" and team[11] == "=1+1"  # a reason is text, never a formula
    assert "孙丽" not in {r[3] for r in rows}  # the other region's person


def test_the_quarter_download_reads_the_same_queries_for_more_rows(
    world: World, client_as: Callable[[str], Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Chunks of 5 rows: on PostgreSQL, more fetches from one cursor, never more queries.
    monkeypatch.setattr(workbooks, "EXPORT_CHUNK", 5)
    client = client_as("region_admin")
    small = quarter_run(world)
    few, _body = _queries(client, reverse("scoring:quarter_export", args=[small.pk]))
    QuarterRun.objects.all().delete()
    large = quarter_run(world, extra=40)
    many, body = _queries(client, reverse("scoring:quarter_export", args=[large.pk]))
    assert few == many
    assert len(body) > 0


def test_a_unit_head_downloads_the_grades_of_their_unit_from_the_proposal_page(
    world: World, client_as: Callable[[str], Client]
) -> None:
    run = quarter_run(world)
    client = client_as("unit_head")
    page = client.get(reverse("scoring:proposal", args=[run.pk, world.bureau.pk]))
    url = reverse("scoring:proposal_export", args=[run.pk, world.bureau.pk])
    assert url in page.content.decode()
    assert "第 1 名 / 共 3 人" in page.content.decode()  # rank N of M on the proposal page
    rows = read_download(client.get(url))["季度考核等次"]
    assert {r[3] for r in rows[1:]} == {"王建国", "李文华", "张小明"}
    # The town is not theirs; the office's whole-run download is not theirs either.
    town = reverse("scoring:proposal_export", args=[run.pk, world.town.pk])
    assert client.get(town).status_code == 404
    assert client.get(reverse("scoring:quarter_export", args=[run.pk])).status_code == 404


def test_the_year_downloads_results_and_rankings_by_tier(
    world: World, client_as: Callable[[str], Client]
) -> None:
    run = annual_run(world, staff=3)
    client = client_as("region_admin")
    page = client.get(reverse("scoring:annual", args=[run.pk])).content.decode()
    assert reverse("scoring:annual_export", args=[run.pk]) in page
    rows = read_download(client.get(reverse("scoring:annual_export", args=[run.pk])))[
        "年度考核结果"
    ]
    assert rows[0][:3] == ("职级层次", "层次内名次", "层次内人数")
    assert rows[1][:5] == ("正科级", 1, 2, "T0001", "王建国")
    assert rows[1][8] == "优秀"
    staff = [r for r in rows[1:] if r[0] == "一般干部"]
    assert [r[1:3] for r in staff] == [(1, 3), (2, 3), (3, 3)]
    assert staff[1][10] == "由单位主要领导谈话提醒"  # the consequence, in words
    assert "staff" not in {r[0] for r in rows}


def test_the_annual_download_reads_the_same_queries_for_more_rows(
    world: World, client_as: Callable[[str], Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workbooks, "EXPORT_CHUNK", 5)
    client = client_as("region_admin")
    small = annual_run(world, staff=2)
    few, _body = _queries(client, reverse("scoring:annual_export", args=[small.pk]))
    AnnualRun.objects.all().delete()
    large = annual_run(world, staff=40, prefix="Z")
    many, _body = _queries(client, reverse("scoring:annual_export", args=[large.pk]))
    assert few == many


def test_the_annual_rankings_show_every_tier_in_full_by_pages(
    world: World, client_as: Callable[[str], Client]
) -> None:
    run = annual_run(world, staff=120)
    client = client_as("region_admin")
    url = reverse("scoring:annual", args=[run.pk])
    page = client.get(url).content.decode()
    assert "正科级（2）" in page and "一般干部（120）" in page
    assert "section_chief" not in page.replace("?tier=section_chief", "")
    first, _b = _queries(client, f"{url}?tier=staff")
    body = client.get(f"{url}?tier=staff&page=3").content.decode()
    assert "名次（共 120 人）" in body and "第 3 页，共 3 页" in body
    assert "最高 98.90，最低 87.00" in body  # to the cent, whatever the database returns
    assert "新人119" in body and "新人0<" not in body  # the last of 120, on the last page
    last, _b = _queries(client, f"{url}?tier=staff&page=3")
    assert first == last
    AnnualRun.objects.all().delete()
    run = annual_run(world, staff=40, prefix="Z")
    fewer, _b = _queries(client, f"{reverse('scoring:annual', args=[run.pk])}?tier=staff")
    assert fewer == first  # the same queries whatever the number of rows


def test_my_results_and_the_explanation_say_rank_n_of_m(
    world: World, client_as: Callable[[str], Client]
) -> None:
    run = quarter_run(world, state=RunState.PUBLISHED)
    client = client_as("cadre")
    few, body = _queries(client, reverse("scoring:mine"))
    assert "单位内第 3 名 / 共 3 人" in body.decode()
    # Once cached, the page reads no result, run or unit.
    with CaptureQueriesContext(connection) as warm:
        again = client.get(reverse("scoring:mine")).content
    assert "单位内第 3 名 / 共 3 人" in again.decode()
    assert not [q for q in warm.captured_queries if "scoring_" in q["sql"]]
    result = QuarterResult.objects.get(run=run, person=world.people["cadre"])
    explanation = client.get(reverse("scoring:explanation", args=["quarter", result.pk]))
    assert "排第 3 名 / 共 3 人" in explanation.content.decode()
    for quarter in (2, 3, 4):
        quarter_run(world, state=RunState.PUBLISHED, quarter=quarter)
    runs_forget(world.region.pk)  # published here without the service
    # More published quarters cost no more queries: M is counted inside the list's query.
    many, body = _queries(client, reverse("scoring:mine"))
    assert many == few and body.decode().count("共 3 人") == 4


def test_the_year_says_rank_n_of_m_in_the_tier(
    world: World, client_as: Callable[[str], Client]
) -> None:
    run = annual_run(world, staff=2, state=RunState.PUBLISHED)
    client = client_as("unit_head")
    assert "同职级层次第 1 名 / 共 2 人" in client.get(reverse("scoring:mine")).content.decode()
    result = AnnualResult.objects.get(run=run, person=world.people["head"])
    page = client.get(reverse("scoring:explanation", args=["year", result.pk])).content.decode()
    assert "在全区同职级中排第 1 名 / 共 2 人" in page
