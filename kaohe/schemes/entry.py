"""Entering indicator results per person and period: the grid and its Excel twin.

Cells are addressed by (person, indicator). Deductions with an automatic source
(missing logs, missing summaries) are filled from the work-log records and are
not typed. A save checks every cell first and writes all or nothing.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook

from kaohe.accounts.access import ADMIN_ROLES, scope_of
from kaohe.accounts.models import Role, User
from kaohe.core import clock
from kaohe.core.audit import audit_record
from kaohe.core.errors import ApplicationError, ValidationFailed
from kaohe.org.models import Membership, Person, Unit
from kaohe.schemes.models import (
    AutoSource,
    Indicator,
    IndicatorKind,
    IndicatorResult,
    Scheme,
    SchemeVersion,
    VersionState,
)
from kaohe.schemes.rollup import plain
from kaohe.worklogs.compliance import worklog_deductions
from kaohe.worklogs.rules import Period

ASSESSOR_ROLES = ADMIN_ROLES | {Role.UNIT_HEAD}
TRUE_WORDS = {"是", "1", "true", "yes", "on", "合格"}
FALSE_WORDS = {"否", "0", "false", "no", "不合格"}


def assessed_unit(user: User, unit_id: int) -> Unit:
    """The unit, if the user enters results for it (admins and its head); else 404."""
    unit = Unit.objects.filter(scope_of(user, ASSESSOR_ROLES).unit_filter(), pk=unit_id).first()
    if unit is None:
        raise Http404
    return unit


def versions_in_force(unit: Unit, period: Period) -> list[SchemeVersion]:
    """The latest approved trunk of the unit for the year, plus the quarter's approved
    supplement if there is one ("1+N")."""
    out: list[SchemeVersion] = []
    for part, quarter in ((Scheme.Part.TRUNK, 0), (Scheme.Part.SUPPLEMENT, period.quarter)):
        version = (
            SchemeVersion.objects.filter(
                scheme__unit=unit,
                scheme__role=Scheme.Role.UNIT,
                scheme__part=part,
                scheme__year=period.year,
                scheme__quarter=quarter,
                state=VersionState.APPROVED,
            )
            .select_related("scheme")
            .order_by("-number")
            .first()
        )
        if version is not None:
            out.append(version)
    return out


@dataclass
class Column:
    indicator: Indicator
    path: str  # "绩 / 完成任务"
    auto: bool


@dataclass
class Grid:
    unit: Unit
    period: Period
    versions: list[SchemeVersion]
    columns: list[Column]
    people: list[Person]
    cells: dict[tuple[int, int], str] = field(default_factory=dict)  # (person, indicator) → text


def _leaves(versions: list[SchemeVersion]) -> list[Column]:
    rows = list(
        Indicator.objects.filter(version__in=versions).order_by("version_id", "position", "id")
    )
    by_parent: dict[int | None, list[Indicator]] = defaultdict(list)
    for row in rows:
        by_parent[row.parent_id].append(row)
    columns: list[Column] = []

    def walk(parent: int | None, trail: list[str]) -> None:
        for row in by_parent.get(parent, []):
            if row.kind == IndicatorKind.GROUP:
                walk(row.pk, [*trail, row.name])
            else:
                columns.append(Column(row, " / ".join([*trail, row.name]), bool(row.auto_source)))

    walk(None, [])
    return columns


def _text(result: IndicatorResult | None, kind: str) -> str:
    if result is None:
        return ""
    if kind == IndicatorKind.DEDUCTION:
        return "" if result.occurrences is None else str(result.occurrences)
    if kind in (IndicatorKind.VETO, IndicatorKind.PASS_FAIL):
        if result.flag is None:
            return ""
        if kind == IndicatorKind.VETO:
            return "是" if result.flag else "否"
        return "合格" if result.flag else "不合格"
    return "" if result.value is None else plain(result.value)


def entry_grid(user: User, unit_id: int, period: Period) -> Grid:
    """The grid for one unit and quarter: people in scope × leaf indicators."""
    unit = assessed_unit(user, unit_id)
    versions = versions_in_force(unit, period)
    if not versions:
        raise ApplicationError(
            _("%(unit)s has no approved scheme for %(year)s, so results cannot be entered yet.")
            % {"unit": unit.name, "year": period.year}
        )
    columns = _leaves(versions)
    people = [
        m.person
        for m in Membership.objects.filter(unit=unit)
        .on(period.end)
        .in_scope()
        .select_related("person")
        .order_by("person__staff_no")
    ]
    grid = Grid(unit, period, versions, columns, people)
    kinds = {c.indicator.pk: c.indicator.kind for c in columns}
    for result in IndicatorResult.objects.filter(
        indicator__in=[c.indicator for c in columns],
        year=period.year,
        quarter=period.quarter,
        unit=unit,
    ):
        grid.cells[(result.person_id, result.indicator_id)] = _text(
            result, kinds[result.indicator_id]
        )
    _fill_automatic(grid)
    return grid


def _fill_automatic(grid: Grid) -> None:
    auto = [c for c in grid.columns if c.auto]
    if not auto or not grid.people:
        return
    deductions = worklog_deductions(
        region_id=grid.unit.region_id,
        period=grid.period,
        today=clock.today(),
        person_ids=[p.pk for p in grid.people],
    )
    for column in auto:
        for person in grid.people:
            d = deductions[person.pk]
            count = (
                d.missing_logs
                if column.indicator.auto_source == AutoSource.MISSING_LOGS
                else d.missing_quarterly_summaries + d.missing_annual_summary
            )
            grid.cells[(person.pk, column.indicator.pk)] = str(count)


def _parse(column: Column, person: Person, raw: str) -> tuple[dict[str, Any] | None, str | None]:
    """The result fields for one cell, or an error naming the person and indicator."""
    ind = column.indicator
    text = raw.strip()
    if text == "":
        return None, None
    where = f"{person.name}「{ind.name}」"
    if ind.kind == IndicatorKind.DEDUCTION:
        if not text.isdigit():
            return None, _("%(where)s: write the number of occurrences, e.g. 2.") % {"where": where}
        return {"occurrences": int(text)}, None
    if ind.kind in (IndicatorKind.VETO, IndicatorKind.PASS_FAIL):
        if text.lower() in TRUE_WORDS:
            return {"flag": True}, None
        if text.lower() in FALSE_WORDS:
            return {"flag": False}, None
        choices = "是/否" if ind.kind == IndicatorKind.VETO else "合格/不合格"
        return None, _("%(where)s: write %(choices)s.") % {"where": where, "choices": choices}
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None, _("%(where)s: “%(value)s” is not a number.") % {
            "where": where,
            "value": text[:12],
        }
    limit = ind.max_points if ind.kind == IndicatorKind.SCORED else ind.cap
    if value < 0 or value > limit:
        return None, _("%(where)s: %(value)s is outside 0 to %(max)s.") % {
            "where": where,
            "value": text,
            "max": plain(limit),
        }
    return {"value": value}, None


@transaction.atomic
def results_save(
    *, actor: User, grid: Grid, cells: Mapping[tuple[int, int], str], source: str = "grid"
) -> int:
    """Validate every cell, then write all of them or none. Automatic cells are
    stored as computed, whatever was sent for them."""
    parsed: dict[tuple[int, int], dict[str, Any] | None] = {}
    problems: list[str] = []
    columns = {c.indicator.pk: c for c in grid.columns}
    for person in grid.people:
        for column in grid.columns:
            key = (person.pk, column.indicator.pk)
            raw = grid.cells.get(key, "") if column.auto else cells.get(key, "")
            fields, problem = _parse(column, person, raw)
            if problem:
                problems.append(problem)
            parsed[key] = fields
    if problems:
        raise ValidationFailed(
            _("%(n)s cells are wrong; nothing was saved.") % {"n": len(problems)},
            {"problems": problems},
        )
    existing = {
        (r.person_id, r.indicator_id): r
        for r in IndicatorResult.objects.select_for_update().filter(
            indicator__in=[c.indicator for c in grid.columns],
            year=grid.period.year,
            quarter=grid.period.quarter,
            person__in=grid.people,
        )
    }
    blank = {"value": None, "occurrences": None, "flag": None}
    to_create, to_update, to_delete = [], [], []
    for (person_id, indicator_id), fields in parsed.items():
        current = existing.get((person_id, indicator_id))
        if fields is None:
            if current is not None:
                to_delete.append(current.pk)
            continue
        values = {**blank, **fields}
        if current is None:
            to_create.append(
                IndicatorResult(
                    version_id=columns[indicator_id].indicator.version_id,
                    indicator_id=indicator_id,
                    unit=grid.unit,
                    person_id=person_id,
                    year=grid.period.year,
                    quarter=grid.period.quarter,
                    **values,
                )
            )
        elif any(getattr(current, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(current, k, v)
            to_update.append(current)
    IndicatorResult.objects.filter(pk__in=to_delete).delete()
    IndicatorResult.objects.bulk_create(to_create, batch_size=2000)
    # One UPDATE per distinct value rather than bulk_update's CASE per row: grids
    # repeat a handful of values, and the CASE expressions dominate for thousands of cells.
    groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for r in to_update:
        groups[(r.value, r.occurrences, r.flag)].append(r.pk)
    now = timezone.now()
    for (value, occurrences, flag), ids in groups.items():
        IndicatorResult.objects.filter(pk__in=ids).update(
            value=value, occurrences=occurrences, flag=flag, updated_at=now
        )
    changed = len(to_create) + len(to_update) + len(to_delete)
    audit_record(
        actor=actor,
        action="schemes.results.save",
        obj=grid.unit,
        region=grid.unit.region,
        details={
            "year": grid.period.year,
            "quarter": grid.period.quarter,
            "source": source,
            "created": len(to_create),
            "updated": len(to_update),
            "cleared": len(to_delete),
        },
    )
    return changed


# ---------------------------------------------------------------- Excel round-trip

META_SHEET = "方案信息"


def grid_workbook(grid: Grid) -> bytes:
    """The grid as a workbook: row 1 names, row 2 the indicator keys (hidden), and a
    sheet that records which scheme versions the columns belong to."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "指标结果"
    sheet.append(["人员编号", "姓名", *(c.path for c in grid.columns)])
    sheet.append(["key", "", *(str(c.indicator.key) for c in grid.columns)])
    sheet.row_dimensions[2].hidden = True
    for person in grid.people:
        sheet.append(
            [
                person.staff_no,
                person.name,
                *(grid.cells.get((person.pk, c.indicator.pk), "") for c in grid.columns),
            ]
        )
    meta = book.create_sheet(META_SHEET)
    meta.append(["单位", grid.unit.code, grid.unit.name])
    meta.append(["期间", grid.period.year, grid.period.quarter])
    for version in grid.versions:
        meta.append(["方案版本", version.pk, str(version)])
    meta.append(["说明", "自动计算的扣分（如缺日志）以系统为准，表中修改不生效。"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def cells_from_workbook(grid: Grid, upload: IO[bytes]) -> dict[tuple[int, int], str]:
    """Read an uploaded grid, refusing a sheet made for another unit, period or version."""
    try:
        book = load_workbook(upload, read_only=True, data_only=True)
        meta = (
            [list(r) for r in book[META_SHEET].iter_rows(values_only=True)]
            if META_SHEET in book.sheetnames
            else []
        )
        rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
        book.close()
    except Exception as exc:  # openpyxl raises many kinds on damaged files
        raise ApplicationError(_("The file is damaged or is not an Excel .xlsx workbook.")) from exc
    expected_versions = sorted(v.pk for v in grid.versions)
    sent_versions = sorted(
        int(str(r[1])) for r in meta if r and r[0] == "方案版本" and str(r[1]).isdigit()
    )
    period_row = next((r for r in meta if r and r[0] == "期间"), None)
    unit_row = next((r for r in meta if r and r[0] == "单位"), None)
    if (
        sent_versions != expected_versions
        or unit_row is None
        or str(unit_row[1]) != grid.unit.code
        or period_row is None
        or [period_row[1], period_row[2]] != [grid.period.year, grid.period.quarter]
    ):
        raise ApplicationError(
            _(
                "This sheet was made for another unit, period or scheme version; download the "
                "current template for %(unit)s, %(period)s and fill that in."
            )
            % {"unit": grid.unit.name, "period": grid.period.label()}
        )
    if len(rows) < 2 or [str(k) for k in rows[1][2:] if k] != [
        str(c.indicator.key) for c in grid.columns
    ]:
        raise ApplicationError(
            _(
                "The indicator columns do not match the scheme version; "
                "do not add, remove or move columns."
            )
        )
    people = {p.staff_no: p for p in grid.people}
    cells: dict[tuple[int, int], str] = {}
    unknown: list[str] = []
    for number, row in enumerate(rows[2:], start=3):
        staff_no = "" if row[0] is None else str(row[0]).strip()
        if not staff_no:
            continue
        person = people.get(staff_no)
        if person is None:
            unknown.append(
                _("Row %(row)s: %(no)s is not assessed in this unit and period.")
                % {"row": number, "no": staff_no}
            )
            continue
        for column, value in zip(grid.columns, row[2:], strict=False):
            cells[(person.pk, column.indicator.pk)] = "" if value is None else str(value)
    if unknown:
        raise ValidationFailed(" ".join(unknown), {"problems": unknown})
    return cells
