"""The year plan page (考核日历): Chinese labels, the guards' reasons, scope, and a
query count that does not grow with the units."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django.fixtures import Settings

from kaohe.org import services as org_services
from kaohe.org.models import LeadershipRole, UnitKind, UnitType
from kaohe.reviews.models import ReviewRound
from kaohe.scoring.models import QuarterRun
from kaohe.testing import World, _place

pytestmark = pytest.mark.django_db
URL = "/plan/2026/"


@pytest.fixture(autouse=True)
def today(settings: Settings) -> None:
    settings.KAOHE_TODAY = dt.date(2026, 4, 5)


def text_of(html: str) -> str:
    html = re.sub(r"<script.*?</script>", "", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_office_sees_each_period_its_steps_and_what_blocks_them(
    big: World, q1: ReviewRound, client_as: Callable[[str], Client]
) -> None:
    page = client_as("region_admin").get(URL).content.decode()
    text = text_of(page)
    assert "2026年考核日历" in text
    for label in ("2026年第1季度", "2026年第4季度", "2026年度", "考评投票", "指标录入"):
        assert label in text
    for label in ("计算结果", "单位等次建议", "确认等次", "公布结果", "年度民主测评"):
        assert label in text
    # Q1: voting open, so computing is blocked, with the guard's own words and a link.
    q1_part = page[page.index('id="plan-q1"') : page.index('id="plan-q2"')]
    assert "受阻" in q1_part and "仍在投票中" in q1_part and "尚有" in q1_part
    assert reverse("reviews:round", args=[q1.pk]) in q1_part
    assert "3 个单位" in q1_part  # no unit has entries or declared none
    # The year names the unpublished quarters.
    assert "尚未公布" in page[page.index('id="plan-year"') :]
    # Progress by unit: every assessed unit, ballots and entry state.
    table = page[page.index('id="plan-units"') :]
    for name in ("区人力资源和社会保障局", "区就业服务中心", "城关镇"):
        assert name in table
    assert "未录入" in table and "邻区财政局" not in page
    # No raw codes on the page.
    for raw in ("blocked", "waiting", "missing", "declared"):
        assert f">{raw}<" not in page and f" {raw} " not in text


def test_the_link_is_in_the_navigation_for_the_office_only(
    world: World, client_as: Callable[[str], Client]
) -> None:
    assert reverse("plans:current") in client_as("region_admin").get("/").content.decode()
    nav = client_as("cadre").get("/").content.decode()
    assert reverse("plans:current") not in nav


def test_another_region_sees_only_its_own(
    big: World, q1: ReviewRound, client_as: Callable[[str], Client]
) -> None:
    page = client_as("other_admin").get(URL).content.decode()
    assert "邻区财政局" in page
    for name in ("区人力资源和社会保障局", "城关镇", str(q1)):
        assert name not in page


@pytest.mark.parametrize("key", ["cadre", "team_member", "supervisor", "public"])
def test_others_get_404(world: World, client_as: Callable[[str], Client], key: str) -> None:
    if key == "public":
        assert Client().get(URL).status_code == 302  # to the login
        return
    assert client_as(key).get(URL).status_code == 404


def test_a_unit_head_sees_their_units_part_without_the_regions_blockers(
    big: World, q1: ReviewRound, client_as: Callable[[str], Client]
) -> None:
    page = client_as("unit_head").get(URL).content.decode()
    table = page[page.index('id="plan-units"') :]
    assert "区人力资源和社会保障局" in table and "城关镇" not in table
    assert "城关镇" not in page  # the guards name the region's units: not for a unit head
    assert "2026年第1季度" in page


def test_bad_years_and_quarters_are_404(world: World, client_as: Callable[[str], Client]) -> None:
    client = client_as("region_admin")
    assert client.get("/plan/1999/").status_code == 404
    assert client.get(URL + "?quarter=5").status_code == 404
    assert client.get(URL + "?quarter=2&page=x").status_code == 200


def test_the_query_count_does_not_grow_with_the_units(
    big: World, graded: QuarterRun, client_as: Callable[[str], Client]
) -> None:
    client = client_as("region_admin")
    client.get(URL)  # warm the session and the caches
    with CaptureQueriesContext(connection) as before:
        client.get(URL)
    for i in range(12):
        unit = org_services.unit_create(
            actor=None,
            region=big.region,
            name=f"测试单位{i}",
            code=f"X{i:03d}",
            unit_type=UnitType.DISTRICT_UNIT,
            unit_kind=UnitKind.ADMINISTRATIVE,
        )
        _place(big, f"x{i}", f"新人{i}", unit, LeadershipRole.STAFF, "一般干部")
    with CaptureQueriesContext(connection) as after:
        page = client.get(URL).content.decode()
    assert "测试单位11" in page
    assert len(after.captured_queries) == len(before.captured_queries) <= 60


def test_units_are_paged(big: World, client_as: Callable[[str], Client]) -> None:
    from kaohe.plans import selectors

    for i in range(selectors.UNITS_PER_PAGE):
        unit = org_services.unit_create(
            actor=None,
            region=big.region,
            name=f"测试单位{i:02d}",
            code=f"X{i:03d}",
            unit_type=UnitType.DISTRICT_UNIT,
            unit_kind=UnitKind.ADMINISTRATIVE,
        )
        _place(big, f"x{i}", f"新人{i}", unit, LeadershipRole.STAFF, "一般干部")
    client = client_as("region_admin")
    first = client.get(URL + "?quarter=1").content.decode()
    second = client.get(URL + "?quarter=1&page=2").content.decode()
    assert "第 1 页，共 2 页" in first and "第 2 页，共 2 页" in second

    def rows(html: str) -> int:
        return html[html.index('id="plan-units"') :].count("<tr>") - 1

    assert rows(first) == selectors.UNITS_PER_PAGE and rows(second) == 3


@pytest.mark.parametrize("key", ["unit_head", "unit_admin", "region_admin"])
def test_every_link_on_the_plan_opens(
    big: World, q1: ReviewRound, client_as: Callable[[str], Client], key: str
) -> None:
    client = client_as(key)
    page = client.get(URL).content.decode()
    links = set(re.findall(r'href="(/[^"]*)"', page))
    assert links
    for link in sorted(links):
        if link.startswith(("/logout", "/i18n", "/admin", "/static")):
            continue
        assert client.get(link.replace("&amp;", "&")).status_code == 200, link


def test_the_periods_and_rows_are_written_escaped() -> None:
    """The cards and the table body are written with f-strings: every text is escaped,
    and the markup is the one format_html wrote."""
    from kaohe.plans import views
    from kaohe.plans.selectors import PeriodPlan, Step, UnitRow
    from kaohe.scoring.guards import Blocker

    step = Step(
        "算<分>", "blocked", "a & b", "/s?x=1&y=2", [Blocker('"未"', "/b&c"), Blocker("无", "")]
    )
    html = views._periods_html([PeriodPlan("<第一季度>", "q1", [step, Step("发布", "done")])])
    assert html == (
        '<section class="card plan-period" id="plan-q1" aria-labelledby="plan-q1-title">'
        '<h2 id="plan-q1-title">&lt;第一季度&gt;</h2><ol class="plan-steps">'
        '<li class="plan-step step-blocked"><span class="step-name">'
        '<a href="/s?x=1&amp;y=2">算&lt;分&gt;</a></span> '
        f'<span class="badge step-state">{step.state_label}</span>'
        '<div class="muted step-detail">a &amp; b</div><ul class="blockers">'
        '<li class="msg-warning">&quot;未&quot; <a href="/b&amp;c">前往办理</a></li>'
        '<li class="msg-warning">无</li></ul></li>\n'
        '<li class="plan-step step-done"><span class="step-name">发布</span> '
        '<span class="badge step-state">已完成</span></li></ol></section>'
    )
    row = UnitRow("<局>", "1 / 2", "entered", "已填", "/e?a&b", None, True)
    assert views._unit_rows_html([row]) == (
        '<tr><td>&lt;局&gt;</td><td>1 / 2</td><td><a href="/e?a&amp;b" class="entry-entered">'
        "已填</a></td><td>—</td><td>已报送</td></tr>"
    )
