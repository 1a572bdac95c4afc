"""Search for people and units by name, staff number or unit code, within what the
acting user may see."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kaohe.accounts.access import roles_of
from kaohe.core import clock
from kaohe.core.http import AuthedRequest
from kaohe.org import selectors

PEOPLE_PER_PAGE = 20
UNITS_PER_PAGE = 10


@login_required
@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    req = AuthedRequest.of(request)
    if not roles_of(req.user):  # no grant: nobody to find (the header hides the box too)
        raise Http404
    text = request.GET.get("q", "").strip()[: selectors.SEARCH_MAX_LENGTH]
    people = Paginator(selectors.search_people(req.user, text, clock.today()), PEOPLE_PER_PAGE)
    units = Paginator(selectors.search_units(req.user, text), UNITS_PER_PAGE)
    return render(
        request,
        "org/search.html",
        {
            "q": text,
            "people": people.get_page(request.GET.get("page")),
            "units": units.get_page(request.GET.get("units_page")),
        },
    )
