"""Pages of the monthly rounds: the months, a month (the office's), the entry grid of a
category, the category's ranking with its trend, the reward list, a unit's month and
the lead unit's indicators. Thin: parsing here, reads in selectors, writes in services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kaohe.core import clock
from kaohe.core.errors import ApplicationError
from kaohe.core.files import EVIDENCE_MAX_BYTES, attachment
from kaohe.core.http import AuthedRequest, parse_id, parse_month, show_refusal
from kaohe.core.workbooks import SheetSpec, export_name, xlsx_download
from kaohe.performance import selectors, services
from kaohe.performance.errors import PerformanceErrorCode
from kaohe.performance.models import PerformanceMonth, UnitMonthReport
from kaohe.schemes import services as schemes

MAX_UPLOAD = EVIDENCE_MAX_BYTES


def _page(request: HttpRequest) -> int:
    return parse_id(request.GET.get("page")) or 1


@login_required
@require_http_methods(["GET", "POST"])
def month_list(request: HttpRequest) -> HttpResponse:
    """The region's months; the office opens the next one here."""
    req = AuthedRequest.of(request)
    if not selectors.may_see_rankings(req.user):
        raise Http404
    office = selectors.is_office(req.user, req.user.region_id or 0)
    today = clock.today()
    if request.method == "POST":
        if not office:
            raise Http404
        first, ok = parse_month(request.POST.get("month"), today.replace(day=1))
        try:
            if not ok:
                raise ApplicationError(_("Choose a month."), code=PerformanceErrorCode.MONTH_BAD)
            opened = services.month_open(
                actor=req.user,
                region_id=req.user.region_id or 0,
                year=first.year,
                month=first.month,
            )
        except ApplicationError as exc:
            show_refusal(request, exc)
        else:
            messages.success(
                request, _("%(month)s is open.") % {"month": selectors.month_label(opened)}
            )
            return redirect("performance:month", opened.pk)
        return redirect("performance:months")
    months = list(selectors.months_of(req.user)[:36])
    return render(
        request,
        "performance/months/list.html",
        {
            "months": months,
            "office": office,
            "next_month": today.strftime("%Y-%m"),
            "lead_units": list(selectors.lead_units(req.user, today.year)[:50]),
            "own_units": list(
                selectors.own_units(req.user).filter(performance_category__isnull=False)[:20]
            ),
            "year": today.year,
            "sees_years": selectors.can_see_years(req.user),
        },
    )


@login_required
def month_page(request: HttpRequest, month_id: int) -> HttpResponse:
    """A month: for the office its categories (scores entered, results), compute and
    publish; for a unit its own month and, once published, the rankings."""
    req = AuthedRequest.of(request)
    month = selectors.month_get(req.user, month_id)
    office = selectors.is_office(req.user, month.region_id)
    context = {
        "month": month,
        "label": selectors.month_label(month),
        "office": office,
        "published": month.state == PerformanceMonth.State.PUBLISHED,
        "own_units": list(
            selectors.own_units(req.user)
            .filter(region_id=month.region_id, performance_category__isnull=False)
            .select_related("performance_category")[:20]
        ),
    }
    if office:
        lines = selectors.month_overview(month)
        context |= {
            "lines": lines,
            "reports": selectors.month_reports_count(month),
            "units_total": sum(line.units for line in lines),
            "results_total": sum(line.results for line in lines),
        }
    elif month.state == PerformanceMonth.State.PUBLISHED:
        context["categories"] = selectors.categories_of(month)
    return render(request, "performance/months/month.html", context)


@login_required
@require_POST
def month_compute(request: HttpRequest, month_id: int) -> HttpResponse:
    req = AuthedRequest.of(request)
    month = selectors.office_month(req.user, month_id)
    try:
        written = services.month_compute(actor=req.user, month=month)
    except ApplicationError as exc:
        show_refusal(request, exc)
    else:
        messages.success(request, _("Computed: %(n)s units scored and ranked.") % {"n": written})
    return redirect("performance:month", month.pk)


@login_required
@require_POST
def month_publish(request: HttpRequest, month_id: int) -> HttpResponse:
    req = AuthedRequest.of(request)
    month = selectors.office_month(req.user, month_id)
    try:
        services.month_publish(actor=req.user, month=month)
    except ApplicationError as exc:
        show_refusal(request, exc)
    else:
        messages.success(request, _("Published: the units can see their results."))
    return redirect("performance:month", month.pk)


@login_required
@require_POST
def month_system(request: HttpRequest, month_id: int, category_id: int) -> HttpResponse:
    """The office starts a category's indicator system for the month's year: a schemes
    template with the category set, edited and published on the schemes pages."""
    req = AuthedRequest.of(request)
    month = selectors.office_month(req.user, month_id)
    category = selectors.category_get(req.user, month, category_id)
    try:
        version = schemes.template_create(
            actor=req.user,
            region=month.region,
            name=_("Indicator system of %(category)s units (%(year)s)")
            % {"category": category.name, "year": month.year},
            year=month.year,
            performance_category=category,
        )
    except ApplicationError as exc:
        show_refusal(request, exc)
        return redirect("performance:month", month.pk)
    messages.success(
        request, _("Add the indicators, then publish the template: the months then use it.")
    )
    return redirect("schemes:version", scheme_id=version.scheme_id, number=version.number)


@login_required
@require_http_methods(["GET", "POST"])
def month_grid(request: HttpRequest, month_id: int, category_id: int) -> HttpResponse:
    """The office's entry grid of a category: its units (100 a page) × indicators, 民评."""
    req = AuthedRequest.of(request)
    month = selectors.office_month(req.user, month_id)
    category = selectors.category_get(req.user, month, category_id)
    page = _page(request)
    if request.method == "POST":
        unit_ids = [i for i in (parse_id(v) for v in request.POST.getlist("unit")) if i]
        try:
            saved = services.month_scores_save(
                actor=req.user,
                month=month,
                category=category,
                unit_ids=unit_ids,
                cells={
                    k: request.POST.get(k, "") for k in request.POST if k[:2] in ("c-", "p-", "e-")
                },
                stamp=request.POST.get("stamp", ""),
            )
        except ApplicationError as exc:
            show_refusal(request, exc)
        else:
            messages.success(request, _("Saved: %(n)s scores.") % {"n": saved})
            return redirect(f"{request.path}?page={page}")
    grid = selectors.month_grid(month, category, page)
    if request.method == "POST":
        # A refused save: the page shows what was typed, to be corrected, not what is stored.
        for row in grid.rows:
            row.cells = [
                (ind, request.POST.get(f"c-{row.unit.pk}-{ind.pk}", text))
                for ind, text in row.cells
            ]
            row.public = request.POST.get(f"p-{row.unit.pk}", row.public)
            row.evidence = request.POST.get(f"e-{row.unit.pk}", row.evidence)
    return render(
        request,
        "performance/months/grid.html",
        {"grid": grid, "label": selectors.month_label(month), "month": month},
    )


@login_required
def month_ranking(request: HttpRequest, month_id: int, category_id: int) -> HttpResponse:
    """The category's ranking (50 a page), its chart (the first places and the viewer's
    unit) and the trend of the year's months."""
    req = AuthedRequest.of(request)
    month = selectors.month_get(req.user, month_id)
    category = selectors.category_get(req.user, month, category_id)
    rows, paged, chart = selectors.ranking(req.user, month, category, _page(request))
    own = next((r.unit_id for r in chart if r.own), None)
    if selectors.is_office(req.user, month.region_id):
        own = parse_id(request.GET.get("unit")) or own
    points = selectors.trend(req.user, month, category, own)
    return render(
        request,
        "performance/months/ranking.html",
        {
            "month": month,
            "label": selectors.month_label(month),
            "category": category,
            "rows": rows,
            "paged": paged,
            "chart": selectors.chart_spec(chart, _("Score")),
            "chart_top": selectors.CHART_TOP,
            "trend": selectors.trend_spec(points, _("Category average"), _("This unit")),
            "has_trend": bool(points),
        },
    )


@login_required
def month_ranking_export(request: HttpRequest, month_id: int, category_id: int) -> HttpResponseBase:
    req = AuthedRequest.of(request)
    month = selectors.month_get(req.user, month_id)
    category = selectors.category_get(req.user, month, category_id)
    rows = selectors.ranking_all(req.user, month, category)
    label = selectors.month_label(month)
    return xlsx_download(
        export_name(_("Unit ranking"), category.name, label),
        [
            SheetSpec(
                title=_("Unit ranking"),
                header=[_("Rank"), _("Unit"), _("Score"), _("On the reward list")],
                rows=([r.rank, r.unit_name, r.score, _("Yes") if r.rewarded else ""] for r in rows),
                widths=[8, 36, 10, 14],
            )
        ],
    )


@login_required
def month_rewards(request: HttpRequest, month_id: int) -> HttpResponse:
    req = AuthedRequest.of(request)
    month = selectors.month_get(req.user, month_id)
    lines = selectors.rewards(req.user, month)
    return render(
        request,
        "performance/months/rewards.html",
        {"month": month, "label": selectors.month_label(month), "lines": lines},
    )


@login_required
@require_http_methods(["GET", "POST"])
def month_unit(request: HttpRequest, month_id: int, unit_id: int) -> HttpResponse:
    """A unit's month: its report (written by its administrators and head while the
    month is open) and, once published, its result."""
    req = AuthedRequest.of(request)
    month = selectors.month_get(req.user, month_id)
    view = selectors.unit_month(req.user, month, unit_id)
    if request.method == "POST":
        file = request.FILES.get("file")
        upload = None
        try:
            if file is not None:
                if (file.size or 0) > MAX_UPLOAD:
                    upload = services.Upload(file.name or "", b"x" * (MAX_UPLOAD + 1))
                else:
                    upload = services.Upload(file.name or "evidence", file.read())
            items = {
                pk: request.POST.get(f"item-{pk}", "") for pk in (a.pk for a, _t in view.items)
            }
            services.month_report_save(
                actor=req.user,
                month=month,
                unit=view.unit,
                text=request.POST.get("text", ""),
                items=items,
                upload=upload,
            )
        except ApplicationError as exc:
            show_refusal(request, exc)
            # The page shows what was written, to be corrected, not what is stored.
            view.report = UnitMonthReport(text=request.POST.get("text", ""))
            view.items = [(a, request.POST.get(f"item-{a.pk}", t)) for a, t in view.items]
        else:
            messages.success(request, _("Your report is saved."))
            return redirect("performance:month_unit", month.pk, view.unit.pk)
    return render(
        request,
        "performance/months/unit.html",
        {"view": view, "month": month, "label": selectors.month_label(month)},
    )


@login_required
def month_file(request: HttpRequest, file_id: int) -> HttpResponse:
    req = AuthedRequest.of(request)
    found = selectors.report_file_get(req.user, file_id)
    return attachment(found.content, found.content_type, found.file_name)


@login_required
def month_lead(request: HttpRequest, unit_id: int) -> HttpResponse:
    """The lead unit's page: the indicators assigned to it, their targets, and each
    month's progress and score."""
    req = AuthedRequest.of(request)
    today = clock.today()
    year = parse_id(request.GET.get("year")) or today.year
    if not 2000 <= year <= 2100:
        year = today.year
    unit, lines = selectors.lead_page(req.user, unit_id, year)
    months = lines[0].months if lines else []
    return render(
        request,
        "performance/months/lead.html",
        {"unit": unit, "lines": lines, "year": year, "months": [m for m, _p, _s in months]},
    )
