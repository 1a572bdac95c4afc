"""The ledger's pages: who sees what (other ids 404, for files and the export too),
the forms' acts through the browser's requests, and constant queries."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from kaohe.supervision.models import Finding, FindingState, Severity
from kaohe.supervision.tests.fixtures import PNG, Ledger, record, rectify

pytestmark = pytest.mark.django_db


def _ids(response: object) -> set[int]:
    page = response.context["paged"]  # type: ignore[attr-defined]
    return {f.pk for f in page.object_list}


def test_each_sees_their_findings(ledger: Ledger, client_as: Callable[[str], Client]) -> None:
    bureau = record(ledger)
    centre = record(ledger, unit="centre")
    town = record(ledger, unit="town", other=True)
    url = reverse("supervision:ledger")
    seen = {
        "region_admin": {bureau.pk, centre.pk, town.pk},
        "unit_admin": {bureau.pk, centre.pk},  # grant on the bureau with its subunits
        "unit_head": {bureau.pk, centre.pk},
        "team_member": {bureau.pk, centre.pk},
        "supervisor": {bureau.pk, centre.pk},  # the first group's
        "supervisor_two": {town.pk},  # the second group's
    }
    for persona, ids in seen.items():
        response = client_as(persona).get(url)
        assert response.status_code == 200, persona
        assert _ids(response) == ids, persona
        for finding in (bureau, centre, town):
            page = client_as(persona).get(reverse("supervision:finding", args=[finding.pk]))
            assert page.status_code == (200 if finding.pk in ids else 404), (persona, finding)
            file = finding.evidence.get()
            download = client_as(persona).get(reverse("supervision:file", args=[file.pk]))
            assert download.status_code == (200 if finding.pk in ids else 404), persona
    # A cadre has no ledger; the other region's office has its own, empty one.
    assert client_as("cadre").get(url).status_code == 404
    assert client_as("cadre").get(reverse("supervision:export")).status_code == 404
    assert _ids(client_as("other_admin").get(url)) == set()
    for persona in ("cadre", "other_admin"):
        page = client_as(persona).get(reverse("supervision:finding", args=[bureau.pk]))
        assert page.status_code == 404
    assert client_as("public").get(url).status_code == 302


def test_filters(ledger: Ledger, client_as: Callable[[str], Client]) -> None:
    late = record(ledger, found_on=dt.date(2026, 10, 20))
    serious = record(
        ledger, unit="centre", severity=Severity.SERIOUS, found_on=dt.date(2026, 11, 19)
    )
    rectify(ledger, serious)
    client = client_as("supervisor")
    url = reverse("supervision:ledger")
    assert _ids(client.get(url, {"overdue": "1"})) == {late.pk}
    assert _ids(client.get(url, {"severity": "serious"})) == {serious.pk}
    assert _ids(client.get(url, {"state": "rectifying"})) == {serious.pk}
    assert _ids(client.get(url, {"unit": ledger.world.bureau.pk})) == {late.pk}
    assert _ids(client.get(url, {"group": ledger.group.pk})) == {late.pk, serious.pk}
    # Another group's or an unseen unit's id is a 404, on the page and its export.
    for query in ({"group": ledger.other_group.pk}, {"unit": ledger.world.town.pk}):
        assert client.get(url, query).status_code == 404
        assert client.get(reverse("supervision:export"), query).status_code == 404
    assert _ids(client.get(url, {"start": "2026-11-01", "end": "2026-11-30"})) == {serious.pk}
    # Bad values filter nothing rather than fail.
    bad = client.get(url, {"state": "x", "unit": "abc", "start": "9999-99-99"})
    assert _ids(bad) == {late.pk, serious.pk}
    tallies = client.get(url).context["tallies"]
    assert [(t.name, t.total, t.overdue) for t in tallies] == [
        ("区人力资源和社会保障局", 1, 1),
        ("区就业服务中心", 1, 0),
    ]


def _sheet(response: Any) -> list[tuple[Any, ...]]:
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book.active
    assert sheet is not None
    return list(sheet.iter_rows(values_only=True))


def test_group_tallies_for_the_office(ledger: Ledger, client_as: Callable[[str], Client]) -> None:
    record(ledger, found_on=dt.date(2026, 10, 20))
    record(ledger, unit="town", other=True)
    page = client_as("region_admin").get(reverse("supervision:ledger"))
    assert [(t.name, t.total, t.overdue) for t in page.context["group_tallies"]] == [
        ("第一督导组", 1, 1),
        ("第二督导组", 1, 0),
    ]
    assert client_as("supervisor").get(reverse("supervision:ledger")).context["group_tallies"] == []


def test_export_is_scoped_and_filtered(ledger: Ledger, client_as: Callable[[str], Client]) -> None:
    record(ledger)
    record(ledger, unit="town", other=True)
    response = client_as("supervisor").get(reverse("supervision:export"))
    assert response.status_code == 200
    rows = _sheet(response)
    assert len(rows) == 2  # the header and the bureau's finding only
    assert rows[1][1] == "区人力资源和社会保障局"
    assert rows[1][8] == "待整改"
    response = client_as("supervisor").get(reverse("supervision:export"), {"severity": "serious"})
    assert len(_sheet(response)) == 1


def test_the_flow_through_the_pages(ledger: Ledger, client_as: Callable[[str], Client]) -> None:
    world = ledger.world
    supervisor = client_as("supervisor")
    assert supervisor.get(reverse("supervision:finding_new")).status_code == 200
    assert client_as("unit_admin").get(reverse("supervision:finding_new")).status_code == 404
    response = supervisor.post(
        reverse("supervision:finding_new"),
        {
            "group": ledger.group.pk,
            "unit": world.bureau.pk,
            "category": "records",
            "severity": "general",
            "found_on": "2026-11-19",
            "description": "部分干部纪实记录不及时",
            "files": [io.BytesIO(PNG)],
        },
    )
    finding = Finding.objects.get()
    assert response.status_code == 302
    assert finding.evidence.count() == 1
    # A refused form keeps what was typed and says why (a unit the group does not cover).
    refused = supervisor.post(
        reverse("supervision:finding_new"),
        {
            "group": ledger.group.pk,
            "unit": world.town.pk,
            "category": "records",
            "severity": "general",
            "found_on": "2026-11-19",
            "description": "越权记录的问题",
        },
    )
    assert refused.status_code == 400
    assert "越权记录的问题" in refused.content.decode()
    page = reverse("supervision:finding", args=[finding.pk])
    unit = client_as("unit_admin")
    assert 'id="rectify-form"' in unit.get(page).content.decode()
    assert 'id="rectify-form"' not in supervisor.get(page).content.decode()
    # the supervisor may not rectify, the unit may not verify: refused, nothing changes
    assert supervisor.post(reverse("supervision:rectify", args=[finding.pk]), {}).status_code == 400
    pdf = io.BytesIO(b"%PDF-1.4")
    pdf.name = "整改.pdf"
    response = unit.post(
        reverse("supervision:rectify", args=[finding.pk]),
        {"text": "已补齐纪实记录", "files": [pdf]},
    )
    assert response.status_code == 302
    assert unit.post(reverse("supervision:verify", args=[finding.pk])).status_code == 400
    assert 'id="verify-form"' in supervisor.get(page).content.decode()
    assert supervisor.post(reverse("supervision:verify", args=[finding.pk])).status_code == 302
    response = supervisor.post(reverse("supervision:strike_off", args=[finding.pk]))
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.state == FindingState.STRUCK_OFF
    # The other group cannot act on it, nor see it.
    other = client_as("supervisor_two")
    assert other.post(reverse("supervision:strike_off", args=[finding.pk])).status_code == 404


def test_ledger_queries_constant(
    ledger: Ledger, client_as: Callable[[str], Client], django_assert_max_num_queries: object
) -> None:
    for unit in ("bureau", "centre", "bureau"):
        record(ledger, unit=unit)
    client = client_as("supervisor")
    url = reverse("supervision:ledger")
    client.get(url)  # warm the session and the grants' cache
    with django_assert_max_num_queries(12) as few:  # type: ignore[operator]
        client.get(url)
    for _ in range(20):
        record(ledger, unit="centre")
    with django_assert_max_num_queries(len(few.captured_queries)):  # type: ignore[operator]
        client.get(url)
    finding = Finding.objects.first()
    assert finding is not None
    page = reverse("supervision:finding", args=[finding.pk])
    client.get(page)
    with django_assert_max_num_queries(9):  # type: ignore[operator]
        client.get(page)


def test_home_tasks(ledger: Ledger) -> None:
    from kaohe.pages.todo import tasks_for
    from kaohe.supervision.tests.fixtures import TODAY

    world = ledger.world
    late = record(ledger, found_on=dt.date(2026, 10, 20))  # deadline 10 November
    fresh = record(ledger, unit="centre", found_on=dt.date(2026, 11, 19))
    mine = [t for t in tasks_for(world.users["unit_admin"], TODAY) if t.kind == "finding"]
    assert [(t.deadline, t.overdue) for t in mine] == [
        (late.deadline, True),
        (fresh.deadline, False),
    ]
    assert "已逾期 10 天" in mine[0].text
    assert not [t for t in tasks_for(ledger.supervisor, TODAY) if t.kind == "finding"]
    rectify(ledger, late)
    waiting = [t for t in tasks_for(ledger.supervisor, TODAY) if t.kind == "finding"]
    assert [t.url for t in waiting] == [reverse("supervision:finding", args=[late.pk])]
    assert not [t for t in tasks_for(ledger.other_supervisor, TODAY) if t.kind == "finding"]
