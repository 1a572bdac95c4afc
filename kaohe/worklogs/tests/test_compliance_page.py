"""The compliance page at the scale of a city: the view of all units reads no person,
its queries do not grow with the region, and its lists are bounded."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from kaohe.org import services
from kaohe.org.models import Leave, Unit, UnitKind, UnitType
from kaohe.testing import World
from kaohe.worklogs import compliance, views
from kaohe.worklogs.models import Timeliness, WorkLog
from kaohe.worklogs.tests.conftest import place
from kaohe.worklogs.tests.test_compliance import MARCH_WORKDAYS, write

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 3, 16)  # a Monday: today's log is owed
URL = reverse("worklogs:compliance")


def _queries(client: Client, params: dict[str, str] | None = None) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL, params or {})
    assert response.status_code == 200
    return len(captured), response.content.decode()


def _grow(world: World, n: int) -> None:
    """`n` more units, each with a subunit and two people (one on leave) writing logs."""
    for i in range(n):
        unit = services.unit_create(
            actor=None,
            region=world.region,
            name=f"新设单位{i}",
            code=f"NEW{i}",
            unit_type=UnitType.DISTRICT_UNIT,
            unit_kind=UnitKind.ADMINISTRATIVE,
        )
        services.unit_create(
            actor=None,
            region=world.region,
            name=f"新设单位{i}下属科",
            code=f"NEW{i}-1",
            unit_type=UnitType.DISTRICT_UNIT,
            unit_kind=UnitKind.ADMINISTRATIVE,
            parent=unit,
        )
        for j in range(2):
            key = f"new{i}-{j}"
            world.people[key] = place(world, f"新人{i}{j}", f"N{i}{j}", dt.date(2026, 1, 1))
            write(world, key, MARCH_WORKDAYS[: 3 + j])
            WorkLog.objects.filter(person=world.people[key]).update(unit=unit)
        Leave.objects.create(
            region=world.region,
            person=world.people[f"new{i}-0"],
            start=dt.date(2026, 3, 9),
            end=dt.date(2026, 3, 10),
        )


@override_settings(KAOHE_TODAY=TODAY)
def test_the_view_of_all_units_reads_no_person_and_the_same_queries_for_a_bigger_region(
    world: World, client_as: Callable[[str], Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_person_rows(**kwargs: object) -> None:
        raise AssertionError("the view of all units built a row per person")

    monkeypatch.setattr(compliance, "compliance_report", no_person_rows)
    monkeypatch.setattr("kaohe.worklogs.selectors.compliance_report", no_person_rows)
    write(world, "cadre", MARCH_WORKDAYS)
    client = client_as("region_admin")
    _queries(client)  # the region's calendar, rules and tree are cached from here on
    few, small = _queries(client, {"start": "2026-03-02"})
    assert 'id="person-table"' not in small and "区就业服务中心" in small
    _grow(world, 4)
    many, large = _queries(client, {"start": "2026-03-02"})
    assert few == many
    assert "新设单位3" in large and "新设单位3下属科" not in large  # only the top level is offered
    assert 'id="person-table"' not in large


@override_settings(KAOHE_TODAY=TODAY)
def test_a_units_view_reads_the_same_queries_for_more_people(
    world: World, client_as: Callable[[str], Client]
) -> None:
    client = client_as("unit_admin")
    params = {"unit": str(world.bureau.pk), "start": "2026-03-02"}
    _queries(client, params)
    few, _small = _queries(client, params)
    for i in range(5):
        world.people[f"n{i}"] = place(world, f"新人{i}", f"N{i:03d}", dt.date(2026, 3, 2))
        write(world, f"n{i}", MARCH_WORKDAYS[:i], Timeliness.BACKFILLED)
    many, large = _queries(client, params)
    assert few == many and 'id="person-table"' in large and "新人4" in large


@override_settings(KAOHE_TODAY=TODAY)
def test_the_units_are_the_same_in_either_view(
    world: World, client_as: Callable[[str], Client]
) -> None:
    """The region's view (added up in SQL) and a unit's view (from the people) agree."""
    write(world, "cadre", MARCH_WORKDAYS[:7])
    write(world, "head", MARCH_WORKDAYS[:3], Timeliness.BACKFILLED)
    client = client_as("unit_admin")
    start = {"start": "2026-03-02", "end": "2026-03-13"}
    _n, everything = _queries(client, start)
    _n, bureau = _queries(client, {**start, "unit": str(world.bureau.pk)})

    def row(html: str, name: str) -> str:
        table = html[html.index('id="unit-table"') :]
        at = table.index(f">{name}</a>")
        return table[at : table.index("</tr>", at)]

    for name in ("区人力资源和社会保障局", "区就业服务中心"):
        assert row(everything, name) == row(bureau, name)


@override_settings(KAOHE_TODAY=TODAY)
def test_who_has_not_written_today_is_a_bounded_list_with_the_full_count(
    world: World, client_as: Callable[[str], Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "NOT_WRITTEN_SHOWN", 2)
    write(world, "cadre", [TODAY])
    _n, html = _queries(client_as("region_admin"))
    listed = html[html.index("今日尚未填写") :]
    assert "今日尚未填写（6 人）" in html  # seven owe it, the cadre wrote it
    assert listed.count("<li>") == 2 and "选择单位可查看全部名单" in listed


@override_settings(KAOHE_TODAY=TODAY)
def test_the_unit_picker_offers_the_top_level_and_finds_the_rest_in_scope(
    world: World, client_as: Callable[[str], Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    _n, html = _queries(client_as("region_admin"))
    at = html.index('<select name="unit"')
    picker = html[at : html.index("</select>", at)]
    assert "区人力资源和社会保障局" in picker and "城关镇" in picker
    assert "区就业服务中心" not in picker  # a subunit: reached from its unit or by search
    _n, found = _queries(client_as("region_admin"), {"find": "就业"})
    results = found[found.index('id="units-found"') :]
    assert f"?unit={world.centre.pk}&amp;" in results and "与“就业”匹配的单位" in results
    # A unit admin finds only units of their own subtree.
    _n, outside = _queries(client_as("unit_admin"), {"find": "城关"})
    results = outside[outside.index('id="units-found"') :]
    assert f"?unit={world.town.pk}&amp;" not in results and "没有匹配项" in results
    # Inside a subunit the path leads back up, and the picker keeps the choice.
    _n, centre = _queries(client_as("unit_admin"), {"unit": str(world.centre.pk)})
    assert 'aria-current="page">区就业服务中心' in centre
    assert f'<option value="{world.centre.pk}" selected>' in centre
    # Past the units shown, the page says how many more there are.
    monkeypatch.setattr(views, "UNITS_SHOWN", 1)
    _n, capped = _queries(client_as("region_admin"))
    assert "另有 2 个单位未列出" in capped
    assert Unit.objects.filter(region=world.region).count() == 3
