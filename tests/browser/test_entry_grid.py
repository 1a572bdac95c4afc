"""Issue 13: the indicator entry grid was blank at 1366 px (the table took the page's
`.grid` card layout and its rows sat at x ≈ 6,441 px) and its headers did not line up
with its inputs at 375 px. Checked by geometry at both widths."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from kaohe.schemes import services
from kaohe.schemes.models import SchemeVersion
from kaohe.testing import World
from tests.browser.conftest import assert_fits, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Per header cell and per cell of the first body row: left edge and width, in px.
COLUMNS = """
() => {
  const box = (el) => { const r = el.getBoundingClientRect(); return [r.left, r.width, r.top]; };
  const table = document.getElementById("entry-table");
  return {
    wrap: box(table.parentElement),
    heads: Array.from(table.tHead.rows[0].cells, box),
    rows: Array.from(table.tBodies[0].rows, (row) => Array.from(row.cells, box)),
    inputs: Array.from(table.tBodies[0].rows[0].querySelectorAll("td"),
                       (td) => td.querySelector("input") ? box(td.querySelector("input")) : null),
  };
}
"""


def test_the_entry_grid_shows_its_rows_with_headers_over_their_inputs(
    page: Page,
    live_server: LiveServer,
    world: World,
    drafted: SchemeVersion,
    login: Callable[[Page, str], None],
    settings: Settings,
    viewport: dict[str, int],
) -> None:
    settings.KAOHE_TODAY = dt.date(2026, 4, 30)
    services.version_submit(actor=world.users["unit_admin"], version=drafted)
    services.version_approve(actor=world.users["region_admin"], version=drafted)
    login(page, "unit_head")
    page.goto(f"{live_server.url}/schemes/entry/{world.bureau.pk}/2026/1/")
    cell = page.get_by_label("张小明 完成任务", exact=True)
    expect(cell).to_be_visible()
    assert_fits(page)

    geometry = page.evaluate(COLUMNS)
    wrap_left, wrap_width, wrap_top = geometry["wrap"]
    assert wrap_left >= 0 and wrap_left + wrap_width <= viewport["width"]
    rows = geometry["rows"]
    assert len(rows) >= 2
    for row in rows:
        # Each row starts inside the scroll box, below the header, one under another.
        left, _width, top = row[0]
        assert wrap_left <= left < wrap_left + wrap_width, (left, geometry["wrap"])
        assert top > wrap_top
    tops = [row[0][2] for row in rows]
    assert tops == sorted(tops) and len(set(tops)) == len(tops)
    heads = geometry["heads"]
    for row in rows:
        assert len(row) == len(heads)
        for head, td in zip(heads, row, strict=True):
            assert abs(head[0] - td[0]) < 1 and abs(head[1] - td[1]) < 1, (head, td)
    for head, input_box in zip(heads, geometry["inputs"], strict=True):
        if input_box is not None:  # the input sits within its column
            assert head[0] <= input_box[0] and input_box[0] + input_box[1] <= head[0] + head[1]

    # The first column stays put while the grid scrolls sideways (on a phone it must).
    page.locator("#entry-table").evaluate("t => { t.parentElement.scrollLeft = 10000; }")
    name = page.locator("#entry-table tbody tr").first.locator("td").first
    name_box = name.bounding_box()
    assert name_box is not None and abs(name_box["x"] - wrap_left) < 2
    cell.focus()
    cell.fill("28")
    page.get_by_role("button", name="全部保存").click()
    expect(page.locator(".messages")).to_contain_text("已保存")
    screenshot(page, "entry-grid")


def test_the_grid_sends_only_the_changed_cells_and_after_a_refusal_all_of_them(
    page: Page,
    live_server: LiveServer,
    world: World,
    drafted: SchemeVersion,
    login: Callable[[Page, str], None],
    settings: Settings,
) -> None:
    """Issue 14: the page's script posts the changed cells as one JSON field in a
    multipart body; a refused save shows what was typed, so the next sends every cell."""
    from kaohe.schemes.models import IndicatorResult

    settings.KAOHE_TODAY = dt.date(2026, 4, 30)
    services.version_submit(actor=world.users["unit_admin"], version=drafted)
    services.version_approve(actor=world.users["region_admin"], version=drafted)
    login(page, "unit_head")
    page.goto(f"{live_server.url}/schemes/entry/{world.bureau.pk}/2026/1/")
    page.get_by_label("张小明 完成任务", exact=True).fill("28")
    with page.expect_request(lambda r: r.method == "POST") as sent:
        page.get_by_role("button", name="全部保存").click()
    body = sent.value.post_data or ""
    assert (
        'name="cells"' in body
        and 'name="c_' not in body
        and "multipart" in (sent.value.headers.get("content-type", ""))
    )
    expect(page.locator(".messages")).to_contain_text("已保存")
    task = IndicatorResult.objects.filter(indicator__name="完成任务", unit=world.bureau)
    assert [str(v) for v in task.values_list("value", flat=True)] == ["28.00"]

    # 99 is out of range: the save is refused and the page shows both typed cells as
    # its values. Only 李文华's is corrected, yet 王建国's is saved with it: after a
    # refusal every cell is sent.
    page.get_by_label("李文华 完成任务", exact=True).fill("99")
    page.get_by_label("王建国 违纪", exact=True).fill("否")
    page.get_by_role("button", name="全部保存").click()
    expect(page.locator("#entry-grid")).to_have_attribute("data-unsaved", "1")
    page.get_by_label("李文华 完成任务", exact=True).fill("29")
    page.get_by_role("button", name="全部保存").click()
    expect(page.locator(".messages")).to_contain_text("已保存")
    assert sorted(str(v) for v in task.values_list("value", flat=True)) == ["28.00", "29.00"]
    veto = IndicatorResult.objects.get(indicator__name="违纪", unit=world.bureau)
    assert veto.flag is False
