"""The shared workbook writer and reader: text stays text, identifiers stay exact."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from kaohe.core.errors import CoreErrorCode
from kaohe.core.workbooks import (
    Limits,
    append_row,
    identifier_text,
    looks_like_formula,
    open_upload,
)
from kaohe.testing import refused


@pytest.mark.parametrize(
    ("text", "formula"),
    [
        ("=1+1", True),
        ("+1", True),
        ("-1", True),
        ("@SUM(A1)", True),
        ("\t=1+1", True),
        ("\r\n =1+1", True),
        ("＝1+1", True),
        ("王=1", False),
        ("", False),
        ("1-1", False),
    ],
)
def test_it_knows_what_a_spreadsheet_would_evaluate(text: str, formula: bool) -> None:
    assert looks_like_formula(text) is formula


def test_it_writes_text_as_text_and_drops_what_xml_cannot_carry() -> None:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("x")
    append_row(sheet, ["=1+1", "张\x07三", "0012", 3], identifiers=[2])
    buffer = io.BytesIO()
    book.save(buffer)
    cells = next(load_workbook(buffer).worksheets[0].iter_rows())
    assert [c.value for c in cells] == ["=1+1", "张三", "0012", 3]
    assert [c.data_type for c in cells[:3]] == ["s", "s", "s"]
    assert cells[0].quotePrefix and not cells[1].quotePrefix
    assert cells[2].number_format == "@"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (" SF00001 ", "SF00001"),
        ("110101199001011234", "110101199001011234"),
        (20190001, "20190001"),
        (20190001.0, "20190001"),
        (Decimal("42"), "42"),
        (999_999_999_999_999, "999999999999999"),
        (10**15, None),  # 16 digits: Excel may already have changed it
        (110101199001011234, None),
        (1.101011990010112e17, None),
        (12.5, None),
        (-3, None),
        (True, None),
        (dt.datetime(2026, 1, 1), None),
    ],
)
def test_an_identifier_is_read_exactly_or_not_at_all(value: Any, text: str | None) -> None:
    assert identifier_text(value) == text


def test_it_refuses_a_file_over_the_size_limit_without_reading_it() -> None:
    limits = Limits(max_bytes=1024, max_rows=10)
    with (
        refused(CoreErrorCode.FILE_TOO_LARGE),
        open_upload(io.BytesIO(b""), size=2048, limits=limits),
    ):
        pass
