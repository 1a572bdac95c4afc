"""The 用实绩 hub (pages.hub): one top-bar link to the pages of what results are used
for, due process's included, each card shown to the roles its page admits, with a line
saying what it is for."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from kaohe.testing import World

pytestmark = pytest.mark.django_db

HUB = reverse("results_hub")
CARDS = {
    "region_admin": [
        "outcomes:archive_search",
        "outcomes:lists",
        "outcomes:consequences",
        "conduct:list",
        "dueprocess:publicities",
        "dueprocess:objections",
        "dueprocess:notices_overdue",
        "dueprocess:docket_review",
        "dueprocess:docket_appeal",
        "outcomes:priors_import",
    ],
    "unit_head": [
        "outcomes:archive_search",
        "outcomes:lists",
        "outcomes:consequences",
        "conduct:list",
        "dueprocess:publicities",
        "dueprocess:notices_overdue",
    ],
    "unit_admin": ["outcomes:lists", "conduct:list", "dueprocess:notices_overdue"],
}


def cards(page: str) -> list[str]:
    found = re.search(r'<ul class="grid hub" id="hub-cards">.*?</ul>', page, re.S)
    assert found is not None, "no cards"
    return re.findall(r'<h2><a href="([^"]+)"', found.group(0))


@pytest.mark.parametrize("persona", sorted(CARDS))
def test_it_shows_each_role_the_cards_of_the_pages_it_may_open(
    world: World, client_as: Callable[[str], Client], persona: str
) -> None:
    client = client_as(persona)
    page = client.get(HUB).content.decode()
    assert "<h1>用实绩</h1>" in page
    assert cards(page) == [reverse(name) for name in CARDS[persona]]
    for url in cards(page):
        assert client.get(url).status_code == 200, url


def test_each_card_says_what_it_is_for(world: World, client_as: Callable[[str], Client]) -> None:
    page = client_as("region_admin").get(HUB).content.decode()
    for title in ("档案查询", "名单", "考核结果运用", "处分与考勤", "往年结果"):
        assert f">{title}</a></h2>" in page
    assert page.count('<p class="muted">') >= len(CARDS["region_admin"])
    assert "导入使用本系统之前各年度" in page and "可导出 Excel" in page


@pytest.mark.parametrize("persona", ["cadre", "supervisor", "team_member"])
def test_it_is_not_there_for_others(
    world: World, client_as: Callable[[str], Client], persona: str
) -> None:
    client = client_as(persona)
    assert client.get(HUB).status_code == 404
    assert f'href="{HUB}"' not in client.get("/").content.decode()


def test_the_top_bar_links_it_instead_of_each_page(
    world: World, client_as: Callable[[str], Client]
) -> None:
    home = client_as("unit_head").get("/").content.decode()
    nav = home[home.index('<nav class="mainnav"') : home.index("</nav>")]
    assert f'href="{HUB}"' in nav and ">用实绩</a>" in nav
    for name in ("outcomes:archive_search", "outcomes:lists", "conduct:list"):
        assert f'href="{reverse(name)}"' not in nav
    assert f'href="{reverse("outcomes:archive_mine")}"' in nav  # a person's own archive stays
