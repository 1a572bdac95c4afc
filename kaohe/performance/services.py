"""Writes of unit performance."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kaohe.accounts.access import require_region_admin, scope_of
from kaohe.accounts.models import Role, User
from kaohe.core import files, sql
from kaohe.core.audit import audit_record
from kaohe.core.audit_actions import AuditAction
from kaohe.core.errors import ApplicationError, ValidationFailed
from kaohe.core.files import Upload as Upload
from kaohe.core.text import bounded_text, clean_text, visible_length
from kaohe.core.year_facts import year_facts_forget
from kaohe.notices.services import notify
from kaohe.org.models import PerformanceCategory, Region, Unit
from kaohe.performance import rules
from kaohe.performance.errors import PerformanceErrorCode
from kaohe.performance.locks import year_lock_reasons
from kaohe.performance.models import (
    IndicatorAssignment,
    MonthEntry,
    PerformanceMonth,
    PublicEvaluation,
    ReportFile,
    UnitMonthReport,
    UnitMonthResult,
    UnitYearMark,
    UnitYearResult,
)
from kaohe.performance.months import compute_sql
from kaohe.performance.policies import policy_for, year_weights
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
from kaohe.surveys.results import unit_month_indices

TRUE_WORDS = {"是", "1", "true", "yes", "on", "合格"}
FALSE_WORDS = {"否", "0", "false", "no", "不合格"}
MAX_OCCURRENCES = 9999
REPORT_MAX = 5000
CENT = Decimal("0.01")
EVIDENCE_MAX = 300  # PublicEvaluation.evidence's length


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
        # The length first: int() refuses more than 4,300 digits (a 500 before).
        if not text.isdecimal() or len(text) > 6 or int(text) > MAX_OCCURRENCES:
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
    most = policy_for(month.region_id).public_points
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
    policy = policy_for(month.region_id)
    from_surveys = _public_from_surveys(month, policy.public_points)
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
        details={"units": written, "public": from_surveys},
    )
    return written


def _public_from_surveys(month: PerformanceMonth, public_points: Decimal) -> int:
    """The month's 民评 from the region's closed public surveys of this month: a unit
    with k counted responses or more gets public_points × its overall index / 100 (two
    places), replacing the points typed for it; a unit below k keeps what was typed.
    Returns the units filled."""
    indices = unit_month_indices(month.region_id, month.year, month.month)
    if not indices:
        return 0
    rows = [
        PublicEvaluation(
            month=month,
            unit_id=unit_id,
            points=(public_points * got.index / 100).quantize(CENT, ROUND_HALF_UP),
            evidence=(
                _("Public survey 《%(name)s》: %(n)s valid answers, favourable %(index)s%%")
                % {"name": "》、《".join(got.survey_names), "n": got.n, "index": got.index}
            )[:EVIDENCE_MAX],
        )
        for unit_id, got in sorted(indices.items())
    ]
    PublicEvaluation.objects.filter(month=month, unit_id__in=list(indices)).delete()
    PublicEvaluation.objects.bulk_create(rows)
    return len(rows)


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


def _evidence_type(upload: Upload) -> str:
    return files.evidence_type(
        upload,
        too_big=PerformanceErrorCode.EVIDENCE_TOO_BIG,
        bad_type=PerformanceErrorCode.EVIDENCE_BAD_TYPE,
    )


# Files of evidence a unit keeps for one month: each is up to 5 MB in the database.
MONTH_FILES_MAX = 10


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
    if (
        upload is not None
        and ReportFile.objects.filter(month=month, unit=unit).count() >= MONTH_FILES_MAX
    ):
        raise ApplicationError(
            _("A unit keeps at most %(n)s files of evidence a month.") % {"n": MONTH_FILES_MAX},
            code=PerformanceErrorCode.EVIDENCE_TOO_MANY,
        )
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
            "unit": unit.name,
            "items": sum(1 for t in texts.values() if t),
            "file": upload.name[-200:] if upload else "",
        },
    )
    return report


# --- year (P2) ---


YEAR_END_MAX = Decimal(100)  # the year-end evaluation is out of 100
OVERRIDE_MAX = Decimal(200)  # a year's result, with its add-or-deduct points, at most
MIN_REASON = 4  # visible characters of a reason or a citation: it is quoted as written


def _require_year_open(region_id: int, year: int) -> None:
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
    _require_year_open(region.pk, year)
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
    _require_year_open(region.pk, year)
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
    _require_year_open(region.pk, year)
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
    # The override it replaces stays in the audit row beside the new one.
    previous = "" if row.override is None else str(row.override)
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
        details={
            "unit": unit.name,
            "year": year,
            "old": previous,
            "score": str(row.override),
            "reason": reason,
        },
        note=reason,
    )
    return row


@transaction.atomic
def unit_year_override_remove(
    *, actor: User, region: Region, unit_id: int, year: int
) -> UnitYearResult:
    """The computed result stands again."""
    require_region_admin(actor, region.pk)
    _require_year_open(region.pk, year)
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
    _require_year_open(region.pk, year)
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
    _require_year_open(region.pk, mark.year)
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
