"""Writes of unit performance: each a keyword-only service in one transaction with one
audit row (docs/architecture.md, Writes)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kaohe.accounts.access import require_region_admin
from kaohe.accounts.models import User
from kaohe.core.audit import audit_record
from kaohe.core.audit_actions import AuditAction
from kaohe.core.errors import ApplicationError
from kaohe.core.text import bounded_text, visible_length
from kaohe.core.year_facts import year_facts_forget
from kaohe.org.models import Region, Unit
from kaohe.performance import rules
from kaohe.performance.errors import PerformanceErrorCode
from kaohe.performance.locks import year_lock_reasons
from kaohe.performance.models import (
    PerformanceMonth,
    UnitMonthResult,
    UnitYearMark,
    UnitYearResult,
)
from kaohe.performance.policies import year_weights

# --- year (P2) ---

YEAR_END_MAX = Decimal(100)  # the year-end evaluation is out of 100
OVERRIDE_MAX = Decimal(200)  # a year's result, with its add-or-deduct points, at most
MIN_REASON = 4  # visible characters of a reason or a citation: it is quoted as written


def _require_open(region_id: int, year: int) -> None:
    reasons = year_lock_reasons(region_id, year)
    if reasons:
        raise ApplicationError(
            " ".join(reasons), problems=reasons, code=PerformanceErrorCode.YEAR_LOCKED
        )


def _reason(raw: str, field: str, code: PerformanceErrorCode, maximum: int) -> str:
    text = bounded_text(raw, maximum, field=field, code=code)
    if visible_length(text) < MIN_REASON:
        raise ApplicationError(
            _("Write %(field)s (at least %(n)s characters): it is shown as written.")
            % {"field": field, "n": MIN_REASON},
            code=code,
        )
    return text


def _rerank(rows: list[UnitYearResult]) -> None:
    """Each row's place in its category by its final result (rows without one: none)."""
    by_category: dict[int | None, dict[int, Decimal]] = defaultdict(dict)
    for row in rows:
        final = row.final
        if final is not None:
            by_category[row.category_id][row.unit_id] = final
    places: dict[int, int] = {}
    for scores in by_category.values():
        places.update(rules.ranks(scores))
    for row in rows:
        row.rank = places.get(row.unit_id)


def _region_rows(region_id: int, year: int) -> dict[int, UnitYearResult]:
    return {
        r.unit_id: r
        for r in UnitYearResult.objects.select_for_update().filter(
            year=year, unit__region_id=region_id
        )
    }


def _recompute(region_id: int, year: int) -> int:
    """Every unit's year from the published months and the year-end scores, ranked in
    its category; a fixed number of queries. Returns the units with a computed result."""
    months_weight, year_end_weight = year_weights(region_id)
    month_ids = list(
        PerformanceMonth.objects.filter(
            region_id=region_id, year=year, state=PerformanceMonth.State.PUBLISHED
        ).values_list("pk", flat=True)
    )
    scores: dict[int, list[Decimal]] = defaultdict(list)
    month_category: dict[int, int] = {}
    for unit_id, score, category_id in (
        UnitMonthResult.objects.filter(month_id__in=month_ids)
        .order_by("month__month")
        .values_list("unit_id", "score", "category_id")
    ):
        scores[unit_id].append(score)
        month_category[unit_id] = category_id  # the latest month's category
    categories = dict(
        Unit.objects.filter(region_id=region_id, performance_category__isnull=False).values_list(
            "pk", "performance_category_id"
        )
    )
    rows = _region_rows(region_id, year)
    new: list[UnitYearResult] = []
    for unit_id in set(categories) | set(scores) | set(rows):
        row = rows.get(unit_id)
        if row is None:
            row = UnitYearResult(unit_id=unit_id, year=year)
            new.append(row)
        rollup = rules.year_rollup(
            scores.get(unit_id, ()),
            row.year_end,
            months_weight=months_weight,
            year_end_weight=year_end_weight,
        )
        row.months_average = rollup.months_average
        row.months_counted = rollup.months_counted
        row.computed = rollup.computed
        row.category_id = categories.get(unit_id, month_category.get(unit_id, row.category_id))
        rows[unit_id] = row
    _rerank(list(rows.values()))
    existing = [r for r in rows.values() if r.pk is not None]
    UnitYearResult.objects.bulk_create(new, batch_size=500)
    fields = ["months_average", "months_counted", "computed", "category", "rank"]
    UnitYearResult.objects.bulk_update(existing, fields, batch_size=500)
    year_facts_forget(region_id)
    return sum(1 for r in rows.values() if r.computed is not None)


@transaction.atomic
def unit_years_compute(*, actor: User, region: Region, year: int) -> int:
    """Compute every unit's year of the region (the office): its months' average, its
    year-end evaluation, the weighted result and its place in its category. Allowed
    again and again until the cadres' annual period that reads it is confirmed."""
    require_region_admin(actor, region.pk)
    _require_open(region.pk, year)
    computed = _recompute(region.pk, year)
    audit_record(
        actor=actor,
        action=AuditAction.PERFORMANCE_YEAR_COMPUTE,
        region=region,
        details={"year": year, "count": computed},
    )
    return computed


@transaction.atomic
def year_end_scores_save(
    *,
    actor: User,
    region: Region,
    year: int,
    category_id: int,
    scores: Mapping[int, Decimal | None],
    shown: Mapping[int, Decimal | None],
) -> int:
    """The office's year-end evaluation of a category's units, all or nothing: every
    unit must be of the category, every score from 0 to 100 (None: not entered), and
    what the page showed must still be what is stored (else someone saved meanwhile).
    The year is then computed again. Returns the units whose score changed."""
    require_region_admin(actor, region.pk)
    _require_open(region.pk, year)
    names = dict(
        Unit.objects.filter(
            region=region, performance_category_id=category_id, pk__in=list(scores)
        ).values_list("pk", "name")
    )
    if set(scores) - set(names):
        raise ApplicationError(
            _("Some units are not of this category; reload the page."),
            code=PerformanceErrorCode.YEAR_UNKNOWN_UNIT,
        )
    problems = [
        _("%(unit)s: the year-end score must be between 0 and %(max)s.")
        % {"unit": names[u], "max": YEAR_END_MAX}
        for u, s in scores.items()
        if s is not None and not Decimal(0) <= s <= YEAR_END_MAX
    ]
    if problems:
        raise ApplicationError(
            " ".join(problems), problems=problems, code=PerformanceErrorCode.YEAR_BAD_SCORE
        )
    rows = _region_rows(region.pk, year)
    stale = [names[u] for u in scores if (rows[u].year_end if u in rows else None) != shown.get(u)]
    if stale:
        raise ApplicationError(
            _(
                "Someone saved year-end scores of this category since the page was opened "
                "(%(units)s); nothing was saved. Reload the page and enter them again."
            )
            % {"units": "、".join(stale[:5])},
            code=PerformanceErrorCode.YEAR_STALE,
        )
    changed = [u for u, s in scores.items() if (rows[u].year_end if u in rows else None) != s]
    UnitYearResult.objects.bulk_create(
        UnitYearResult(unit_id=u, year=year, category_id=category_id, year_end=scores[u])
        for u in changed
        if u not in rows
    )
    updated = [rows[u] for u in changed if u in rows]
    for row in updated:
        row.year_end = scores[row.unit_id]
    UnitYearResult.objects.bulk_update(updated, ["year_end"])
    _recompute(region.pk, year)
    audit_record(
        actor=actor,
        action=AuditAction.PERFORMANCE_YEAR_END_SAVE,
        region=region,
        details={"year": year, "units": [names[u] for u in changed]},
    )
    return len(changed)


def _scoped_unit(region: Region, unit_id: int) -> Unit:
    unit = Unit.objects.filter(region=region, pk=unit_id).first()
    if unit is None:
        raise ApplicationError(
            _("That unit is not in your region."), code=PerformanceErrorCode.YEAR_UNKNOWN_UNIT
        )
    return unit


def _rerank_category(region_id: int, year: int, category_id: int | None) -> None:
    rows = [r for r in _region_rows(region_id, year).values() if r.category_id == category_id]
    _rerank(rows)
    UnitYearResult.objects.bulk_update(rows, ["rank"])


@transaction.atomic
def unit_year_override_set(
    *, actor: User, region: Region, unit_id: int, year: int, score: Decimal, reason: str
) -> UnitYearResult:
    """The office sets a unit's year result by hand, with the reason shown beside it:
    it stands for the computed result (which stays shown) until removed."""
    require_region_admin(actor, region.pk)
    _require_open(region.pk, year)
    unit = _scoped_unit(region, unit_id)
    reason = _reason(
        reason,
        _("the reason for the override"),
        PerformanceErrorCode.OVERRIDE_NEEDS_REASON,
        UnitYearResult._meta.get_field("override_reason").max_length or 300,
    )
    if not Decimal(0) <= score <= OVERRIDE_MAX:
        raise ApplicationError(
            _("The result must be between 0 and %(max)s.") % {"max": OVERRIDE_MAX},
            code=PerformanceErrorCode.YEAR_BAD_SCORE,
        )
    row, _created = UnitYearResult.objects.select_for_update().get_or_create(
        unit=unit, year=year, defaults={"category_id": unit.performance_category_id}
    )
    row.override = rules.cents(score)
    row.override_reason = reason
    row.override_by = actor
    row.override_at = timezone.now()
    row.save(update_fields=["override", "override_reason", "override_by", "override_at"])
    _rerank_category(region.pk, year, row.category_id)
    row.refresh_from_db(fields=["rank"])
    year_facts_forget(region.pk)
    audit_record(
        actor=actor,
        action=AuditAction.PERFORMANCE_YEAR_OVERRIDE_SET,
        obj=row,
        region=region,
        details={"unit": unit.name, "year": year, "score": str(row.override), "reason": reason},
        note=reason,
    )
    return row


@transaction.atomic
def unit_year_override_remove(
    *, actor: User, region: Region, unit_id: int, year: int
) -> UnitYearResult:
    """The computed result stands again."""
    require_region_admin(actor, region.pk)
    _require_open(region.pk, year)
    unit = _scoped_unit(region, unit_id)
    row = UnitYearResult.objects.select_for_update().filter(unit=unit, year=year).first()
    if row is None or row.override is None:
        raise ApplicationError(
            _("This unit's year has no override to remove."),
            code=PerformanceErrorCode.OVERRIDE_MISSING,
        )
    was, reason = row.override, row.override_reason
    row.override, row.override_reason, row.override_by, row.override_at = None, "", None, None
    row.save(update_fields=["override", "override_reason", "override_by", "override_at"])
    _rerank_category(region.pk, year, row.category_id)
    row.refresh_from_db(fields=["rank"])
    year_facts_forget(region.pk)
    audit_record(
        actor=actor,
        action=AuditAction.PERFORMANCE_YEAR_OVERRIDE_REMOVE,
        obj=row,
        region=region,
        details={"unit": unit.name, "year": year, "score": str(was), "reason": reason},
    )
    return row


@transaction.atomic
def unit_year_mark_record(
    *, actor: User, region: Region, unit_id: int, year: int, kind: str, reason: str
) -> UnitYearMark:
    """A fact of the unit's year behind R5.8 (an incentive won, a criticism by name),
    with the document it rests on: the main leader's annual grade cites it."""
    require_region_admin(actor, region.pk)
    _require_open(region.pk, year)
    unit = _scoped_unit(region, unit_id)
    if kind not in UnitYearMark.Kind.values:
        raise ApplicationError(
            _("Choose what happened to the unit."), code=PerformanceErrorCode.MARK_BAD_KIND
        )
    reason = _reason(
        reason,
        _("the document or notice"),
        PerformanceErrorCode.MARK_NEEDS_CITATION,
        UnitYearMark._meta.get_field("reason").max_length or 300,
    )
    mark = UnitYearMark.objects.create(
        unit=unit, year=year, kind=kind, reason=reason, recorded_by=actor
    )
    audit_record(
        actor=actor,
        action=AuditAction.PERFORMANCE_YEAR_MARK_RECORD,
        obj=mark,
        region=region,
        details={"unit": unit.name, "year": year, "kind": kind, "reason": reason},
    )
    return mark


@transaction.atomic
def unit_year_mark_remove(*, actor: User, region: Region, mark_id: int) -> None:
    require_region_admin(actor, region.pk)
    mark = (
        UnitYearMark.objects.select_for_update()
        .select_related("unit")
        .filter(pk=mark_id, unit__region=region)
        .first()
    )
    if mark is None:
        raise ApplicationError(
            _("That mark is not in your region."), code=PerformanceErrorCode.YEAR_UNKNOWN_UNIT
        )
    _require_open(region.pk, mark.year)
    details = {
        "unit": mark.unit.name,
        "year": mark.year,
        "kind": mark.kind,
        "reason": mark.reason,
    }
    audit_record(
        actor=actor,
        action=AuditAction.PERFORMANCE_YEAR_MARK_REMOVE,
        obj=mark,
        region=region,
        details=details,
    )
    mark.delete()
