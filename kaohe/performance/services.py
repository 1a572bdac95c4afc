"""Writes of unit performance."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kaohe.accounts.access import scope_of
from kaohe.accounts.models import Role, User
from kaohe.core import sql
from kaohe.core.audit import audit_record
from kaohe.core.audit_actions import AuditAction
from kaohe.core.errors import ApplicationError, ValidationFailed
from kaohe.core.text import bounded_text, clean_text
from kaohe.notices.services import notify
from kaohe.org.models import PerformanceCategory, Unit
from kaohe.performance.errors import PerformanceErrorCode
from kaohe.performance.models import (
    IndicatorAssignment,
    MonthEntry,
    PerformanceMonth,
    PublicEvaluation,
    ReportFile,
    UnitMonthReport,
    UnitMonthResult,
)
from kaohe.performance.months import compute_sql
from kaohe.performance.policies import months_policy
from kaohe.performance.rules import ranked, unit_month_score
from kaohe.performance.selectors import (
    UNIT_REPORTERS,
    grid_stamp,
    is_office,
    month_inputs,
    month_label,
    other_deductions,
    ranked_units,
    systems_for,
)
from kaohe.schemes.models import Indicator, IndicatorKind
from kaohe.schemes.numbers import finite_decimal, two_places
from kaohe.schemes.rollup import plain

# --- months (P1) ---

TRUE_WORDS = {"是", "1", "true", "yes", "on", "合格"}
FALSE_WORDS = {"否", "0", "false", "no", "不合格"}
MAX_OCCURRENCES = 9999
REPORT_MAX = 5000
EVIDENCE_MAX_BYTES = 5 * 1024 * 1024
_SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


def _require_office(actor: User, region_id: int) -> None:
    if not is_office(actor, region_id):
        raise ApplicationError(
            _("Only the region's assessment office may do this."),
            code=PerformanceErrorCode.NOT_OFFICE,
        )


def _require_open(month: PerformanceMonth) -> None:
    if month.state != PerformanceMonth.State.OPEN:
        raise ApplicationError(
            _("%(month)s is published: its scores no longer change.")
            % {"month": month_label(month)},
            code=PerformanceErrorCode.MONTH_PUBLISHED,
        )


@transaction.atomic
def month_open(*, actor: User, region_id: int, year: int, month: int) -> PerformanceMonth:
    """Open a month's round: units report, the office scores."""
    _require_office(actor, region_id)
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise ApplicationError(_("Choose a month."), code=PerformanceErrorCode.MONTH_BAD)
    if PerformanceMonth.objects.filter(region_id=region_id, year=year, month=month).exists():
        raise ApplicationError(
            _("%(year)s-%(month)s is open already.") % {"year": year, "month": month},
            code=PerformanceErrorCode.MONTH_EXISTS,
        )
    opened = PerformanceMonth.objects.create(region_id=region_id, year=year, month=month)
    audit_record(
        actor=actor,
        action=AuditAction.PERFORMANCE_MONTH_OPEN,
        obj=opened,
        region=actor.region,
        state=opened.state,
    )
    return opened


# ------------------------------------------------------------------ the office's scores


def _parse(indicator: Indicator, unit: Unit, raw: str) -> tuple[dict[str, Any] | None, str | None]:
    """A cell's fields, or a message naming the unit and indicator."""
    text = raw.strip()
    if text == "":
        return None, None
    where = f"{unit.name}「{indicator.name}」"
    if indicator.kind == IndicatorKind.DEDUCTION:
        if not text.isdecimal() or int(text) > MAX_OCCURRENCES:
            return None, _("%(where)s: write the number of occurrences, e.g. 2.") % {"where": where}
        return {"occurrences": int(text)}, None
    if indicator.kind in (IndicatorKind.VETO, IndicatorKind.PASS_FAIL):
        if text.lower() in TRUE_WORDS:
            return {"flag": True}, None
        if text.lower() in FALSE_WORDS:
            return {"flag": False}, None
        choices = "是/否" if indicator.kind == IndicatorKind.VETO else "合格/不合格"
        return None, _("%(where)s: write %(choices)s.") % {"where": where, "choices": choices}
    value = finite_decimal(text)
    if value is None:
        return None, _("%(where)s: “%(value)s” is not a number.") % {
            "where": where,
            "value": text[:12],
        }
    limit = indicator.max_points if indicator.kind == IndicatorKind.SCORED else indicator.cap
    if value < 0 or (limit > 0 and value > limit) or not two_places(value):
        return None, _("%(where)s: give a number from 0 to %(max)s with at most two decimals.") % {
            "where": where,
            "max": plain(limit),
        }
    return {"value": value}, None


def _public(
    unit: Unit, points_raw: str, evidence_raw: str, most: Decimal
) -> tuple[tuple[Decimal, str] | None, str | None]:
    points_text = points_raw.strip()
    evidence = clean_text(evidence_raw)
    if not points_text:
        if evidence:
            return None, _("%(unit)s: the public evaluation has evidence but no points.") % {
                "unit": unit.name
            }
        return None, None
    points = finite_decimal(points_text)
    if points is None or points < 0 or points > most or not two_places(points):
        return None, _(
            "%(unit)s: public evaluation points are a number from 0 to %(max)s with at most "
            "two decimals."
        ) % {"unit": unit.name, "max": plain(most)}
    if not evidence:
        return None, _("%(unit)s: say what the public evaluation points rest on.") % {
            "unit": unit.name
        }
    if len(evidence) > 300:
        return None, _(
            "%(unit)s: the public evaluation's evidence is longer than 300 characters."
        ) % {"unit": unit.name}
    return (points, evidence), None


@transaction.atomic
def month_scores_save(
    *,
    actor: User,
    month: PerformanceMonth,
    category: PerformanceCategory,
    unit_ids: Sequence[int],
    cells: Mapping[str, str],
    stamp: str,
) -> int:
    """Save the grid's page: every cell of the units shown (c-<unit>-<indicator>) and
    their 民评 (p-<unit> points, e-<unit> evidence). All or nothing: a bad cell saves
    nothing; a page older than the last save is refused. The category's results of the
    month are dropped (they must be computed again). Returns the cells stored."""
    _require_office(actor, month.region_id)
    # One writer of a month at a time: the row lock orders concurrent saves.
    month = PerformanceMonth.objects.select_for_update().get(pk=month.pk)
    _require_open(month)
    system = systems_for(month.region_id, month.year, month.month).get(category.pk)
    if system is None:
        raise ApplicationError(
            _("The %(category)s category has no approved indicator system for %(year)s.")
            % {"category": category.name, "year": month.year},
            code=PerformanceErrorCode.NO_SYSTEM,
        )
    if stamp != grid_stamp(month, category.pk):
        raise ApplicationError(
            _(
                "Someone saved scores of this category while the page was open; nothing "
                "was saved. Reload the page and enter your changes again."
            ),
            code=PerformanceErrorCode.STALE,
        )
    units = list(
        ranked_units(month.region_id).filter(performance_category=category, pk__in=list(unit_ids))
    )
    most = months_policy(month.region_id).public_points
    problems: list[str] = []
    new_entries: list[MonthEntry] = []
    new_public: list[PublicEvaluation] = []
    for unit in units:
        for indicator, _path in system.leaves:
            fields, problem = _parse(indicator, unit, cells.get(f"c-{unit.pk}-{indicator.pk}", ""))
            if problem:
                problems.append(problem)
            elif fields:
                new_entries.append(
                    MonthEntry(month=month, unit=unit, indicator=indicator, **fields)
                )
        public, problem = _public(
            unit, cells.get(f"p-{unit.pk}", ""), cells.get(f"e-{unit.pk}", ""), most
        )
        if problem:
            problems.append(problem)
        elif public:
            new_public.append(
                PublicEvaluation(month=month, unit=unit, points=public[0], evidence=public[1])
            )
    if problems:
        raise ValidationFailed(
            _("Nothing was saved: %(n)s cells need correcting.") % {"n": len(problems)},
            problems=problems,
            code=PerformanceErrorCode.CELLS_INVALID,
        )
    ids = [u.pk for u in units]
    MonthEntry.objects.filter(month=month, unit_id__in=ids).delete()
    PublicEvaluation.objects.filter(month=month, unit_id__in=ids).delete()
    MonthEntry.objects.bulk_create(new_entries, batch_size=2000)
    PublicEvaluation.objects.bulk_create(new_public, batch_size=2000)
    dropped, _d = UnitMonthResult.objects.filter(month=month, category=category).delete()
    audit_record(
        actor=actor,
        action=AuditAction.PERFORMANCE_MONTH_SCORES,
        obj=month,
        region=actor.region,
        details={
            "category": category.name,
            "units": len(ids),
            "cells": len(new_entries),
            "public": len(new_public),
            "results_dropped": dropped,
        },
    )
    return len(new_entries)


# ------------------------------------------------------------------ compute and publish


RESULT_COLUMNS = ("month_id", "unit_id", "category_id", "score", "rank", "rewarded")


@transaction.atomic
def month_compute(
    *, actor: User, month: PerformanceMonth, deductions: Mapping[int, Decimal] | None = None
) -> int:
    """Score every ranked unit of the month (its category's roll-up, 加减分, 民评 and
    other sources' deductions), rank within each category, mark the reward list, and
    write the results (replacing the month's earlier ones). A few queries and one bulk
    write whatever the number of units: on PostgreSQL one INSERT … SELECT computes
    them (months.compute_sql, the roll-up in SQL), elsewhere the pure roll-up in
    Python over the gathered inputs. Returns the units scored."""
    _require_office(actor, month.region_id)
    month = PerformanceMonth.objects.select_for_update().get(pk=month.pk)
    _require_open(month)
    systems = systems_for(month.region_id, month.year, month.month)
    used = set(
        ranked_units(month.region_id)
        .order_by()
        .values_list("performance_category_id", flat=True)
        .distinct()
    )
    missing = sorted(c for c in used if c not in systems)
    if missing:
        names = list(
            PerformanceCategory.objects.filter(pk__in=missing).values_list("name", flat=True)
        )
        raise ApplicationError(
            _("These unit categories have no approved indicator system for %(year)s: %(names)s.")
            % {"year": month.year, "names": "、".join(names)},
            code=PerformanceErrorCode.NO_SYSTEM,
        )
    policy = months_policy(month.region_id)
    UnitMonthResult.objects.filter(month=month).delete()
    if sql.is_postgres():
        statement, params = compute_sql(
            month_id=month.pk,
            region_id=month.region_id,
            systems={
                c: (
                    s.nodes,
                    {str(ind.key): ind.pk for ind, _path in s.leaves},
                )
                for c, s in systems.items()
                if c in used
            },
            reward_places=policy.reward_places,
            deductions=other_deductions(month) if deductions is None else deductions,
        )
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            written = int(cursor.rowcount)
    else:
        inputs = month_inputs(month, deductions=deductions)
        zero = Decimal(0)
        scores = [
            unit_month_score(
                unit_id=unit_id,
                category_id=category_id,
                nodes=inputs.systems[category_id].nodes,
                entries=inputs.entries.get(unit_id, {}),
                public=inputs.public.get(unit_id, zero),
                deduction=inputs.deductions.get(unit_id, zero),
            )
            for unit_id, category_id in inputs.units
        ]
        rows = ranked(scores, policy.reward_places)
        with connection.cursor() as cursor:
            written = sql.load(
                cursor,
                sql.table(UnitMonthResult),
                [sql.column(UnitMonthResult, f.removesuffix("_id")) for f in RESULT_COLUMNS],
                ((month.pk, r.unit_id, r.category_id, r.score, r.rank, r.rewarded) for r in rows),
            )
    audit_record(
        actor=actor,
        action=AuditAction.PERFORMANCE_MONTH_COMPUTE,
        obj=month,
        region=actor.region,
        details={"units": written},
    )
    return written


@transaction.atomic
def month_publish(*, actor: User, month: PerformanceMonth) -> PerformanceMonth:
    """Publish the month's rankings and reward list: units see their results, and the
    units' administrators and leaders are told."""
    _require_office(actor, month.region_id)
    month = PerformanceMonth.objects.select_for_update().get(pk=month.pk)
    _require_open(month)
    expected = ranked_units(month.region_id).count()
    computed = UnitMonthResult.objects.filter(month=month).count()
    if not expected or computed != expected:
        raise ApplicationError(
            _(
                "Compute the month before publishing: %(computed)s of %(expected)s units have "
                "a result (scores saved since the last computation drop their category's)."
            )
            % {"computed": computed, "expected": expected},
            code=PerformanceErrorCode.MONTH_NOT_COMPUTED,
        )
    month.state = PerformanceMonth.State.PUBLISHED
    month.published_at = timezone.now()
    month.published_by = actor
    month.save(update_fields=["state", "published_at", "published_by"])
    users = User.objects.filter(
        role_grants__region_id=month.region_id,
        role_grants__role__in=[Role.UNIT_ADMIN, Role.UNIT_HEAD, Role.TEAM_MEMBER],
    ).distinct()
    told = notify(
        users=users,
        text=_("The unit performance ranking of %(month)s is published.")
        % {"month": month_label(month)},
        url=reverse("performance:month", args=[month.pk]),
        kind="performance_month_published",
    )
    audit_record(
        actor=actor,
        action=AuditAction.PERFORMANCE_MONTH_PUBLISH,
        obj=month,
        region=actor.region,
        state=month.state,
        details={"units": computed, "notified": told},
    )
    return month


# ------------------------------------------------------------------ a unit's report


@dataclass(frozen=True)
class Upload:
    """A file as the form received it."""

    name: str
    content: bytes


def _evidence_type(upload: Upload) -> str:
    if len(upload.content) > EVIDENCE_MAX_BYTES:
        raise ApplicationError(
            _("The file is larger than 5 MB: attach a smaller one."),
            code=PerformanceErrorCode.EVIDENCE_TOO_BIG,
        )
    for magic, content_type in _SIGNATURES:
        if upload.content.startswith(magic):
            return content_type
    raise ApplicationError(
        _("Attach a PDF, JPEG or PNG file: this file is none of them."),
        code=PerformanceErrorCode.EVIDENCE_BAD_TYPE,
    )


@transaction.atomic
def month_report_save(
    *,
    actor: User,
    month: PerformanceMonth,
    unit: Unit,
    text: str,
    items: Mapping[int, str],
    upload: Upload | None = None,
) -> UnitMonthReport | None:
    """The unit's progress for the month: on the whole, on each indicator it leads
    (`items`: assignment id → text), and a file of evidence. Empty texts remove
    what was written."""
    if not scope_of(actor, UNIT_REPORTERS).covers_path(unit.path, unit.pk) or (
        unit.region_id != month.region_id
    ):
        raise ApplicationError(
            _("Only the unit's administrators and head report its month."),
            code=PerformanceErrorCode.NOT_REPORTER,
        )
    _require_open(month)
    label = _("The report")
    general = bounded_text(text, REPORT_MAX, field=label, code=PerformanceErrorCode.REPORT_TOO_LONG)
    assignments = {
        a.pk: a
        for a in IndicatorAssignment.objects.filter(
            lead_unit=unit, year=month.year, pk__in=list(items)
        )
    }
    texts = {
        pk: bounded_text(
            items[pk], REPORT_MAX, field=label, code=PerformanceErrorCode.REPORT_TOO_LONG
        )
        for pk in assignments
    }
    content_type = _evidence_type(upload) if upload is not None else ""
    report = None
    if not general:
        UnitMonthReport.objects.filter(month=month, unit=unit, assignment__isnull=True).delete()
    else:
        report, _c = UnitMonthReport.objects.update_or_create(
            month=month, unit=unit, assignment=None, defaults={"text": general, "author": actor}
        )
    for pk, item in texts.items():
        if item:
            UnitMonthReport.objects.update_or_create(
                month=month,
                unit=unit,
                assignment=assignments[pk],
                defaults={"text": item, "author": actor},
            )
        else:
            UnitMonthReport.objects.filter(month=month, unit=unit, assignment_id=pk).delete()
    if upload is not None:
        ReportFile.objects.create(
            month=month,
            unit=unit,
            file_name=upload.name[-200:],
            content_type=content_type,
            content=upload.content,
            added_by=actor,
        )
    audit_record(
        actor=actor,
        action=AuditAction.PERFORMANCE_MONTH_REPORT,
        obj=month,
        region=actor.region,
        details={
            "unit": unit.pk,
            "items": sum(1 for t in texts.values() if t),
            "file": upload.name[-200:] if upload else "",
        },
    )
    return report
