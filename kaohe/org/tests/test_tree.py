"""The unit tree: its top level on the page, each unit's subordinate units loaded when
opened, a page at a time, within the user's scope, in the same queries for 3 units or
300; and the region's cached head counts dropped by every write that changes them."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kaohe.core import cache as region_cache
from kaohe.core import clock
from kaohe.org import services
from kaohe.org.models import LeadershipRole, MembershipStatus, Unit, UnitKind, UnitType
from kaohe.org.selectors import TREE_PAGE_SIZE, unit_counts, unit_counts_forget
from kaohe.testing import START, World

pytestmark = pytest.mark.django_db

TREE = reverse("org:unit_tree")


def children_url(unit: Unit) -> str:
    return reverse("org:unit_tree_children", args=[unit.pk])


def add_units(world: World, count: int, parent: Unit | None = None, prefix: str = "U") -> None:
    for i in range(count):
        services.unit_create(
            actor=None,
            region=world.region,
            parent=parent,
            name=f"{prefix}单位{i:03d}",
            code=f"{prefix}{i:03d}",
            unit_type=UnitType.SUBORDINATE,
            unit_kind=UnitKind.CIVIL_SERVICE_MANAGED,
            sort_order=100 + i,
        )


def rows(html: str) -> list[tuple[str, str]]:
    """(unit name, head count text) of each row, in order."""
    return re.findall(
        r'<a href="/org/units/\d+/\?date=[0-9-]+">([^<]+)</a> <span class="count">([^<]+)</span>',
        html,
    )


def get(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_it_shows_the_top_units_and_loads_subordinate_units_when_opened(
    world: World, client_as: Callable[[str], Client]
) -> None:
    client = client_as("region_admin")
    page = get(client, TREE)
    # The bureau: its own 3 cadres / 5 with the centre's 2; the centre waits to be opened.
    assert rows(page) == [("区人力资源和社会保障局", "3 / 5"), ("城关镇", "2")]
    assert "下级单位 1 个" in page and f'hx-get="{children_url(world.bureau)}?date=' in page
    assert rows(get(client, children_url(world.bureau))) == [("区就业服务中心", "2")]
    assert rows(get(client, children_url(world.town))) == []


def test_an_active_unit_under_an_inactive_one_is_a_top_of_the_region(
    world: World, client_as: Callable[[str], Client]
) -> None:
    client = client_as("region_admin")
    assert [name for name, _n in rows(get(client, TREE))] == ["区人力资源和社会保障局", "城关镇"]
    world.bureau.is_active = False
    world.bureau.save(update_fields=["is_active"])
    unit_counts_forget(world.region.pk)  # as the admin's save does
    # The centre (depth 1) joins the tops, after the depth-0 units; the bureau is gone.
    assert rows(get(client, TREE)) == [("城关镇", "2"), ("区就业服务中心", "2")]


def test_a_unit_granted_alone_shows_its_own_count_and_nothing_under_it(
    world: World, client_as: Callable[[str], Client]
) -> None:
    # A cadre's grant covers the bureau but not the centre below it.
    client = client_as("cadre")
    page = get(client, TREE)
    assert rows(page) == [("区人力资源和社会保障局", "3")]
    assert "<details" not in page
    assert client.get(children_url(world.centre)).status_code == 404
    assert rows(get(client, children_url(world.bureau))) == []


@pytest.mark.parametrize("persona", ["unit_admin", "unit_head", "cadre", "supervisor"])
def test_nobody_opens_a_unit_outside_their_scope_by_editing_the_url(
    world: World, client_as: Callable[[str], Client], persona: str
) -> None:
    client = client_as(persona)
    assert client.get(children_url(world.foreign_unit)).status_code == 404
    outside = world.bureau if persona == "supervisor" else world.town
    assert client.get(children_url(outside)).status_code == 404
    assert client.get(reverse("org:unit_tree_children", args=[999999])).status_code == 404


def test_a_unit_admin_sees_the_top_of_their_subtree(
    world: World, client_as: Callable[[str], Client]
) -> None:
    client = client_as("unit_admin")
    assert rows(get(client, TREE)) == [("区人力资源和社会保障局", "3 / 5")]
    assert rows(get(client, children_url(world.bureau))) == [("区就业服务中心", "2")]


def test_levels_come_a_page_at_a_time(world: World, client_as: Callable[[str], Client]) -> None:
    add_units(world, TREE_PAGE_SIZE + 5, prefix="R")
    add_units(world, TREE_PAGE_SIZE + 3, parent=world.town, prefix="X")
    client = client_as("region_admin")
    first, second = get(client, TREE), get(client, TREE + "?page=2")
    assert len(rows(first)) == TREE_PAGE_SIZE and len(rows(second)) == 7  # 2 + 55 roots
    assert "下一页" in first and "上一页" in second and "下一页" not in second
    town = get(client, children_url(world.town))
    assert len(rows(town)) == TREE_PAGE_SIZE and "更多下级单位" in town
    more = re.search(r'hx-get="([^"]+page=2)"', town)
    assert more is not None
    rest = get(client, more.group(1).replace("&amp;", "&"))
    assert [name for name, _ in rows(rest)] == ["X单位050", "X单位051", "X单位052"]
    assert "更多下级单位" not in rest


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("persona", ["region_admin", "unit_admin", "cadre"])
def test_the_tree_costs_the_same_queries_for_few_units_or_many(
    world: World, client_as: Callable[[str], Client], persona: str
) -> None:
    client = client_as(persona)
    urls = (TREE, children_url(world.bureau))
    few = [count_queries(client, url) for url in urls]
    add_units(world, 120, prefix="R")
    add_units(world, 120, parent=world.bureau, prefix="B")
    add_units(world, 30, parent=world.centre, prefix="C")
    many = [count_queries(client, url) for url in urls]
    assert many == few


def test_head_counts_follow_every_write_at_once(world: World) -> None:
    region_cache.reset()  # the world's own writes are done: counts are cached from here
    today = clock.today()
    before = unit_counts(world.region.pk, today)
    with CaptureQueriesContext(connection) as captured:
        assert unit_counts(world.region.pk, today) == before
    assert len(captured) == 0  # cached
    assert before.own[world.town.pk] == 2 and before.subtree[world.bureau.pk] == 5
    cadre = world.people["cadre"]
    services.membership_change(
        actor=None,
        person=cadre,
        unit=world.town,
        rank_level=world.rank("一般干部"),
        personnel_category=world.category(),
        leadership_role=LeadershipRole.STAFF,
        status=MembershipStatus.ON_DUTY,
        valid_from=max(START, today.replace(day=1)),
    )
    after = unit_counts(world.region.pk, today)
    assert after.own[world.town.pk] == 3 and after.subtree[world.bureau.pk] == 4
    add_units(world, 1, parent=world.town, prefix="N")
    assert unit_counts(world.region.pk, today).children[world.town.pk] == 1
