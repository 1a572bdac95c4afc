"""The consequences pages: the list in scope (filters, paged) and one consequence with
the form that records its outcome."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kaohe.core import clock
from kaohe.core.errors import ApplicationError
from kaohe.core.http import AuthedRequest, parse_day, parse_id, show_refusal
from kaohe.outcomes import selectors, services
from kaohe.outcomes.errors import OutcomesErrorCode
from kaohe.outcomes.models import ConsequenceKind


@login_required
def consequences_page(request: HttpRequest) -> HttpResponse:
    req = AuthedRequest.of(request)
    today = clock.today()
    year = parse_id(request.GET.get("year"))
    flt = selectors.ConsequenceFilter.of(
        request.GET.get("state"),
        request.GET.get("kind"),
        parse_id(request.GET.get("unit")),
        year,
    )
    page = selectors.consequence_page(req.user, flt, request.GET.get("page"), today)
    query = request.GET.copy()
    query.pop("page", None)
    rows = [
        (
            task,
            selectors.owner_label(task.owner_role),
            task.state == "open" and task.due_on < today,
            selectors.may_record(req.user, task, task.unit) and task.state == "open",
        )
        for task in page
    ]
    return render(
        request,
        "outcomes/consequences_list.html",
        {
            "filter": flt,
            "states": selectors.ConsequenceFilter.states(),
            "kinds": ConsequenceKind.choices,
            "units": selectors.consequence_units(req.user),
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def consequence_page(request: HttpRequest, task_id: int) -> HttpResponse:
    req = AuthedRequest.of(request)
    task = selectors.consequence_get(req.user, task_id)
    today = clock.today()
    can_record = task.state == "open" and selectors.may_record(req.user, task, task.unit)
    values = {"done_on": today.isoformat(), "note": ""}
    if request.method == "POST":
        values = {
            "done_on": request.POST.get("done_on", ""),
            "note": request.POST.get("note", ""),
        }
        done_on, ok = parse_day(values["done_on"] or None, None)
        try:
            if not ok or done_on is None:
                raise ApplicationError(
                    _("Enter the day it was done as a date (YYYY-MM-DD)."),
                    code=OutcomesErrorCode.BAD_DAY,
                )
            services.consequence_record(
                actor=req.user, task=task, done_on=done_on, note=values["note"]
            )
        except ApplicationError as exc:
            show_refusal(request, exc)
        else:
            messages.success(
                request,
                _("Recorded: %(kind)s for %(person)s.")
                % {"kind": task.get_kind_display(), "person": task.person.name},
            )
            return redirect("outcomes:consequences")
    return render(
        request,
        "outcomes/consequences_detail.html",
        {
            "task": task,
            "owner": selectors.owner_label(task.owner_role),
            "overdue": task.state == "open" and task.due_on < today,
            "can_record": can_record,
            "values": values,
            "today": today,
        },
        status=400 if request.method == "POST" else 200,
    )
