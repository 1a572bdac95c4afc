"""Writes of the outcomes domain (用实绩): each a keyword-only service in one transaction,
with one audit row. Each part of issue 16 keeps its services in one block below."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kaohe.accounts.access import region_id_of, require_region_admin
from kaohe.accounts.models import User
from kaohe.core import clock, sql
from kaohe.core.audit import audit_record
from kaohe.core.audit_actions import AuditAction
from kaohe.core.errors import ApplicationError, ValidationFailed
from kaohe.core.text import bounded_text, clean_text, visible_length
from kaohe.org.models import Membership, Region, Unit
from kaohe.outcomes import ladder, priors
from kaohe.outcomes.errors import OutcomesErrorCode
from kaohe.outcomes.models import (
    ConsequenceState,
    ConsequenceTask,
    RecordSource,
    YearRecord,
    YearRecordCorrection,
)
from kaohe.outcomes.policies import policy_for
from kaohe.outcomes.rules import (
    COUNTING_GRADES,
    FACTS_BASE_YEAR,
    FACTS_LAST_YEAR,
    year_bit,
)
from kaohe.outcomes.selectors import may_record
from kaohe.scoring.engine import AnnualGrade, QuarterGrade, group_ranks
from kaohe.scoring.models import AnnualResult, AnnualRun, QuarterResult, QuarterRun, RunState
from kaohe.scoring.policies import scoring_policy


def year_records_import(
    *,
    actor: User,
    upload: IO[bytes],
    size: int,
    file_name: str,
    replace: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> priors.PriorsImportResult:
    """Import a workbook of earlier years' results (outcomes.priors), all or nothing."""
    return year_records_import_rows(
        actor=actor,
        rows=priors.read_upload(upload, size),
        file_name=file_name,
        replace=replace,
        progress=progress,
    )


@transaction.atomic
def year_records_import_rows(
    *,
    actor: User,
    rows: Iterable[tuple[int, Mapping[str, Any]]],
    file_name: str,
    replace: bool = False,
    today: dt.date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> priors.PriorsImportResult:
    """The import's core: rows as (row number, cells by the template's Chinese headers),
    checked and written into YearRecord (source imported, no run), all or nothing.

    Raises ValidationFailed whose `problems` list every wrong row and column; the
    database is then as it was. A person-year imported before is replaced only with
    `replace`, each changed field then kept as a YearRecordCorrection. Only the
    region's assessment office imports (its whole roster is named in the file)."""
    progress = progress or (lambda done, total: None)
    region = Region.objects.get(pk=region_id_of(actor))
    require_region_admin(actor, region.pk)
    checked = priors.check_rows(
        region=region, rows=rows, replace=replace, today=today or clock.today()
    )
    progress(40, 100)
    if checked.errors:
        raise ValidationFailed(
            _("%(count)s problems found; nothing was imported.") % {"count": len(checked.errors)},
            problems=checked.errors,
            code=OutcomesErrorCode.PRIORS_ROWS_INVALID,
        )
    if not checked.rows:
        raise ValidationFailed(
            _("The file has no data rows below the header."),
            code=OutcomesErrorCode.PRIORS_FILE_INVALID,
        )

    now = timezone.now()
    basis = priors.REIMPORT_BASIS.format(file=file_name)[:200]
    result = priors.PriorsImportResult(rows=len(checked.rows))
    created: list[YearRecord] = []
    updated: list[YearRecord] = []
    corrections: list[YearRecordCorrection] = []
    by_year: dict[int, Counter[str]] = {}
    for row in checked.rows:
        person = checked.people[row.staff_no]
        fields = row.record_fields()
        unit_id = checked.unit_ids.get(row.unit_name)
        by_year.setdefault(row.year, Counter())[row.grade] += 1
        record = checked.existing.get((person.pk, row.year))
        if record is None:
            created.append(
                YearRecord(
                    region=region,
                    person=person,
                    year=row.year,
                    source=RecordSource.IMPORTED,
                    run=None,
                    unit_id=unit_id,
                    frozen_at=now,
                    **fields,
                )
            )
            continue
        changed = [f for f in priors.REPLACED_FIELDS if getattr(record, f) != fields[f]]
        if not changed:
            result.unchanged += 1
            continue
        for name in changed:
            corrections.append(
                YearRecordCorrection(
                    record=record,
                    field=name,
                    old_value=priors.stored_text(getattr(record, name))[:100],
                    new_value=priors.stored_text(fields[name])[:100],
                    reason=priors.REIMPORT_REASON,
                    basis=basis,
                    actor=actor,
                )
            )
        for name, value in fields.items():
            setattr(record, name, value)
        record.unit_id = unit_id
        updated.append(record)
    progress(60, 100)
    YearRecord.objects.bulk_create(created, batch_size=1000)
    YearRecord.objects.bulk_update(
        updated, [*priors.REPLACED_FIELDS, "priority", "unit"], batch_size=500
    )
    YearRecordCorrection.objects.bulk_create(corrections, batch_size=1000)
    # The lists read each record's history: the imported years' and every later one's.
    if by_year:
        year_facts_refresh(region_id=region.pk, years=archived_years_from(region.pk, min(by_year)))
    result.created, result.replaced = len(created), len(updated)
    result.corrections = len(corrections)
    result.people = len({r.staff_no for r in checked.rows})
    result.years = sorted(by_year)
    result.by_year = {year: dict(counts) for year, counts in sorted(by_year.items())}
    audit_record(
        actor=actor,
        action=AuditAction.OUTCOMES_PRIORS_IMPORT,
        region=region,
        details={
            "file": file_name[:200],
            "rows": result.rows,
            "people": result.people,
            "years": result.years,
            "created": result.created,
            "replaced": result.replaced,
            "unchanged": result.unchanged,
            "corrections": result.corrections,
            "replace": replace,
        },
    )
    progress(100, 100)
    return result


@dataclass(frozen=True)
class DeriveCounts:
    """What one derivation changed: tasks created, cancelled, reinstated, kept."""

    created: int = 0
    cancelled: int = 0
    reinstated: int = 0
    kept: int = 0


def _failing(region_id: int) -> frozenset[str]:
    """The quarter grades that climb the ladder (R5.6): 较差, and 一般 where the
    region's scoring policy says so (as scoring.services.annual_policy)."""
    if scoring_policy(region_id).average_counts_as_failing:
        return frozenset({QuarterGrade.POOR, QuarterGrade.AVERAGE})
    return frozenset({QuarterGrade.POOR})


def _apply(
    *,
    region_id: int,
    year: int,
    quarterly: bool,
    decisions: list[ladder.Decision],
    period: str,
    today: dt.date,
) -> DeriveCounts:
    """Make the period's tasks (the year's quarters, or the year) what `decisions` say:
    new ones created, open ones no longer applicable cancelled with a note (never
    deleted), cancelled ones that apply again reinstated; done ones stay as they are."""
    existing = {
        (t.person_id, t.year, t.quarter, t.kind): t
        for t in ConsequenceTask.objects.filter(
            region_id=region_id, year=year, quarter__isnull=not quarterly
        )
    }
    due = today + dt.timedelta(days=policy_for(region_id).task_due_days)
    wanted = {d.key: d for d in decisions}
    new: list[ConsequenceTask] = []
    changed: list[ConsequenceTask] = []
    kept = reinstated = 0
    for key, d in wanted.items():
        task = existing.get(key)
        if task is None:
            new.append(
                ConsequenceTask(
                    region_id=region_id,
                    person_id=d.person_id,
                    year=d.year,
                    quarter=d.quarter,
                    kind=d.kind.value,
                    citation=d.citation[:400],
                    unit_id=d.unit_id,
                    owner_role=d.owner,
                    issued_on=today,
                    due_on=due,
                )
            )
        elif task.state == ConsequenceState.CANCELLED:
            task.state = ConsequenceState.OPEN
            task.citation, task.unit_id, task.owner_role = d.citation[:400], d.unit_id, d.owner
            task.issued_on, task.due_on, task.note = today, due, ""
            changed.append(task)
            reinstated += 1
        elif task.state == ConsequenceState.OPEN and (
            task.citation != d.citation[:400] or task.unit_id != d.unit_id
        ):
            task.citation, task.unit_id = d.citation[:400], d.unit_id
            changed.append(task)
            kept += 1
        else:
            kept += 1
    cancelled = 0
    note = _("No longer applies: %(period)s was published again on %(day)s.") % {
        "period": period,
        "day": today.isoformat(),
    }
    for key, task in existing.items():
        if key not in wanted and task.state == ConsequenceState.OPEN:
            task.state, task.note = ConsequenceState.CANCELLED, note[:500]
            changed.append(task)
            cancelled += 1
    ConsequenceTask.objects.bulk_create(new, batch_size=1000)
    ConsequenceTask.objects.bulk_update(
        changed,
        ["state", "citation", "unit_id", "owner_role", "issued_on", "due_on", "note"],
        batch_size=1000,
    )
    return DeriveCounts(len(new), cancelled, reinstated, kept)


def _audit_derive(region_id: int, year: int, quarter: int | None, counts: DeriveCounts) -> None:
    details: dict[str, object] = {"year": year}
    if quarter is not None:
        details["quarter"] = quarter
    details.update(created=counts.created, cancelled=counts.cancelled, reinstated=counts.reinstated)
    audit_record(actor=None, action=AuditAction.OUTCOMES_CONSEQUENCES_DERIVE, details=details)


@transaction.atomic
def consequences_derive_quarter(*, run: QuarterRun, today: dt.date | None = None) -> DeriveCounts:
    """The quarterly consequences (R5.6) of the run's year, from the grades of every
    quarter of the year published so far: called when a quarter is published (so a
    quarter reopened and published again re-reads the ones after it too)."""
    today = today or clock.today()
    failing = _failing(run.region_id)
    rows = QuarterResult.objects.filter(
        run__region_id=run.region_id,
        run__year=run.year,
        run__state=RunState.PUBLISHED,
        grade__in=failing,
    ).values_list("person_id", "run__quarter", "grade", "unit_id")
    with translation.override("zh-hans"):
        decisions = ladder.quarter_consequences(
            year=run.year,
            rows=[ladder.QuarterRow(p, q, g, u) for p, q, g, u in rows],
            failing=failing,
        )
        period = _("%(year)s Q%(q)s") % {"year": run.year, "q": run.quarter}
        counts = _apply(
            region_id=run.region_id,
            year=run.year,
            quarterly=True,
            decisions=decisions,
            period=period,
            today=today,
        )
    _audit_derive(run.region_id, run.year, run.quarter, counts)
    return counts


_YEAR_COLUMNS = ("person_id", "year", "grade", "rank_in_unit", "unit_size", "unit_id", "unit_name")


@transaction.atomic
def consequences_derive_year(*, run: AnnualRun, today: dt.date | None = None) -> DeriveCounts:
    """The year's consequences (R5.13, R6.6) from the archive's YearRecords of the run's
    year and, for those at last place or 不称职, of the years before (imported ones
    too). Called after the archive has written the year (outcomes.signals)."""
    today = today or clock.today()
    year = run.year
    current = [
        ladder.YearRow(*row)
        for row in YearRecord.objects.filter(region_id=run.region_id, year=year).values_list(
            *_YEAR_COLUMNS
        )
    ]
    tied = ladder.tie_counts(current)
    candidates = [
        r.person_id
        for r in current
        if ladder.is_last(r, tied) or r.grade == AnnualGrade.INCOMPETENT
    ]
    earlier = [
        ladder.YearRow(*row)
        for row in YearRecord.objects.filter(
            person_id__in=candidates, year__gte=year - ladder.LOOK_BACK, year__lt=year
        ).values_list(*_YEAR_COLUMNS)
    ]
    tied.update(_earlier_ties(earlier))
    with translation.override("zh-hans"):
        decisions = ladder.year_consequences(year=year, rows=current + earlier, tied=tied)
        counts = _apply(
            region_id=run.region_id,
            year=year,
            quarterly=False,
            decisions=decisions,
            period=_("the year %(year)s") % {"year": year},
            today=today,
        )
    _audit_derive(run.region_id, year, None, counts)
    return counts


def _earlier_ties(rows: list[ladder.YearRow]) -> dict[ladder.TieKey, int]:
    """The tie sizes of the earlier years' (year, unit, rank) these rows are in, counted
    over the whole archive (one aggregate): ties at the bottom make each of them last."""
    maybe = [
        r
        for r in rows
        if r.rank_in_unit is not None
        and r.unit_size is not None
        and 1 < r.rank_in_unit < r.unit_size
    ]
    if not maybe:
        return {}
    units = Q(unit_id__in={r.unit_id for r in maybe if r.unit_id is not None}) | Q(
        unit__isnull=True, unit_name__in={r.unit_name for r in maybe if r.unit_id is None}
    )
    counted = (
        YearRecord.objects.filter(
            units,
            year__in={r.year for r in maybe},
            rank_in_unit__in={r.rank_in_unit for r in maybe},
        )
        .order_by()
        .values_list("year", "unit_id", "unit_name", "rank_in_unit")
        .annotate(n=Count("pk"))
    )
    ties: dict[ladder.TieKey, int] = {}
    for y, unit_id, unit_name, rank, n in counted:
        key = f"#{unit_id}" if unit_id is not None else unit_name
        ties[(y, key, rank)] = ties.get((y, key, rank), 0) + n
    return ties


@transaction.atomic
def consequence_record(
    *, actor: User, task: ConsequenceTask, done_on: dt.date, note: str
) -> ConsequenceTask:
    """Record that the consequence was carried out: on which day, by the acting user,
    with a note (what was said or decided). Only the owner or the region office."""
    task = (
        ConsequenceTask.objects.select_for_update(of=("self",))
        .select_related("unit")
        .get(pk=task.pk)
    )
    if not may_record(actor, task, task.unit):
        raise ApplicationError(
            _("Only the head of the unit or the organization department may record this."),
            code=OutcomesErrorCode.NOT_OWNER,
        )
    if task.state != ConsequenceState.OPEN:
        raise ApplicationError(
            _("This consequence is %(state)s; only an open one can be recorded.")
            % {"state": task.get_state_display()},
            code=OutcomesErrorCode.NOT_OPEN,
        )
    today = clock.today()
    if done_on > today:
        raise ApplicationError(
            _("The day it was done cannot be after today (%(today)s).")
            % {"today": today.isoformat()},
            code=OutcomesErrorCode.DAY_IN_FUTURE,
        )
    if done_on < task.issued_on:
        raise ApplicationError(
            _("The day it was done cannot be before the consequence arose (%(day)s).")
            % {"day": task.issued_on.isoformat()},
            code=OutcomesErrorCode.DAY_BEFORE_TASK,
        )
    note = bounded_text(note, 500, field=_("Note"), code=TOO_LONG)
    if visible_length(note) < 2:
        raise ApplicationError(
            _("Write a note: what was said or decided."),
            code=OutcomesErrorCode.NOTE_REQUIRED,
        )
    task.state, task.done_on, task.done_by, task.note = (
        ConsequenceState.DONE,
        done_on,
        actor,
        note,
    )
    task.save(update_fields=["state", "done_on", "done_by", "note"])
    audit_record(
        actor=actor,
        action=AuditAction.OUTCOMES_CONSEQUENCE_RECORD,
        obj=task,
        region=actor.region,
        details={"kind": task.kind, "year": task.year, "day": done_on.isoformat()},
        state=ConsequenceState.DONE,
        note=task.note,
    )
    return task


# The facts of each record (outcomes.rules.RecordFacts) from the person's archived
# years, in one UPDATE both databases run (window functions; UPDATE … FROM needs SQLite
# 3.33): the 优秀 years as bits (a running sum), the run of 优秀 years ending with the
# record's (gaps and islands: among a person's 优秀 years, year − row number is the same
# along a run), the years at 称职 or better (a running count), the first year, and the
# year's quarters counted from the stored JSON text (a value's quoted spelling, e.g.
# "good", occurs once per quarter of that grade and inside no other value).
_FACTS_SQL = """
UPDATE {t} SET excellent_years = f.ex_years, excellent_run = f.run,
       counted_years = f.counted, first_year = f.first_year,
       quarters_good = f.q_good, quarters_average = f.q_average, quarters_poor = f.q_poor
FROM (
  SELECT a.id, a.ex_years, a.counted, a.first_year,
         CASE WHEN a.ex = 1
              THEN ROW_NUMBER() OVER (PARTITION BY a.person_id, a.ex, a.grp ORDER BY a.year)
              ELSE 0 END AS run,
         (LENGTH(a.q) - LENGTH(REPLACE(a.q, '"good"', ''))) / 6 AS q_good,
         (LENGTH(a.q) - LENGTH(REPLACE(a.q, '"average"', ''))) / 9 AS q_average,
         (LENGTH(a.q) - LENGTH(REPLACE(a.q, '"poor"', ''))) / 6 AS q_poor
  FROM (
    SELECT id, person_id, year, CAST(quarter_grades AS TEXT) AS q,
           CASE WHEN grade = 'excellent' THEN 1 ELSE 0 END AS ex,
           year - ROW_NUMBER() OVER (
             PARTITION BY person_id, CASE WHEN grade = 'excellent' THEN 1 ELSE 0 END
             ORDER BY year) AS grp,
           SUM(CASE WHEN grade = 'excellent' AND year BETWEEN {base} AND {last}
                    THEN CAST(1 AS BIGINT) << (year - {base}) ELSE 0 END)
             OVER (PARTITION BY person_id ORDER BY year ROWS UNBOUNDED PRECEDING) AS ex_years,
           SUM(CASE WHEN grade IN ('excellent', 'competent') THEN 1 ELSE 0 END)
             OVER (PARTITION BY person_id ORDER BY year ROWS UNBOUNDED PRECEDING) AS counted,
           MIN(year) OVER (PARTITION BY person_id) AS first_year
    FROM {t}
    WHERE region_id = %s AND year <= %s {person}
  ) a
) f
WHERE {t}.id = f.id AND {t}.year >= %s AND {t}.year <= %s {years}
"""


def year_facts_refresh(
    *,
    region_id: int,
    years: Iterable[int] = (),
    person_id: int | None = None,
    from_year: int | None = None,
) -> int:
    """Recompute the list facts of the region's records of `years`, or of one person's
    records from `from_year` on, from the archived years up to each (one statement).
    Called by every writer of a record's grade or quarters, in its transaction: the
    archive of a year, an import of earlier years (every later year then too), a
    recorded correction. Returns the records updated. Not audited on its own: the
    write that calls it is."""
    t = sql.table(YearRecord)
    if person_id is not None:
        low = from_year or 0
        high = 9999
        chosen: list[int] = []
        params: list[Any] = [region_id, high, person_id, low, high]
        person = "AND person_id = %s"
        years_sql = ""
    else:
        chosen = sorted(set(years))
        if not chosen:
            return 0
        low, high = chosen[0], chosen[-1]
        person = ""
        years_sql, extra = sql.in_ids(f"{t}.year", chosen)
        years_sql = f"AND {years_sql}"
        params = [region_id, high, low, high, *extra]
    statement = _FACTS_SQL.format(
        t=t, base=FACTS_BASE_YEAR, last=FACTS_LAST_YEAR, person=person, years=years_sql
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return int(cursor.rowcount)


def archived_years_from(region_id: int, year: int) -> list[int]:
    """The region's archived years from `year` on (what an import of `year` changes)."""
    return list(
        YearRecord.objects.filter(region_id=region_id, year__gte=year)
        .order_by("year")
        .values_list("year", flat=True)
        .distinct()
    )


# The figures of a frozen year that a republish or a correction may change, in the
# order the archive shows them; each change is a YearRecordCorrection.
ARCHIVED_FIELDS = (*priors.REPLACED_FIELDS, "priority")
_INT_FIELDS = frozenset({"rank_in_tier", "tier_size", "rank_in_unit", "unit_size"})
MAX_COUNT = 10_000_000  # a rank or a head count, as the import of earlier years reads it
TOO_LONG = OutcomesErrorCode.TEXT_TOO_LONG
# Columns loaded for a year's new records, in this order (attribute names).
_NEW_COLUMNS = (
    "region_id",
    "person_id",
    "year",
    "source",
    "run_id",
    "unit_id",
    *ARCHIVED_FIELDS,
    "frozen_at",
)
_BATCH = 2000


def archived_text(field: str, value: Any) -> str:
    """A figure as a correction row keeps it (old and new value are text): the grades
    as their stored values, the quarters' grades joined by commas, yes/no as 1/0."""
    if value is None:
        return ""
    if field == "quarter_grades":
        return ",".join(str(v) for v in value)
    if field == "priority":
        return "1" if value else "0"
    return str(value)


# The lists' facts of a new record, after its other columns (rules.RecordFacts).
_FACT_COLUMNS = (
    "excellent_years",
    "excellent_run",
    "counted_years",
    "first_year",
    "quarters_good",
    "quarters_average",
    "quarters_poor",
)


def _year_select(run: AnnualRun) -> tuple[str, list[Any]]:
    """The run's results as the archive's records, one SELECT: (person, unit), then
    ARCHIVED_FIELDS, then the lists' facts (_FACT_COLUMNS). The tier's and unit's head
    counts and the rank in the unit (by composite, ties sharing a rank) are window
    functions; the post is the in-scope membership in force at the year's end (the
    latest begun); the four quarters' grades come from the year's published quarter
    runs (the latest of each quarter; "" for a quarter without one); the facts are
    carried on from the person's latest archived year before this one as
    `rules.next_facts` carries them (test_archive_freeze checks them against the
    refresh). Read by the archive as its INSERT's source, and row by row when the year
    is published again; nothing passes through Python at the first publish."""
    ar, unit, qr, rec = (sql.table(m) for m in (AnnualResult, Unit, QuarterResult, YearRecord))
    c = sql.column
    year_end = dt.date(run.year, 12, 31)
    members, member_params = (
        Membership.objects.filter(region_id=run.region_id)
        .on(year_end)
        .in_scope()
        .order_by()
        .values("person_id", "post", "valid_from")
        .query.sql_with_params()
    )
    latest: dict[int, int] = dict(
        QuarterRun.objects.filter(region_id=run.region_id, year=run.year, state=RunState.PUBLISHED)
        .order_by("quarter", "pk")
        .values_list("quarter", "pk")
    )
    joins: list[str] = []
    grades: list[str] = []
    params: list[Any] = []
    for quarter in (1, 2, 3, 4):
        if quarter in latest:
            alias = f"q{quarter}"
            joins.append(
                f"LEFT JOIN {qr} {alias} ON {alias}.{c(QuarterResult, 'run')} = %s "
                f"AND {alias}.{c(QuarterResult, 'person')} = r.person_id"
            )
            params.append(latest[quarter])
            grades.append(f"COALESCE({alias}.{c(QuarterResult, 'grade')}, '')")
        else:
            grades.append("''")
    # The grades are plain codes: the JSON array is written as text, then parsed.
    quarters = sql.json_parse("'[\"' || " + " || '\", \"' || ".join(grades) + " || '\"]'")

    def counted(grade: str) -> str:
        return " + ".join(f"CASE WHEN {g} = '{grade}' THEN 1 ELSE 0 END" for g in grades)

    excellent, counting = AnnualGrade.EXCELLENT.value, sorted(COUNTING_GRADES)
    counting_sql = ", ".join(f"'{g}'" for g in counting)
    statement = f"""
    SELECT r.person_id, r.unit_id,
           SUBSTR(COALESCE(u.{c(Unit, "name")}, ''), 1, 200), SUBSTR(COALESCE(m.post, ''), 1, 100),
           r.tier, r.composite, r.grade, r.rank_in_tier, r.n_tier, r.unit_rank, r.n_unit,
           {quarters}, r.priority,
           COALESCE(p.excellent_years, 0)
             | CASE WHEN r.grade = '{excellent}' THEN CAST(%s AS BIGINT) ELSE 0 END,
           CASE WHEN r.grade = '{excellent}'
                THEN (CASE WHEN p.year = %s THEN p.excellent_run ELSE 0 END) + 1 ELSE 0 END,
           COALESCE(p.counted_years, 0)
             + CASE WHEN r.grade IN ({counting_sql}) THEN 1 ELSE 0 END,
           CASE WHEN p.found IS NULL THEN %s ELSE p.first_year END,
           {counted("good")}, {counted("average")}, {counted("poor")}
    FROM (
      SELECT {c(AnnualResult, "person")} AS person_id, {c(AnnualResult, "unit")} AS unit_id,
             tier, composite, grade, rank_in_tier, priority,
             COUNT(*) OVER (PARTITION BY tier) AS n_tier,
             COUNT(*) OVER (PARTITION BY {c(AnnualResult, "unit")}) AS n_unit,
             RANK() OVER (PARTITION BY {c(AnnualResult, "unit")} ORDER BY composite DESC)
               AS unit_rank
      FROM {ar} WHERE {c(AnnualResult, "run")} = %s
    ) r
    LEFT JOIN {unit} u ON u.id = r.unit_id
    LEFT JOIN (
      SELECT person_id, post,
             ROW_NUMBER() OVER (PARTITION BY person_id ORDER BY valid_from DESC) AS n
      FROM ({members}) x
    ) m ON m.person_id = r.person_id AND m.n = 1
    {" ".join(joins)}
    LEFT JOIN (
      SELECT {c(YearRecord, "person")} AS person_id, year, excellent_years, excellent_run,
             counted_years, first_year, 1 AS found,
             ROW_NUMBER() OVER (PARTITION BY {c(YearRecord, "person")} ORDER BY year DESC) AS n
      FROM {rec} WHERE {c(YearRecord, "region")} = %s AND year < %s
    ) p ON p.person_id = r.person_id AND p.n = 1
    """  # noqa: S608
    return statement, [
        year_bit(run.year),
        run.year - 1,
        run.year,
        run.pk,
        *member_params,
        *params,
        run.region_id,
        run.year,
    ]


def _year_rows(run: AnnualRun) -> list[tuple[Any, ...]]:
    """The run's results as the archive's figures, (person, unit, *ARCHIVED_FIELDS) in
    the types the ORM reads them (the composite a Decimal of two places, the quarters
    a list, the priority a bool, whatever the database's driver returns)."""
    statement, params = _year_select(run)
    width = 2 + len(ARCHIVED_FIELDS)
    rows = []
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        for row in cursor.fetchall():
            r = list(row[:width])
            r[5] = Decimal(str(r[5])).quantize(_CENT)
            if isinstance(r[11], str):
                r[11] = json.loads(r[11])
            r[12] = bool(r[12])
            rows.append(tuple(r))
    return rows


_CENT = Decimal("0.01")


def _insert_new(run: AnnualRun, frozen_at: dt.datetime) -> int:
    """The year's records of everyone who has none yet, written by the database from
    `_year_select` in one INSERT … SELECT, their lists' facts with them."""
    select, params = _year_select(run)
    t = sql.table(YearRecord)
    names = sql.columns(
        YearRecord,
        (
            "region_id",
            "person_id",
            "year",
            "source",
            "run_id",
            "unit_id",
            *ARCHIVED_FIELDS,
            "frozen_at",
            *_FACT_COLUMNS,
        ),
    )
    picked = ", ".join(f"s.c{i}" for i in range(2, 2 + len(ARCHIVED_FIELDS)))
    facts_picked = ", ".join(
        f"s.c{i}" for i in range(2 + len(ARCHIVED_FIELDS), 2 + len(ARCHIVED_FIELDS) + 7)
    )
    aliases = ", ".join(f"c{i}" for i in range(2 + len(ARCHIVED_FIELDS) + 7))
    frozen = YearRecord._meta.get_field("frozen_at").get_db_prep_value(frozen_at, connection)
    person = sql.column(YearRecord, "person")
    statement = f"""
    WITH s({aliases}) AS ({select})
    INSERT INTO {t} ({names})
    SELECT %s, s.c0, %s, %s, %s, s.c1, {picked}, %s, {facts_picked}
    FROM s
    WHERE NOT EXISTS (SELECT 1 FROM {t} e WHERE e.{person} = s.c0 AND e.year = %s)
    """  # noqa: S608
    with connection.cursor() as cursor:
        sql.roomy_sorts(cursor)
        cursor.execute(
            statement,
            [
                *params,
                run.region_id,
                run.year,
                RecordSource.KAOHE.value,
                run.pk,
                frozen,
                run.year,
            ],
        )
        return int(cursor.rowcount)


# The array types of the rewritten records' columns on PostgreSQL (core.sql.rows_source):
# the id, the run, the unit, then ARCHIVED_FIELDS (the quarters' grades as JSON text).
_UPDATE_TYPES = (
    "bigint",
    "bigint",
    "bigint",
    "text",
    "text",
    "text",
    "numeric",
    "text",
    "bigint",
    "bigint",
    "bigint",
    "bigint",
    "text",
    "boolean",
)


@sql.statement
def _update_sql() -> str:
    """One UPDATE … FROM the rows given as parameters: a batch of records in one
    statement. (Django's bulk_update writes a CASE of every row's id for each column,
    which the database evaluates row by row: quadratic in the batch, 15 s for 1,000
    records on PostgreSQL.)"""
    exprs, source = sql.rows_source(_UPDATE_TYPES)
    names = ["id", "run_id", "unit_id", *ARCHIVED_FIELDS]
    picked = ", ".join(f"{e} AS {n}" for e, n in zip(exprs, names, strict=True))
    t = sql.table(YearRecord)
    sets = ", ".join(
        f"{sql.column(YearRecord, n)} = "
        + (sql.json_parse(f"r.{n}") if n == "quarter_grades" else f"r.{n}")
        for n in names[1:]
    )
    pk = sql.column(YearRecord, "id")
    return f"UPDATE {t} SET {sets} FROM (SELECT {picked} FROM {source}) AS r WHERE {t}.{pk} = r.id"  # noqa: S608


def _as_param(field: str, value: Any) -> Any:
    """A figure as a parameter both databases' row sources take: the grades' list as
    JSON text, the composite as text (SQLite's row source is JSON, which has no
    decimals; PostgreSQL casts the text to numeric)."""
    if field == "quarter_grades":
        return json.dumps(value)
    if field == "composite" and value is not None:
        return str(value)
    return value


def _rewrite(rows: list[tuple[Any, ...]]) -> None:
    """Write records as (id, run, unit, *ARCHIVED_FIELDS), `_BATCH` a statement."""
    width = len(_UPDATE_TYPES)
    params = [
        (*r[:3], *(_as_param(f, v) for f, v in zip(ARCHIVED_FIELDS, r[3:], strict=True)))
        for r in rows
    ]
    with connection.cursor() as cursor:
        for i in range(0, len(params), _BATCH):
            cursor.execute(_update_sql(), sql.rows_params(params[i : i + _BATCH], width))


@transaction.atomic
def archive_year(*, run: AnnualRun) -> dict[str, int]:
    """Freeze a published year: one YearRecord per AnnualResult of `run`.

    A person whose year is archived already (the year published again after a reopen,
    the old run superseded) keeps their record: each figure that differs gets a
    YearRecordCorrection whose basis is the reopen's reason, and the record takes the
    new value; nothing changes silently. One audit row for the whole batch. Returns
    the counts (created, corrected records, corrections)."""
    now = timezone.now()
    # The region's records of the year (none at the first publish), as plain columns:
    # a person belongs to one region, so this is every record a row of the run may
    # meet.
    existing = {
        r[0]: r[1:]
        for r in YearRecord.objects.filter(region_id=run.region_id, year=run.year)
        .order_by()
        .values_list("person_id", "pk", "unit_id", *ARCHIVED_FIELDS)
    }
    created = _insert_new(run, now)
    # A republish compares the run's figures with the kept records in Python.
    rows = _year_rows(run) if existing else []
    basis = (run.reopen_reason or _("Published again"))[:200]
    reason = _("The year was published again after a reopen.")
    # The records whose figures differ are rewritten with the new ones; every record
    # of the run then points at the new run (one UPDATE with a join for the rest).
    rewritten: list[tuple[Any, ...]] = []
    corrections: list[YearRecordCorrection] = []
    for row in rows:
        kept = existing.get(row[0])
        if kept is None:
            continue
        pk, unit_id, old_values, new_values = kept[0], kept[1], kept[2:], row[2:]
        if old_values == new_values and unit_id == row[1]:
            continue
        rewritten.append((pk, run.pk, row[1], *new_values))
        for field, old, value in zip(ARCHIVED_FIELDS, old_values, new_values, strict=True):
            if old != value:
                corrections.append(
                    YearRecordCorrection(
                        record_id=pk,
                        field=field,
                        old_value=archived_text(field, old)[:100],
                        new_value=archived_text(field, value)[:100],
                        reason=reason,
                        basis=basis,
                        actor=None,
                    )
                )
    _rewrite(rewritten)
    if existing:
        YearRecord.objects.filter(
            region_id=run.region_id,
            year=run.year,
            person_id__in=AnnualResult.objects.filter(run=run).values("person_id"),
        ).exclude(run_id=run.pk).update(run_id=run.pk)
    YearRecordCorrection.objects.bulk_create(corrections, batch_size=_BATCH)
    # The lists' facts: the new records carry theirs (_insert_new); the rewritten ones of
    # a republish are recomputed, and so is any later year already archived (an earlier
    # year published after it), whose facts count this one's. A first publish of the
    # latest year rewrites nothing here: the 300,000-record UPDATE it would repeat is
    # the largest part of a city's archive.
    later = [y for y in archived_years_from(run.region_id, run.year) if y > run.year]
    refresh = ([run.year] if rewritten else []) + later
    if refresh:
        year_facts_refresh(region_id=run.region_id, years=refresh)
    counts = {
        "created": created,
        "corrected": len({c.record_id for c in corrections}),
        "corrections": len(corrections),
    }
    audit_record(
        actor=None,
        action=AuditAction.OUTCOMES_YEAR_ARCHIVE,
        obj=run,
        region=run.region,
        details={"year": run.year, **counts},
    )
    return counts


def _parsed(field: str, raw: str) -> Any:
    """A correction's new value from its text, or a refusal saying what is wanted."""
    text = clean_text(raw).strip()
    if field == "composite":
        try:
            value = Decimal(text).quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            value = None
        if value is None or not Decimal(0) <= value <= Decimal(100):
            raise ApplicationError(
                _("Enter a score between 0 and 100."), code=OutcomesErrorCode.CORRECTION_BAD_VALUE
            )
        return value
    if field in _INT_FIELDS:
        # The digits int() reads ("²".isdigit() is true, and int() failed on it), and
        # within the column: a 30-digit number overflowed the database driver.
        if not text.isdecimal() or not 1 <= int(text) <= MAX_COUNT:
            raise ApplicationError(
                _("Enter a whole number of at least 1."),
                code=OutcomesErrorCode.CORRECTION_BAD_VALUE,
            )
        return int(text)
    if field == "grade":
        if text not in AnnualGrade.__members__.values():
            raise ApplicationError(
                _("Choose a grade from the list."), code=OutcomesErrorCode.CORRECTION_BAD_VALUE
            )
        return text
    if field == "quarter_grades":
        parts = [p.strip() for p in text.split(",")]
        allowed = {g.value for g in QuarterGrade} | {""}
        if len(parts) != 4 or any(p not in allowed for p in parts):
            raise ApplicationError(
                _("Give the four quarters' grades, separated by commas."),
                code=OutcomesErrorCode.CORRECTION_BAD_VALUE,
            )
        return parts
    if field == "priority":
        if text not in ("0", "1"):
            raise ApplicationError(
                _("Enter 1 (yes) or 0 (no)."), code=OutcomesErrorCode.CORRECTION_BAD_VALUE
            )
        return text == "1"
    limit = {"unit_name": 200, "post": 100, "tier": 32}.get(field, 100)
    if not text:
        raise ApplicationError(
            _("The new value is empty."), code=OutcomesErrorCode.CORRECTION_BAD_VALUE
        )
    return text[:limit]


@transaction.atomic
def year_record_correct(
    *,
    actor: User,
    record: YearRecord,
    field: str,
    value: str,
    reason: str,
    basis: str,
    authority_checked: bool = False,
) -> YearRecordCorrection:
    """A recorded change to a frozen year (a review decision, a corrected import): the
    old value kept beside the new in a YearRecordCorrection, audited. Only the
    region's assessment office corrects, or the body a caller above has found
    entitled (`authority_checked`: a 申诉 decided by the higher authority's office,
    which is not the region's)."""
    if not authority_checked:
        require_region_admin(actor, record.region_id)
    if field not in ARCHIVED_FIELDS:
        raise ApplicationError(
            _("This figure of the archive cannot be corrected."),
            code=OutcomesErrorCode.CORRECTION_BAD_FIELD,
        )
    reason = bounded_text(reason, 300, field=_("Reason"), code=TOO_LONG)
    basis = bounded_text(basis, 200, field=_("Basis"), code=TOO_LONG)
    if visible_length(reason) < 4:
        raise ApplicationError(
            _("Write the reason for the correction."),
            code=OutcomesErrorCode.CORRECTION_NEEDS_REASON,
        )
    new = _parsed(field, value)
    record = YearRecord.objects.select_for_update().get(pk=record.pk)
    old = getattr(record, field)
    if old == new:
        raise ApplicationError(
            _("The new value is the same as the archived one."),
            code=OutcomesErrorCode.CORRECTION_UNCHANGED,
        )
    correction = YearRecordCorrection.objects.create(
        record=record,
        field=field,
        old_value=archived_text(field, old)[:100],
        new_value=archived_text(field, new)[:100],
        reason=reason,
        basis=basis,
        actor=actor,
    )
    setattr(record, field, new)
    record.save(update_fields=[field])
    # A computed year's ranks follow a corrected composite: the tier's and the unit's
    # places are ranked again, each moved place a correction of its own.
    reranked = (
        _rerank(record=record, actor=actor, basis=basis)
        if field == "composite" and record.run_id is not None
        else 0
    )
    # The person's facts from this year on (a grade counts in every later year's).
    year_facts_refresh(
        region_id=record.region_id, person_id=record.person_id, from_year=record.year
    )
    details: dict[str, Any] = {
        "field": field,
        "old": correction.old_value,
        "new": correction.new_value,
    }
    if reranked:
        details["reranked"] = reranked
    audit_record(
        actor=actor,
        action=AuditAction.OUTCOMES_YEAR_CORRECT,
        obj=record,
        region=actor.region,
        details=details,
        note=reason,
    )
    return correction


_RANKED = {"rank_in_tier": "tier", "rank_in_unit": "unit_id"}


def _rerank(*, record: YearRecord, actor: User, basis: str) -> int:
    """Rank the corrected record's tier and unit in its published year again (the
    engine's competition ranking, ties sharing a place, as the year was ranked) and
    record every place that moved, the old beside the new, with the decision's basis.
    Whose composite changed is not said in the others' records. A few queries: the
    tier's and the unit's records, one bulk insert, one bulk update."""
    # By region and year (the tier's index) or unit and year (the unit's), then the run.
    peers = YearRecord.objects.filter(
        region_id=record.region_id,
        year=record.year,
        run_id=record.run_id,
        composite__isnull=False,
    )
    moved: dict[int, YearRecord] = {}
    corrections: list[YearRecordCorrection] = []
    reason = _("Places ranked again after a corrected composite score in this year.")
    for field, group in _RANKED.items():
        rows = list(
            peers.filter(**{group: getattr(record, group)})
            .order_by()
            .only("pk", "composite", *_RANKED)
        )
        ranks = group_ranks((r.pk, 0, r.composite) for r in rows if r.composite is not None)
        for r in rows:
            old, new = getattr(r, field), ranks[r.pk]
            if old == new:
                continue
            target = moved.setdefault(r.pk, r)
            setattr(target, field, new)
            corrections.append(
                YearRecordCorrection(
                    record_id=r.pk,
                    field=field,
                    old_value=archived_text(field, old),
                    new_value=str(new),
                    reason=reason,
                    basis=basis,
                    actor=actor,
                )
            )
    if not moved:
        return 0
    YearRecordCorrection.objects.bulk_create(corrections)
    # Both ranks are written for each moved row: the one that did not move is unchanged.
    YearRecord.objects.bulk_update(list(moved.values()), ["rank_in_tier", "rank_in_unit"])
    return len(corrections)
