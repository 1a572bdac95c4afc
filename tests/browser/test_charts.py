"""Issue 13: the quarter chart with 89 units was unreadable (a label for every fifth
unit, bars 1-3 px high). Now a row per unit in a box that scrolls: at 89 and at 1,000
units, at 375 and 1366 px, every unit has its own label, no two labels overlap and
every bar is at least 12 px high."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from kaohe.org.models import Person, Unit
from kaohe.scoring.engine import QUARTER_ORDER
from kaohe.scoring.models import QuarterResult, QuarterRun
from kaohe.testing import World
from tests.browser.conftest import assert_fits, screenshot_path

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Each chart's text and bar boxes, in page pixels, read from the SVG ECharts draws.
SHAPES = """
(selector) => {
  const box = (el) => { const r = el.getBoundingClientRect();
                        return {x: r.left, y: r.top, w: r.width, h: r.height}; };
  const svg = document.querySelector(selector + " svg");
  const scroller = document.querySelector(selector).closest(".chart-scroll");
  const colours = ["#237a3b", "#1d4ed8", "#a15c07", "#b42318"];
  return {
    box: box(scroller),
    labels: Array.from(svg.querySelectorAll("text"))
      .filter((t) => t.textContent.startsWith("单位"))
      .map((t) => ({text: t.textContent, ...box(t)})),
    bars: Array.from(svg.querySelectorAll("path"))
      .filter((p) => colours.includes((p.getAttribute("fill") || "").toLowerCase()))
      .map(box),
  };
}
"""


def a_quarter_with_units(world: World, count: int) -> QuarterRun:
    """`count` units of 3 to 7 cadres each, graded, made in bulk."""
    units = Unit.objects.bulk_create(
        Unit(
            region=world.region,
            name=f"单位{i + 1:04d}街道社区综合服务中心",
            code=f"CH{i:04d}",
            unit_type=world.bureau.unit_type,
            unit_kind=world.bureau.unit_kind,
            path="",
            sort_order=i,
        )
        for i in range(count)
    )
    for unit in units:
        unit.path = Unit.path_segment(unit.pk)
    Unit.objects.bulk_update(units, ["path"])
    sizes = [3 + i % 5 for i in range(count)]
    people = Person.objects.bulk_create(
        Person(region=world.region, staff_no=f"CH{i:04d}-{j}", name=f"干部{i}-{j}")
        for i, size in enumerate(sizes)
        for j in range(size)
    )
    run = QuarterRun.objects.create(region=world.region, year=2026, quarter=1)
    grades = [str(g) for g in QUARTER_ORDER]
    results = []
    person = iter(people)
    for i, (unit, size) in enumerate(zip(units, sizes, strict=True)):
        for j in range(size):
            grade = grades[min(3, (j + i) % 5)]
            results.append(
                QuarterResult(
                    run=run,
                    person=next(person),
                    unit=unit,
                    pool_id=0,
                    score=Decimal(80 + j),
                    computed_grade=grade,
                    grade=grade,
                )
            )
    QuarterResult.objects.bulk_create(results)
    return run


def check_chart(page: Page, selector: str, count: int) -> None:
    shapes = page.evaluate(SHAPES, selector)
    labels = shapes["labels"]
    # Every unit has its own label: the names differ in their first six characters.
    assert len({label["text"][:6] for label in labels}) == count
    rows = sorted(labels, key=lambda label: label["y"])
    for above, below in itertools.pairwise(rows):
        assert below["y"] >= above["y"] + above["h"], (above, below)  # no overlap
    bars = shapes["bars"]
    assert bars and min(bar["h"] for bar in bars) >= 11.9, min(bar["h"] for bar in bars)  # 12 px
    box = shapes["box"]
    top, bottom = box["y"], box["y"] + box["h"]
    in_view = [lb for lb in labels if top <= lb["y"] and lb["y"] + lb["h"] <= bottom]
    # Rows at least 24 px apart, and as many whole labels in the box as rows fit below
    # its axis: each unit in view is labelled.
    pitch = rows[1]["y"] - rows[0]["y"]
    assert pitch >= 24
    assert len(in_view) >= min(count, int((box["h"] - 40) // pitch) - 1), (len(in_view), box)


@pytest.mark.parametrize("count", [89, 1000], ids=["89units", "1000units"])
def test_the_quarter_chart_reads_well_with_many_units(
    page: Page,
    live_server: LiveServer,
    world: World,
    login: Callable[[Page, str], None],
    count: int,
) -> None:
    run = a_quarter_with_units(world, count)
    login(page, "region_admin")
    page.goto(f"{live_server.url}/scoring/quarters/{run.pk}/")
    expect(page.locator("#chart svg")).to_be_visible()
    expect(page.locator("#pool-chart svg")).to_be_visible()
    assert_fits(page)
    check_chart(page, "#chart", count)
    check_chart(page, "#pool-chart", count)  # no pools: each unit is its own

    # The box scrolls to the last unit, which is then in view with its bar.
    scroller = page.locator("#chart").locator("xpath=..")
    scroller.evaluate("box => { box.scrollTop = box.scrollHeight; }")
    last = page.locator("#chart svg text", has_text=f"单位{1:04d}")
    expect(last.first).to_be_attached()
    shapes = page.evaluate(SHAPES, "#chart")
    bottom = max(shapes["labels"], key=lambda label: label["y"])
    box = shapes["box"]
    assert box["y"] <= bottom["y"] and bottom["y"] + bottom["h"] <= box["y"] + box["h"]
    # The card only: a full-page shot resizes the window, which redraws the chart.
    card = page.locator("#chart").locator("xpath=../..")
    card.screenshot(path=str(screenshot_path(f"quarter-chart-{count}", page)))
