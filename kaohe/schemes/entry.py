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
from decimal import Decimal
from typing import IO, Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, FloatField, QuerySet
from django.db.models.functions import Cast
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from kaohe.accounts.access import ADMIN_ROLES, scope_of
from kaohe.accounts.models import Role, User
from kaohe.core import clock, sql
from kaohe.core.audit import audit_record
from kaohe.core.audit_actions import AuditAction
from kaohe.core.errors import ApplicationError, ValidationFailed
from kaohe.core.workbooks import (
    MAX_COLUMNS,
    Limits,
    append_row,
    identifier_message,
    identifier_text,
    open_upload,
)
from kaohe.core.year_facts import year_facts_forget
from kaohe.org.models import Membership, Person, Unit
from kaohe.schemes.errors import SchemeErrorCode
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


def _text(kind: str, value: Decimal | None, occurrences: int | None, flag: bool | None) -> str:
    """A stored result as the grid shows it, to be read back by `_parse`."""
    if kind == IndicatorKind.DEDUCTION:
        return "" if occurrences is None else str(occurrences)
    if kind in (IndicatorKind.VETO, IndicatorKind.PASS_FAIL):
        if flag is None:
            return ""
        if kind == IndicatorKind.VETO:
            return "是" if flag else "否"
        return "合格" if flag else "不合格"
    return "" if value is None else plain(value)


def entry_grid(user: User, unit_id: int, period: Period, *, results: bool = True) -> Grid:
    """The grid for one unit and quarter: people in scope × leaf indicators, with
    the automatic cells computed and, unless `results` is False (a save reads them
    itself, under its lock), the stored results."""
    unit = assessed_unit(user, unit_id)
    versions = versions_in_force(unit, period)
    if not versions:
        raise ApplicationError(
            _("%(unit)s has no approved scheme for %(year)s, so results cannot be entered yet.")
            % {"unit": unit.name, "year": period.year},
            code=SchemeErrorCode.NO_APPROVED_SCHEME,
        )
    columns = _leaves(versions)
    # People, not memberships with their people: one model instance a row, not two,
    # and only the fields a grid shows or looks up (200 rows at 200 people).
    people = list(
        Person.objects.filter(
            pk__in=Membership.objects.filter(unit=unit)
            .on(period.end)
            .in_scope()
            .values("person_id")
        )
        .only("id", "name", "staff_no")
        .order_by("staff_no")
    )
    grid = Grid(unit, period, versions, columns, people)
    if results:
        load_results(grid)
    _fill_automatic(grid)
    return grid


def load_results(grid: Grid) -> None:
    """The stored results into the grid's cells, as text, and their evidence counts.
    Automatic cells are left alone: they show what the work records say."""
    kinds = {c.indicator.pk: c.indicator.kind for c in grid.columns if not c.auto}
    # Tuples, not model instances: a grid of 200 people holds 8,600 results.
    results = IndicatorResult.objects.filter(
        indicator__in=[c.indicator.pk for c in grid.columns],
        year=grid.period.year,
        quarter=grid.period.quarter,
        unit=grid.unit,
    )
    cells, evidence = grid.cells, grid.evidence
    stored = results.values_list("person_id", "indicator_id", "value", "occurrences", "flag")
    # A column holds a few distinct results ("8", "否", "合格"): each is written once.
    texts: dict[tuple[Any, ...], str] = {}
    for person_id, indicator_id, value, occurrences, flag in _raw(stored):
        kind = kinds.get(indicator_id)
        if kind is not None:
            shown = (kind, value, occurrences, flag)
            text = texts.get(shown)
            if text is None:
                number = None if value is None else Decimal(str(value))
                flagged = None if flag is None else bool(flag)
                text = texts[shown] = _text(kind, number, occurrences, flagged)
            cells[(person_id, indicator_id)] = text
    # Counted apart: a join and GROUP BY over every result cost more than this query.
    # As the driver returns them: Django's iteration took a third of this function at
    # 200 people (2,000 links in the bench).
    linked = (
        EvidenceLink.objects.filter(indicatorresult__in=results.values("id"))
        .values_list("indicatorresult__person_id", "indicatorresult__indicator_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for person_id, indicator_id, n in _raw(linked):
        evidence[(person_id, indicator_id)] = n


def _raw(rows: QuerySet[Any]) -> list[tuple[Any, ...]]:
    """A values_list query's rows as the driver returns them, without Django's
    converter call per value (a grid of 200 people is 8,600 rows): a decimal comes as
    an int or float from SQLite and a Decimal from PostgreSQL, a flag as 0/1 or a
    bool. Read them through `_key` or `Decimal(str(value))`."""
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched: list[tuple[Any, ...]] = cursor.fetchall()
        return fetched


def _key(value: Any, occurrences: int | None, flag: Any) -> Values:
    """A result's value, occurrences and flag as a save compares them, whichever way
    they were read: the value as a float (a number of at most 7 digits, two of them
    decimals, is one float whichever way it was written), the flag as a bool."""
    return (
        None if value is None else float(value),
        occurrences,
        None if flag is None else bool(flag),
    )


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
    # The cell's name goes into messages only: built when there is one, not per cell.
    if ind.kind == IndicatorKind.DEDUCTION:
        # isdecimal, not isdigit: "²" is a digit that int() cannot read.
        if not text.isdecimal():
            return None, _("%(where)s: write the number of occurrences, e.g. 2.") % {
                "where": _where(person, ind)
            }
        if int(text) > MAX_OCCURRENCES:
            return None, _("%(where)s: at most %(n)s occurrences.") % {
                "where": _where(person, ind),
                "n": MAX_OCCURRENCES,
            }
        return {"occurrences": int(text)}, None
    if ind.kind in (IndicatorKind.VETO, IndicatorKind.PASS_FAIL):
        if text.lower() in TRUE_WORDS:
            return {"flag": True}, None
        if text.lower() in FALSE_WORDS:
            return {"flag": False}, None
        choices = "是/否" if ind.kind == IndicatorKind.VETO else "合格/不合格"
        return None, _("%(where)s: write %(choices)s.") % {
            "where": _where(person, ind),
            "choices": choices,
        }
    value = finite_decimal(text)
    if value is None:
        return None, _("%(where)s: “%(value)s” is not a number.") % {
            "where": _where(person, ind),
            "value": text[:12],
        }
    limit = ind.max_points if ind.kind == IndicatorKind.SCORED else ind.cap
    if value < 0 or value > limit:
        return None, _("%(where)s: %(value)s is outside 0 to %(max)s.") % {
            "where": _where(person, ind),
            "value": text,
            "max": plain(limit),
        }
    if not two_places(value):
        return None, _("%(where)s: %(value)s has more than two decimals.") % {
            "where": _where(person, ind),
            "value": text,
        }
    return {"value": value}, None


def _where(person: Person, indicator: Indicator) -> str:
    return f"{person.name}「{indicator.name}」"


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
        raise ApplicationError(stale_versions_message(), code=SchemeErrorCode.STALE_VERSIONS)


# A result's value (as a float, see `_key`), occurrences and flag; what a result
# stores (value as text, occurrences, flag); the results of a column to store a value:
# the people whose results are new and those that exist (see `results_save`); a
# cell's text read for storing: its values, its queue and whether the result needs
# evidence.
Values = tuple[float | None, int | None, bool | None]
EMPTY: Values = (None, None, None)
Tail = tuple[str | None, int | None, bool | None]
Queue = tuple[list[int], list[int]]
Reading = tuple[Values | None, Queue, bool]


def _queue(by_id: bool) -> Queue:
    """A group's new results (by person) and existing ones: `by_id` (PostgreSQL, which
    updates them by id) by id, else by person in the same list, as SQLite's upsert
    writes both alike."""
    new: list[int] = []
    return (new, []) if by_id else (new, new)


def _reading(
    column: Column,
    fields: Mapping[str, Any] | None,
    evidenced: bool,
    groups: dict[Tail, Queue],
    by_id: bool,
) -> Reading:
    """A cell's fields as `results_save` compares and queues them; `groups` are the
    column's queues by what their results store (see `_queue` for `by_id`)."""
    tail = EMPTY_TAIL
    if fields is not None:
        value = fields.get("value")
        tail = (
            None if value is None else str(value),
            fields.get("occurrences"),
            fields.get("flag"),
        )
    queue = groups.get(tail)
    if queue is None:
        queue = groups[tail] = _queue(by_id)
    if fields is None:
        return None, queue, False
    return (
        _key(fields.get("value"), fields.get("occurrences"), fields.get("flag")),
        queue,
        evidenced and needs_evidence(column.indicator.kind, fields),
    )


EMPTY_TAIL: Tail = (None, None, None)


@transaction.atomic
def results_save(
    *, actor: User, grid: Grid, cells: Mapping[tuple[int, int], str], source: str = "grid"
) -> int:
    """Validate every cell sent, then write all of them or none. Automatic cells are
    stored as computed, whatever was sent for them; a cell not sent at all keeps
    what it holds (so `grid` need not hold the stored results: `entry_grid` with
    `results=False` is enough).

    The writes are a fixed number of statements whatever the size of the grid:
    the unit's lock, one SELECT of the stored results and one of those with evidence,
    at most one upsert of every created or changed cell and one DELETE of the
    cleared ones (each passing its rows as a single JSON or array parameter), and
    the audit row."""
    lock_versions(grid.unit, grid.period, [v.pk for v in grid.versions])
    # Read under the lock before the cells are checked, so that each cell is visited
    # once: checked, compared and queued in one pass (8,600 cells at 200 people).
    stored, with_evidence = _stored_results(grid)
    # Per column, once: the indicator's id, whether its results may need evidence, its
    # readings (a grid repeats a few texts per column, "8", "否", "合格", each read
    # once) and the people whose results are to be written, grouped by what is
    # written: a cell to write costs one append, and the upsert's parameter names each
    # person once and each group's values once.
    columns: list[tuple[Column, int, bool, dict[str, Reading], dict[Tail, Queue]]] = [
        (c, c.indicator.pk, bool(c.indicator.evidence_required and not c.auto), {}, {})
        for c in grid.columns
    ]
    problems: list[str] = []  # cells that cannot be read: these refuse the save first
    unsupported: list[str] = []  # results their indicator's evidence rule refuses
    to_delete: list[int] = []
    created = updated = cleared = 0
    shown = grid.cells
    # Where a stored row (`_stored_results`) holds what `_queue` lists an existing
    # result by: its id or its person. Read once: `connection` is a proxy whose
    # attributes cost a lookup in a context-local store each.
    by_id = sql.is_postgres()
    existing = 5 if by_id else 0
    # The loop below runs once a cell (8,600 at 200 people): it builds one key, looks
    # up the cell's text, its reading and the stored result, and queues the person;
    # the rest is done once per column or per distinct text.
    for person in grid.people:
        person_id = person.pk
        for column, indicator_id, evidenced, readings, groups in columns:
            key = (person_id, indicator_id)
            raw = shown.get(key, "") if column.auto else cells.get(key)
            if raw is None:
                continue
            reading = readings.get(raw)
            if reading is None:
                fields, problem = _parse(column, person, raw)
                if problem:  # not kept: the message names the person
                    problems.append(problem)
                    continue
                reading = readings[raw] = _reading(column, fields, evidenced, groups, by_id)
            if problems:
                continue  # refused anyway: only the other cells' readings matter now
            values, (new, old), needs = reading
            # A stored row: person, indicator, value, occurrences, flag, id.
            current = stored.get(key)
            if needs and (current is None or current[5] not in with_evidence):
                unsupported.append(
                    _(
                        "%(where)s needs evidence: tap “Evidence” in that cell, tick the "
                        "work logs that support the result, then save again."
                    )
                    % {"where": _where(person, column.indicator)}
                )
                continue
            if values is None:
                if current is None or current[2:5] == EMPTY:
                    continue
                cleared += 1
                if current[5] not in with_evidence:
                    to_delete.append(current[5])
                    continue
                # The evidence stays, linked to a result emptied (`old` queues the
                # column's empty results).
            elif current is None:
                created += 1
                new.append(person_id)
                continue
            elif current[2:5] != values:
                updated += 1
            else:
                continue
            old.append(current[existing])
    if problems:
        raise ValidationFailed(
            _("%(n)s cells are wrong; nothing was saved.") % {"n": len(problems)},
            problems=problems,
            code=SchemeErrorCode.CELLS_INVALID,
        )
    if unsupported:
        raise ValidationFailed(
            _("%(n)s results lack the evidence their indicator requires; nothing was saved.")
            % {"n": len(unsupported)},
            problems=unsupported,
            code=SchemeErrorCode.EVIDENCE_MISSING,
        )
    _upsert(
        grid,
        [
            (column.indicator.version_id, indicator_id, tail, new, old)
            for column, indicator_id, _evidenced, _readings, groups in columns
            for tail, (new, old) in groups.items()
            if new or old
        ],
    )
    _delete(to_delete)
    year_facts_forget(grid.unit.region_id)  # which units entered results
    audit_record(
        actor=actor,
        action=AuditAction.SCHEMES_RESULTS_SAVE,
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


# A stored result as the driver returns it: person, indicator, value (a float), occurrences,
# flag (a bool, or 0/1 from SQLite, which compare equal to False/True), id.
StoredRow = tuple[Any, ...]


def _stored_results(grid: Grid) -> tuple[dict[tuple[int, int], StoredRow], set[int]]:
    """The grid's stored results by (person, indicator), read under the unit's lock,
    and the ids of those with evidence. Rows as the driver returns them, the value
    cast to a float by the database so that no Python call per row is needed to
    compare it (see `_key`), and which have evidence in a second query rather than a
    subquery per row: a grid of 200 people holds 8,600 results."""
    # The unit's quarter, one index range: every result of the grid's cells is in it,
    # and the few others (a person since moved out, an indicator of a replaced
    # version) are never looked up. Listing the grid's 200 people and 43 indicators
    # as well cost more in building and checking the lists than they filter out.
    results = IndicatorResult.objects.filter(
        unit=grid.unit, year=grid.period.year, quarter=grid.period.quarter
    )
    # Not FOR UPDATE: every write of the unit's results and their links (grid, upload,
    # evidence panel, a version's approval) holds the unit's row lock, held here since
    # lock_versions. Locking 8,600 rows too wrote each of them on PostgreSQL.
    rows = results.values_list(
        "person_id",
        "indicator_id",
        Cast("value", FloatField()),
        "occurrences",
        "flag",
        "id",
    )
    # As the driver returns them too: 2,000 links at 200 people in the bench, which
    # Django's iteration (a converter call a row) took a millisecond a thousand over.
    linked = EvidenceLink.objects.filter(indicatorresult__in=results.values("id"))
    with_evidence = {row[0] for row in _raw(linked.values_list("indicatorresult_id"))}
    return {(row[0], row[1]): row for row in _raw(rows)}, with_evidence


# A group of `_upsert`: version, indicator, what the results store (value as text,
# occurrences, flag) and the queue of those results (`_queue`).
UpsertGroup = tuple[int, int, Tail, list[int], list[int]]


def _upsert(grid: Grid, groups: list[UpsertGroup]) -> None:
    """Write every new and changed result in one statement, whatever their number.

    On SQLite, an upsert of every result: the groups are one JSON parameter (so its
    bound-parameter limit never splits it) read group by group, each group's people
    a plain array of ids, so that no array is parsed per row. Needs SQLite ≥ 3.24 for
    ON CONFLICT … DO UPDATE; the conflict target is `uniq_indicator_result`.

    On PostgreSQL, one array parameter a column, which unnest reads without a parse
    per field: the existing results are updated by id in a data-modifying WITH, and
    the new ones inserted (still ON CONFLICT, for a cell whose row another unit
    holds). An upsert that finds its row locks it first, a second write of the row
    and its own WAL record, and probes the unique key to find it; an UPDATE by id
    does neither."""
    if not groups:
        return
    r = IndicatorResult
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    table = sql.table(r)
    inserted = sql.columns(
        r,
        [
            "version",
            "indicator",
            "unit",
            "person",
            "year",
            "quarter",
            "value",
            "occurrences",
            "flag",
            "note",
            "updated_at",
        ],
    )
    value, occurrences_, flag_, updated_at = (
        sql.column(r, f) for f in ("value", "occurrences", "flag", "updated_at")
    )
    conflict = sql.columns(r, ["indicator", "person", "year", "quarter"])
    updated = ", ".join(f"{c} = excluded.{c}" for c in (value, occurrences_, flag_, updated_at))
    head = f"INSERT INTO {table} ({inserted}) "
    tail = f" ON CONFLICT ({conflict}) DO UPDATE SET {updated}"
    params: list[Any]
    if sql.is_postgres():
        prefix = (
            f"WITH changed AS (UPDATE {table} AS t SET {value} = r.val, "  # noqa: S608
            f"{occurrences_} = r.occ, {flag_} = r.flag, {updated_at} = %s "
            "FROM unnest(%s::bigint[], %s::numeric[], %s::integer[], %s::boolean[]) "
            f"AS r(id, val, occ, flag) WHERE t.{sql.column(r, 'id')} = r.id) "
        )
        select = (
            "SELECT r.v, r.i, %s, r.p, %s, %s, r.val, r.occ, r.flag, '', %s"
            " FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::numeric[],"
            " %s::integer[], %s::boolean[]) AS r(v, i, p, val, occ, flag)"
        )
        # A group's values repeated by list products, not a tuple per row.
        changed: tuple[list[Any], ...] = ([], [], [], [])
        added: tuple[list[Any], ...] = ([], [], [], [], [], [])
        ids, values, occurrences, flags = changed
        versions, indicators, people, new_values, new_occurrences, new_flags = added
        for version_id, indicator_id, (val, occurrence, flag), new, old in groups:
            if old:
                n = len(old)
                ids += old
                values += [val] * n
                occurrences += [occurrence] * n
                flags += [flag] * n
            if new:
                n = len(new)
                versions += [version_id] * n
                indicators += [indicator_id] * n
                people += new
                new_values += [val] * n
                new_occurrences += [occurrence] * n
                new_flags += [flag] * n
        params = [now, *changed, grid.unit.pk, grid.period.year, grid.period.quarter, now, *added]
    else:
        # The groups' fields are read once a group by the subquery, which OFFSET keeps
        # SQLite from merging into the join (it would extract them again for every
        # row); each row is then one element of its group's array of people. "WHERE
        # true" keeps SQLite from reading ON CONFLICT as a join's ON clause.
        prefix = ""
        select = (
            "SELECT g.v, g.i, %s, p.value, %s, %s, g.val, g.occ, g.flag, '', %s FROM"
            " (SELECT json_extract(value, '$[0]') AS v, json_extract(value, '$[1]') AS i,"
            " json_extract(value, '$[2]') AS val, json_extract(value, '$[3]') AS occ,"
            " json_extract(value, '$[4]') AS flag, json_extract(value, '$[5]') AS people"
            " FROM json_each(%s) LIMIT -1 OFFSET 0) AS g, json_each(g.people) AS p WHERE true"
        )
        # `_queue` made each group's two lists one: its people, new or not.
        rows = [[v, i, *stored, people] for v, i, stored, people, _same in groups]
        params = [grid.unit.pk, grid.period.year, grid.period.quarter, now, json.dumps(rows)]
    with connection.cursor() as cursor:
        cursor.execute(prefix + head + select + tail, params)


def _delete(ids: list[int]) -> None:
    """Delete results (that have no evidence links) in one statement."""
    if not ids:
        return
    where, params = sql.in_ids(sql.column(IndicatorResult, "id"), ids)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {sql.table(IndicatorResult)} WHERE {where}", params)  # noqa: S608


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
        int(str(r[1])) for r in meta if r[0] == "方案版本" and str(r[1]).isdecimal()
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
            % {"unit": grid.unit.name, "period": grid.period.label()},
            code=SchemeErrorCode.SHEET_MISMATCH,
        )
    if len(rows) < 2 or [str(k) for k in rows[1][2:] if k] != [
        str(c.indicator.key) for c in grid.columns
    ]:
        raise ApplicationError(
            _(
                "The indicator columns do not match the scheme version; "
                "do not add, remove or move columns."
            ),
            code=SchemeErrorCode.COLUMNS_MISMATCH,
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
        raise ValidationFailed(
            " ".join(unknown), problems=unknown, code=SchemeErrorCode.UNKNOWN_INDICATORS
        )
    return cells
