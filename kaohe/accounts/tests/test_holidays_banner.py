""" "Next year's holidays are not announced" is told to those who can enter them: the
region admin, with a link to where they do; other personas see no such banner."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from kaohe.testing import World

pytestmark = pytest.mark.django_db

BANNER = "法定节假日尚未公布"


@pytest.fixture(autouse=True)
def _november(settings: Settings) -> None:
    # In November the coming year (2027) is not in the official calendar yet.
    settings.KAOHE_TODAY = dt.date(2026, 11, 16)


def test_the_region_admin_is_told_and_shown_where_to_act(
    world: World, client_as: Callable[[str], Client]
) -> None:
    client = client_as("region_admin")
    link = reverse("admin:core_workdayoverride_changelist")
    for url in (reverse("home"), reverse("worklogs:compliance")):
        page = client.get(url).content.decode()
        assert BANNER in page and "2027" in page and f'href="{link}"' in page, url
    assert client.get(link).status_code == 200


@pytest.mark.parametrize("persona", ["unit_admin", "unit_head", "cadre", "supervisor"])
def test_nobody_else_sees_the_banner(
    world: World, client_as: Callable[[str], Client], persona: str
) -> None:
    client = client_as(persona)
    for url in (reverse("home"), reverse("worklogs:compliance")):
        response = client.get(url)
        assert BANNER not in response.content.decode(), (persona, url)
