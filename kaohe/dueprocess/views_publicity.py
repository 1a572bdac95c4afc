"""The 公示 pages: the office starts it from the year's page; anyone in scope reads the
candidates and raises objections during the period; the office's docket of objections,
each answered with a written finding."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kaohe.accounts.access import is_region_admin
from kaohe.core import clock
from kaohe.core.errors import ApplicationError
from kaohe.core.http import AuthedRequest, parse_id, show_refusal
from kaohe.dueprocess import selectors, services
from kaohe.dueprocess.clocks import Clock, region_calendar_around
from kaohe.dueprocess.clocks import clock as deadline_clock
from kaohe.dueprocess.gate import candidates_behind
from kaohe.dueprocess.jobs import UPHOLD
from kaohe.dueprocess.models import Objection, Publicity
from kaohe.dueprocess.policies import policy_for
from kaohe.jobs.services import job_start
from kaohe.scoring.explain import grade_label
from kaohe.scoring.jobs import year_key
from kaohe.scoring.models import RunState


@login_required
@require_GET
def publicity_index(request: HttpRequest) -> HttpResponse:
    req = AuthedRequest.of(request)
    return render(
        request,
        "dueprocess/publicity_index.html",
        {"publicities": list(selectors.publicities(req.user)[:20]), "today": clock.today()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def publicity_run(request: HttpRequest, run_id: int) -> HttpResponse:
    """The office's entry from the year's page: the 公示 if started, else its start."""
    req = AuthedRequest.of(request)
    run, publicity = selectors.publicity_run(req.user, run_id)
    if publicity is not None:
        return redirect("dueprocess:publicity", publicity_id=publicity.pk)
    if request.method == "POST":
        try:
            publicity = services.publicity_start(actor=req.user, run=run, today=clock.today())
        except ApplicationError as exc:
            show_refusal(request, exc)
        else:
            messages.success(request, _("The 公示 has started."))
            return redirect("dueprocess:publicity", publicity_id=publicity.pk)
    return render(
        request,
        "dueprocess/publicity_start.html",
        {
            "run": run,
            "computed": run.state == RunState.COMPUTED,
            "workdays": policy_for(run.region_id).publicity_workdays,
        },
    )


def _clock_of(publicity: Publicity, last_day: dt.date) -> Clock:
    """The days left as working days, on the region's calendar."""
    today = clock.today()
    return deadline_clock(
        region_calendar_around(publicity.region_id, today), last_day, today, workdays=True
    )


@login_required
@require_GET
def publicity_page(request: HttpRequest, publicity_id: int) -> HttpResponse:
    req = AuthedRequest.of(request)
    publicity = selectors.publicity_get(req.user, publicity_id)
    unit_id = parse_id(request.GET.get("unit"))
    page = selectors.publicity_entries(req.user, publicity, unit_id, request.GET.get("page"))
    today = clock.today()
    query = request.GET.copy()
    query.pop("page", None)
    office = req.user.region_id == publicity.region_id and is_region_admin(req.user)
    rows = [
        (entry, grade_label(entry.grade), entry.withdrawn_on is None and today <= entry.ends_on)
        for entry in page
    ]
    return render(
        request,
        "dueprocess/publicity_page.html",
        {
            "publicity": publicity,
            "clock": _clock_of(publicity, publicity.ends_on),
            "workdays": policy_for(publicity.region_id).publicity_workdays,
            "units": selectors.publicity_units(req.user, publicity),
            "unit_id": unit_id,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "office": office,
            "behind": candidates_behind(publicity) if office and not publicity.confirmed_at else 0,
        },
    )


@login_required
@require_POST
def publicity_sync_view(request: HttpRequest, publicity_id: int) -> HttpResponse:
    """The office brings the 公示 in line after the year was computed again elsewhere."""
    req = AuthedRequest.of(request)
    if not is_region_admin(req.user):
        raise Http404
    publicity = selectors.publicity_get(req.user, publicity_id)
    try:
        gone, added = services.publicity_sync(
            actor=req.user, publicity=publicity, today=clock.today()
        )
    except ApplicationError as exc:
        show_refusal(request, exc)
    else:
        messages.success(
            request,
            _("The 公示 is in line with the results: %(gone)s withdrawn, %(added)s added.")
            % {"gone": len(gone), "added": len(added)},
        )
    return redirect("dueprocess:publicity", publicity_id=publicity.pk)


@login_required
@require_http_methods(["GET", "POST"])
def objection_new(request: HttpRequest, publicity_id: int, entry_id: int) -> HttpResponse:
    req = AuthedRequest.of(request)
    publicity = selectors.publicity_get(req.user, publicity_id)
    entry = selectors.publicity_entry(req.user, publicity, entry_id)
    values = {"text": "", "anonymous": False}
    status = 200
    if request.method == "POST":
        values = {
            "text": request.POST.get("text", ""),
            "anonymous": request.POST.get("anonymous") == "on",
        }
        try:
            services.objection_raise(
                actor=req.user,
                entry=entry,
                text=str(values["text"]),
                anonymous=bool(values["anonymous"]),
                today=clock.today(),
            )
        except ApplicationError as exc:
            show_refusal(request, exc)
            status = 400
        else:
            messages.success(
                request,
                _("Your objection was recorded; the office will answer it with a finding."),
            )
            return redirect("dueprocess:publicity", publicity_id=publicity.pk)
    today = clock.today()
    return render(
        request,
        "dueprocess/publicity_object.html",
        {
            "publicity": publicity,
            "entry": entry,
            "grade": grade_label(entry.grade),
            "open": entry.withdrawn_on is None and today <= entry.ends_on,
            "values": values,
            "limit": services.OBJECTION_MAX,
        },
        status=status,
    )


@login_required
@require_GET
def objections_page(request: HttpRequest) -> HttpResponse:
    req = AuthedRequest.of(request)
    page = selectors.objection_docket(req.user, request.GET.get("page"))
    return render(request, "dueprocess/publicity_docket.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def objection_page(request: HttpRequest, objection_id: int) -> HttpResponse:
    req = AuthedRequest.of(request)
    objection = selectors.objection_get(req.user, objection_id)
    values = {"finding": "", "text": ""}
    status = 200
    if request.method == "POST":
        values = {
            "finding": request.POST.get("finding", ""),
            "text": request.POST.get("text", ""),
        }
        try:
            if values["finding"] == Objection.Finding.UPHELD:
                # Upheld, the year is computed again: in the background, as the pages
                # always compute a year, on the year's key (never beside its compute).
                text = services.objection_finding_check(
                    objection=objection, finding=values["finding"], text=values["text"]
                )
                started = job_start(
                    actor=req.user,
                    region=objection.publicity.run.region,
                    kind=UPHOLD,
                    key=year_key(objection.publicity.year),
                    params={
                        "objection_id": objection.pk,
                        "text": text,
                        "today": clock.today().isoformat(),
                    },
                )
                return redirect("jobs:job", job_id=started.pk)
            services.objection_resolve(
                actor=req.user,
                objection=objection,
                finding=values["finding"],
                text=values["text"],
                today=clock.today(),
            )
        except ApplicationError as exc:
            show_refusal(request, exc)
            status = 400
        else:
            messages.success(request, _("The finding was recorded."))
            return redirect("dueprocess:objections")
    return render(
        request,
        "dueprocess/publicity_objection.html",
        {
            "objection": objection,
            "findings": Objection.Finding.choices,
            "values": values,
            "limit": services.FINDING_MAX,
        },
        status=status,
    )
