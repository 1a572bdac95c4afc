"""Writes of the outcomes domain (用实绩). Each part of issue 16 keeps its functions in
one block headed by a comment naming the part, so that the parts merge as
concatenations."""

from __future__ import annotations

# ---------------------------------------------------------------- archive
# The freeze at publish (archive_year, called by the receiver of
# scoring.signals.year_published) and recorded corrections of a frozen year.
import datetime as dt
import json
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, F, Window
from django.db.models.functions import Rank
from django.utils import timezone
from django.utils.translation import gettext as _

from kaohe.accounts.access import require_region_admin
from kaohe.accounts.models import User
from kaohe.core import sql
from kaohe.core.audit import audit_record
from kaohe.core.audit_actions import AuditAction
from kaohe.core.errors import ApplicationError
from kaohe.core.text import clean_text, visible_length
from kaohe.org.models import Membership, Unit
from kaohe.outcomes.errors import OutcomesErrorCode
from kaohe.outcomes.models import RecordSource, YearRecord, YearRecordCorrection
from kaohe.scoring.engine import AnnualGrade, QuarterGrade
from kaohe.scoring.models import AnnualResult, AnnualRun, QuarterResult, QuarterRun, RunState

# The figures of a frozen year that a republish or a correction may change, in the
# order the archive shows them; each change is a YearRecordCorrection.
ARCHIVED_FIELDS = (
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
    "priority",
)
_INT_FIELDS = frozenset({"rank_in_tier", "tier_size", "rank_in_unit", "unit_size"})
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


def _year_rows(run: AnnualRun) -> list[tuple[Any, ...]]:
    """The run's results as the archive's figures, one tuple per person in
    ARCHIVED_FIELDS order after (person, unit): the tier's and unit's sizes and the
    rank in the unit (by composite, ties sharing a rank) from window functions, the
    post from the membership in force at the year's end, the four published quarters'
    grades. A fixed number of queries, none per person."""
    results = (
        AnnualResult.objects.filter(run=run)
        .annotate(
            n_tier=Window(Count("id"), partition_by=[F("tier")]),
            n_unit=Window(Count("id"), partition_by=[F("unit_id")]),
            unit_rank=Window(Rank(), partition_by=[F("unit_id")], order_by=F("composite").desc()),
        )
        .order_by()
        .values_list(
            "person_id",
            "unit_id",
            "tier",
            "composite",
            "grade",
            "rank_in_tier",
            "n_tier",
            "unit_rank",
            "n_unit",
            "priority",
        )
    )
    unit_names = dict(Unit.objects.filter(region_id=run.region_id).values_list("pk", "name"))
    year_end = dt.date(run.year, 12, 31)
    posts: dict[int, str] = {}
    since: dict[int, dt.date] = {}
    for person_id, post, valid_from in (
        Membership.objects.filter(region_id=run.region_id)
        .on(year_end)
        .in_scope()
        .order_by()
        .values_list("person_id", "post", "valid_from")
    ):
        if person_id not in since or valid_from > since[person_id]:
            since[person_id], posts[person_id] = valid_from, post
    quarters: list[dict[int, str]] = [{}, {}, {}, {}]
    for run_id, quarter in (
        QuarterRun.objects.filter(region_id=run.region_id, year=run.year, state=RunState.PUBLISHED)
        .order_by("quarter", "pk")
        .values_list("pk", "quarter")
    ):
        quarters[quarter - 1] = dict(
            QuarterResult.objects.filter(run_id=run_id).values_list("person_id", "grade")
        )
    rows = []
    for person, unit, tier, composite, grade, rank, n_tier, unit_rank, n_unit, prio in results:
        rows.append(
            (
                person,
                unit,
                unit_names.get(unit, "")[:200],
                posts.get(person, "")[:100],
                tier,
                composite,
                grade,
                rank,
                n_tier,
                unit_rank,
                n_unit,
                [q.get(person, "") for q in quarters],
                prio,
            )
        )
    return rows


def _load_new(run: AnnualRun, rows: Iterable[tuple[Any, ...]], frozen_at: dt.datetime) -> int:
    """New records straight to the table (COPY on PostgreSQL, multi-row INSERTs on
    SQLite): no model instance per person."""
    frozen = YearRecord._meta.get_field("frozen_at").get_db_prep_value(frozen_at, connection)
    names = [sql.column(YearRecord, c) for c in _NEW_COLUMNS]
    head = (run.region_id,)
    with connection.cursor() as cursor:
        return sql.load(
            cursor,
            sql.table(YearRecord),
            names,
            (
                (
                    *head,
                    r[0],
                    run.year,
                    RecordSource.KAOHE.value,
                    run.pk,
                    r[1],
                    *r[2:11],
                    json.dumps(r[11]),
                    r[12],
                    frozen,
                )
                for r in rows
            ),
        )


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
    rows = _year_rows(run)
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
    fresh = [row for row in rows if row[0] not in existing]
    created = _load_new(run, fresh, now) if fresh else 0
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
        if not text.isdigit() or int(text) < 1:
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
) -> YearRecordCorrection:
    """A recorded change to a frozen year (a review decision, a corrected import): the
    old value kept beside the new in a YearRecordCorrection, audited. Only the
    region's assessment office corrects."""
    require_region_admin(actor, record.region_id)
    if field not in ARCHIVED_FIELDS:
        raise ApplicationError(
            _("This figure of the archive cannot be corrected."),
            code=OutcomesErrorCode.CORRECTION_BAD_FIELD,
        )
    reason = clean_text(reason).strip()
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
        reason=reason[:300],
        basis=clean_text(basis).strip()[:200],
        actor=actor,
    )
    setattr(record, field, new)
    record.save(update_fields=[field])
    audit_record(
        actor=actor,
        action=AuditAction.OUTCOMES_YEAR_CORRECT,
        obj=record,
        region=actor.region,
        details={"field": field, "old": correction.old_value, "new": correction.new_value},
        note=reason,
    )
    return correction
