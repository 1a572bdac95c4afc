"""The quarter page's chart specs (drawn by static/kaohe/charts.js, issue 13): grade
shares per unit sorted by the share of 好, and 好 places against 好 given per pool."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kaohe.scoring.models import QuarterRun
from kaohe.testing import World

pytestmark = pytest.mark.django_db


def spec(html: str, element_id: str) -> Any:
    found = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html)
    assert found, element_id
    return json.loads(found.group(1))


def test_the_quarter_page_carries_share_and_pool_charts(
    big: World, graded: QuarterRun, client_as: Callable[[str], Client]
) -> None:
    html = client_as("region_admin").get(reverse("scoring:quarter", args=[graded.pk])).content
    page = html.decode()
    units = spec(page, "chart-data")
    assert units["stack"] and units["percent"]
    assert [s["name"] for s in units["series"]] == ["好", "较好", "一般", "较差"]
    good, totals = (
        units["series"][0]["data"],
        [sum(s["data"][i] for s in units["series"]) for i in range(len(units["categories"]))],
    )
    shares = [g / t if t else 0 for g, t in zip(good, totals, strict=True)]
    assert shares == sorted(shares, reverse=True)
    assert "区人力资源和社会保障局" in units["categories"]
    pools = spec(page, "pool-chart-data")
    assert [s["name"] for s in pools["series"]] == ["“好”的名额", "评为“好”"]
    assert len(pools["categories"]) == len(pools["series"][0]["data"]) >= 1
    assert 'class="chart-scroll" tabindex="0" role="region"' in page
    assert "charts.js" in page
