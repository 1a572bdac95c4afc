"""Years before kaohe (issue 16, item 6): earlier years' annual results, imported from
Excel into the archive's spine (`YearRecord`, source imported), so that the rules that
span years (the last-place ladder, 三等功, two years of 不称职, promotion lists) count
them from a region's first year on kaohe.

One row is one person's year. The file is read and checked here, row by row and
column by column, as the roster is (kaohe.org.roster): every problem is listed with
its row and column, and nothing is written unless every row passes
(`outcomes.services.year_records_import`). Headers and labels are fixed Chinese
text: the file is a format shared with the HR offices, not a translated page; the
values stored are the engine's (AnnualGrade, QuarterGrade, RankTier).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from itertools import zip_longest
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from kaohe.core.errors import ApplicationError, ValidationFailed
from kaohe.core.text import clean_text
from kaohe.core.workbooks import (
    TEXT_FORMAT,
    Limits,
    WorkbookRefused,
    append_row,
    choice_list,
    identifier_message,
    identifier_text,
    open_upload,
)
from kaohe.org.models import Person, RankTier, Region, Unit
from kaohe.org.roster import RowError
from kaohe.outcomes.errors import OutcomesErrorCode
from kaohe.outcomes.models import RecordSource, YearRecord
from kaohe.scoring.engine import AnnualGrade, QuarterGrade
from kaohe.scoring.models import AnnualRun

COL_STAFF_NO = "人员编号"
COL_NAME = "姓名"
COL_YEAR = "年度"
COL_UNIT = "单位名称"
COL_POST = "职务"
COL_TIER = "职级层次"
COL_COMPOSITE = "综合得分"
COL_GRADE = "年度考核等次"
COL_RANK_IN_TIER = "层次内排名"
COL_TIER_SIZE = "层次人数"
COL_RANK_IN_UNIT = "单位内排名"
COL_UNIT_SIZE = "单位人数"
COL_QUARTERS = ("第一季度等次", "第二季度等次", "第三季度等次", "第四季度等次")

COLUMNS = (
    COL_STAFF_NO,
    COL_NAME,
    COL_YEAR,
    COL_UNIT,
    COL_POST,
    COL_TIER,
    COL_COMPOSITE,
    COL_GRADE,
    COL_RANK_IN_TIER,
    COL_TIER_SIZE,
    COL_RANK_IN_UNIT,
    COL_UNIT_SIZE,
    *COL_QUARTERS,
)
REQUIRED = frozenset({COL_STAFF_NO, COL_NAME, COL_YEAR, COL_UNIT, COL_POST, COL_TIER, COL_GRADE})
IDENTIFIER_COLUMNS = (COLUMNS.index(COL_STAFF_NO),)

# The labels the file uses, and the values stored.
GRADE_NAMES: dict[str, str] = {
    "优秀": AnnualGrade.EXCELLENT,
    "称职": AnnualGrade.COMPETENT,
    "基本称职": AnnualGrade.BASIC,
    "不称职": AnnualGrade.INCOMPETENT,
    "不定等次": AnnualGrade.NONE,
}
QUARTER_NAMES: dict[str, str] = {
    "好": QuarterGrade.GOOD,
    "较好": QuarterGrade.FAIRLY_GOOD,
    "一般": QuarterGrade.AVERAGE,
    "较差": QuarterGrade.POOR,
}
TIER_NAMES: dict[str, str] = {
    "正科级": RankTier.SECTION_CHIEF,
    "副科级": RankTier.DEPUTY_SECTION_CHIEF,
    "一般干部": RankTier.STAFF,
}
# A file's years start here (the first day core.http accepts anywhere).
FIRST_YEAR = 2000
MAX_COMPOSITE = Decimal(100)
CENT = Decimal("0.01")
VALUES_SHEET = "可选值"
SHEET_NAME = "往年考核结果"

# A correction's words when a re-import replaces a field (stored text, as the headers).
REIMPORT_REASON = "重新导入往年考核结果"
REIMPORT_BASIS = "重新导入 {file}"

# The fields a re-import compares and replaces, each corrected on its own: the archived
# figures (services.ARCHIVED_FIELDS) but the all-好 priority, which follows from the
# quarter grades.
REPLACED_FIELDS = (
    "unit_name",
    "post",
    "tier",
    "composite",
    "grade",
    "rank_in_tier",
    "tier_size",
    "rank_in_unit",
    "unit_size",
    "quarter_grades",
)


@dataclass(frozen=True)
class PriorRow:
    """One checked row: a person's earlier year, in stored values."""

    row: int
    staff_no: str
    name: str
    year: int
    unit_name: str
    post: str
    tier: str
    composite: Decimal | None
    grade: str
    rank_in_tier: int | None
    tier_size: int | None
    rank_in_unit: int | None
    unit_size: int | None
    quarter_grades: tuple[str, str, str, str]

    def record_fields(self) -> dict[str, Any]:
        return {
            "unit_name": self.unit_name,
            "post": self.post,
            "tier": self.tier,
            "composite": self.composite,
            "grade": self.grade,
            "rank_in_tier": self.rank_in_tier,
            "tier_size": self.tier_size,
            "rank_in_unit": self.rank_in_unit,
            "unit_size": self.unit_size,
            "quarter_grades": list(self.quarter_grades),
            "priority": all(q == QuarterGrade.GOOD for q in self.quarter_grades),
        }


def stored_text(value: Any) -> str:
    """A field's value as a correction keeps it (old and new, side by side)."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return str(value)


@dataclass
class PriorsImportResult:
    rows: int = 0
    people: int = 0
    years: list[int] = field(default_factory=list)
    created: int = 0
    replaced: int = 0  # person-years already imported whose fields changed
    unchanged: int = 0  # person-years already imported, the same again
    corrections: int = 0
    # Per year: how many rows, and of each grade (stored values).
    by_year: dict[int, dict[str, int]] = field(default_factory=dict)


# ---------------------------------------------------------------- reading cells


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _choice_error(value: str, choices: Iterable[str]) -> str:
    return _("“%(value)s” does not exist; choose from: %(choices)s") % {
        "value": value,
        "choices": "、".join(choices),
    }


def _whole(value: Any) -> int | None:
    """A whole number from a cell (3, 3.0, "3"), or None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = _text(value)
    return int(text) if text.isascii() and text.isdigit() else None


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        # Excel keeps 88.35 as a binary fraction; six places undo that, not real digits.
        value = round(value, 6)
    try:
        number = Decimal(_text(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


@dataclass
class _Cells:
    """One row's cells by header, collecting the row's problems as they are found."""

    number: int
    values: Mapping[str, Any]
    errors: list[RowError] = field(default_factory=list)

    def err(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.number, column, message))

    def text(self, column: str, limit: int) -> str:
        text = _text(self.values.get(column))
        try:
            # A cell bypasses the pages' checks: a bidi override in a unit's name would
            # be archived and shown reversed on every page and export of the year.
            text = clean_text(text)
        except ApplicationError as exc:
            self.err(column, exc.message)
        if not text and column in REQUIRED:
            self.err(column, _("this column must not be empty"))
        elif len(text) > limit:
            self.err(column, _("at most %(n)s characters") % {"n": limit})
        return text

    def choice(self, column: str, names: Mapping[str, str]) -> str:
        text = self.text(column, 100)
        if text and text not in names:
            self.err(column, _choice_error(text, names))
            return ""
        return names.get(text, "")

    def count(self, column: str) -> int | None:
        raw = self.values.get(column)
        if not _text(raw):
            return None
        number = _whole(raw)
        if number is None or number < 1 or number > 10_000_000:
            self.err(
                column,
                _("“%(value)s” is not a whole number of at least 1") % {"value": _text(raw)},
            )
            return None
        return number

    def rank_pair(self, rank_column: str, size_column: str) -> tuple[int | None, int | None]:
        """A rank and the number ranked: both or neither, and the rank within the number."""
        rank, size = self.count(rank_column), self.count(size_column)
        rank_given = bool(_text(self.values.get(rank_column)))
        size_given = bool(_text(self.values.get(size_column)))
        if rank_given and not size_given:
            self.err(
                size_column,
                _("“%(rank)s” is filled in; give the number ranked here too")
                % {"rank": rank_column},
            )
        elif size_given and not rank_given:
            self.err(
                rank_column,
                _("“%(size)s” is filled in; give the rank here too") % {"size": size_column},
            )
        elif rank is not None and size is not None and rank > size:
            self.err(
                rank_column,
                _("rank %(rank)s is beyond the %(size)s people ranked (%(column)s)")
                % {"rank": rank, "size": size, "column": size_column},
            )
        return rank, size


def parse_cells(number: int, values: Mapping[str, Any]) -> tuple[PriorRow | None, list[RowError]]:
    """One row's cells (by header) checked on their own: what the database need not
    be asked about. The row, or None with its problems."""
    cells = _Cells(number, values)
    staff_no = identifier_text(values.get(COL_STAFF_NO))
    if staff_no is None:
        cells.err(COL_STAFF_NO, identifier_message())
        staff_no = ""
    elif not staff_no:
        cells.err(COL_STAFF_NO, _("this column must not be empty"))
    elif len(staff_no) > 32:
        cells.err(COL_STAFF_NO, _("at most %(n)s characters") % {"n": 32})
    name = cells.text(COL_NAME, 50)
    year_raw = values.get(COL_YEAR)
    year_text = _text(year_raw).removesuffix("年")
    year = _whole(year_text) if year_text else None
    if not year_text:
        cells.err(COL_YEAR, _("this column must not be empty"))
    elif year is None or not FIRST_YEAR <= year <= 2099:
        cells.err(
            COL_YEAR,
            _("“%(value)s” is not a year; write it as 2025") % {"value": _text(year_raw)},
        )
        year = None
    unit_name = cells.text(COL_UNIT, 200)
    post = cells.text(COL_POST, 100)
    tier = cells.choice(COL_TIER, TIER_NAMES)
    composite_raw = values.get(COL_COMPOSITE)
    composite = None
    if _text(composite_raw):
        composite = _decimal(composite_raw)
        if composite is None or not 0 <= composite <= MAX_COMPOSITE:
            cells.err(
                COL_COMPOSITE,
                _("“%(value)s” is not a score from 0 to 100") % {"value": _text(composite_raw)},
            )
            composite = None
        elif composite != composite.quantize(CENT):
            cells.err(
                COL_COMPOSITE,
                _("“%(value)s” has more than two decimal places") % {"value": _text(composite_raw)},
            )
            composite = None
        else:
            composite = composite.quantize(CENT)
    grade = cells.choice(COL_GRADE, GRADE_NAMES)
    rank_in_tier, tier_size = cells.rank_pair(COL_RANK_IN_TIER, COL_TIER_SIZE)
    rank_in_unit, unit_size = cells.rank_pair(COL_RANK_IN_UNIT, COL_UNIT_SIZE)
    q1, q2, q3, q4 = (cells.choice(column, QUARTER_NAMES) for column in COL_QUARTERS)
    if cells.errors or year is None:
        return None, cells.errors
    return (
        PriorRow(
            row=number,
            staff_no=staff_no,
            name=name,
            year=year,
            unit_name=unit_name,
            post=post,
            tier=tier,
            composite=composite,
            grade=grade,
            rank_in_tier=rank_in_tier,
            tier_size=tier_size,
            rank_in_unit=rank_in_unit,
            unit_size=unit_size,
            quarter_grades=(q1, q2, q3, q4),
        ),
        [],
    )


def file_rows(
    rows: Iterator[tuple[int, tuple[Any, ...]]],
) -> Iterator[tuple[int, dict[str, Any]]]:
    """A sheet's data rows as cells by header; blank rows skipped. Raises
    ValidationFailed naming the columns the header lacks, or an empty file."""
    header = next(rows, None)
    if header is None:
        raise ValidationFailed(
            _("The file is empty. Download the template and fill it in."),
            code=OutcomesErrorCode.PRIORS_FILE_INVALID,
        )
    index = {_text(v): i for i, v in enumerate(header[1]) if _text(v)}
    missing = [c for c in COLUMNS if c in REQUIRED and c not in index]
    if missing:
        raise ValidationFailed(
            _("The header row lacks the columns %(cols)s. Use the template's first row.")
            % {"cols": "、".join(missing)},
            code=OutcomesErrorCode.PRIORS_FILE_INVALID,
        )
    for number, cells in rows:
        values = {c: (cells[i] if i < len(cells) else None) for c, i in index.items()}
        if all(_text(v) == "" for v in values.values()):
            continue  # blank rows between blocks are common in hand-kept sheets
        yield number, values


def read_upload(upload: IO[bytes], size: int) -> Iterator[tuple[int, dict[str, Any]]]:
    """The upload's data rows, within the roster's limits (the same offices' files)."""
    limits = Limits(
        max_bytes=settings.KAOHE_ROSTER_MAX_BYTES, max_rows=settings.KAOHE_ROSTER_MAX_ROWS
    )
    try:
        with open_upload(upload, size=size, limits=limits) as book:
            yield from file_rows(book.rows())
    except WorkbookRefused as exc:
        raise ValidationFailed(exc.message, code=exc.code) from exc


# ---------------------------------------------------------------- checking against the region


@dataclass
class CheckedRows:
    """Rows that passed, with what the write needs: the people, each person-year's
    record already there, and the units the names link to."""

    rows: list[PriorRow]
    people: dict[str, Person]
    existing: dict[tuple[int, int], YearRecord]
    unit_ids: dict[str, int]
    errors: list[RowError]


def _chunks(items: Sequence[Any], size: int = 900) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def first_kaohe_year(region_id: int, today: dt.date) -> int:
    """The region's first year on kaohe: the first with an annual run (any state), or
    this year when none has been computed yet (the year under way is kaohe's)."""
    first = (
        AnnualRun.objects.filter(region_id=region_id)
        .order_by("year")
        .values_list("year", flat=True)
        .first()
    )
    return min(first, today.year) if first is not None else today.year


def _roster_errors(number: int, staff_no: str, name: str, person: Person | None) -> list[RowError]:
    if person is None:
        return [
            RowError(
                number,
                COL_STAFF_NO,
                _("“%(no)s” is not on the region's roster; import the roster first")
                % {"no": staff_no},
            )
        ]
    if name and person.name != name:
        return [
            RowError(
                number,
                COL_NAME,
                _("the roster has “%(name)s” under staff number %(no)s")
                % {"name": person.name, "no": staff_no},
            )
        ]
    return []


def check_rows(
    *,
    region: Region,
    rows: Iterable[tuple[int, Mapping[str, Any]]],
    replace: bool,
    today: dt.date,
) -> CheckedRows:
    """Every row checked on its own and against the region: the roster, the years
    kaohe holds, and the person-years imported before. Reads only."""
    parsed: list[PriorRow] = []
    errors: list[RowError] = []
    # Rows refused by their cells are still checked against the roster, so that one
    # upload lists every problem of the row.
    refused: list[tuple[int, str, str]] = []
    for number, values in rows:
        row, row_errors = parse_cells(number, values)
        errors.extend(row_errors)
        if row is not None:
            parsed.append(row)
        elif staff_no := identifier_text(values.get(COL_STAFF_NO)):
            refused.append((number, staff_no, _text(values.get(COL_NAME))))

    staff_nos = sorted({r.staff_no for r in parsed} | {no for _n, no, _name in refused})
    people: dict[str, Person] = {}
    for chunk in _chunks(staff_nos):
        people.update(
            (p.staff_no, p)
            for p in Person.objects.filter(region=region, staff_no__in=chunk).only(
                "pk", "staff_no", "name", "region_id"
            )
        )
    years = sorted({r.year for r in parsed})
    run_years = set(
        AnnualRun.objects.filter(region=region, year__in=years).values_list("year", flat=True)
    )
    first = first_kaohe_year(region.pk, today)
    existing: dict[tuple[int, int], YearRecord] = {}
    person_ids = [p.pk for p in people.values()]
    for chunk in _chunks(person_ids):
        existing.update(
            ((r.person_id, r.year), r)
            for r in YearRecord.objects.filter(person_id__in=chunk, year__in=years)
        )

    for number, staff_no, name in refused:
        errors.extend(_roster_errors(number, staff_no, name, people.get(staff_no)))
    seen: dict[tuple[str, int], int] = {}
    good: list[PriorRow] = []
    for row in parsed:
        before = len(errors)

        def err(column: str, message: str, _row: PriorRow = row) -> None:
            errors.append(RowError(_row.row, column, message))

        person = people.get(row.staff_no)
        errors.extend(_roster_errors(row.row, row.staff_no, row.name, person))
        key = (row.staff_no, row.year)
        if key in seen:
            err(
                COL_YEAR,
                _("%(no)s's %(year)s already appears in row %(row)s")
                % {"no": row.staff_no, "year": row.year, "row": seen[key]},
            )
        else:
            seen[key] = row.row
        if row.year in run_years:
            err(
                COL_YEAR,
                _(
                    "kaohe has computed the annual results of %(year)s; a year kaohe "
                    "computes is not imported"
                )
                % {"year": row.year},
            )
        elif row.year >= first:
            err(
                COL_YEAR,
                _("only years before %(first)s, the region's first year on kaohe, are imported")
                % {"first": first},
            )
        record = existing.get((person.pk, row.year)) if person is not None else None
        if record is not None and record.source == RecordSource.KAOHE:
            err(
                COL_YEAR,
                _("%(year)s of this person is in the archive from kaohe; it is not imported")
                % {"year": row.year},
            )
        elif record is not None and not replace:
            err(
                COL_YEAR,
                _(
                    "%(year)s of this person was imported before; tick “Replace years "
                    "imported before” to replace it"
                )
                % {"year": row.year},
            )
        if len(errors) == before:
            good.append(row)

    unit_ids: dict[str, int] = {}
    if good:
        # A name links the record to the unit when exactly one unit of the region bears it.
        names = {r.unit_name for r in good}
        counted: dict[str, list[int]] = {}
        for pk, name in Unit.objects.filter(region=region).values_list("pk", "name"):
            if name in names:
                counted.setdefault(name, []).append(pk)
        unit_ids = {name: pks[0] for name, pks in counted.items() if len(pks) == 1}
    column_order = {c: i for i, c in enumerate(COLUMNS)}
    errors.sort(key=lambda e: (e.row, column_order.get(e.column, 0)))
    return CheckedRows(
        rows=good, people=people, existing=existing, unit_ids=unit_ids, errors=errors
    )


# ---------------------------------------------------------------- the template

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
EXAMPLE_ROW = (
    "SF00001",
    "张三",
    2025,
    "区人力资源和社会保障局",
    "科员",
    "一般干部",
    88.5,
    "称职",
    35,
    120,
    4,
    15,
    "好",
    "较好",
    "较好",
    "好",
)


def priors_template() -> bytes:
    """The header row, one example row, the instructions and the allowed values."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = SHEET_NAME
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
    append_row(sheet, EXAMPLE_ROW, identifiers=IDENTIFIER_COLUMNS)
    for position in range(len(COLUMNS)):
        sheet.column_dimensions[get_column_letter(position + 1)].width = 14
    for column in IDENTIFIER_COLUMNS:
        sheet.column_dimensions[get_column_letter(column + 1)].number_format = TEXT_FORMAT
    notes = book.create_sheet("填写说明")
    for line in (
        "每行一人一年：此人在该年度的年度考核结果。第 2 行是示例，导入前请删除或改写。",
        "只能导入本地区开始使用本系统之前的年度；本系统已计算的年度不能导入。",
        "人员编号须已在人员名册中，姓名须与名册一致。",
        "必填列：" + "、".join(c for c in COLUMNS if c in REQUIRED) + "。",
        "综合得分（0–100，最多两位小数）、排名与人数、各季度等次可以不填；"
        "排名与人数须同时填写，排名不大于人数。",
        f"年度考核等次：{'、'.join(GRADE_NAMES)}；季度等次：{'、'.join(QUARTER_NAMES)}。",
        "已导入过的人员年度，须勾选“替换已导入的年度”才会替换，每项改动都留有更正记录。",
        "整份文件全部正确才会导入；有任何错误时不导入任何一行，并逐行列出错误。",
    ):
        append_row(notes, [line])
    notes.column_dimensions["A"].width = 100
    values = book.create_sheet(VALUES_SHEET)
    columns = [
        [COL_TIER, *TIER_NAMES],
        [COL_GRADE, *GRADE_NAMES],
        [COL_QUARTERS[0], *QUARTER_NAMES],
    ]
    for row in zip_longest(*columns):
        append_row(values, row)
    last_row = settings.KAOHE_ROSTER_MAX_ROWS + 1
    lists = [(COL_TIER, 0, len(TIER_NAMES)), (COL_GRADE, 1, len(GRADE_NAMES))]
    lists += [(quarter, 2, len(QUARTER_NAMES)) for quarter in COL_QUARTERS]
    for header, source, count in lists:
        choice_list(
            sheet,
            COLUMNS.index(header),
            source_sheet=VALUES_SHEET,
            source_column=source,
            count=count,
            last_row=last_row,
            error=f"请从下拉列表中选择（见“{VALUES_SHEET}”表）。",
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
