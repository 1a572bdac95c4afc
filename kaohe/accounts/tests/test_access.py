"""Persona matrix: each role sees exactly its subtree; everything else is 404."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from kaohe.testing import World

# Which units (by World attribute) each persona may see.
VISIBLE_UNITS = {
    "region_admin": {"bureau", "centre", "town"},
    "unit_admin": {"bureau", "centre"},
    "unit_head": {"bureau", "centre"},
    "team_member": {"bureau", "centre"},
    "cadre": {"bureau"},
    "cadre_other": {"town"},
    "supervisor": {"town"},
    "other_admin": {"foreign_unit"},
}
ALL_UNITS = ("bureau", "centre", "town", "foreign_unit")
# Which people (World.people keys) each persona may see, following their units.
UNIT_PEOPLE = {
    "bureau": {"head", "team", "cadre"},
    "centre": {"centre_head", "centre_cadre"},
    "town": {"town_head", "town_cadre"},
    "foreign_unit": {"foreign"},
}

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("persona", sorted(VISIBLE_UNITS))
def test_it_shows_each_persona_exactly_its_units(
    world: World, client_as: Callable[[str], Client], persona: str
) -> None:
    client = client_as(persona)
    # The tree is its top page plus the rows under each unit, loaded when opened.
    tree = client.get(reverse("org:unit_tree")).content.decode()
    for key in ALL_UNITS:
        children = client.get(reverse("org:unit_tree_children", args=[getattr(world, key).pk]))
        assert children.status_code == (200 if key in VISIBLE_UNITS[persona] else 404)
        tree += children.content.decode()
    for key in ALL_UNITS:
        unit = getattr(world, key)
        response = client.get(reverse("org:unit", args=[unit.pk]))
        if key in VISIBLE_UNITS[persona]:
            assert response.status_code == 200, (persona, key)
            assert unit.name in tree, (persona, key)
        else:
            assert response.status_code == 404, (persona, key)
            assert unit.name not in tree, (persona, key)


@pytest.mark.parametrize("persona", sorted(VISIBLE_UNITS))
def test_it_shows_each_persona_exactly_its_people(
    world: World, client_as: Callable[[str], Client], persona: str
) -> None:
    client = client_as(persona)
    visible = set().union(*(UNIT_PEOPLE[u] for u in VISIBLE_UNITS[persona]))
    for key, person in world.people.items():
        status = client.get(reverse("org:person", args=[person.pk])).status_code
        assert status == (200 if key in visible else 404), (persona, key)


def test_it_gives_404_for_ids_that_do_not_exist(client_as: Callable[[str], Client]) -> None:
    client = client_as("region_admin")
    assert client.get(reverse("org:unit", args=[999999])).status_code == 404
    assert client.get(reverse("org:person", args=[999999])).status_code == 404


@pytest.mark.parametrize(
    "persona", ["cadre", "cadre_other", "unit_head", "team_member", "supervisor"]
)
def test_it_keeps_non_admins_out_of_admin_pages(
    client_as: Callable[[str], Client], persona: str
) -> None:
    client = client_as(persona)
    assert client.get(reverse("audit_log")).status_code == 404
    assert client.get(reverse("org:roster_import")).status_code == 404
    assert client.get(reverse("org:roster_template")).status_code == 404
    admin = client.get(reverse("admin:index"))
    assert admin.status_code == 302 and "/admin/login/" in admin["Location"]
    assert client.get(reverse("admin:org_ranklevel_changelist")).status_code == 302


def test_it_sends_the_public_to_login(world: World, client_as: Callable[[str], Client]) -> None:
    client = client_as("public")
    for url in (
        reverse("home"),
        reverse("org:unit_tree"),
        reverse("org:unit", args=[world.bureau.pk]),
        reverse("audit_log"),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_it_lets_a_unit_admin_export_only_its_subtree(
    world: World, client_as: Callable[[str], Client]
) -> None:
    client = client_as("unit_admin")
    assert client.get(reverse("org:unit_export", args=[world.bureau.pk])).status_code == 200
    assert client.get(reverse("org:unit_export", args=[world.town.pk])).status_code == 404
    # A unit head can read the unit but is not an administrator of it.
    head = client_as("unit_head")
    assert head.get(reverse("org:unit_export", args=[world.bureau.pk])).status_code == 404


def test_it_scopes_the_region_admin_pages_to_the_region(
    world: World, client_as: Callable[[str], Client]
) -> None:
    client = client_as("region_admin")
    page = client.get(reverse("admin:org_unit_changelist")).content.decode()
    assert world.bureau.name in page and world.foreign_unit.name not in page
    foreign = reverse("admin:org_unit_change", args=[world.foreign_unit.pk])
    assert client.get(foreign).status_code in (302, 404)
