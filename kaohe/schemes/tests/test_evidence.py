"""Evidence: work logs linked to grid cells, scoped by the work-log rules, required
where the indicator says so."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from kaohe.core.models import AuditEvent
from kaohe.org.models import Person
from kaohe.schemes import entry, evidence, services
from kaohe.schemes.errors import SchemeErrorCode
from kaohe.schemes.models import Indicator, IndicatorResult, SchemeVersion
from kaohe.testing import World, refused
from kaohe.worklogs.models import Timeliness, WorkLog
from kaohe.worklogs.rules import Period

pytestmark = pytest.mark.django_db
Q1 = Period(2026, 1)
TODAY = dt.date(2026, 4, 30)
HTMX = {"HX-Request": "true"}


@pytest.fixture
def evidenced(world: World, drafted: SchemeVersion) -> SchemeVersion:
    """The bureau's approved scheme, with evidence required for 完成任务 and 违纪."""
    Indicator.objects.filter(version=drafted, name__in=["完成任务", "违纪"]).update(
        evidence_required=True
    )
    services.version_submit(actor=world.users["unit_admin"], version=drafted)
    services.version_approve(actor=world.users["region_admin"], version=drafted)
    return drafted


def logs(
    world: World, person: Person, days: list[dt.date], text: str = "走访企业"
) -> list[WorkLog]:
    return WorkLog.objects.bulk_create(
        WorkLog(
            region=world.region,
            person=person,
            unit=world.bureau,
            day=day,
            content=f"{text}（{day:%m-%d}）",
            timeliness=Timeliness.ON_TIME,
        )
        for day in days
    )


def q1_days(n: int) -> list[dt.date]:
    return [dt.date(2026, 1, 5) + dt.timedelta(days=i) for i in range(n)]


def indicator(version: SchemeVersion, name: str) -> Indicator:
    return version.indicators.get(name=name)


def panel_url(world: World, person: Person, ind: Indicator) -> str:
    return reverse("schemes:evidence", args=[world.bureau.pk, 2026, 1, person.pk, ind.pk])


def links(ind: Indicator, person: Person) -> set[int]:
    result = IndicatorResult.objects.filter(indicator=ind, person=person).first()
    return set(result.evidence_logs.values_list("pk", flat=True)) if result else set()


@override_settings(KAOHE_TODAY=TODAY)
def test_an_assessor_links_and_unlinks_logs_and_the_grid_counts_them(
    world: World, evidenced: SchemeVersion, client_as: Callable[[str], Client]
) -> None:
    cadre, task = world.people["cadre"], indicator(evidenced, "完成任务")
    a, b = logs(world, cadre, q1_days(2))
    (april,) = logs(world, cadre, [dt.date(2026, 4, 6)])
    (colleague,) = logs(world, world.people["team"], [dt.date(2026, 1, 5)], "同事日志")
    client = client_as("unit_head")
    url = panel_url(world, cadre, task)

    page = client.get(url, headers=HTMX).content.decode()
    assert 'id="evidence-panel"' in page and "<html" not in page  # a fragment for the dialog
    assert f'value="{a.pk}"' in page and f'value="{b.pk}"' in page
    assert f'value="{april.pk}"' not in page and "同事日志" not in page

    response = client.post(url, {"shown": [a.pk, b.pk], "log": [a.pk]}, headers=HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert "新关联 1 篇，取消关联 0 篇" in body
    assert f'id="evn-{cadre.pk}-{task.pk}" class="ev-n" hx-swap-oob="true">1<' in body
    assert links(task, cadre) == {a.pk}
    event = AuditEvent.objects.get(action="schemes.results.evidence")
    assert event.actor == world.users["unit_head"]
    assert event.details["linked"] == [a.pk] and event.details["person_name"] == "张小明"
    # The row holds evidence only; the grid shows the count and no value.
    grid_page = client.get(reverse("schemes:entry", args=[world.bureau.pk, 2026, 1]))
    assert f'id="evn-{cadre.pk}-{task.pk}">1</span>' in grid_page.content.decode()
    grid = entry.entry_grid(world.users["unit_head"], world.bureau.pk, Q1)
    assert grid.evidence == {(cadre.pk, task.pk): 1}
    assert grid.cells.get((cadre.pk, task.pk), "") == ""

    # Unticking the shown log unlinks it; a result left with nothing goes away.
    client.post(url, {"shown": [a.pk, b.pk]}, headers=HTMX)
    assert links(task, cadre) == set()
    assert not IndicatorResult.objects.filter(indicator=task, person=cadre).exists()
    assert AuditEvent.objects.filter(action="schemes.results.evidence").count() == 2

    # Without htmx the panel is a page, and saving redirects back to it.
    assert "<html" in client.get(url).content.decode()
    response = client.post(url, {"shown": [b.pk], "log": [b.pk], "q": "走访", "page": "1"})
    assert response.status_code == 302 and response["Location"].startswith(url)
    assert links(task, cadre) == {b.pk}
    assert colleague.pk not in links(task, cadre)


@override_settings(KAOHE_TODAY=TODAY)
def test_logs_out_of_scope_are_refused_and_nothing_is_written(
    world: World, evidenced: SchemeVersion, client_as: Callable[[str], Client]
) -> None:
    cadre, task = world.people["cadre"], indicator(evidenced, "完成任务")
    (mine,) = logs(world, cadre, q1_days(1))
    (april,) = logs(world, cadre, [dt.date(2026, 4, 6)])
    (colleague,) = logs(world, world.people["team"], [dt.date(2026, 1, 6)])
    url = panel_url(world, cadre, task)

    def written() -> tuple[int, int, int]:
        return (
            IndicatorResult.objects.count(),
            IndicatorResult.evidence_logs.through.objects.count(),
            AuditEvent.objects.filter(action__startswith="schemes.").count(),
        )

    before = written()
    head = client_as("unit_head")
    for wrong in (april, colleague):  # another quarter; another person
        response = head.post(url, {"shown": [mine.pk, wrong.pk], "log": [mine.pk, wrong.pk]})
        assert response.status_code == 404
    assert head.post(url, {"shown": ["x"]}).status_code == 404
    # unit_admin assesses the bureau but, holding no person in it, reads none of its logs.
    assert client_as("unit_admin").post(url, {"log": [mine.pk]}).status_code == 404
    assert "你可以查看的" in client_as("unit_admin").get(url, headers=HTMX).content.decode()
    # Not an assessor of the bureau, or a cell that is not one of its grid's typed cells.
    assert client_as("cadre").get(url).status_code == 404
    assert client_as("cadre_other").post(url, {"log": [mine.pk]}).status_code == 404
    auto = indicator(evidenced, "缺写工作日志")
    group = indicator(evidenced, "绩")
    outsider = world.people["town_cadre"]
    for person, ind in ((cadre, auto), (cadre, group), (outsider, task)):
        assert head.get(panel_url(world, person, ind)).status_code == 404
    assert written() == before


@override_settings(KAOHE_TODAY=TODAY)
def test_a_result_that_needs_evidence_is_refused_without_it(
    world: World, evidenced: SchemeVersion
) -> None:
    head = world.users["unit_head"]
    cadre, task, veto = (
        world.people["cadre"],
        indicator(evidenced, "完成任务"),
        indicator(evidenced, "违纪"),
    )
    grid = entry.entry_grid(head, world.bureau.pk, Q1)
    cells = {(cadre.pk, task.pk): "28", (world.people["team"].pk, veto.pk): "是"}
    before = (IndicatorResult.objects.count(), AuditEvent.objects.count())
    with refused(SchemeErrorCode.EVIDENCE_MISSING) as caught:
        entry.results_save(actor=head, grid=grid, cells=cells)
    problems = caught.value.problems
    assert len(problems) == 2
    assert (
        "张小明「完成任务」需要佐证" in problems[0] or "张小明「完成任务」需要佐证" in problems[1]
    )
    assert any("李文华「违纪」需要佐证" in p for p in problems)
    assert "缺少指标要求的佐证" in caught.value.message
    assert (IndicatorResult.objects.count(), AuditEvent.objects.count()) == before
    # Defaults need none: 0 points, the veto not triggered.
    entry.results_save(
        actor=head, grid=grid, cells={(cadre.pk, task.pk): "0", (cadre.pk, veto.pk): "否"}
    )
    # With a log linked, the same grid saves; clearing the value keeps the evidence.
    (log,) = logs(world, cadre, q1_days(1))
    cell = evidence.evidence_cell(head, world.bureau.pk, Q1, cadre.pk, task.pk)
    evidence.evidence_set(actor=head, cell=cell, shown=[log.pk], ticked=[log.pk])
    entry.results_save(actor=head, grid=grid, cells={(cadre.pk, task.pk): "28"})
    assert IndicatorResult.objects.get(indicator=task, person=cadre).value == 28
    # A cell not sent keeps what it holds, even when the grid was read before it was saved.
    entry.results_save(actor=head, grid=grid, cells={})
    assert IndicatorResult.objects.get(indicator=task, person=cadre).value == 28
    entry.results_save(actor=head, grid=grid, cells={(cadre.pk, task.pk): ""})
    kept = IndicatorResult.objects.get(indicator=task, person=cadre)
    assert kept.value is None and links(task, cadre) == {log.pk}


@override_settings(KAOHE_TODAY=TODAY)
def test_the_grid_marks_required_evidence_and_a_refused_save_names_the_cell(
    world: World, evidenced: SchemeVersion, client_as: Callable[[str], Client]
) -> None:
    cadre, task = world.people["cadre"], indicator(evidenced, "完成任务")
    url = reverse("schemes:entry", args=[world.bureau.pk, 2026, 1])
    client = client_as("unit_admin")
    page = client.get(url).content.decode()
    assert page.count('<span class="badge lead">需要佐证</span>') == 2  # 完成任务, 违纪
    response = client.post(url, {"versions": str(evidenced.pk), f"c_{cadre.pk}_{task.pk}": "28"})
    body = response.content.decode()
    assert "张小明「完成任务」需要佐证" in body
    assert 'value="28"' in body  # what was typed stays on the page
    assert f'class="ev missing" href="{url}evidence/{cadre.pk}/{task.pk}/"' in body
    assert not IndicatorResult.objects.filter(indicator=task, person=cadre).exists()


@override_settings(KAOHE_TODAY=TODAY)
def test_the_panel_searches_pages_and_its_query_count_does_not_grow(
    world: World, evidenced: SchemeVersion, client_as: Callable[[str], Client]
) -> None:
    cadre, team, task = (
        world.people["cadre"],
        world.people["team"],
        indicator(evidenced, "完成任务"),
    )
    head = world.users["unit_head"]
    few = logs(world, team, q1_days(3))
    many = logs(world, cadre, q1_days(25))
    logs(world, cadre, [dt.date(2026, 3, 2)], "起草专项报告")
    for person, some in ((team, few[:1]), (cadre, many[:12])):
        cell = evidence.evidence_cell(head, world.bureau.pk, Q1, person.pk, task.pk)
        ids = [log.pk for log in some]
        evidence.evidence_set(actor=head, cell=cell, shown=ids, ticked=ids)
    client = client_as("unit_head")

    def count(person: Person, query: dict[str, str]) -> tuple[int, str]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(panel_url(world, person, task), query, headers=HTMX)
        assert response.status_code == 200
        return len(captured), response.content.decode()

    count(team, {})  # warm the session
    small, _ = count(team, {})
    large, body = count(cadre, {"page": "2"})
    assert small == large
    assert "2 / 3" in body and body.count('name="log"') == 10
    searched, body = count(cadre, {"q": "专项报告"})
    assert searched == small
    assert body.count('name="log"') == 1 and "起草专项报告" in body


@override_settings(KAOHE_TODAY=TODAY)
def test_log_text_is_escaped_in_the_panel(
    world: World, evidenced: SchemeVersion, client_as: Callable[[str], Client]
) -> None:
    cadre, task = world.people["cadre"], indicator(evidenced, "完成任务")
    (log,) = logs(world, cadre, q1_days(1), "<script>alert('x')</script>")
    head = world.users["unit_head"]
    cell = evidence.evidence_cell(head, world.bureau.pk, Q1, cadre.pk, task.pk)
    evidence.evidence_set(actor=head, cell=cell, shown=[log.pk], ticked=[log.pk])
    body = client_as("unit_head").get(panel_url(world, cadre, task), headers=HTMX).content.decode()
    assert "<script>alert" not in body
    assert body.count("&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;") == 2  # linked + list
