from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kaohe.accounts.access import is_region_admin, region_id_of
from kaohe.core import clock
from kaohe.core.errors import ApplicationError
from kaohe.core.http import AuthedRequest, queue_problems
from kaohe.jobs.registry import label_for
from kaohe.jobs.selectors import active_job, active_jobs
from kaohe.jobs.services import job_start
from kaohe.org.models import Region
from kaohe.scoring import jobs, selectors, services
from kaohe.scoring.engine import QUARTER_ORDER
from kaohe.scoring.explain import consequence_label, explain, grade_label
from kaohe.scoring.models import RunState


@login_required
@require_http_methods(["GET", "POST"])
def overview_page(request: HttpRequest) -> HttpResponse:
    """The office's page: compute quarters and years, and the runs so far. Unit heads
    get the list of runs to propose grades in."""
    req = AuthedRequest.of(request)
    office = is_region_admin(req.user)
    units = selectors.proposer_units(req.user)
    if not office and not units.exists():
        raise Http404
    if request.method == "POST":
        if not office:
            raise Http404
        region = Region.objects.get(pk=region_id_of(req.user))
        try:
            year = int(request.POST.get("year", ""))
            if request.POST.get("action") == "year":
                share_text = request.POST.get("share", "").strip()
                share = Decimal(share_text) / 100 if share_text else None
                if share is not None and not share.is_finite():
                    raise ValueError(share_text)
                # The year is computed by the background worker; the job page shows
                # its progress and links to the result (a second click finds it).
                started = job_start(
                    actor=req.user,
                    region=region,
                    kind=jobs.YEAR,
                    key=jobs.year_key(year),
                    params={
                        "year": year,
                        "share": str(share) if share is not None else None,
                        "approval": request.POST.get("approval", ""),
                    },
                )
                return redirect("jobs:job", job_id=started.pk)
            quarter = int(request.POST.get("quarter", ""))
            started = job_start(
                actor=req.user,
                region=region,
                kind=jobs.QUARTER,
                key=jobs.quarter_key(year, quarter),
                params={"year": year, "quarter": quarter, "today": clock.today().isoformat()},
            )
            return redirect("jobs:job", job_id=started.pk)
        except (ValueError, InvalidOperation):
            messages.error(request, _("Fill in the year and the quarter as numbers."))
        except ApplicationError as exc:
            queue_problems(request, exc)
    today = clock.today()
    return render(
        request,
        "scoring/overview.html",
        {
            "office": office,
            "quarter_runs": selectors.quarter_runs(req.user).exclude(state=RunState.SUPERSEDED)[
                :12
            ],
            "annual_runs": selectors.annual_runs(req.user)[:6],
            "units": units.order_by("path")[:100],
            "today": today,
            "default_quarter": (today.month - 1) // 3 + 1,
            "jobs": (
                [(j, label_for(j.kind)) for j in active_jobs(region_id_of(req.user), jobs.KINDS)]
                if office
                else []
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def quarter_page(request: HttpRequest, run_id: int) -> HttpResponse:
    req = AuthedRequest.of(request)
    run = selectors.office_quarter_run(req.user, run_id)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "confirm":
                services.quarter_confirm(actor=req.user, run=run)
            elif action == "publish":
                services.quarter_publish(actor=req.user, run=run)
            elif action in ("recompute", "reopen"):
                # Both compute the quarter: a background job, shown on its page.
                params: dict[str, object] = {
                    "year": run.year,
                    "quarter": run.quarter,
                    "today": clock.today().isoformat(),
                }
                if action == "reopen":
                    params |= {"run_id": run.pk, "reason": request.POST.get("reason", "")}
                started = job_start(
                    actor=req.user,
                    region=run.region,
                    kind=jobs.QUARTER if action == "recompute" else jobs.QUARTER_REOPEN,
                    key=jobs.quarter_key(run.year, run.quarter),
                    params=params,
                )
                return redirect("jobs:job", job_id=started.pk)
            else:
                raise Http404
        except ApplicationError as exc:
            queue_problems(request, exc)
        return redirect("scoring:quarter", run_id=run.pk)
    # A compute of this quarter still running (it survives a reload).
    job = active_job(run.region_id, jobs.quarter_key(run.year, run.quarter))
    rows, ties = selectors.quarter_distribution(run)
    grades = [g.value for g in QUARTER_ORDER]
    chart = {
        "units": [r.name for r in rows],
        "series": [
            {"name": grade_label(g), "data": [r.counts.get(g, 0) for r in rows]} for g in grades
        ],
    }
    return render(
        request,
        "scoring/quarter.html",
        {
            "run": run,
            "rows": rows,
            "pools": selectors.quarter_pools(run),
            "ties": ties,
            "grades": [(g, grade_label(g)) for g in grades],
            "chart": chart,
            "states": RunState,
            "job": job,
            "job_label": label_for(job.kind) if job else "",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def proposal_page(request: HttpRequest, run_id: int, unit_id: int) -> HttpResponse:
    """The unit head proposes grades: 本季度可评“好”X 人，剩余 Y 人."""
    req = AuthedRequest.of(request)
    run, unit, results, counters = selectors.unit_proposal(req.user, run_id, unit_id)
    if request.method == "POST":
        proposed = [r for r in results if r.computed_grade]
        changes = {
            r.pk: (
                request.POST.get(f"grade_{r.pk}", r.grade),
                request.POST.get(f"reason_{r.pk}", ""),
            )
            for r in proposed
        }
        # What the page showed when it was opened; a page without it shows nothing current.
        shown = {
            r.pk: (
                request.POST.get(f"shown_grade_{r.pk}", ""),
                request.POST.get(f"shown_reason_{r.pk}", ""),
            )
            for r in proposed
        }
        try:
            count = services.quarter_propose(actor=req.user, run=run, changes=changes, shown=shown)
        except ApplicationError as exc:
            queue_problems(request, exc)
        else:
            messages.success(request, _("Proposal saved: %(n)s grades changed.") % {"n": count})
            return redirect("scoring:proposal", run_id=run.pk, unit_id=unit.pk)
    return render(
        request,
        "scoring/proposal.html",
        {
            "run": run,
            "unit": unit,
            "rows": [(r, grade_label(r.band), grade_label(r.computed_grade)) for r in results],
            "counters": counters,
            "grades": [(g.value, grade_label(g.value)) for g in QUARTER_ORDER],
            "editable": run.state == RunState.COMPUTED,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def annual_page(request: HttpRequest, run_id: int) -> HttpResponse:
    req = AuthedRequest.of(request)
    run = selectors.office_annual_run(req.user, run_id)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "reopen":
                started = job_start(
                    actor=req.user,
                    region=run.region,
                    kind=jobs.YEAR_REOPEN,
                    key=jobs.year_key(run.year),
                    params={"run_id": run.pk, "reason": request.POST.get("reason", "")},
                )
                return redirect("jobs:job", job_id=started.pk)
            else:
                services.annual_publish(actor=req.user, run=run)
        except ApplicationError as exc:
            queue_problems(request, exc)
        return redirect("scoring:annual", run_id=run.pk)
    job = active_job(run.region_id, jobs.year_key(run.year))
    distribution = selectors.annual_distribution(run)
    return render(
        request,
        "scoring/annual.html",
        {
            "run": run,
            "distribution": [(grade_label(g), n) for g, n in sorted(distribution.items())],
            "rankings": selectors.annual_rankings(run),
            "states": RunState,
            "job": job,
            "job_label": label_for(job.kind) if job else "",
        },
    )


@login_required
def mine_page(request: HttpRequest) -> HttpResponse:
    req = AuthedRequest.of(request)
    quarters, years = selectors.my_results(req.user)
    return render(
        request,
        "scoring/mine.html",
        {
            "quarters": [(r, grade_label(r.grade)) for r in quarters],
            "years": [(r, grade_label(r.grade)) for r in years],
        },
    )


@login_required
def explanation_page(request: HttpRequest, kind: str, result_id: int) -> HttpResponse:
    req = AuthedRequest.of(request)
    if kind not in ("quarter", "year"):
        raise Http404
    result = selectors.my_result(req.user, kind, result_id)
    headline, lines = explain(result.steps)
    consequences = [consequence_label(c) for c in getattr(result, "consequences", [])]
    return render(
        request,
        "scoring/explanation.html",
        {
            "result": result,
            "kind": kind,
            "grade": grade_label(result.grade),
            "headline": headline,
            "lines": lines,
            "consequences": consequences,
        },
    )


@login_required
@require_POST
def receipt_view(request: HttpRequest, kind: str, result_id: int) -> HttpResponse:
    req = AuthedRequest.of(request)
    if kind not in ("quarter", "year"):
        raise Http404
    result = selectors.my_result(req.user, kind, result_id)
    try:
        services.receipt_confirm(actor=req.user, result=result)
    except ApplicationError as exc:
        queue_problems(request, exc)
    else:
        messages.success(request, _("Receipt confirmed."))
    return redirect("scoring:explanation", kind=kind, result_id=result_id)
