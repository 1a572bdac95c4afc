"""The teams' pages: the year (the office's every team, with compute, publish and the
entry grid; a unit's leaders their own team once published), a team's result with its
explanation, and the year's Excel. Thin: parsing here, reads in selectors, writes in
services."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kaohe.accounts.access import is_region_admin, region_id_of
from kaohe.core import clock
from kaohe.core.errors import ApplicationError
from kaohe.core.http import AuthedRequest, Refusal, parse_id, show_refusal
from kaohe.teams import explain, selectors, services
from kaohe.teams.errors import TeamErrorCode
from kaohe.teams.models import Component, TeamGrade, TeamYear
from kaohe.teams.policies import policy_for

PER_PAGE = 100
YEAR_SPAN = 6  # years offered in the year picker, back from this one


def _readable(request: HttpRequest) -> AuthedRequest:
    req = AuthedRequest.of(request)
    if not selectors.can_read(req.user):
        raise Http404
    return req


def _office(request: HttpRequest) -> AuthedRequest:
    req = AuthedRequest.of(request)
    if not is_region_admin(req.user):
        raise Http404
    return req


def _year(raw: str | None) -> int:
    return selectors.parse_year(raw, clock.today().year)


def _years() -> list[int]:
    this = clock.today().year
    return list(range(this, this - YEAR_SPAN, -1))


def _year_url(year: int) -> str:
    return f"{reverse('teams:year')}?year={year}"


@login_required
@require_GET
def year_page(request: HttpRequest) -> HttpResponse:
    req = _readable(request)
    year = _year(request.GET.get("year"))
    office = is_region_admin(req.user)
    region_id = region_id_of(req.user)
    paged = Paginator(selectors.year_results(req.user, year), PER_PAGE).get_page(
        parse_id(request.GET.get("page")) or 1
    )
    policy = policy_for(region_id)
    return render(
        request,
        "teams/year.html",
        {
            "year": year,
            "years": _years(),
            "office": office,
            "results": list(paged),
            "paged": paged,
            "team_year": selectors.team_year(region_id, year) if office else None,
            "policy": policy,
            "components": Component.choices,
            "grades": TeamGrade.choices,
            "ranked": selectors.ranked_count(region_id, year),
        },
    )


@login_required
@require_GET
def result_page(request: HttpRequest, team_result_id: int) -> HttpResponse:
    req = _readable(request)
    result = selectors.result_get(req.user, team_result_id)
    parts = [
        (label, getattr(result, value), value in result.missing)
        for value, label in Component.choices
    ]
    return render(
        request,
        "teams/result.html",
        {
            "result": result,
            "parts": parts,
            "steps": explain.explanation(result.explanation),
            "office": is_region_admin(req.user),
            "ranked": selectors.ranked_count(result.region_id, result.year),
        },
    )


def _decimal(raw: str, unit_name: str) -> Decimal | None:
    text = raw.strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or len(text) > 8:
        raise ApplicationError(
            _("%(unit)s: every score is from 0 to 100, with at most two decimals.")
            % {"unit": unit_name},
            code=TeamErrorCode.BAD_ENTRY,
        )
    return value


ENTERED = (
    (Component.DEMOCRATIC, "democratic"),
    (Component.LEADER, "leader"),
    (Component.PUBLIC, "public"),
    (Component.PARTY, "party"),
)


def _grid(rows: list[selectors.EntryRow], typed: dict[str, str]) -> list[dict[str, Any]]:
    """The grid's rows: what was typed (a refused save shows it again), else the stored
    figures; the versions are always the stored ones (a refused save changes none)."""
    out = []
    for row in rows:
        key = str(row.unit.pk)

        def shown(field: str, stored: object, key: str = key) -> str:
            if typed:
                return typed.get(f"{field}-{key}", "")
            return "" if stored is None else str(stored)

        entry = row.entry
        out.append(
            {
                "id": key,
                "name": row.unit.name,
                "members": "、".join(row.members),
                "version": row.version,
                "cells": [
                    (field, label, shown(field, getattr(entry, field) if entry else None))
                    for label, field in ((c.label, f) for c, f in ENTERED)
                ],
                "evidence": shown("evidence", entry.evidence if entry else ""),
            }
        )
    return out


@login_required
@require_http_methods(["GET", "POST"])
def entry_page(request: HttpRequest) -> HttpResponse:
    req = _office(request)
    region_id = region_id_of(req.user)
    source = request.POST if request.method == "POST" else request.GET
    year = _year(source.get("year"))
    rows = selectors.entry_rows(region_id, year)
    refusal: Refusal | None = None
    typed: dict[str, str] = {}
    if request.method == "POST":
        typed = {
            k: str(request.POST.get(k, "")) for k in request.POST if k != "csrfmiddlewaretoken"
        }
        try:
            inputs = []
            for row in rows:
                key = str(row.unit.pk)
                shown_raw = request.POST.get(f"v-{key}", "")
                shown = int(shown_raw) if shown_raw.isdecimal() and len(shown_raw) < 10 else -1
                inputs.append(
                    services.EntryInput(
                        unit_id=row.unit.pk,
                        shown_version=shown,
                        democratic=_decimal(
                            request.POST.get(f"democratic-{key}", ""), row.unit.name
                        ),
                        leader=_decimal(request.POST.get(f"leader-{key}", ""), row.unit.name),
                        public=_decimal(request.POST.get(f"public-{key}", ""), row.unit.name),
                        party=_decimal(request.POST.get(f"party-{key}", ""), row.unit.name),
                        evidence=request.POST.get(f"evidence-{key}", ""),
                    )
                )
            changed = services.team_entries_save(
                actor=req.user, region_id=region_id, year=year, rows=inputs
            )
        except ApplicationError as exc:
            refusal = Refusal.of(exc)
        else:
            messages.success(request, _("Saved: %(n)s team(s) changed.") % {"n": changed})
            return redirect(f"{reverse('teams:entry')}?year={year}")
    team_year = selectors.team_year(region_id, year)
    return render(
        request,
        "teams/entry.html",
        {
            "year": year,
            "years": _years(),
            "grid": _grid(rows, typed),
            "refusal": refusal,
            "published": team_year is not None and team_year.state == TeamYear.State.PUBLISHED,
        },
        status=400 if refusal else 200,
    )


@login_required
@require_POST
def compute(request: HttpRequest) -> HttpResponse:
    req = _office(request)
    year = _year(request.POST.get("year"))
    try:
        services.team_year_compute(actor=req.user, region_id=region_id_of(req.user), year=year)
    except ApplicationError as exc:
        show_refusal(request, exc)
    else:
        messages.success(request, _("The teams' year %(year)s is computed.") % {"year": year})
    return redirect(_year_url(year))


@login_required
@require_POST
def publish(request: HttpRequest) -> HttpResponse:
    req = _office(request)
    year = _year(request.POST.get("year"))
    try:
        services.team_year_publish(actor=req.user, region_id=region_id_of(req.user), year=year)
    except ApplicationError as exc:
        show_refusal(request, exc)
    else:
        messages.success(request, _("The teams' year %(year)s is published.") % {"year": year})
    return redirect(_year_url(year))
