"""Excel downloads of quarter grades and of the year's results and rankings.

Each download is scoped exactly like the page it is offered on (the office's run
pages, a proposer's unit page) and reads its rows in chunks as plain values, so
its queries are the same few whatever the number of rows (docs/decisions.md,
"Streamed Excel exports"). Above KAOHE_EXPORT_JOB_ROWS rows the same workbook is
written by a background job (kaohe.jobs.exports).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponseBase
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from kaohe.accounts.models import User
from kaohe.core import workbooks
from kaohe.core.http import AuthedRequest
from kaohe.core.workbooks import SheetSpec, export_name
from kaohe.jobs.exports import Export, deliver, export_key, register_export
from kaohe.org.models import Unit
from kaohe.scoring import selectors
from kaohe.scoring.explain import consequence_label, grade_label
from kaohe.scoring.models import AnnualRun, QuarterResult, QuarterRun, RunState


class _Labels(dict[str, str]):
    """Grade code → label, looked up once per download rather than once per row."""

    def __missing__(self, code: str) -> str:
        self[code] = label = grade_label(code) if code else ""
        return label


def _yes(flag: bool) -> str:
    return _("Yes") if flag else ""


def quarter_rows(run: QuarterRun, unit: Unit | None = None) -> Iterator[Sequence[Any]]:
    """A run's results (or one unit's), by unit and rank: two queries in all, one
    GROUP BY for each unit's head count and one read in chunks."""
    results = QuarterResult.objects.filter(run=run)
    if unit is not None:
        results = results.filter(unit=unit)
    totals = dict(
        results.order_by().values("unit_id").annotate(n=Count("id")).values_list("unit_id", "n")
    )
    labels = _Labels()
    rows = results.order_by("unit__path", "rank_in_unit", "person__staff_no").values_list(
        "unit__code",
        "unit__name",
        "person__staff_no",
        "person__name",
        "score",
        "rank_in_unit",
        "unit_id",
        "band",
        "computed_grade",
        "grade",
        "tie",
        "change_reason",
    )
    for (
        code,
        uname,
        staff_no,
        name,
        score,
        rank,
        unit_id,
        band,
        computed,
        grade,
        tie,
        why,
    ) in rows.iterator(chunk_size=workbooks.EXPORT_CHUNK):
        yield (
            code,
            uname,
            staff_no,
            name,
            score,
            rank,
            totals.get(unit_id, 0),
            labels[band],
            labels[computed],
            labels[grade],
            _yes(tie),
            why,
        )


def _quarter_sheet(run: QuarterRun, unit: Unit | None = None) -> SheetSpec:
    return SheetSpec(
        title=_("Quarter grades"),
        header=[
            _("Unit code"),
            _("Unit"),
            _("Staff number"),
            _("Name"),
            _("Score"),
            _("Rank in the unit"),
            _("People in the unit"),
            _("By score"),
            _("Computed grade"),
            _("Grade"),
            _("Tied at the 好 boundary"),
            _("Reason for a change"),
        ],
        rows=quarter_rows(run, unit),
        identifiers=(0, 2),
        widths=(12, 24, 14, 10, 8, 10, 10, 10, 10, 10, 10, 30),
    )


def annual_rows(run: AnnualRun) -> Iterator[Sequence[Any]]:
    """The year's results by rank tier and rank: the ranking and each result at once."""
    totals = dict(
        run.results.order_by().values("tier").annotate(n=Count("id")).values_list("tier", "n")
    )
    labels = _Labels()
    rows = run.results.order_by("tier", "rank_in_tier", "person__staff_no").values_list(
        "tier",
        "rank_in_tier",
        "person__staff_no",
        "person__name",
        "unit__code",
        "unit__name",
        "composite",
        "grade",
        "tie",
        "consequences",
    )
    for (
        tier,
        rank,
        staff_no,
        name,
        code,
        uname,
        composite,
        grade,
        tie,
        consequences,
    ) in rows.iterator(chunk_size=workbooks.EXPORT_CHUNK):
        yield (
            selectors.tier_label(tier),
            rank,
            totals.get(tier, 0),
            staff_no,
            name,
            code,
            uname,
            composite,
            labels[grade],
            _yes(tie),
            "；".join(consequence_label(c) for c in consequences or []),
        )


def _annual_sheet(run: AnnualRun) -> SheetSpec:
    return SheetSpec(
        title=_("Annual results"),
        header=[
            _("Rank tier"),
            _("Rank in the tier"),
            _("People in the tier"),
            _("Staff number"),
            _("Name"),
            _("Unit code"),
            _("Unit"),
            _("Composite score"),
            _("Grade"),
            _("Tied at the quota's edge"),
            _("Consequences"),
        ],
        rows=annual_rows(run),
        identifiers=(3, 5),
        widths=(12, 10, 10, 14, 10, 12, 24, 10, 12, 10, 30),
    )


def _quarter_export(user: User, params: Mapping[str, Any]) -> Export:
    """The office's export of a run's grades (404 outside its scope)."""
    run = selectors.office_quarter_run(user, int(params["run_id"]))
    return Export(
        filename=export_name(run.region.name, f"{run.year}年第{run.quarter}季度", _("grades")),
        region_id=run.region_id,
        rows=QuarterResult.objects.filter(run=run).count(),
        sheets=lambda: [_quarter_sheet(run)],
    )


@login_required
@require_GET
def quarter_export(request: HttpRequest, run_id: int) -> HttpResponseBase:
    """The office's download of a run's grades, from the run's page."""
    req = AuthedRequest.of(request)
    params = {"run_id": run_id}
    export = _quarter_export(req.user, params)
    return deliver(
        actor=req.user,
        kind=QUARTER_EXPORT,
        key=export_key("quarter", run_id),
        params=params,
        export=export,
    )


def _proposal_scope(user: User, run_id: int, unit_id: int) -> tuple[QuarterRun, Unit]:
    """The run and unit of a proposal page, with the page's own scope (404 outside)."""
    unit = selectors.proposer_units(user).filter(pk=unit_id).first()
    run = (
        selectors.quarter_runs(user)
        .exclude(state=RunState.SUPERSEDED)
        .filter(pk=run_id)
        .select_related("region")
        .first()
    )
    if unit is None or run is None:
        raise Http404
    return run, unit


def _proposal_export(user: User, params: Mapping[str, Any]) -> Export:
    """A unit's grades in a run, with the proposal page's scope."""
    run, unit = _proposal_scope(user, int(params["run_id"]), int(params["unit_id"]))
    return Export(
        filename=export_name(unit.name, f"{run.year}年第{run.quarter}季度", _("grades")),
        region_id=run.region_id,
        rows=QuarterResult.objects.filter(run=run, unit=unit).count(),
        sheets=lambda: [_quarter_sheet(run, unit)],
    )


@login_required
@require_GET
def proposal_export(request: HttpRequest, run_id: int, unit_id: int) -> HttpResponseBase:
    """A unit's grades in a run, for its head (or an admin over it), from the proposal page."""
    req = AuthedRequest.of(request)
    params = {"run_id": run_id, "unit_id": unit_id}
    export = _proposal_export(req.user, params)
    return deliver(
        actor=req.user,
        kind=PROPOSAL_EXPORT,
        # Per person: what a unit's head may download, another may not.
        key=export_key("proposal", run_id, unit_id, req.user.pk),
        params=params,
        export=export,
    )


def _annual_export(user: User, params: Mapping[str, Any]) -> Export:
    """The office's export of the year's results and rankings."""
    run = selectors.office_annual_run(user, int(params["run_id"]))
    return Export(
        filename=export_name(run.region.name, f"{run.year}年度", _("results and rankings")),
        region_id=run.region_id,
        rows=run.results.count(),
        sheets=lambda: [_annual_sheet(run)],
    )


@login_required
@require_GET
def annual_export(request: HttpRequest, run_id: int) -> HttpResponseBase:
    """The office's download of the year's results and rankings, from the year's page."""
    req = AuthedRequest.of(request)
    params = {"run_id": run_id}
    export = _annual_export(req.user, params)
    return deliver(
        actor=req.user,
        kind=ANNUAL_EXPORT,
        key=export_key("annual", run_id),
        params=params,
        export=export,
    )


QUARTER_EXPORT = "scoring.export.quarter"
PROPOSAL_EXPORT = "scoring.export.proposal"
ANNUAL_EXPORT = "scoring.export.annual"
register_export(QUARTER_EXPORT, gettext_lazy("Exporting the quarter's grades"))(_quarter_export)
register_export(PROPOSAL_EXPORT, gettext_lazy("Exporting the unit's grades"))(_proposal_export)
register_export(ANNUAL_EXPORT, gettext_lazy("Exporting the year's results"))(_annual_export)
