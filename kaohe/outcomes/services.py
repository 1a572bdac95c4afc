"""Writes of the outcomes domain (用实绩): each a keyword-only service in one transaction,
with one audit row. Each part of issue 16 keeps its services in one block below."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import IO, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kaohe.accounts.access import region_id_of, require_region_admin
from kaohe.accounts.models import User
from kaohe.core import clock
from kaohe.core.audit import audit_record
from kaohe.core.audit_actions import AuditAction
from kaohe.core.errors import ValidationFailed
from kaohe.org.models import Region
from kaohe.outcomes import priors
from kaohe.outcomes.errors import OutcomesErrorCode
from kaohe.outcomes.models import RecordSource, YearRecord, YearRecordCorrection

# ---------------------------------------------------------------- priors: years before kaohe


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
