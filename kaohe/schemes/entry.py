"""Entering indicator results per person and period: the grid and its Excel twin.

Cells are addressed by (person, indicator). Deductions with an automatic source
(missing logs, missing summaries) are filled from the work-log records and are
not typed. A save checks every cell first and writes all or nothing.
"""

from __future__ import annotations

import io
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from kaohe.accounts.access import ADMIN_ROLES, scope_of
from kaohe.accounts.models import Role, User
from kaohe.core import clock
from kaohe.core.audit import audit_record
from kaohe.core.errors import ApplicationError, ValidationFailed
from kaohe.core.sql import table as _table
from kaohe.core.workbooks import (
    MAX_COLUMNS,
    Limits,
    append_row,
    identifier_message,
    identifier_text,
    open_upload,
)
from kaohe.org.models import Membership, Person, Unit
from kaohe.schemes.models import (
    AutoSource,
    Indicator,
    IndicatorKind,
    IndicatorResult,
    SchemeVersion,
)
from kaohe.schemes.numbers import finite_decimal, two_places
from kaohe.schemes.rollup import plain
from kaohe.schemes.selectors import versions_in_force
from kaohe.worklogs.compliance import worklog_deductions
from kaohe.worklogs.rules import Period

# The many-to-many table linking results to the work logs that evidence them.
EvidenceLink = IndicatorResult.evidence_logs.through
ASSESSOR_ROLES = ADMIN_ROLES | {Role.UNIT_HEAD}
TRUE_WORDS = {"是", "1", "true", "yes", "on", "合格"}
FALSE_WORDS = {"否", "0", "false", "no", "不合格"}


def assessed_unit(user: User, unit_id: int) -> Unit:
    """The unit, if the user enters results for it (admins and its head); else 404."""
    unit = (
        Unit.objects.filter(scope_of(user, ASSESSOR_ROLES).unit_filter(), pk=unit_id)
        .select_related("region")  # for the audit rows of saves
        .first()
    )
    if unit is None:
        raise Http404
    return unit


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
    evidence: dict[tuple[int, int], int] = field(default_factory=dict)  # → linked logs


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
                # Only a deduction counts occurrences; a source on any other kind is ignored.
                automatic = bool(row.auto_source) and row.kind == IndicatorKind.DEDUCTION
                columns.append(Column(row, " / ".join([*trail, row.name]), automatic))

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
    ).annotate(n_evidence=Count("evidence_logs")):
        key = (result.person_id, result.indicator_id)
        grid.cells[key] = _text(result, kinds[result.indicator_id])
        if result.n_evidence:
            grid.evidence[key] = result.n_evidence
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


# A quarter's occurrences of one item: thousands would be a typing slip.
MAX_OCCURRENCES = 9999


def _parse(column: Column, person: Person, raw: str) -> tuple[dict[str, Any] | None, str | None]:
    """The result fields for one cell, or an error naming the person and indicator."""
    ind = column.indicator
    text = raw.strip()
    if text == "":
        return None, None
    where = f"{person.name}「{ind.name}」"
    if ind.kind == IndicatorKind.DEDUCTION:
        # isdecimal, not isdigit: "²" is a digit that int() cannot read.
        if not text.isdecimal():
            return None, _("%(where)s: write the number of occurrences, e.g. 2.") % {"where": where}
        if int(text) > MAX_OCCURRENCES:
            return None, _("%(where)s: at most %(n)s occurrences.") % {
                "where": where,
                "n": MAX_OCCURRENCES,
            }
        return {"occurrences": int(text)}, None
    if ind.kind in (IndicatorKind.VETO, IndicatorKind.PASS_FAIL):
        if text.lower() in TRUE_WORDS:
            return {"flag": True}, None
        if text.lower() in FALSE_WORDS:
            return {"flag": False}, None
        choices = "是/否" if ind.kind == IndicatorKind.VETO else "合格/不合格"
        return None, _("%(where)s: write %(choices)s.") % {"where": where, "choices": choices}
    value = finite_decimal(text)
    if value is None:
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
    if not two_places(value):
        return None, _("%(where)s: %(value)s has more than two decimals.") % {
            "where": where,
            "value": text,
        }
    return {"value": value}, None


def needs_evidence(kind: str, fields: Mapping[str, Any] | None) -> bool:
    """Whether a result departs from the indicator's default, so that an indicator
    with `evidence_required` must have evidence for it: points or a bonus above 0,
    a deduction of one or more occurrences, a veto triggered, a pass/fail failed."""
    if not fields:
        return False
    if kind == IndicatorKind.DEDUCTION:
        return bool(fields.get("occurrences"))
    if kind == IndicatorKind.VETO:
        return fields.get("flag") is True
    if kind == IndicatorKind.PASS_FAIL:
        return fields.get("flag") is False
    value = fields.get("value")
    return value is not None and value > 0


def evidence_missing(column: Column, person: Person, text: str, linked: int) -> bool:
    """Whether the cell's text, once saved, would be refused for lack of evidence."""
    if linked or column.auto or not column.indicator.evidence_required:
        return False
    return needs_evidence(column.indicator.kind, _parse(column, person, text)[0])


def stale_versions_message() -> str:
    return _(
        "A new version of the scheme was approved while this page was open, and the "
        "results entered so far moved to it; nothing was saved. Reload the page and "
        "enter your changes again."
    )


def lock_unit(unit_id: int) -> None:
    """Hold the unit's row until the transaction ends, so that a write of results
    and an approval of one of the unit's schemes (which moves results between
    versions, services.version_approve) never interleave."""
    list(Unit.objects.select_for_update().filter(pk=unit_id).values_list("pk", flat=True))


def lock_versions(unit: Unit, period: Period, version_ids: Sequence[int]) -> None:
    """`lock_unit`, then refuse, with nothing written, if `version_ids` are no longer
    the versions in force."""
    lock_unit(unit.pk)
    if [v.pk for v in versions_in_force(unit, period)] != list(version_ids):
        raise ApplicationError(stale_versions_message())


@transaction.atomic
def results_save(
    *, actor: User, grid: Grid, cells: Mapping[tuple[int, int], str], source: str = "grid"
) -> int:
    """Validate every cell, then write all of them or none. Automatic cells are
    stored as computed, whatever was sent for them; a cell not sent at all keeps
    what it holds.

    The writes are a fixed number of statements whatever the size of the grid:
    one SELECT … FOR UPDATE of the stored results, at most one upsert of every
    created or changed cell and one DELETE of the cleared ones (each passing its
    rows as a single JSON or array parameter), and the audit row."""
    lock_versions(grid.unit, grid.period, [v.pk for v in grid.versions])
    parsed: dict[tuple[int, int], dict[str, Any] | None] = {}
    problems: list[str] = []
    columns = {c.indicator.pk: c for c in grid.columns}
    for person in grid.people:
        for column in grid.columns:
            key = (person.pk, column.indicator.pk)
            sent = not column.auto and key in cells
            raw = cells[key] if sent else grid.cells.get(key, "")
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
        for r in IndicatorResult.objects.select_for_update()
        .filter(
            indicator__in=[c.indicator.pk for c in grid.columns],
            year=grid.period.year,
            quarter=grid.period.quarter,
            person__in=[p.pk for p in grid.people],
        )
        .annotate(has_evidence=Exists(EvidenceLink.objects.filter(indicatorresult=OuterRef("pk"))))
        .only("id", "person_id", "indicator_id", "value", "occurrences", "flag")
    }
    people = {p.pk: p for p in grid.people}
    for (person_id, indicator_id), fields in parsed.items():
        column = columns[indicator_id]
        current = existing.get((person_id, indicator_id))
        if (
            column.indicator.evidence_required
            and not column.auto
            and needs_evidence(column.indicator.kind, fields)
            and not (current is not None and current.has_evidence)
        ):
            problems.append(
                _(
                    "%(where)s needs evidence: tap “Evidence” in that cell, tick the work "
                    "logs that support the result, then save again."
                )
                % {"where": f"{people[person_id].name}「{column.indicator.name}」"}
            )
    if problems:
        raise ValidationFailed(
            _("%(n)s results lack the evidence their indicator requires; nothing was saved.")
            % {"n": len(problems)},
            {"problems": problems},
        )
    blank: dict[str, Any] = {"value": None, "occurrences": None, "flag": None}
    upserts: list[dict[str, Any]] = []
    to_delete: list[int] = []
    created = updated = cleared = 0
    for (person_id, indicator_id), fields in parsed.items():
        current = existing.get((person_id, indicator_id))
        if fields is None:
            if current is None or (
                current.value is None and current.occurrences is None and current.flag is None
            ):
                continue
            cleared += 1
            if not current.has_evidence:
                to_delete.append(current.pk)
                continue
            values = blank  # the evidence stays, linked to an empty result
        else:
            values = {**blank, **fields}
            if current is None:
                created += 1
            elif any(getattr(current, k) != v for k, v in values.items()):
                updated += 1
            else:
                continue
        upserts.append(
            {
                "ver": columns[indicator_id].indicator.version_id,
                "ind": indicator_id,
                "per": person_id,
                "val": None if values["value"] is None else str(values["value"]),
                "occ": values["occurrences"],
                "flag": values["flag"],
            }
        )
    _upsert(grid, upserts)
    _delete(to_delete)
    audit_record(
        actor=actor,
        action="schemes.results.save",
        obj=grid.unit,
        region=grid.unit.region,
        details={
            "year": grid.period.year,
            "quarter": grid.period.quarter,
            "source": source,
            "created": created,
            "updated": updated,
            "cleared": cleared,
        },
    )
    return created + updated + cleared


def _upsert(grid: Grid, rows: list[dict[str, Any]]) -> None:
    """Insert or update every row in one statement, the rows being one JSON parameter
    (so SQLite's bound-parameter limit never splits it). Needs SQLite ≥ 3.24 for
    ON CONFLICT … DO UPDATE; the conflict target is `uniq_indicator_result`."""
    if not rows:
        return
    payload = json.dumps(rows)
    now = timezone.now()
    head = (
        f"INSERT INTO {_table(IndicatorResult)} (version_id, indicator_id, unit_id, person_id,"
        " year, quarter, value, occurrences, flag, note, updated_at) "
    )
    tail = (
        " ON CONFLICT (indicator_id, person_id, year, quarter) DO UPDATE SET"
        " value = excluded.value, occurrences = excluded.occurrences,"
        " flag = excluded.flag, updated_at = excluded.updated_at"
    )
    if connection.vendor == "postgresql":
        select = (
            "SELECT r.ver, r.ind, %s, r.per, %s, %s, r.val, r.occ, r.flag, '', %s"
            " FROM jsonb_to_recordset(%s::jsonb)"
            " AS r(ver bigint, ind bigint, per bigint, val numeric, occ integer, flag boolean)"
        )
    elif connection.vendor == "sqlite":
        # "WHERE true" keeps SQLite from reading ON CONFLICT as a join's ON clause.
        select = (
            "SELECT json_extract(j.value, '$.ver'), json_extract(j.value, '$.ind'), %s,"
            " json_extract(j.value, '$.per'), %s, %s, json_extract(j.value, '$.val'),"
            " json_extract(j.value, '$.occ'), json_extract(j.value, '$.flag'), '', %s"
            " FROM json_each(%s) AS j WHERE true"
        )
    else:  # pragma: no cover - settings only accept SQLite and PostgreSQL
        raise NotImplementedError(connection.vendor)
    params = [
        grid.unit.pk,
        grid.period.year,
        grid.period.quarter,
        connection.ops.adapt_datetimefield_value(now),
        payload,
    ]
    with connection.cursor() as cursor:
        cursor.execute(head + select + tail, params)


def _delete(ids: list[int]) -> None:
    """Delete results (that have no evidence links) in one statement."""
    if not ids:
        return
    table = _table(IndicatorResult)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DELETE FROM {table} WHERE id = ANY(%s)", [ids])  # noqa: S608
        else:
            cursor.execute(
                f"DELETE FROM {table} WHERE id IN (SELECT value FROM json_each(%s))",  # noqa: S608
                [json.dumps(ids)],
            )


# ---------------------------------------------------------------- Excel round-trip

META_SHEET = "方案信息"


def grid_workbook(grid: Grid) -> bytes:
    """The grid as a workbook: row 1 names, row 2 the indicator keys (hidden), and a
    sheet that records which scheme versions the columns belong to."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "指标结果"
    # Names of people, indicators and units are typed by users: written as text only.
    append_row(sheet, ["人员编号", "姓名", *(c.path for c in grid.columns)])
    append_row(sheet, ["key", "", *(str(c.indicator.key) for c in grid.columns)])
    sheet.row_dimensions[2].hidden = True
    for person in grid.people:
        append_row(
            sheet,
            [
                person.staff_no,
                person.name,
                *(grid.cells.get((person.pk, c.indicator.pk), "") for c in grid.columns),
            ],
            identifiers=[0],
        )
    meta = book.create_sheet(META_SHEET)
    append_row(meta, ["单位", grid.unit.code, grid.unit.name], identifiers=[1])
    append_row(meta, ["期间", grid.period.year, grid.period.quarter])
    for version in grid.versions:
        append_row(meta, ["方案版本", version.pk, str(version)])
    append_row(meta, ["说明", "自动计算的扣分（如缺日志）以系统为准，表中修改不生效。"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _padded(row: tuple[Any, ...], width: int) -> list[Any]:
    """A row read from a file is as long as its last cell; the checks index it."""
    return [*row, *([None] * (width - len(row)))]


def cells_from_workbook(grid: Grid, upload: IO[bytes], size: int) -> dict[tuple[int, int], str]:
    """Read an uploaded grid, refusing a sheet made for another unit, period or version."""
    width = 2 + len(grid.columns)
    limits = Limits(
        max_bytes=settings.KAOHE_ROSTER_MAX_BYTES,
        max_rows=settings.KAOHE_ROSTER_MAX_ROWS,
        header_rows=2,
        max_columns=max(MAX_COLUMNS, width),
    )
    with open_upload(upload, size=size, limits=limits) as book:
        meta = (
            [_padded(r, 3) for _n, r in book.rows(META_SHEET)]
            if META_SHEET in book.sheet_names
            else []
        )
        rows = [_padded(r, width) for _n, r in book.rows()]
    expected_versions = sorted(v.pk for v in grid.versions)
    sent_versions = sorted(
        int(str(r[1])) for r in meta if r[0] == "方案版本" and str(r[1]).isdigit()
    )
    period_row = next((r for r in meta if r[0] == "期间"), None)
    unit_row = next((r for r in meta if r[0] == "单位"), None)
    if (
        sent_versions != expected_versions
        or unit_row is None
        or identifier_text(unit_row[1]) != grid.unit.code
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
        staff_no = identifier_text(row[0])
        if staff_no is None:
            unknown.append(
                _("Row %(row)s %(column)s: %(message)s")
                % {"row": number, "column": "人员编号", "message": identifier_message()}
            )
            continue
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
