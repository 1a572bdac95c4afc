from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from kaohe.core import clock
from kaohe.core.http import AuthedRequest, parse_id
from kaohe.plans import selectors


@login_required
def plan_page(request: HttpRequest, year: int | None = None) -> HttpResponse:
    """考核日历: the year's periods, their steps and what blocks them; progress per unit."""
    req = AuthedRequest.of(request)
    today = clock.today()
    year = year or today.year
    if not 2000 <= year <= 2099:
        raise Http404
    asked = request.GET.get("quarter", "")
    if asked and asked not in ("1", "2", "3", "4"):
        raise Http404
    page = parse_id(request.GET.get("page")) or 1
    plan = selectors.year_plan(req.user, year, int(asked) if asked else None, page)
    return render(
        request,
        "plans/plan.html",
        {"plan": plan, "years": [year - 1, year + 1], "quarters": [1, 2, 3, 4]},
    )
