"""/api/units: the unit tree and one unit, scoped as the units pages (404 outside)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from kaohe.api.tests.helpers import count_queries
from kaohe.org import services
from kaohe.org.models import UnitKind, UnitType
from kaohe.testing import World

pytestmark = pytest.mark.django_db


def _names(body: dict[str, list[dict[str, object]]]) -> list[object]:
    return [u["name"] for u in body["units"]]


def test_the_tree_is_the_users_top_and_the_children_of_a_visible_unit(
    world: World, client_as: Callable[[str], Client]
) -> None:
    admin = client_as("region_admin")
    top = admin.get("/api/units").json()
    assert _names(top) == [world.bureau.name, world.town.name] and not top["has_next"]
    bureau = top["units"][0]
    assert bureau["id"] == world.bureau.pk and bureau["child_count"] == 1
    assert bureau["head_count"] == 3 and bureau["subtree_head_count"] == 5
    under = admin.get("/api/units", {"parent": world.bureau.pk}).json()
    assert _names(under) == [world.centre.name]
    # The bureau's administrator sees the bureau's subtree only.
    assert _names(client_as("unit_admin").get("/api/units").json()) == [world.bureau.name]


def test_the_tree_answers_404_under_a_unit_outside_the_users_scope(
    world: World, client_as: Callable[[str], Client]
) -> None:
    assert client_as("unit_admin").get("/api/units", {"parent": world.town.pk}).status_code == 404
    foreign = {"parent": world.foreign_unit.pk}
    assert client_as("region_admin").get("/api/units", foreign).status_code == 404
    assert client_as("public").get("/api/units").status_code == 401


def test_one_unit_as_its_page_shows_it(world: World, client_as: Callable[[str], Client]) -> None:
    body = client_as("unit_admin").get(f"/api/units/{world.centre.pk}").json()
    assert body["name"] == world.centre.name and body["parent"] == world.bureau.name
    assert body["unit_type"] == UnitType.SUBORDINATE
    assert body["unit_type_label"] == str(UnitType.SUBORDINATE.label)
    assert body["unit_kind_label"] == str(UnitKind.CIVIL_SERVICE_MANAGED.label)
    assert body["pool"]["others"] == [world.bureau.name] and body["pool"]["kind_label"]


def test_one_unit_answers_404_outside_the_users_scope(
    world: World, client_as: Callable[[str], Client]
) -> None:
    admin = client_as("unit_admin")
    assert admin.get(f"/api/units/{world.town.pk}").status_code == 404
    assert admin.get("/api/units/999999").status_code == 404
    assert admin.get(f"/api/units/{2**63}").status_code == 404  # beyond any id
    assert admin.get("/api/units", {"parent": 2**63}).status_code == 404
    region_admin = client_as("region_admin")
    assert region_admin.get(f"/api/units/{world.foreign_unit.pk}").status_code == 404
    assert client_as("public").get(f"/api/units/{world.bureau.pk}").status_code == 401


def test_the_tree_reads_the_same_queries_for_more_units(
    world: World, client_as: Callable[[str], Client]
) -> None:
    client = client_as("region_admin")
    under = {"parent": world.bureau.pk}
    top, children = count_queries(client, "/api/units"), count_queries(client, "/api/units", under)
    for n in range(8):
        for parent in (None, world.bureau):
            services.unit_create(
                actor=None,
                region=world.region,
                parent=parent,
                name=f"新单位{n}{'' if parent is None else '下属'}",
                code=f"N{n}{'' if parent is None else 'S'}",
                unit_type=UnitType.DISTRICT_UNIT,
                unit_kind=UnitKind.ADMINISTRATIVE,
            )
    assert len(client.get("/api/units").json()["units"]) == 10
    assert count_queries(client, "/api/units") == top
    assert count_queries(client, "/api/units", under) == children
