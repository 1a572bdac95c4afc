"""Roster exchange in Excel: template, all-or-nothing import, subtree export (R1.4, R1.5).

One row is one person and the position they hold from 起始日期 on. Importing
opens a new dated membership only where something changed, so importing the
same file twice changes nothing. Headers are fixed Chinese text: the file is a
format shared with HR offices, not a translated page.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import zip_longest
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from kaohe.accounts.access import ADMIN_ROLES, region_id_of, roles_of
from kaohe.accounts.models import User
from kaohe.core.audit import audit_record
from kaohe.core.audit_actions import AuditAction
from kaohe.core.errors import ErrorCode, ValidationFailed
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
from kaohe.org.errors import OrgErrorCode
from kaohe.org.models import (
    Gender,
    LeadershipRole,
    Membership,
    MembershipStatus,
    Person,
    PersonnelCategory,
    RankLevel,
    Region,
    Unit,
)
from kaohe.org.selectors import unit_counts_forget, visible_units

COL_STAFF_NO = "人员编号"
COL_NAME = "姓名"
COL_GENDER = "性别"
COL_BIRTH = "出生日期"
COL_UNIT = "单位编码"
COL_POST = "职务"
COL_RANK = "职级"
COL_CATEGORY = "人员类别"
COL_ROLE = "领导角色"
COL_STATUS = "状态"
COL_FROM = "起始日期"

COLUMNS = (
    COL_STAFF_NO,
    COL_NAME,
    COL_GENDER,
    COL_BIRTH,
    COL_UNIT,
    COL_POST,
    COL_RANK,
    COL_CATEGORY,
    COL_ROLE,
    COL_STATUS,
    COL_FROM,
)
IDENTIFIER_COLUMNS = (COLUMNS.index(COL_STAFF_NO), COLUMNS.index(COL_UNIT))
REQUIRED = frozenset(
    {COL_STAFF_NO, COL_NAME, COL_UNIT, COL_RANK, COL_CATEGORY, COL_ROLE, COL_STATUS, COL_FROM}
)

GENDER_NAMES = {"男": Gender.MALE, "女": Gender.FEMALE}
ROLE_NAMES = {
    "主要领导": LeadershipRole.MAIN,
    "班子成员": LeadershipRole.TEAM,
    "一般干部": LeadershipRole.STAFF,
}
STATUS_NAMES = {
    "在岗": MembershipStatus.ON_DUTY,
    "驻村": MembershipStatus.VILLAGE,
    "借调": MembershipStatus.SECONDED,
    "新录用": MembershipStatus.NEW_RECRUIT,
    "试用期": MembershipStatus.PROBATION,
    "退休": MembershipStatus.RETIRED,
    "调出": MembershipStatus.TRANSFERRED_OUT,
}
VALUES_SHEET = "可选值"


def unit_label(code: str, name: str) -> str:
    """How the 可选值 sheet, and so the template's drop-down, writes a unit: the code
    with the name beside it, which the import reads as the code."""
    return f"{code}（{name}）"


@dataclass(frozen=True)
class FrozenPeriod:
    """A period whose lists of people another app has fixed, such as a rating round
    whose voting is open: its raters and targets are the people in post on its last
    day, so a change dated on or before `last_day` would change them mid-vote."""

    label: str
    last_day: dt.date


# Apps above org register here what they fix (kaohe.reviews: open rounds), so that the
# import, which lives below them, can keep to it without importing them.
FROZEN_PERIODS: list[Callable[[int], list[FrozenPeriod]]] = []


def frozen_periods(region_id: int) -> list[FrozenPeriod]:
    return sorted(
        (p for source in FROZEN_PERIODS for p in source(region_id)), key=lambda p: p.last_day
    )


_BY_VALUE: dict[str, dict[str, str]] = {
    "gender": {v: k for k, v in GENDER_NAMES.items()},
    "role": {v: k for k, v in ROLE_NAMES.items()},
    "status": {v: k for k, v in STATUS_NAMES.items()},
}


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        if self.row == 0:
            return self.message
        return _("Row %(row)s %(column)s: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


@dataclass
class RosterRow:
    row: int
    staff_no: str
    name: str
    gender: str
    birth_date: dt.date | None
    unit: Unit
    post: str
    rank_level: RankLevel
    personnel_category: PersonnelCategory
    leadership_role: str
    status: str
    valid_from: dt.date

    def membership_fields(self) -> dict[str, Any]:
        return {
            "unit_id": self.unit.pk,
            "post": self.post,
            "rank_level_id": self.rank_level.pk,
            "personnel_category_id": self.personnel_category.pk,
            "leadership_role": self.leadership_role,
            "status": self.status,
        }


@dataclass
class RosterImportResult:
    rows: int = 0
    people_created: int = 0
    people_updated: int = 0
    memberships_opened: int = 0
    unchanged: int = 0
    positions_changed: int = 0  # positions opened for people already on the roster
    staff_nos: list[str] = field(default_factory=list)  # rows that changed something
    all_staff_nos: list[str] = field(default_factory=list)
    new_staff_nos: list[str] = field(default_factory=list)
    # Rounds open during the import: nobody it added or moved joins them.
    frozen: list[FrozenPeriod] = field(default_factory=list)


# ---------------------------------------------------------------- reading


def _refuse(message: str, code: ErrorCode) -> ValidationFailed:
    return ValidationFailed(message, code=code)


def read_workbook_rows(upload: IO[bytes], size: int) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """Yield (row number, cells) from the first sheet, refusing files we cannot trust."""
    limits = Limits(
        max_bytes=settings.KAOHE_ROSTER_MAX_BYTES, max_rows=settings.KAOHE_ROSTER_MAX_ROWS
    )
    try:
        with open_upload(upload, size=size, limits=limits) as book:
            yield from book.rows()
    except WorkbookRefused as exc:
        raise _refuse(exc.message, exc.code) from exc


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return str(value).strip()


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value).replace("/", "-").replace(".", "-")
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    parts = text.split("-")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        try:
            return dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
        except ValueError:
            return None
    return None


@dataclass
class _Lookups:
    units: dict[str, Unit]
    ranks: dict[str, RankLevel]
    categories: dict[str, PersonnelCategory]
    # The unit as the template's drop-down writes it, "D001（区人社局）".
    unit_labels: dict[str, Unit] = field(default_factory=dict)

    def unit(self, text: str) -> Unit | None:
        return self.units.get(text) or self.unit_labels.get(text)


def _lookups(user: User) -> _Lookups:
    region_id = region_id_of(user)
    units = {u.code: u for u in visible_units(user, ADMIN_ROLES)}
    return _Lookups(
        units=units,
        ranks={r.name: r for r in RankLevel.objects.filter(region_id=region_id)},
        categories={c.name: c for c in PersonnelCategory.objects.filter(region_id=region_id)},
        unit_labels={unit_label(code, u.name): u for code, u in units.items()},
    )


def _choice_error(value: str, choices: list[str]) -> str:
    return _("“%(value)s” does not exist; choose from: %(choices)s") % {
        "value": value,
        "choices": "、".join(choices),
    }


def parse_rows(
    rows: Iterator[tuple[int, tuple[Any, ...]]], lookups: _Lookups
) -> tuple[list[RosterRow], list[RowError]]:
    """Validate every row; return the good rows and every error found."""
    errors: list[RowError] = []
    header_row = next(rows, None)
    if header_row is None:
        return [], [RowError(0, "", _("The file is empty. Download the template and fill it in."))]
    index = {_text(v): i for i, v in enumerate(header_row[1]) if _text(v)}
    missing = [c for c in COLUMNS if c in REQUIRED and c not in index]
    if missing:
        return [], [
            RowError(
                0,
                "",
                _("The header row lacks the columns %(cols)s. Use the template's first row.")
                % {"cols": "、".join(missing)},
            )
        ]
    parsed: list[RosterRow] = []
    seen: dict[str, int] = {}
    # The reader has refused a file with more rows than KAOHE_ROSTER_MAX_ROWS.
    for number, cells in rows:
        values = {c: (cells[i] if i < len(cells) else None) for c, i in index.items()}
        if all(_text(v) == "" for v in values.values()):
            continue  # blank rows between blocks are common in hand-kept sheets
        row_errors: list[RowError] = []

        def err(
            column: str, message: str, _n: int = number, _e: list[RowError] = row_errors
        ) -> None:
            _e.append(RowError(_n, column, message))

        def required(column: str, _values: dict[str, Any] = values) -> str:
            text = _text(_values.get(column))
            if not text and column in REQUIRED:
                err(column, _("this column must not be empty"))
            return text

        def identifier(column: str, _values: dict[str, Any] = values) -> str:
            text = identifier_text(_values.get(column))
            if text is None:
                err(column, identifier_message())
                return ""
            if not text and column in REQUIRED:
                err(column, _("this column must not be empty"))
            return text

        staff_no = identifier(COL_STAFF_NO)
        if staff_no in seen:
            err(
                COL_STAFF_NO,
                _("“%(no)s” already appears in row %(row)s")
                % {"no": staff_no, "row": seen[staff_no]},
            )
        elif staff_no:
            seen[staff_no] = number
        if len(staff_no) > 32:
            err(COL_STAFF_NO, _("at most 32 characters"))
        name = required(COL_NAME)
        if len(name) > 50:
            err(COL_NAME, _("at most 50 characters"))
        gender_text = _text(values.get(COL_GENDER))
        if gender_text and gender_text not in GENDER_NAMES:
            err(COL_GENDER, _choice_error(gender_text, list(GENDER_NAMES)))
        birth_raw = values.get(COL_BIRTH)
        birth = _date(birth_raw)
        if _text(birth_raw) and birth is None:
            err(
                COL_BIRTH,
                _("“%(value)s” is not a date; write it as 1985-07-01")
                % {"value": _text(birth_raw)},
            )
        unit_code = identifier(COL_UNIT)
        unit = lookups.unit(unit_code)
        if unit_code and unit is None:
            err(
                COL_UNIT,
                _("unit code “%(code)s” does not exist or is outside the units you manage")
                % {"code": unit_code},
            )
        post = _text(values.get(COL_POST))
        if len(post) > 100:
            err(COL_POST, _("at most 100 characters"))
        rank_text = required(COL_RANK)
        rank = lookups.ranks.get(rank_text)
        if rank_text and rank is None:
            err(COL_RANK, _choice_error(rank_text, list(lookups.ranks)))
        category_text = required(COL_CATEGORY)
        category = lookups.categories.get(category_text)
        if category_text and category is None:
            err(COL_CATEGORY, _choice_error(category_text, list(lookups.categories)))
        role_text = required(COL_ROLE)
        if role_text and role_text not in ROLE_NAMES:
            err(COL_ROLE, _choice_error(role_text, list(ROLE_NAMES)))
        status_text = required(COL_STATUS)
        if status_text and status_text not in STATUS_NAMES:
            err(COL_STATUS, _choice_error(status_text, list(STATUS_NAMES)))
        from_raw = values.get(COL_FROM)
        valid_from = _date(from_raw)
        if _text(from_raw) and valid_from is None:
            err(
                COL_FROM,
                _("“%(value)s” is not a date; write it as 2026-01-01") % {"value": _text(from_raw)},
            )

        if row_errors:
            errors.extend(row_errors)
            continue
        assert unit and rank and category and valid_from  # guaranteed by the checks above
        parsed.append(
            RosterRow(
                row=number,
                staff_no=staff_no,
                name=name,
                gender=GENDER_NAMES.get(gender_text, ""),
                birth_date=birth,
                unit=unit,
                post=post,
                rank_level=rank,
                personnel_category=category,
                leadership_role=ROLE_NAMES[role_text],
                status=STATUS_NAMES[status_text],
                valid_from=valid_from,
            )
        )
    if not parsed and not errors:
        errors.append(RowError(0, "", _("The file has no data rows below the header.")))
    return parsed, errors


# ---------------------------------------------------------------- importing


def _chunks(items: list[str], size: int = 900) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@transaction.atomic
def roster_import(
    *,
    actor: User,
    upload: IO[bytes],
    size: int,
    file_name: str = "",
    progress: Callable[[int, int], None] | None = None,
) -> RosterImportResult:
    """Import a roster workbook, all or nothing.

    Raises ValidationFailed whose `problems` list every wrong row (as RowError reads) when any
    row is wrong; the database is then left exactly as it was. `progress(done, of)`
    hears how far it is (a large file runs as a background job, kaohe.jobs).
    """
    progress = progress or (lambda done, total: None)
    if not (ADMIN_ROLES & roles_of(actor)):
        raise _refuse(
            _("Only unit and region administrators may import rosters."),
            OrgErrorCode.NOT_ROSTER_ADMIN,
        )
    region = Region.objects.get(pk=region_id_of(actor))
    lookups = _lookups(actor)
    rows, errors = parse_rows(read_workbook_rows(upload, size), lookups)
    progress(40, 100)
    file_errors = [e for e in errors if e.row == 0]
    if file_errors:
        raise _refuse(file_errors[0].message, OrgErrorCode.ROSTER_FILE_INVALID)

    staff_nos = [r.staff_no for r in rows]
    people: dict[str, Person] = {}
    for chunk in _chunks(staff_nos):
        people.update(
            (p.staff_no, p) for p in Person.objects.filter(region=region, staff_no__in=chunk)
        )
    latest: dict[int, Membership] = {}
    person_ids = [p.pk for p in people.values()]
    for start in range(0, len(person_ids), 900):
        for m in Membership.objects.filter(person_id__in=person_ids[start : start + 900]).order_by(
            "person_id", "valid_from"
        ):
            latest[m.person_id] = m  # ordered by start, so the last one wins

    scope_unit_ids = {u.pk for u in lookups.units.values()}
    frozen = frozen_periods(region.pk)
    for row in rows:
        person = people.get(row.staff_no)
        current = latest.get(person.pk) if person else None
        if frozen and (current is None or _differs(current, row)):
            errors.extend(_frozen_errors(row, frozen))
        if current is None:
            continue  # a new person, or one with no position yet: nothing to protect
        if current.unit_id not in scope_unit_ids:
            errors.append(
                RowError(
                    row.row,
                    COL_STAFF_NO,
                    # Only that it is taken: where the person works is not this admin's to know.
                    _(
                        "“%(no)s” is already taken; if this is the same person, "
                        "ask the region administrator to transfer them"
                    )
                    % {"no": row.staff_no},
                )
            )
        elif _differs(current, row) and row.valid_from <= current.valid_from:
            errors.append(
                RowError(
                    row.row,
                    COL_FROM,
                    _(
                        "the position changed, so the start date must be after %(date)s, "
                        "when the current position began"
                    )
                    % {"date": current.valid_from.isoformat()},
                )
            )
    if errors:
        errors.sort(key=lambda e: (e.row, COLUMNS.index(e.column) if e.column in COLUMNS else 0))
        raise ValidationFailed(
            _("%(count)s problems found; nothing was imported.") % {"count": len(errors)},
            problems=errors,
            code=OrgErrorCode.ROSTER_ROWS_INVALID,
        )

    progress(60, 100)
    result = RosterImportResult(rows=len(rows), all_staff_nos=staff_nos, frozen=frozen)
    new_people = [
        Person(
            region=region,
            staff_no=r.staff_no,
            name=r.name,
            gender=r.gender,
            birth_date=r.birth_date,
        )
        for r in rows
        if r.staff_no not in people
    ]
    for person in Person.objects.bulk_create(new_people):
        people[person.staff_no] = person
    result.people_created = len(new_people)
    result.new_staff_nos = [p.staff_no for p in new_people]

    changed_people: list[Person] = []
    closed: list[Membership] = []
    opened: list[Membership] = []
    for r in rows:
        person = people[r.staff_no]
        if person.pk in latest and (
            person.name != r.name
            or person.gender != r.gender
            or (r.birth_date is not None and person.birth_date != r.birth_date)
        ):
            person.name, person.gender = r.name, r.gender
            person.birth_date = r.birth_date or person.birth_date
            changed_people.append(person)
        current = latest.get(person.pk)
        if current is not None and not _differs(current, r):
            if person not in changed_people:
                result.unchanged += 1
            continue
        if current is not None and (current.valid_to is None or current.valid_to >= r.valid_from):
            current.valid_to = r.valid_from - dt.timedelta(days=1)
            closed.append(current)
        if current is not None:
            result.positions_changed += 1
        opened.append(
            Membership(
                region=region, person=person, valid_from=r.valid_from, **r.membership_fields()
            )
        )
        result.staff_nos.append(r.staff_no)
    Person.objects.bulk_update(changed_people, ["name", "gender", "birth_date"], batch_size=500)
    Membership.objects.bulk_update(closed, ["valid_to"], batch_size=500)
    Membership.objects.bulk_create(opened, batch_size=500)
    result.people_updated = len(changed_people)
    result.memberships_opened = len(opened)
    audit_record(
        actor=actor,
        action=AuditAction.ORG_ROSTER_IMPORT,
        region=region,
        details={
            "file": file_name[:200],
            "rows": result.rows,
            "people_created": result.people_created,
            "people_updated": result.people_updated,
            "memberships_opened": result.memberships_opened,
            "positions_changed": result.positions_changed,
            "unchanged": result.unchanged,
            "changed_staff_nos": result.staff_nos,
        },
    )
    unit_counts_forget(region.pk)
    return result


def _frozen_errors(row: RosterRow, frozen: list[FrozenPeriod]) -> list[RowError]:
    """A new or changed position dated within a period whose voting is open would add
    the person to that round's ballots, or move them, while people are voting: refused,
    naming the round, until its voting closes (see docs/decisions.md)."""
    period = next((p for p in frozen if row.valid_from <= p.last_day), None)
    if period is None:
        return []
    message = _(
        "%(date)s is on or before %(last)s, the last day of %(round)s, whose voting is "
        "open; its raters and the people rated stay as they were when voting opened. "
        "Import this row after its voting closes."
    ) % {
        "date": row.valid_from.isoformat(),
        "last": period.last_day.isoformat(),
        "round": period.label,
    }
    return [RowError(row.row, COL_FROM, message)]


def _differs(current: Membership, row: RosterRow) -> bool:
    return any(getattr(current, key) != value for key, value in row.membership_fields().items())


# ---------------------------------------------------------------- writing


_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def _save(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def roster_template(user: User) -> bytes:
    """An empty roster with the header row, instructions and the allowed values."""
    lookups = _lookups(user)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "人员名册"
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
    for letter in "ABCDEFGHIJK":
        sheet.column_dimensions[letter].width = 14
    for column in IDENTIFIER_COLUMNS:
        # Typed into a Text column, 110101199001011234 keeps all 18 digits.
        sheet.column_dimensions[get_column_letter(column + 1)].number_format = TEXT_FORMAT
    notes = book.create_sheet("填写说明")
    for line in (
        "每行一人，写明此人自“起始日期”起担任的职务。",
        "人员编号是唯一标识；已存在的人员如有变动（单位、职务、职级、类别、角色、状态），"
        "会在起始日期前一天结束原记录并新增一条记录；没有变动的行不作修改。",
        "必填列：" + "、".join(c for c in COLUMNS if c in REQUIRED) + "。",
        "日期格式：2026-01-01。性别：男 或 女。",
        "整份文件全部正确才会导入；有任何错误时不导入任何一行，并逐行列出错误。",
    ):
        append_row(notes, [line])
    notes.column_dimensions["A"].width = 100
    values = book.create_sheet(VALUES_SHEET)
    columns = [
        [COL_UNIT, *(unit_label(code, u.name) for code, u in lookups.units.items())],
        [COL_RANK, *lookups.ranks],
        [COL_CATEGORY, *lookups.categories],
        [COL_ROLE, *ROLE_NAMES],
        [COL_STATUS, *STATUS_NAMES],
        [COL_GENDER, *GENDER_NAMES],
    ]
    for row in zip_longest(*columns):
        append_row(values, row)
    # Each of these columns of the roster gets a drop-down over its list above.
    last_row = settings.KAOHE_ROSTER_MAX_ROWS + 1
    for position, (header, *choices) in enumerate(columns):
        choice_list(
            sheet,
            COLUMNS.index(header),
            source_sheet=VALUES_SHEET,
            source_column=position,
            count=len(choices),
            last_row=last_row,
            error=f"请从下拉列表中选择（见“{VALUES_SHEET}”表的“{header}”列）。",
        )
    return _save(book)


def roster_export(memberships: QuerySet[Membership]) -> bytes:
    """The given memberships as a roster file that re-imports without changes.

    Write-only mode keeps memory flat for large subtrees.
    """
    book = Workbook(write_only=True)
    sheet = book.create_sheet("人员名册")
    sheet.append(list(COLUMNS))
    for m in (
        memberships.select_related("person", "unit", "rank_level", "personnel_category")
        .order_by("unit__path", "person__staff_no")
        .iterator(chunk_size=2000)
    ):
        person = m.person
        append_row(
            sheet,
            [
                person.staff_no,
                person.name,
                _BY_VALUE["gender"].get(person.gender, ""),
                person.birth_date.isoformat() if person.birth_date else "",
                m.unit.code,
                m.post,
                m.rank_level.name,
                m.personnel_category.name,
                _BY_VALUE["role"][m.leadership_role],
                _BY_VALUE["status"][m.status],
                m.valid_from.isoformat(),
            ],
            identifiers=IDENTIFIER_COLUMNS,
        )
    return _save(book)
