from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from html import escape as esc

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kaohe.accounts.access import is_region_admin, region_id_of
from kaohe.core import clock
from kaohe.core.errors import ApplicationError
from kaohe.core.http import AuthedRequest, show_refusal
from kaohe.jobs.models import Job
from kaohe.jobs.registry import label_for
from kaohe.jobs.selectors import active_job, active_jobs
from kaohe.jobs.services import job_start
from kaohe.org.models import Region
from kaohe.scoring import guards, jobs, presenters, selectors, services
from kaohe.scoring.caches import recent_runs
from kaohe.scoring.engine import QUARTER_ORDER
from kaohe.scoring.errors import ScoringErrorCode
from kaohe.scoring.explain import grade_label
from kaohe.scoring.models import AnnualRun, QuarterRun, RunState
from kaohe.worklogs.rules import Period


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
                # its progress and links to the result (a second click finds it). What
                # blocks it is said here, not as a failed job.
                guards.refuse(guards.annual_blockers(region.pk, year))
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
            # Refused here, not as a failed job (nor a job keyed by a 4,000-digit year).
            if not 1 <= quarter <= 4:
                raise ValueError(quarter)
            guards.refuse(guards.quarter_blockers(region.pk, year, quarter))
            started = job_start(
                actor=req.user,
                region=region,
                kind=jobs.QUARTER,
                key=jobs.quarter_key(year, quarter),
                params={"year": year, "quarter": quarter, "today": clock.today().isoformat()},
            )
            return redirect("jobs:job", job_id=started.pk)
        # A year past the calendar's end overflows the date arithmetic of the guards.
        except (ValueError, OverflowError, InvalidOperation):
            messages.error(request, _("Fill in the year and the quarter as numbers."))
        except ApplicationError as exc:
            show_refusal(request, exc)
    today = clock.today()
    quarter_runs, annual_runs = recent_runs(region_id_of(req.user))
    return render(
        request,
        "scoring/overview.html",
        {
            "office": office,
            "plan": _compute_plan(region_id_of(req.user), today.year) if office else None,
            "quarter_runs": quarter_runs,
            "annual_runs": annual_runs,
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


def _compute_plan(region_id: int | None, year: int) -> dict[str, object]:
    """Each quarter of the year and the year itself: its current run, or what blocks
    computing it (the guards' reasons), so the page offers only what will work."""
    if region_id is None:
        return {}
    # The four quarters' and the year's guards read the year's facts once, cached.
    facts = guards.year_facts(region_id, year)
    runs = facts.runs
    quarters = []
    today = clock.today()
    for q in range(1, 5):
        run = runs.get(q)
        # A quarter yet to begin has nothing to compute: no reasons, no button.
        future = Period(year, q).start > today
        blockers = (
            guards.quarter_blockers(region_id, year, q, facts)
            if not future and (run is None or run.state == RunState.COMPUTED)
            else []
        )
        quarters.append(
            {
                "quarter": q,
                "label": Period(year, q).label(),
                "run": run,
                "blockers": blockers,
                "future": future,
            }
        )
    annual = facts.annual_run
    return {
        "year": year,
        "quarters": quarters,
        "annual": annual,
        "annual_blockers": guards.annual_blockers(region_id, year, facts)
        if annual is None or annual.state == RunState.COMPUTED
        else [],
    }


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
            elif action in ("recompute", "reopen"):
                # Both compute the quarter: a background job, shown on its page.
                params: dict[str, object] = {
                    "year": run.year,
                    "quarter": run.quarter,
                    "today": clock.today().isoformat(),
                }
                if action == "reopen":
                    params |= {"run_id": run.pk, "reason": request.POST.get("reason", "")}
                else:
                    guards.refuse(guards.quarter_blockers(run.region_id, run.year, run.quarter))
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
            show_refusal(request, exc)
        return redirect("scoring:quarter", run_id=run.pk)
    # A compute of this quarter still running (it survives a reload).
    job = active_job(run.region_id, jobs.quarter_key(run.year, run.quarter))
    rows, ties = selectors.quarter_distribution(run)
    grades = [g.value for g in QUARTER_ORDER]
    # Shares per unit, the largest share of the best grade first (static/kaohe/charts.js).
    ranked = sorted(rows, key=lambda r: (-r.counts.get(grades[0], 0) / (r.total or 1), r.name))
    chart = {
        "categories": [r.name for r in ranked],
        "series": [
            {"name": grade_label(g), "data": [r.counts.get(g, 0) for r in ranked]} for g in grades
        ],
        "stack": True,
        "percent": True,
    }
    pools = selectors.quarter_pools(run)
    pool_chart = {
        "categories": [p.name for p in pools],
        "series": [
            {"name": _("Places for 好"), "data": [p.limit for p in pools]},
            {"name": _("Rated 好"), "data": [p.good for p in pools]},
        ],
        "labels": True,
    }
    return render(
        request,
        "scoring/quarter.html",
        {
            "run": run,
            "rows": rows,
            "pools": pools,
            "ties": ties,
            "grades": [(g, grade_label(g)) for g in grades],
            "chart": chart,
            "pool_chart": pool_chart,
            "states": RunState,
            # Recomputing meets the compute's guards (a round reopened since, say).
            "recompute_blockers": guards.quarter_blockers(run.region_id, run.year, run.quarter)
            if run.state == RunState.COMPUTED
            else [],
            "job": job,
            "job_label": label_for(job.kind) if job else "",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def proposal_page(request: HttpRequest, run_id: int, unit_id: int) -> HttpResponse:
    """The unit head proposes grades: 本季度可评“好”X 人，剩余 Y 人."""
    req = AuthedRequest.of(request)
    run, unit, results, counters = selectors.unit_proposal(
        req.user, run_id, unit_id, fresh=request.method == "POST"
    )
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
            show_refusal(request, exc)
        else:
            messages.success(request, _("Proposal saved: %(n)s grades changed.") % {"n": count})
            return redirect("scoring:proposal", run_id=run.pk, unit_id=unit.pk)
    editable = run.state == RunState.COMPUTED
    return render(
        request,
        "scoring/proposal.html",
        {
            "run": run,
            "unit": unit,
            "rows": _proposal_rows_html(selectors.proposal_rows(results, counters), editable),
            "counters": list(counters.values()),
            "editable": editable,
        },
    )


def _proposal_rows_html(rows: list[selectors.ProposalRow], editable: bool) -> SafeString:
    """The proposal table's body, built here: with template tags (a select of options
    per row) it was most of the page's rendering. Every value is escaped (`esc`)."""
    tie = f' <span class="badge lead">{esc(_("tie"))}</span>'
    no_grade, reason_label = esc(_("No grade")), esc(_("Reason for a change"))
    disabled = "" if editable else " disabled"
    changed = ' class="changed"'
    of = _("rank %(n)s of %(m)s")
    out = []
    for row in rows:
        r = row.result
        name, reason = esc(r.person.name), esc(r.change_reason)
        if r.computed_grade:
            options = "".join(
                f'<option value="{esc(g)}"{" selected" if r.grade == g else ""}>'
                f"{esc(label)}</option>"
                for g, label in row.options
            )
            grade = (
                f'<select name="grade_{r.pk}" aria-label="{name}"{disabled}>{options}</select>'
                f'<input type="hidden" name="shown_grade_{r.pk}" value="{esc(r.grade)}">'
                f'<input type="hidden" name="shown_reason_{r.pk}" value="{reason}">'
            )
        else:
            grade = no_grade
        rank = esc(of % {"n": r.rank_in_unit, "m": len(rows)})
        out.append(
            f"<tr{changed if r.tie else ''}>"
            f'<td>{name} <span class="muted">{rank}</span>{tie if r.tie else ""}</td>'
            f"<td>{esc(str(r.score))}</td><td>{esc(row.ceiling)}</td><td>{grade}</td>"
            f'<td><input type="text" name="reason_{r.pk}" value="{reason}" maxlength="300" '
            f'aria-label="{reason_label}"{disabled}></td></tr>'
        )
    return mark_safe("\n".join(out))  # noqa: S308  # every value escaped above


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
                raise Http404
        except ApplicationError as exc:
            show_refusal(request, exc)
        return redirect("scoring:annual", run_id=run.pk)
    job = active_job(run.region_id, jobs.year_key(run.year))
    distribution = selectors.annual_distribution(run)
    # Every tier's head count and range; one tier's ranking shown, paged to its end.
    tiers = selectors.annual_tiers(run)
    chosen = next((t for t in tiers if t.tier == request.GET.get("tier")), None)
    chosen = chosen or (tiers[0] if tiers else None)
    return render(
        request,
        "scoring/annual.html",
        {
            "run": run,
            "distribution": [(grade_label(g), n) for g, n in sorted(distribution.items())],
            "tiers": tiers,
            "tier": chosen,
            "ranking": (
                selectors.annual_ranking_page(run, chosen, request.GET.get("page"))
                if chosen
                else None
            ),
            "states": RunState,
            "job": job,
            "job_label": label_for(job.kind) if job else "",
        },
    )


@dataclass(frozen=True)
class MineRow:
    title: str
    score: str
    grade: str
    rank: str
    url: str
    to_confirm: bool
    form_url: str  # the period's official form (outcomes), as a PDF


def _form_url(person_id: int | None, year: int, quarter: int) -> str:
    """The user's own 年度 (quarter 0) or 平时考核登记表 of a period."""
    if person_id is None:
        return ""
    if quarter == 0:
        return reverse("outcomes:forms_person_annual", args=[person_id, year])
    return reverse("outcomes:forms_person_quarter", args=[person_id, year, quarter])


@login_required
def mine_page(request: HttpRequest) -> HttpResponse:
    req = AuthedRequest.of(request)
    # Texts and links built here once per row: the template's tags per row were most of
    # the page's own time.
    url = {kind: url_pattern("scoring:explanation", kind) for kind in ("year", "quarter")}
    annual, in_level, in_unit = (
        _(" annual"),
        _("rank %(n)s of %(m)s in the rank level"),
        _("rank %(n)s of %(m)s in the unit"),
    )
    rows = [
        MineRow(
            f"{r.year}{annual}" if r.kind == "year" else f"{r.year}年第{r.quarter}季度",
            str(r.score),
            grade_label(r.grade),
            (in_level if r.kind == "year" else in_unit) % {"n": r.rank, "m": r.rank_total},
            url[r.kind](r.pk),
            r.receipt_at is None,
            _form_url(req.user.person_id, r.year, r.quarter),
        )
        for r in selectors.my_result_rows(req.user)
    ]
    return render(request, "scoring/mine.html", {"rows": rows})


def url_pattern(name: str, kind: str) -> Callable[[int], str]:
    """A result's URL by its id: the pattern is reversed once, not once per row."""
    marker = 987654321
    head, tail = reverse(name, args=[kind, marker]).split(str(marker))
    return lambda pk: f"{head}{pk}{tail}"


@login_required
def explanation_page(request: HttpRequest, kind: str, result_id: int) -> HttpResponse:
    req = AuthedRequest.of(request)
    if kind not in ("quarter", "year"):
        raise Http404
    result = selectors.my_result_row(req.user, kind, result_id)
    # The year's page names no unit: its name is read for a quarter only.
    unit = selectors.unit_name(result.unit_id) if kind == "quarter" else ""
    shown = presenters.result_display(result, unit)
    figures: dict[str, object] = {"n": result.rank, "m": result.rank_total, "unit": unit}
    if kind == "quarter":
        rank = _("Rank %(n)s of %(m)s in %(unit)s") % figures
    else:
        rank = _("Rank %(n)s of %(m)s in your rank level across the region") % figures
    return render(
        request,
        "scoring/explanation.html",
        {
            "result": result,
            "kind": kind,
            "score": str(result.score),
            "grade": shown.grade_label,
            "rank": rank,
            "headline": shown.headline,
            "lines": shown.lines,
            "consequences": "；".join(shown.consequences),
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
        show_refusal(request, exc)
    else:
        messages.success(request, _("Receipt confirmed."))
    return redirect("scoring:explanation", kind=kind, result_id=result_id)


def _publish_page(
    request: HttpRequest, run: QuarterRun | AnnualRun, kind: str, back: str
) -> HttpResponse:
    """The confirmation before publishing: the grades per pool and the counts; the
    POST needs the box ticked and the page's token (guards.require_confirmation), and
    starts the publishing job (scoring.jobs): the user watches its progress."""
    req = AuthedRequest.of(request)
    if request.method == "POST":
        try:
            if request.POST.get("confirm") != "yes":
                raise ApplicationError(
                    _("Tick the box to confirm that you checked the grades before publishing."),
                    code=ScoringErrorCode.PUBLISH_NOT_TICKED,
                )
            return redirect("jobs:job", job_id=_publish_start(req, run).pk)
        except ApplicationError as exc:
            show_refusal(request, exc)
    summary = guards.publish_summary(run)
    order = guards.grade_order(kind)
    # What the apps above scoring still wait for (due process: the 公示).
    blockers = guards.year_publish_blockers(run) if isinstance(run, AnnualRun) else []
    job = active_job(run.region_id, _period_key(run))
    return render(
        request,
        "scoring/publish.html",
        {
            "run": run,
            "job": job,
            "job_label": label_for(job.kind) if job else "",
            "kind": kind,
            "summary": summary,
            "grades": [(g, grade_label(g), summary.grades.get(g, 0)) for g in order],
            "pools": [
                (p.name, [p.counts.get(g, 0) for g in order], p.total) for p in summary.pools
            ],
            "back": back,
            "blockers": blockers,
            "ready": not blockers
            and run.state
            in (
                (RunState.CONFIRMED,)
                if kind == "quarter"
                else (RunState.COMPUTED, RunState.CONFIRMED)
            ),
        },
    )


def _period_key(run: QuarterRun | AnnualRun) -> str:
    if isinstance(run, QuarterRun):
        return jobs.quarter_key(run.year, run.quarter)
    return jobs.year_key(run.year)


def _publish_start(req: AuthedRequest, run: QuarterRun | AnnualRun) -> Job:
    """Start publishing `run` as a job, keyed like computing its period (one at a time),
    or refuse: not confirmed on the page, already published, or a job of the period
    running (a double click, a second office member, a recomputation)."""
    guards.require_confirmation(run, req.request.POST.get("token", ""))
    if isinstance(run, AnnualRun):  # refused here, not as a failed job (the job checks again)
        guards.refuse(guards.year_publish_blockers(run))
    key = _period_key(run)
    busy = ApplicationError(
        _(
            "This period is being published or computed right now; wait until it "
            "finishes (its page shows the progress), then check it before publishing."
        ),
        code=ScoringErrorCode.PUBLISH_BUSY,
    )
    if active_job(run.region_id, key) is not None:
        raise busy
    # job_start returns the running job of the key when another request started one
    # between the look above and its insert: this request's own mark tells them apart.
    mark = secrets.token_hex(8)
    started = job_start(
        actor=req.user,
        region=run.region,
        kind=jobs.QUARTER_PUBLISH if isinstance(run, QuarterRun) else jobs.YEAR_PUBLISH,
        key=key,
        params={"run_id": run.pk, "token": req.request.POST.get("token", ""), "mark": mark},
    )
    if started.params.get("mark") != mark:
        raise busy
    return started


@login_required
@require_http_methods(["GET", "POST"])
def quarter_publish_page(request: HttpRequest, run_id: int) -> HttpResponse:
    req = AuthedRequest.of(request)
    run = selectors.office_quarter_run(req.user, run_id)
    return _publish_page(request, run, "quarter", "scoring:quarter")


@login_required
@require_http_methods(["GET", "POST"])
def annual_publish_page(request: HttpRequest, run_id: int) -> HttpResponse:
    req = AuthedRequest.of(request)
    run = selectors.office_annual_run(req.user, run_id)
    return _publish_page(request, run, "year", "scoring:annual")
