"""The entry grid's save as the page's script posts it (issue 14): the changed cells
as one JSON field, "cells", in a multipart body; what it changes, what it keeps and
what it refuses."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from kaohe.core.models import AuditEvent
from kaohe.schemes import entry, services
from kaohe.schemes.models import IndicatorResult, SchemeVersion
from kaohe.schemes.tests.test_entry import cell, staffed_unit
from kaohe.testing import World
from kaohe.worklogs.rules import Period

pytestmark = pytest.mark.django_db
Q1 = Period(2026, 1)
TODAY = dt.date(2026, 4, 30)


@pytest.fixture
def approved(world: World, drafted: SchemeVersion) -> SchemeVersion:
    services.version_submit(actor=world.users["unit_admin"], version=drafted)
    services.version_approve(actor=world.users["region_admin"], version=drafted)
    return drafted


def body(grid: entry.Grid, cells: dict[tuple[int, int], str]) -> dict[str, str]:
    return {
        "versions": ",".join(str(v.pk) for v in grid.versions),
        "cells": json.dumps({f"{p}_{i}": text for (p, i), text in cells.items()}),
    }


def last_save() -> dict[str, object]:
    event = AuditEvent.objects.filter(action="schemes.results.save").latest("pk")
    return dict(event.details)


@override_settings(KAOHE_TODAY=TODAY)
def test_the_cells_field_saves_the_cells_it_names_and_keeps_the_others(
    world: World, approved: SchemeVersion, client_as: Callable[[str], Client]
) -> None:
    client = client_as("unit_admin")
    url = reverse("schemes:entry", args=[world.bureau.pk, 2026, 1])
    grid = entry.entry_grid(world.users["unit_admin"], world.bureau.pk, Q1)
    zhang, li = cell(grid, "张小明", "完成任务"), cell(grid, "李文华", "完成任务")
    veto = cell(grid, "王建国", "违纪")
    assert client.post(url, body(grid, {zhang: "28.1", li: "29.5", veto: "否"})).status_code == 302
    assert last_save()["created"] == 6  # and the automatic deduction of each of the 3

    # Only 李文华's cell is sent: 张小明's and 王建国's stay as they are.
    assert client.post(url, body(grid, {li: "20"})).status_code == 302
    stored = dict(
        IndicatorResult.objects.filter(indicator_id=zhang[1]).values_list("person_id", "value")
    )
    assert stored[zhang[0]] == Decimal("28.1") and stored[li[0]] == Decimal("20")
    reopened = entry.entry_grid(world.users["unit_admin"], world.bureau.pk, Q1)
    assert reopened.cells[zhang] == "28.1" and reopened.cells[veto] == "否"

    # The same values again (written differently) change nothing: compared as numbers.
    assert client.post(url, body(grid, {zhang: "28.10", li: "20.0", veto: "否"})).status_code == 302
    assert (last_save()["updated"], last_save()["created"]) == (0, 0)

    # Cells of other units or of no indicator are ignored, not stored.
    assert client.post(url, body(grid, {(zhang[0], 999999): "5", li: ""})).status_code == 302
    assert not IndicatorResult.objects.filter(indicator_id=999999).exists()
    assert last_save()["cleared"] == 1


@override_settings(KAOHE_TODAY=TODAY)
@pytest.mark.parametrize(
    "raw",
    [
        "{not json",
        "[1, 2]",
        '{"1_2": 5}',  # a number, not the text of a cell
        json.dumps({"1_2": "8\u0000"}),  # escaped in the JSON: the edge cannot see it
        json.dumps({"1_2": "8\n"}),
    ],
)
def test_a_cells_field_that_is_not_texts_of_cells_is_refused_whole(
    world: World, approved: SchemeVersion, client_as: Callable[[str], Client], raw: str
) -> None:
    client = client_as("unit_admin")
    url = reverse("schemes:entry", args=[world.bureau.pk, 2026, 1])
    grid = entry.entry_grid(world.users["unit_admin"], world.bureau.pk, Q1)
    zhang = cell(grid, "张小明", "完成任务")
    data = {**body(grid, {}), "cells": raw.replace("1_2", f"{zhang[0]}_{zhang[1]}")}
    before = (IndicatorResult.objects.count(), AuditEvent.objects.count())
    assert client.post(url, data).status_code == 400
    assert (IndicatorResult.objects.count(), AuditEvent.objects.count()) == before


@override_settings(KAOHE_TODAY=TODAY)
def test_a_refused_save_shows_what_was_typed_and_the_script_then_sends_every_cell(
    world: World, approved: SchemeVersion, client_as: Callable[[str], Client]
) -> None:
    client = client_as("unit_admin")
    url = reverse("schemes:entry", args=[world.bureau.pk, 2026, 1])
    grid = entry.entry_grid(world.users["unit_admin"], world.bureau.pk, Q1)
    page = client.get(url).content.decode()
    assert 'id="entry-grid">' in page and 'name="cells" id="entry-cells" disabled' in page
    refused = client.post(url, body(grid, {cell(grid, "张小明", "完成任务"): "99"}))
    assert refused.status_code == 200
    page = refused.content.decode()
    # The page shows 99 as its cell's value: compared with it, nothing would have changed.
    assert 'value="99"' in page and 'id="entry-grid" data-unsaved="1">' in page


@override_settings(KAOHE_TODAY=TODAY)
def test_saves_through_the_cells_field_take_as_many_queries_for_20_people_as_for_2(
    world: World, template: SchemeVersion, client_as: Callable[[str], Client]
) -> None:
    client = client_as("region_admin")

    def measure(unit_code: str, size: int) -> dict[str, int]:
        unit = staffed_unit(world, template, unit_code, size)
        url = reverse("schemes:entry", args=[unit.pk, 2026, 1])
        grid = entry.entry_grid(world.users["region_admin"], unit.pk, Q1)
        typed = [c for c in grid.columns if not c.auto]

        def count(values: dict[str, str]) -> int:
            cells = {
                (p.pk, c.indicator.pk): values[c.indicator.kind] for p in grid.people for c in typed
            }
            with CaptureQueriesContext(connection) as captured:
                assert client.post(url, body(grid, cells)).status_code == 302
            return len(captured)

        counts = {
            "create": count({"scored": "8", "veto": "否"}),
            "update": count({"scored": "9.5", "veto": "是"}),
            "same": count({"scored": "9.50", "veto": "是"}),
            "clear": count({"scored": "", "veto": ""}),
        }
        assert not IndicatorResult.objects.filter(
            unit=unit, indicator__in=[c.indicator for c in typed]
        ).exists()
        return counts

    client.get(reverse("schemes:entry_index"))  # the session's first request does set-up work
    measure("W", 1)  # the region's work-record policy is created
    few, many = measure("A", 2), measure("B", 20)
    assert few == many, (few, many)
