"""Where the official forms are offered: the unit page's box, a person's page, one's
own results page; only to those who may print them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from kaohe.core import clock
from kaohe.outcomes.tests.test_forms_pdf import YEAR, annual_run, quarter_run
from kaohe.testing import World

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("persona", "shown"),
    [
        ("region_admin", True),
        ("unit_admin", True),
        ("unit_head", True),
        ("team_member", True),
        ("cadre", False),
    ],
)
def test_the_unit_page_offers_its_forms_to_leaders_and_admins(
    world: World, client_as: Callable[[str], Client], persona: str, shown: bool
) -> None:
    page = client_as(persona).get(reverse("org:unit", args=[world.bureau.pk]))
    assert page.status_code == 200
    year = clock.today().year
    annual = reverse("outcomes:forms_unit_annual", args=[world.bureau.pk, year])
    last_q4 = reverse("outcomes:forms_unit_quarter", args=[world.bureau.pk, year - 1, 4])
    text = page.content.decode()
    assert ("打印考核登记表" in text) is shown
    assert (annual in text) is shown and (last_q4 in text) is shown


def test_a_persons_page_offers_their_forms_to_their_leader(
    world: World, client_as: Callable[[str], Client]
) -> None:
    cadre = world.people["cadre"]
    url = reverse("org:person", args=[cadre.pk])
    form = reverse("outcomes:forms_person_annual", args=[cadre.pk, clock.today().year])
    assert form in client_as("unit_head").get(url).content.decode()
    assert form not in client_as("cadre").get(url).content.decode()


def test_ones_results_page_links_each_periods_form(
    world: World, client_as: Callable[[str], Client]
) -> None:
    annual_run(world, {"cadre": "competent"})
    quarter_run(world, {"cadre": "good"})
    text = client_as("cadre").get(reverse("scoring:mine")).content.decode()
    cadre = world.people["cadre"]
    assert reverse("outcomes:forms_person_annual", args=[cadre.pk, YEAR]) in text
    assert reverse("outcomes:forms_person_quarter", args=[cadre.pk, YEAR, 1]) in text
    assert "打印登记表" in text
