"""Every Excel download is scoped exactly like its page: 404 outside, whoever asks.

Tried: another region's administrator with this region's ids, a cadre, and a unit
head asking for another unit's (or the whole region's) grades; the search never
shows another region's person, whatever is typed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from kaohe.performance import services as performance
from kaohe.performance.tests.helpers import setup_months
from kaohe.reviews.models import ReviewRound, RoundState, RoundUnit
from kaohe.scoring.models import RunState
from kaohe.scoring.tests.test_exports import annual_run, quarter_run
from kaohe.testing import World

pytestmark = pytest.mark.django_db


def _urls(world: World) -> dict[str, str]:
    qrun = quarter_run(world, state=RunState.PUBLISHED)
    arun = annual_run(world, staff=2, state=RunState.PUBLISHED)
    round_ = ReviewRound.objects.create(
        region=world.region,
        year=2026,
        number=1,
        state=RoundState.OPEN,
        starts_on=dt.date(2026, 4, 1),
        ends_on=dt.date(2026, 4, 10),
    )
    for unit in (world.bureau, world.centre, world.town):
        RoundUnit.objects.create(round=round_, unit=unit)
    # Unit performance: October published (the region's to read), November computed only.
    months = setup_months(world)
    office = world.users["region_admin"]
    performance.month_compute(actor=office, month=months.month)
    performance.month_publish(actor=office, month=months.month)
    november = performance.month_open(actor=office, region_id=world.region.pk, year=2026, month=11)
    performance.month_compute(actor=office, month=november)
    ranking = "performance:month_ranking_export"
    return {
        "quarter": reverse("scoring:quarter_export", args=[qrun.pk]),
        "bureau": reverse("scoring:proposal_export", args=[qrun.pk, world.bureau.pk]),
        "town": reverse("scoring:proposal_export", args=[qrun.pk, world.town.pk]),
        "annual": reverse("scoring:annual_export", args=[arun.pk]),
        "non_voters": reverse("reviews:non_voters_export", args=[round_.pk]),
        "compliance_bureau": reverse("worklogs:compliance_export") + f"?unit={world.bureau.pk}",
        "compliance_town": reverse("worklogs:compliance_export") + f"?unit={world.town.pk}",
        "forms_bureau": reverse("outcomes:forms_unit_annual", args=[world.bureau.pk, 2026]),
        "forms_town": reverse("outcomes:forms_unit_quarter", args=[world.town.pk, 2026, 1]),
        "forms_cadre": reverse(
            "outcomes:forms_person_annual", args=[world.people["cadre"].pk, 2026]
        ),
        "ledger_bureau": reverse("supervision:export") + f"?unit={world.bureau.pk}",
        "ledger_town": reverse("supervision:export") + f"?unit={world.town.pk}",
        # The teams' year: its rows are the asker's scope (kaohe/teams/tests).
        "teams": reverse("teams:export") + "?year=2026",
        "ranking_published": reverse(ranking, args=[months.month.pk, months.category.pk]),
        "ranking_unpublished": reverse(ranking, args=[november.pk, months.category.pk]),
        # The units' year: no id, scoped to what the user sees (a unit its own).
        "unit_years": reverse("performance:year_export") + "?year=2026",
    }


REFUSED = {
    # Another region's office: none of this region's ids lead anywhere.
    "other_admin": [
        "quarter",
        "bureau",
        "town",
        "annual",
        "non_voters",
        "compliance_bureau",
        "compliance_town",
        "forms_bureau",
        "forms_town",
        "forms_cadre",
        "ledger_bureau",
        "ledger_town",
        "ranking_published",
        "ranking_unpublished",
    ],
    # A cadre downloads nothing, not even their own unit's grades (only their own forms).
    "cadre": [
        "quarter",
        "bureau",
        "town",
        "annual",
        "non_voters",
        "compliance_bureau",
        "compliance_town",
        "forms_bureau",
        "forms_town",
        "ledger_bureau",
        "ledger_town",
        "teams",
        "ranking_unpublished",
        "unit_years",
    ],
    # The bureau's head: not another unit's grades, not the region's, no ballot lists.
    "unit_head": [
        "quarter",
        "town",
        "annual",
        "non_voters",
        "compliance_town",
        "forms_town",
        "ledger_town",
        "ranking_unpublished",
    ],
    # The bureau's administrator: not the town, not the office's downloads.
    "unit_admin": [
        "quarter",
        "town",
        "annual",
        "compliance_town",
        "forms_town",
        "ledger_town",
        "ranking_unpublished",
    ],
}
# A published month's ranking is published (每月一发): the region's to read and download.
ALLOWED = {
    "region_admin": [*REFUSED["other_admin"], "teams", "unit_years"],
    "unit_head": [
        "bureau",
        "compliance_bureau",
        "forms_bureau",
        "forms_cadre",
        "ledger_bureau",
        "teams",
        "ranking_published",
        "unit_years",
    ],
    "unit_admin": [
        "bureau",
        "non_voters",
        "compliance_bureau",
        "forms_bureau",
        "forms_cadre",
        "ledger_bureau",
        "teams",
        "ranking_published",
        "unit_years",
    ],
    "cadre": ["forms_cadre", "ranking_published"],
}


def test_each_download_is_refused_outside_its_pages_scope(
    world: World, client_as: Callable[[str], Client]
) -> None:
    urls = _urls(world)
    for persona, names in REFUSED.items():
        client = client_as(persona)
        for name in names:
            assert client.get(urls[name]).status_code == 404, (persona, name)
    for persona, names in ALLOWED.items():
        client = client_as(persona)
        for name in names:
            response = client.get(urls[name])
            assert response.status_code == 200, (persona, name)
            assert response["Content-Disposition"].startswith("attachment; filename*=UTF-8''")


def test_an_anonymous_visitor_is_sent_to_the_login_page(
    world: World, client_as: Callable[[str], Client]
) -> None:
    for url in _urls(world).values():
        response = client_as("public").get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("q", ["孙丽", "孙", "T0008", "邻区", "D001", "%", "_"])
def test_the_search_never_shows_another_regions_person_or_unit(
    world: World, client_as: Callable[[str], Client], q: str
) -> None:
    foreign = reverse("org:person", args=[world.people["foreign"].pk])
    foreign_unit = reverse("org:unit", args=[world.foreign_unit.pk])
    for persona in ("region_admin", "unit_admin", "unit_head", "cadre", "supervisor"):
        page = client_as(persona).get(reverse("search"), {"q": q}).content.decode()
        assert foreign not in page and foreign_unit not in page, (persona, q)
