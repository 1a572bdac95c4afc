"""Work-log compliance as an Excel download, with the page's scope and figures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django.fixtures import Settings

from kaohe.core.tests.downloads import read_download
from kaohe.testing import World
from kaohe.worklogs.tests.conftest import place
from kaohe.worklogs.tests.test_compliance import MARCH_WORKDAYS, write

pytestmark = pytest.mark.django_db
MARCH = {"start": "2026-03-02", "end": "2026-03-13"}


@pytest.fixture(autouse=True)
def _april(settings: Settings) -> None:
    settings.KAOHE_TODAY = dt.date(2026, 4, 30)  # March's backfill window has closed


def _export(client: Client, **params: str) -> tuple[int, dict[str, list[tuple[object, ...]]]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("worklogs:compliance_export"), params)
        sheets = read_download(response)
    return len(queries), sheets


def test_the_download_has_every_unit_and_every_person_with_the_pages_figures(
    world: World, client_as: Callable[[str], Client]
) -> None:
    write(world, "cadre", MARCH_WORKDAYS)
    write(world, "head", MARCH_WORKDAYS[:4])
    client = client_as("region_admin")
    page = client.get(reverse("worklogs:compliance"), MARCH).content.decode()
    assert reverse("worklogs:compliance_export") in page
    _n, sheets = _export(client, **MARCH)
    units, people = sheets["按单位"], sheets["按人员"]
    assert units[0] == ("单位", "人数", "按时", "补写", "缺写", "可补写", "完成率（%）")
    bureau = next(r for r in units if r[0] == "区人力资源和社会保障局")
    assert bureau[1:6] == (3, 14, 0, 16, 0) and bureau[6] == pytest.approx(46.7)
    assert units[-1][0] == "合计" and units[-1][1] == 7
    assert ("张小明", "区人力资源和社会保障局", 10, 0, 0, 0, 100) in people
    assert "孙丽" not in {r[0] for r in people}  # the other region


def test_the_download_is_scoped_like_the_page(
    world: World, client_as: Callable[[str], Client]
) -> None:
    _n, sheets = _export(client_as("unit_admin"), **MARCH)
    assert {r[0] for r in sheets["按单位"][1:-1]} == {"区人力资源和社会保障局", "区就业服务中心"}
    _n, sheets = _export(client_as("supervisor"), **MARCH)
    assert {r[0] for r in sheets["按单位"][1:-1]} == {"城关镇"}
    url = reverse("worklogs:compliance_export")
    assert client_as("cadre").get(url).status_code == 404
    assert client_as("unit_admin").get(url, {"unit": str(world.town.pk)}).status_code == 404


def test_the_download_reads_the_same_queries_for_more_people(
    world: World, client_as: Callable[[str], Client]
) -> None:
    client = client_as("region_admin")
    _export(client, **MARCH)  # the region's calendar and rules are cached from here on
    few, small = _export(client, **MARCH)
    for i in range(6):
        person = place(world, f"新人{i}", f"N{i:03d}", dt.date(2026, 1, 1))
        world.people[f"n{i}"] = person
        write(world, f"n{i}", MARCH_WORKDAYS[:i])
    many, large = _export(client, **MARCH)
    assert few == many and len(large["按人员"]) == len(small["按人员"]) + 6
