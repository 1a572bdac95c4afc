"""Streamed Excel downloads: one writer, text kept text, a Chinese file name, flat memory."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kaohe.core import workbooks
from kaohe.core.tests.downloads import read_download
from kaohe.core.workbooks import SheetSpec, export_name, xlsx_download


def test_a_download_is_streamed_with_a_chinese_file_name_and_safe_cells() -> None:
    rows = [('=HYPERLINK("http://x")', "0012", Decimal("91.50"), None), ("王\x07芳", "12", 3, "")]
    response = xlsx_download(
        export_name("城关镇", "2026年第1季度", "考核等次"),
        [SheetSpec("季度考核等次", ["姓名", "人员编号", "得分", "备注"], rows, identifiers=(1,))],
    )
    assert response["Content-Disposition"] == (
        "attachment; filename*=UTF-8''"
        "%E5%9F%8E%E5%85%B3%E9%95%87-2026%E5%B9%B4%E7%AC%AC1%E5%AD%A3%E5%BA%A6-"
        "%E8%80%83%E6%A0%B8%E7%AD%89%E6%AC%A1.xlsx"
    )
    assert response["Cache-Control"] == "private, no-store"
    sheets = read_download(response)
    assert sheets["季度考核等次"] == [
        ("姓名", "人员编号", "得分", "备注"),
        ('=HYPERLINK("http://x")', "0012", 91.5, None),  # text, not a formula
        ("王芳", "12", 3, None),  # control characters dropped
    ]


def test_the_workbook_is_spooled_to_disk_beyond_a_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workbooks, "SPOOL_BYTES", 16 * 1024)
    rows = ((f"人员{i:06d}", f"{i:018d}", i) for i in range(3_000))
    spool = workbooks.write_workbook([SheetSpec("大表", ["姓名", "编号", "序号"], rows)])
    # Past SPOOL_BYTES the spool is a file on disk: memory does not grow with the rows.
    assert spool._rolled  # type: ignore[attr-defined]
    assert spool.tell() == 0 and spool.read(4) == b"PK\x03\x04"
    spool.close()


def test_a_file_name_loses_characters_file_systems_refuse() -> None:
    assert export_name('a/b:c*?"<>|', "", "d") == "abc-d.xlsx"
