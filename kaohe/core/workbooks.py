"""Excel workbooks in and out: one safe way to write a cell, one bounded way to read an upload.

Writing: a text cell that Excel or WPS would read as a formula (it begins with
= + - @, also after leading blanks) is a way to run code on the reader's
machine, so every text cell is written as text, and those that look like a
formula also carry Excel's own "typed with a leading apostrophe" mark, so that
editing the cell keeps it text (OWASP, CSV/formula injection).

Reading: an .xlsx is a zip of XML parts whose sizes the uploader controls.
openpyxl trusts them: it pads every row to the width the sheet's <dimension>
claims, pads the gap up to a row numbered r="1000000", and parses the whole
sheet into memory when <dimension> is missing. So before openpyxl sees a file,
`open_upload` checks the zip's declared sizes and streams every XML part through
expat, refusing a claimed range, a row or a column beyond the limits at the
first sign of it, with memory that does not grow with the file.
"""

from __future__ import annotations

import re
import tempfile
import xml.parsers.expat
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any, NoReturn
from urllib.parse import quote

from django.http import FileResponse
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.utils.cell import (
    column_index_from_string,
    get_column_letter,
    range_boundaries,
)
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from kaohe.core.errors import ApplicationError, CoreErrorCode

# ---------------------------------------------------------------- writing

# The ASCII starts OWASP lists, and their full-width forms, which a Chinese IME types.
FORMULA_STARTS = frozenset("=+-@＝＋－＠")
TEXT_FORMAT = "@"  # Excel's "Text" number format: what is typed later stays text too

Sheet = Worksheet | WriteOnlyWorksheet


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet would evaluate this text typed into a cell."""
    return text.lstrip()[:1] in FORMULA_STARTS


def text_cell(sheet: Sheet, text: str, *, identifier: bool = False) -> Cell:
    """A cell that holds `text` as text, whatever it begins with.

    Characters XML cannot carry (control characters) are dropped rather than
    failing the whole export. An identifier cell is also formatted as Text, so a
    number typed into it later keeps its leading zeros and all its digits.
    """
    cell = WriteOnlyCell(sheet, ILLEGAL_CHARACTERS_RE.sub("", text))
    cell.data_type = "s"  # openpyxl would otherwise store "=…" as a formula
    if looks_like_formula(text):
        cell.quotePrefix = True
    if identifier:
        cell.number_format = TEXT_FORMAT
    return cell


def safe_row(sheet: Sheet, values: Iterable[Any], *, identifiers: Iterable[int] = ()) -> list[Any]:
    """`values` ready for `sheet.append`: every str becomes a text cell; numbers,
    dates and None stay as they are. `identifiers` are the positions of
    identifier columns (staff numbers, unit codes)."""
    ids = frozenset(identifiers)
    return [
        text_cell(sheet, value, identifier=i in ids) if isinstance(value, str) else value
        for i, value in enumerate(values)
    ]


def append_row(sheet: Sheet, values: Iterable[Any], *, identifiers: Iterable[int] = ()) -> None:
    sheet.append(safe_row(sheet, values, identifiers=identifiers))


def choice_list(
    sheet: Worksheet,
    column: int,
    *,
    source_sheet: str,
    source_column: int,
    count: int,
    last_row: int,
    error: str,
) -> None:
    """A drop-down on `column` (0-based) of `sheet`, rows 2 to `last_row`, offering the
    `count` values written below the header of `source_column` on `source_sheet`.

    The list refers to the cells rather than spelling the values out: Excel caps an
    inline list at 255 characters, and a county's unit codes are far longer. A value
    typed that is not in the list is refused by Excel with `error`."""
    if count <= 0:
        return
    source = get_column_letter(source_column + 1)
    # Sheet names are quoted, with any quote doubled, as Excel writes them.
    quoted = "'" + source_sheet.replace("'", "''") + "'"
    validation = DataValidation(
        type="list",
        formula1=f"{quoted}!${source}$2:${source}${count + 1}",
        allow_blank=True,
        showErrorMessage=True,
        error=error,
    )
    letter = get_column_letter(column + 1)
    validation.add(f"{letter}2:{letter}{last_row}")
    sheet.add_data_validation(validation)


# ---------------------------------------------------------------- reading identifiers

# A double holds every integer below 10**15 exactly, and Excel shows 15 digits.
_EXACT_DIGITS = 15


def identifier_text(value: Any) -> str | None:
    """An identifier cell (staff number, unit code) as exact text, or None when the
    cell holds a number that may not be what was typed.

    Text is taken as it is. A number is taken only when it is a whole number of
    at most 15 digits, which Excel stores and shows exactly; an 18-digit number
    has already lost its last digits inside Excel (110101199001011234 is kept
    as 110101199001011200), and a date or fraction is no identifier.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None  # a date, a time or a truth value
    if isinstance(value, float) and not value.is_integer():
        return None
    number = int(value)
    if number < 0 or number >= 10**_EXACT_DIGITS or number != value:
        return None
    return str(number)


def identifier_message() -> str:
    return _(
        "the cell is formatted as a number, which Excel rounds beyond 15 digits; "
        "set the column's format to Text, type the value again and upload the file again"
    )


# ---------------------------------------------------------------- reading uploads

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_WORKSHEET = f"{MAIN_NS} worksheet"
_DIMENSION = f"{MAIN_NS} dimension"
_ROW = f"{MAIN_NS} row"
_CELL = f"{MAIN_NS} c"
# A worksheet is streamed, so its size costs time, not memory; every other part
# (shared strings, styles) openpyxl holds whole, so it gets a much smaller bound.
MAX_UNPACKED_BYTES = 256 * 1024 * 1024
MAX_PART_BYTES = 16 * 1024 * 1024
MAX_COLUMNS = 256
_CHUNK = 64 * 1024
_DIGITS = "0123456789"


@dataclass(frozen=True)
class Limits:
    max_bytes: int  # the uploaded file
    max_rows: int  # rows below the header rows
    header_rows: int = 1
    max_columns: int = MAX_COLUMNS

    @property
    def last_row(self) -> int:
        return self.max_rows + self.header_rows


class WorkbookRefused(ApplicationError):
    """The upload is not a workbook we read; `message` says what to do."""


def _damaged() -> WorkbookRefused:
    return WorkbookRefused(
        _(
            "The file is damaged or is not an Excel .xlsx workbook; open it in Excel or WPS, "
            "save it as .xlsx and upload it again."
        ),
        code=CoreErrorCode.WORKBOOK_DAMAGED,
    )


def _too_many_rows(limits: Limits) -> WorkbookRefused:
    return WorkbookRefused(
        _("The file has more than %(max)s rows; split it into smaller files.")
        % {"max": limits.max_rows},
        code=CoreErrorCode.TOO_MANY_ROWS,
    )


def _too_large_unpacked() -> WorkbookRefused:
    return WorkbookRefused(
        _(
            "The workbook unpacks to far more data than a sheet of this kind holds; "
            "copy the data into a new workbook, save it as .xlsx and upload it again."
        ),
        code=CoreErrorCode.SHEET_TOO_LARGE,
    )


class _PartScan:
    """One XML part streamed through expat: no tree is built, so memory stays flat.

    Only worksheets are read to the end; of any other part the root element is
    enough to know it is not one (its size has been bounded from the zip)."""

    def __init__(self, limits: Limits, size: int) -> None:
        self.limits = limits
        self.size = size
        self.done = False
        self.row = 0
        self.column = 0
        self.parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
        self.parser.StartElementHandler = self.root
        # No part of an .xlsx has a DTD; refusing one rules out entity expansion.
        self.parser.StartDoctypeDeclHandler = self.refuse_doctype
        self.parser.EntityDeclHandler = self.refuse_doctype

    def refuse_doctype(self, *_args: Any) -> NoReturn:
        raise _damaged()

    def root(self, tag: str, attrs: dict[str, str]) -> None:
        if tag == _WORKSHEET:
            self.parser.StartElementHandler = self.start
        elif self.size > MAX_PART_BYTES:
            raise _too_large_unpacked()
        else:
            self.done = True

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if tag == _CELL:
            ref = attrs.get("r")
            # "XFD3001" → "XFD"; openpyxl's own table turns letters into a number.
            column = column_index_from_string(ref.rstrip(_DIGITS)) if ref else self.column + 1
            self.column = column
            if column > self.limits.max_columns:
                raise WorkbookRefused(
                    _(
                        "Row %(row)s has content in column %(column)s, beyond the %(max)s "
                        "columns allowed; delete the extra columns and upload the file again."
                    )
                    % {
                        "row": self.row,
                        "column": get_column_letter(column),
                        "max": self.limits.max_columns,
                    },
                    code=CoreErrorCode.TOO_MANY_COLUMNS,
                )
        elif tag == _ROW:
            self.row = int(attrs["r"]) if "r" in attrs else self.row + 1
            self.column = 0
            if self.row > self.limits.last_row:
                raise _too_many_rows(self.limits)
        elif tag == _DIMENSION:
            self.check_dimension(attrs.get("ref", ""))

    def check_dimension(self, ref: str) -> None:
        """Refuse a sheet by the range it claims, before a row of it is read."""
        _min_col, _min_row, max_col, max_row = range_boundaries(ref.upper())
        if (max_col or 0) > self.limits.max_columns or (max_row or 0) > self.limits.last_row:
            raise WorkbookRefused(
                _(
                    "The sheet claims the range %(range)s, more than %(rows)s rows or %(cols)s "
                    "columns; copy the data into a new workbook, save it as .xlsx and upload "
                    "it again."
                )
                % {
                    "range": ref[:30],
                    "rows": self.limits.last_row,
                    "cols": self.limits.max_columns,
                },
                code=CoreErrorCode.SHEET_TOO_LARGE,
            )

    def feed(self, stream: IO[bytes]) -> None:
        while not self.done and (chunk := stream.read(_CHUNK)):
            self.parser.Parse(chunk, False)
        if not self.done:
            self.parser.Parse(b"", True)


def _is_xml(head: bytes) -> bool:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16
        return True
    return head.removeprefix(b"\xef\xbb\xbf").lstrip()[:1] == b"<"


def _check_archive(upload: IO[bytes], limits: Limits) -> None:
    """Refuse by the zip's declared sizes, then stream every XML part that openpyxl
    could be pointed at, whatever its name."""
    with zipfile.ZipFile(upload) as archive:
        members = archive.infolist()
        # zipfile stops reading a member at its declared size, so these bounds hold.
        if sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
            raise _too_large_unpacked()
        for member in members:
            if member.is_dir() or member.file_size == 0:
                continue
            with archive.open(member) as stream:
                head = stream.read(64)
                if not _is_xml(head):
                    if member.file_size > MAX_PART_BYTES:
                        raise _too_large_unpacked()
                    continue
                scan = _PartScan(limits, member.file_size)
                scan.parser.Parse(head, False)
                scan.feed(stream)


class UploadedWorkbook:
    """A checked upload; its sheets are read row by row, never held whole."""

    def __init__(self, book: Workbook) -> None:
        self._book = book

    @property
    def sheet_names(self) -> list[str]:
        return list(self._book.sheetnames)

    def rows(self, sheet: str | None = None) -> Iterator[tuple[int, tuple[Any, ...]]]:
        """(row number, values) of every row of the first sheet or the named one; a
        row is as long as its last cell, so it may be shorter than the header."""
        worksheet = self._book.worksheets[0] if sheet is None else self._book[sheet]
        assert isinstance(worksheet, ReadOnlyWorksheet)
        if sheet is None and worksheet.sheet_state != "visible":
            # Excel opens on a visible sheet: a hidden first one would be imported
            # while the reviewer checked other rows (the named sheets are ours).
            raise WorkbookRefused(
                _(
                    "The first sheet, “%(name)s”, is hidden, and it is the one read: unhide "
                    "it, or move your rows to a visible first sheet, and upload again."
                )
                % {"name": worksheet.title},
                code=CoreErrorCode.HIDDEN_SHEET,
            )
        # A stated <dimension> can be smaller than the data (openpyxl would stop
        # early) or padded; the scan has bounded the real rows and columns instead.
        worksheet.reset_dimensions()
        iterator = worksheet.iter_rows(values_only=True)
        number = 0
        while True:
            try:
                values = next(iterator)
            except StopIteration:
                return
            except Exception as exc:  # openpyxl raises many kinds on damaged parts
                raise _damaged() from exc
            number += 1
            yield number, tuple(values)


@contextmanager
def open_upload(upload: IO[bytes], *, size: int, limits: Limits) -> Iterator[UploadedWorkbook]:
    """Open an uploaded .xlsx for reading, refusing by file size, by the sizes its
    parts and sheets declare and by the rows and columns they really hold."""
    if size > limits.max_bytes:
        raise WorkbookRefused(
            _("The file is %(size)s MB; files larger than %(max)s MB are refused.")
            % {"size": f"{size / 1024 / 1024:.1f}", "max": limits.max_bytes // 1024 // 1024},
            code=CoreErrorCode.FILE_TOO_LARGE,
        )
    upload.seek(0)
    if upload.read(4) != b"PK\x03\x04":
        raise WorkbookRefused(
            _("This is not an Excel .xlsx file. Save it as .xlsx and upload it again."),
            code=CoreErrorCode.NOT_XLSX,
        )
    try:
        upload.seek(0)
        _check_archive(upload, limits)
        upload.seek(0)
        book = load_workbook(upload, read_only=True, data_only=True)
    except WorkbookRefused:
        raise
    except Exception as exc:  # zipfile, expat and openpyxl raise many kinds on damaged files
        raise _damaged() from exc
    try:
        yield UploadedWorkbook(book)
    finally:
        book.close()


# ---------------------------------------------------------------- streamed downloads

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Up to this much of a finished workbook stays in memory; beyond it the spool moves
# to a temporary file, so a province-scale export costs disk, not the worker's memory.
SPOOL_BYTES = 2 * 1024 * 1024
# Rows fetched per round trip by the exports' `.iterator(chunk_size=...)`.
EXPORT_CHUNK = 2000
# Bytes sent per write of a download; larger than FileResponse's 4 KiB to cut overhead.
DOWNLOAD_BLOCK = 64 * 1024


@dataclass(frozen=True)
class SheetSpec:
    """One sheet of an export: its Chinese title and header, its rows (any iterable,
    read once, in order), and the positions of its identifier columns."""

    title: str
    header: Sequence[str]
    rows: Iterable[Sequence[Any]]
    identifiers: Sequence[int] = ()
    widths: Sequence[int] = ()  # column widths in characters, for the first columns


def write_workbook(sheets: Iterable[SheetSpec]) -> IO[bytes]:
    """The sheets written into a workbook in a spooled temporary file, positioned at
    its start. Every cell goes through `safe_row`.

    openpyxl's write-only mode writes each sheet's rows to its own temporary file as
    they are appended and zips them at `save`, so memory does not grow with the rows;
    the zip's central directory comes last, which is why the file is finished before
    the first byte is sent (a download cannot stream rows while they are read)."""
    book = Workbook(write_only=True)
    for spec in sheets:
        # Sheet titles are at most 31 characters and may not hold []:*?/\ (Excel).
        sheet = book.create_sheet(re.sub(r"[\[\]:*?/\\]", "", spec.title)[:31])
        for index, width in enumerate(spec.widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = "A2"
        append_row(sheet, spec.header)
        for row in spec.rows:
            append_row(sheet, row, identifiers=spec.identifiers)
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - the response closes it
    book.save(spool)
    spool.seek(0)
    return spool


def xlsx_download(filename: str, sheets: Iterable[SheetSpec]) -> FileResponse:
    """A download of the sheets as `filename`, sent in blocks from the spooled file.

    The workbook is written (and every query run) before the response leaves the
    view, so no database read happens while the file is sent."""
    return xlsx_response(filename, write_workbook(sheets))


def xlsx_response(filename: str, stream: IO[bytes]) -> FileResponse:
    """A finished workbook in `stream` sent as the download `filename` (the streamed
    exports, and the file a large export's job wrote)."""
    response = FileResponse(stream, content_type=XLSX_CONTENT_TYPE)
    response.block_size = DOWNLOAD_BLOCK
    # RFC 5987 form so Chinese file names survive every browser; no ASCII fallback
    # name is given, which browsers that know filename* ignore anyway.
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response["Cache-Control"] = "private, no-store"
    return response


def export_name(*parts: object) -> str:
    """A download's file name from its parts, joined by "-", without characters that
    file systems refuse."""
    text = "-".join(str(p) for p in parts if str(p))
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]', "", text)[:150] + ".xlsx"
