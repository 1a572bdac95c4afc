"""The months' pages: the office's flow, what units see before and after publish,
scope (404s), exports, evidence files and query counts (issue 18, P1)."""

from __future__ import annotations

import io
from collections.abc import Callable
from contextlib import AbstractContextManager

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from kaohe.performance import selectors, services
from kaohe.performance.models import PerformanceMonth, ReportFile, UnitMonthReport
from kaohe.performance.tests.helpers import Months, cells, setup_months
from kaohe.testing import World

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n0000"


@pytest.fixture
def m(world: World) -> Months:
    return setup_months(world)


def _computed(world: World, m: Months, publish: bool = False) -> None:
    admin = world.users["region_admin"]
    posted = cells(m, world.bureau, invest="35", project="18")
    posted |= cells(m, world.centre, invest="38", project="19", public="12", evidence="测评")
    posted |= cells(m, world.town, invest="20")
    services.month_scores_save(
        actor=admin,
        month=m.month,
        category=m.category,
        unit_ids=[world.bureau.pk, world.centre.pk, world.town.pk],
        cells=posted,
        stamp=selectors.grid_stamp(m.month, m.category.pk),
    )
    services.month_compute(actor=admin, month=m.month)
    if publish:
        services.month_publish(actor=admin, month=m.month)


def test_the_office_opens_scores_computes_and_publishes(
    world: World, m: Months, client_as: Callable[[str], Client]
) -> None:
    office = client_as("region_admin")
    response = office.post(reverse("performance:months"), {"month": "2026-11"})
    opened = PerformanceMonth.objects.get(year=2026, month=11)
    assert response.status_code == 302
    grid_url = reverse("performance:month_grid", args=[m.month.pk, m.category.pk])
    page = office.get(grid_url)
    assert page.status_code == 200
    stamp = page.context["grid"].stamp
    posted = {"stamp": stamp, "unit": [world.bureau.pk, world.centre.pk, world.town.pk]}
    posted |= cells(m, world.bureau, invest="35")
    posted |= cells(m, world.town, invest="36")
    assert office.post(grid_url, posted).status_code == 302
    # The same page again, now stale: refused, nothing saved.
    posted |= cells(m, world.bureau, invest="1")
    response = office.post(grid_url, posted, follow=True)
    assert "performance.stale" not in response.content.decode()  # codes never shown
    typed = response.context["grid"].rows[0].cells[0][1]
    assert typed == "1"  # what was typed stays on the page, to be entered again
    assert "重新" in response.content.decode() or "刷新" in response.content.decode()
    office.post(reverse("performance:month_compute", args=[m.month.pk]))
    office.post(reverse("performance:month_publish", args=[m.month.pk]))
    m.month.refresh_from_db()
    assert m.month.state == "published"
    ranking = office.get(reverse("performance:month_ranking", args=[m.month.pk, m.category.pk]))
    assert [r.unit_id for r in ranking.context["rows"]] == [
        world.town.pk,
        world.bureau.pk,
        world.centre.pk,
    ]
    assert opened.state == "open"


def test_units_see_results_only_once_published(
    world: World, m: Months, client_as: Callable[[str], Client]
) -> None:
    _computed(world, m)
    unit = client_as("unit_admin")
    ranking_url = reverse("performance:month_ranking", args=[m.month.pk, m.category.pk])
    own_url = reverse("performance:month_unit", args=[m.month.pk, world.bureau.pk])
    assert unit.get(ranking_url).status_code == 404
    assert unit.get(reverse("performance:month_rewards", args=[m.month.pk])).status_code == 404
    assert unit.get(own_url).context["view"].result is None
    services.month_publish(actor=world.users["region_admin"], month=m.month)
    page = unit.get(ranking_url)
    assert page.status_code == 200
    own = [r for r in page.context["rows"] if r.own]
    assert {r.unit_id for r in own} == {world.bureau.pk, world.centre.pk}
    assert unit.get(own_url).context["view"].result.rank == 2
    # A town cadre reads the published ranking of the region, not the bureau's month.
    cadre = client_as("cadre_other")
    assert cadre.get(ranking_url).status_code == 200
    assert cadre.get(own_url).status_code == 404


def test_ids_outside_the_scope_are_404(
    world: World, m: Months, client_as: Callable[[str], Client]
) -> None:
    _computed(world, m, publish=True)
    unit = client_as("unit_admin")
    town_url = reverse("performance:month_unit", args=[m.month.pk, world.town.pk])
    assert unit.get(town_url).status_code == 404
    assert (
        unit.get(reverse("performance:month_grid", args=[m.month.pk, m.category.pk])).status_code
        == 404
    )
    assert unit.post(reverse("performance:month_compute", args=[m.month.pk])).status_code == 404
    assert unit.get(reverse("performance:month_lead", args=[world.town.pk])).status_code == 404
    other = client_as("other_admin")
    for url in (
        reverse("performance:month", args=[m.month.pk]),
        reverse("performance:month_ranking", args=[m.month.pk, m.category.pk]),
        reverse("performance:month_ranking_export", args=[m.month.pk, m.category.pk]),
        reverse("performance:month_unit", args=[m.month.pk, world.bureau.pk]),
        reverse("performance:month_lead", args=[world.bureau.pk]),
    ):
        assert other.get(url).status_code == 404, url
    public = Client()
    assert public.get(reverse("performance:months")).status_code == 302


def test_a_unit_reports_with_evidence_and_the_lead_page_shows_it(
    world: World, m: Months, client_as: Callable[[str], Client]
) -> None:
    unit = client_as("unit_head")
    url = reverse("performance:month_unit", args=[m.month.pk, world.bureau.pk])
    file = io.BytesIO(PNG)
    file.name = "现场照片.png"
    response = unit.post(
        url,
        {
            "text": "完成项目签约3个。",
            f"item-{m.assignment.pk}": "已签约3个，累计8个。",
            "file": file,
        },
    )
    assert response.status_code == 302
    assert UnitMonthReport.objects.filter(unit=world.bureau).count() == 2
    stored = ReportFile.objects.get()
    assert unit.get(reverse("performance:month_file", args=[stored.pk])).content == PNG
    assert (
        client_as("cadre_other")
        .get(reverse("performance:month_file", args=[stored.pk]))
        .status_code
        == 404
    )
    bad = io.BytesIO(b"MZ....")
    bad.name = "a.exe"
    refused_page = unit.post(url, {"text": "改写的进展", "file": bad})
    assert ReportFile.objects.count() == 1
    assert refused_page.context["view"].report.text == "改写的进展"  # kept on the page
    assert UnitMonthReport.objects.get(assignment=None).text == "完成项目签约3个。"
    # A team member reads the report but does not write it.
    team = client_as("team_member")
    assert not team.get(url).context["view"].may_report
    _computed(world, m, publish=True)
    lead = unit.get(reverse("performance:month_lead", args=[world.bureau.pk]), {"year": "2026"})
    line = lead.context["lines"][0]
    shown = {mm.month: (p, s) for mm, p, s in line.months}
    assert shown[10] == ("已签约3个，累计8个。", "35")
    assert "全年引进项目10个" in lead.content.decode()


def test_the_ranking_export(world: World, m: Months, client_as: Callable[[str], Client]) -> None:
    _computed(world, m, publish=True)
    response = client_as("unit_admin").get(
        reverse("performance:month_ranking_export", args=[m.month.pk, m.category.pk])
    )
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))  # type: ignore[attr-defined]
    rows = list(book.active.values)  # type: ignore[union-attr]
    assert rows[0][:2] == ("名次", "单位")
    assert [r[1] for r in rows[1:]] == ["区就业服务中心", "区人力资源和社会保障局", "城关镇"]


def test_pages_in_few_queries(
    world: World,
    m: Months,
    client_as: Callable[[str], Client],
    django_assert_max_num_queries: Callable[[int], AbstractContextManager[object]],
) -> None:
    _computed(world, m, publish=True)
    office = client_as("region_admin")
    unit = client_as("unit_admin")
    urls = [
        (office, reverse("performance:months")),
        (office, reverse("performance:month", args=[m.month.pk])),
        (office, reverse("performance:month_ranking", args=[m.month.pk, m.category.pk])),
        (unit, reverse("performance:month_ranking", args=[m.month.pk, m.category.pk])),
        (office, reverse("performance:month_rewards", args=[m.month.pk])),
        (unit, reverse("performance:month_unit", args=[m.month.pk, world.bureau.pk])),
        (unit, reverse("performance:month_lead", args=[world.bureau.pk])),
    ]
    for client, url in urls:
        client.get(url)  # warm the session and the user's facts
        with django_assert_max_num_queries(16):
            assert client.get(url).status_code == 200, url


def test_an_open_months_report_is_a_task_until_written(
    world: World, m: Months, client_as: Callable[[str], Client]
) -> None:
    from kaohe.pages.todo import tasks_for

    admin = world.users["unit_admin"]
    due = [t for t in tasks_for(admin, m.month.opened_at.date()) if t.kind == "month_report"]
    assert {t.url for t in due} == {
        reverse("performance:month_unit", args=[m.month.pk, u.pk])
        for u in (world.bureau, world.centre)
    }
    services.month_report_save(actor=admin, month=m.month, unit=world.bureau, text="完成", items={})
    due = [t for t in tasks_for(admin, m.month.opened_at.date()) if t.kind == "month_report"]
    assert len(due) == 1
    assert not [
        t
        for t in tasks_for(world.users["cadre"], m.month.opened_at.date())
        if t.kind == "month_report"
    ]


def test_the_office_starts_a_categorys_system_on_the_schemes_pages(
    world: World, m: Months, client_as: Callable[[str], Client]
) -> None:
    from kaohe.org.models import PerformanceCategory
    from kaohe.schemes.models import Scheme

    b1 = PerformanceCategory.objects.get(region=world.region, name="B1")
    url = reverse("performance:month_system", args=[m.month.pk, b1.pk])
    assert client_as("unit_admin").post(url).status_code == 404
    response = client_as("region_admin").post(url)
    scheme = Scheme.objects.get(performance_category=b1)
    assert scheme.role == Scheme.Role.TEMPLATE and scheme.year == 2026
    assert response["Location"] == reverse("schemes:version", args=[scheme.pk, 1])


def test_a_units_files_of_a_month_are_bounded(world: World, m: Months) -> None:
    """Each file is kept in the database: a unit keeps at most ten a month."""
    from kaohe.performance.errors import PerformanceErrorCode
    from kaohe.testing import refused

    for _ in range(services.MONTH_FILES_MAX):
        services.month_report_save(
            actor=world.users["unit_admin"],
            month=m.month,
            unit=world.bureau,
            text="进展",
            items={},
            upload=services.Upload("照片.png", PNG),
        )
    with refused(PerformanceErrorCode.EVIDENCE_TOO_MANY):
        services.month_report_save(
            actor=world.users["unit_admin"],
            month=m.month,
            unit=world.bureau,
            text="进展",
            items={},
            upload=services.Upload("照片.png", PNG),
        )
    assert ReportFile.objects.filter(unit=world.bureau).count() == services.MONTH_FILES_MAX
