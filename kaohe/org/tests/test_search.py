"""Search for people and units: by name, staff number or unit code, within scope only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kaohe.accounts.models import User
from kaohe.testing import PASSWORD, World
from kaohe.worklogs.tests.conftest import place

pytestmark = pytest.mark.django_db


def _search(client: Client, q: str, **more: str) -> str:
    response = client.get(reverse("search"), {"q": q, **more})
    assert response.status_code == 200
    return response.content.decode()


def test_people_are_found_by_part_of_the_name_or_the_whole_staff_number(
    world: World, client_as: Callable[[str], Client]
) -> None:
    client = client_as("region_admin")
    page = _search(client, "建国")
    person = world.people["head"]
    assert reverse("org:person", args=[person.pk]) in page and "区人力资源和社会保障局" in page
    assert "1 人" in page
    page = _search(client, "T0003")
    assert "张小明" in page and "王建国" not in page
    assert "张小明" not in _search(client, "T000")  # a staff number matches whole only


def test_units_are_found_by_part_of_the_name_or_the_code(
    world: World, client_as: Callable[[str], Client]
) -> None:
    client = client_as("region_admin")
    assert reverse("org:unit", args=[world.town.pk]) in _search(client, "城关")
    page = _search(client, "D001")
    assert reverse("org:unit", args=[world.bureau.pk]) in page
    assert reverse("org:unit", args=[world.foreign_unit.pk]) not in page  # the other region's D001


def test_nobody_outside_the_users_scope_is_ever_found(
    world: World, client_as: Callable[[str], Client]
) -> None:
    def found(client: Client, q: str, key: str) -> bool:
        return reverse("org:person", args=[world.people[key].pk]) in _search(client, q)

    admin = client_as("region_admin")
    assert not found(admin, "孙丽", "foreign") and not found(admin, "T0008", "foreign")
    assert reverse("org:unit", args=[world.foreign_unit.pk]) not in _search(admin, "财政")
    other = client_as("other_admin")
    assert found(other, "孙", "foreign") and not found(other, "王", "head")
    cadre = client_as("cadre")  # a cadre sees their own unit only, not its subunits
    assert found(cadre, "李文华", "team") and not found(cadre, "陈静", "centre_cadre")
    assert not found(cadre, "赵磊", "town_cadre")
    assert reverse("org:unit", args=[world.town.pk]) not in _search(cadre, "城关")
    supervisor = client_as("supervisor")  # oversees the town
    assert found(supervisor, "赵", "town_cadre") and not found(supervisor, "王", "head")


def test_the_header_has_a_search_box_for_those_who_may_browse_people(
    world: World, client_as: Callable[[str], Client]
) -> None:
    home = client_as("cadre").get(reverse("home")).content.decode()
    assert f'action="{reverse("search")}"' in home and 'role="search"' in home
    nobody = User.objects.create_user(username="nobody", password=PASSWORD, region=world.region)
    client = Client()
    client.force_login(nobody)
    assert f'action="{reverse("search")}"' not in client.get(reverse("home")).content.decode()
    assert client.get(reverse("search"), {"q": "王"}).status_code == 404


def test_results_are_paged_with_the_same_queries_for_more_matches(
    world: World, client_as: Callable[[str], Client]
) -> None:
    client = client_as("region_admin")
    _search(client, "新人")

    def count(**params: str) -> tuple[int, str]:
        with CaptureQueriesContext(connection) as queries:
            page = _search(client, "新人", **params)
        return len(queries), page

    place(world, "新人甲", "N000", dt.date(2026, 1, 1))
    few, _page = count()
    for i in range(1, 25):
        place(world, f"新人{i:02d}", f"N{i:03d}", dt.date(2026, 1, 1))
    many, page = count()
    assert few == many and "25 人" in page and "第 1 页，共 2 页" in page
    last, page = count(page="2")
    assert last == many and "新人甲" in page  # names sort after digits


def test_a_long_or_empty_query_is_harmless(
    world: World, client_as: Callable[[str], Client]
) -> None:
    client = client_as("region_admin")
    assert "请输入姓名的一部分" in _search(client, "")
    assert _search(client, "%_" * 100)  # LIKE wildcards are escaped; the query is cut to 50
    assert reverse("org:person", args=[world.people["head"].pk]) not in _search(client, "%")
