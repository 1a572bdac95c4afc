"""Pages of survey results: the region's surveys with the region's index, a survey's
ranking of units (the office's, with the button that sends low items to the ledger)
and a unit's results with its trend and released comments. Thin: reads in
`results`, the one write in `services`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kaohe.core.errors import ApplicationError
from kaohe.core.http import AuthedRequest, show_refusal
from kaohe.surveys import results, services
from kaohe.surveys.models import IndexKind, SurveyState


def _bars(categories: list[str], values: list[float], name: str) -> dict[str, object]:
    """charts.js's horizontal bars, on a 0–100 axis in percent."""
    return {
        "categories": categories,
        "series": [{"name": name, "data": values}],
        "stack": False,
        "labels": True,
        "max": 100,
        "suffix": "%",
    }


@login_required
@require_GET
def region(request: HttpRequest) -> HttpResponse:
    req = AuthedRequest.of(request)
    overview = results.region_overview(req.user)
    return render(request, "surveys/results_region.html", {"overview": overview})


@login_required
@require_GET
def ranking(request: HttpRequest, survey_id: int) -> HttpResponse:
    req = AuthedRequest.of(request)
    found = results.survey_ranking(req.user, survey_id)
    chart = _bars(
        [f"{r.rank}. {r.unit_name}" for r in found.ranked],
        [float(r.result.overall.value) for r in found.ranked if r.result.overall],
        _("Overall favourable rate"),
    )
    survey = found.survey
    may_send = (
        survey.state == SurveyState.CLOSED
        and survey.group is not None
        and survey.low_items_sent_on is None
    )
    return render(
        request,
        "surveys/results_ranking.html",
        {
            "found": found,
            "chart": chart,
            "may_send": may_send,
            "kind_labels": [IndexKind(k).label for k in found.kinds],
            "table": [(r, [r.result.of(k) for k in found.kinds]) for r in found.ranked],
        },
    )


@login_required
@require_POST
def send_low_items(request: HttpRequest, survey_id: int) -> HttpResponse:
    req = AuthedRequest.of(request)
    survey = results.survey_ranking(req.user, survey_id).survey
    try:
        sent = services.survey_send_low_items(actor=req.user, survey=survey)
    except ApplicationError as exc:
        show_refusal(request, exc)
    else:
        messages.success(
            request, _("%(n)s low items were sent to the ledger as findings.") % {"n": sent}
        )
    return redirect("survey_results:ranking", survey.pk)


@login_required
@require_GET
def unit(request: HttpRequest, unit_id: int) -> HttpResponse:
    req = AuthedRequest.of(request)
    found = results.unit_results(req.user, unit_id)
    shown = [r for r in found.trend if r.result.overall is not None]
    trend = _bars(
        [f"{r.survey.closes_on:%Y-%m} {r.survey.name}" for r in shown],
        [float(r.result.overall.value) for r in shown if r.result.overall],
        _("Overall favourable rate"),
    )
    kinds = [k for k in results.KINDS if any(r.result.of(k) for r in found.rows)]
    return render(
        request,
        "surveys/results_unit.html",
        {
            "found": found,
            "trend": trend,
            "has_trend": bool(shown),
            "kind_labels": [IndexKind(k).label for k in kinds],
            "table": [(r, [r.result.of(k) for k in kinds]) for r in found.rows],
            "comments": [r for r in found.rows if r.comments],
        },
    )
