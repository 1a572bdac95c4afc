"""The unit's year (P2): the office's year page (results by category, the compute
button, the year-end entry, overrides), a unit's own year with its explanation, the
R5.8 marks, and the year's Excel download. Thin: parsing here, reads in selectors,
writes in services."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kaohe.accounts.access import is_region_admin
from kaohe.core import clock
from kaohe.core.errors import ApplicationError
from kaohe.core.http import AuthedRequest, Refusal, parse_id, show_refusal
from kaohe.core.workbooks import EXPORT_CHUNK, SheetSpec, export_name, xlsx_download
from kaohe.org.models import Region
from kaohe.performance import selectors, services
from kaohe.performance.errors import PerformanceErrorCode
from kaohe.performance.models import UnitYearMark

FIRST_YEAR, LAST_YEAR = 2000, 2100
_SCORE = re.compile(r"[0-9]{1,3}(\.[0-9]{1,2})?")


def _year(raw: str | None) -> int:
    """The year asked for, or this year for anything that is not one."""
    if raw is not None and re.fullmatch(r"[0-9]{4}", raw) and FIRST_YEAR <= int(raw) <= LAST_YEAR:
        return int(raw)
    return clock.today().year


def _score(raw: str, label: str) -> Decimal | None:
    """A typed score (up to two places), None when left empty."""
    text = raw.strip()
    if not text:
        return None
    if not _SCORE.fullmatch(text):
        raise ApplicationError(
            _("%(field)s: write a number such as 88.5.") % {"field": label},
            code=PerformanceErrorCode.YEAR_BAD_SCORE,
        )
    return Decimal(text)


def _office(request: HttpRequest) -> tuple[AuthedRequest, Region]:
    """The office's request and its region; Http404 for anyone else."""
    req = AuthedRequest.of(request)
    region = req.user.region
    if not is_region_admin(req.user) or region is None:
        raise Http404
    return req, region


def _shown(request: HttpRequest, exc: ApplicationError) -> None:
    """A refusal shown on the page redirected to; an id outside the region is 404."""
    if exc.code == PerformanceErrorCode.YEAR_UNKNOWN_UNIT:
        raise Http404 from exc
    show_refusal(request, exc)


def _back(year: int, name: str = "performance:year", *args: int) -> HttpResponse:
    return redirect(f"{reverse(name, args=args)}?year={year}")


@login_required
@require_GET
def year_page(request: HttpRequest) -> HttpResponse:
    req = AuthedRequest.of(request)
    year = _year(request.GET.get("year"))
    category_id = parse_id(request.GET.get("category"))
    overview = selectors.year_overview(req.user, year, category_id)
    return render(
        request,
        "performance/year/year.html",
        {
            "o": overview,
            "year": year,
            "category_id": category_id,
            "categories": selectors.region_categories(req.user),
            "years": range(year - 2, year + 2),
        },
    )


@login_required
@require_POST
def year_compute(request: HttpRequest) -> HttpResponse:
    req, region = _office(request)
    year = _year(request.POST.get("year"))
    try:
        n = services.unit_years_compute(actor=req.user, region=region, year=year)
    except ApplicationError as exc:
        show_refusal(request, exc)
    else:
        messages.success(
            request, _("The units' year is computed: %(n)s units have a result.") % {"n": n}
        )
    return _back(year)


@login_required
@require_http_methods(["GET", "POST"])
def year_end_page(request: HttpRequest, category_id: int) -> HttpResponse:
    """The year-end evaluation of one category's units: a grid saved all or nothing."""
    req, region = _office(request)
    year = _year(request.POST.get("year") if request.method == "POST" else request.GET.get("year"))
    category, rows = selectors.year_end_grid(req.user, year, category_id)
    refusal: Refusal | None = None
    typed: dict[int, str] = {}
    if request.method == "POST":
        typed = {r.unit.pk: request.POST.get(f"score-{r.unit.pk}", "") for r in rows}
        try:
            scores = {r.unit.pk: _score(typed[r.unit.pk], r.unit.name) for r in rows}
            shown = {
                r.unit.pk: _score(request.POST.get(f"was-{r.unit.pk}", ""), r.unit.name)
                for r in rows
            }
            changed = services.year_end_scores_save(
                actor=req.user,
                region=region,
                year=year,
                category_id=category.pk,
                scores=scores,
                shown=shown,
            )
        except ApplicationError as exc:
            refusal = Refusal.of(exc)
        else:
            messages.success(
                request,
                _("Year-end scores saved (%(n)s changed); the units' year is computed again.")
                % {"n": changed},
            )
            return _back(year)
    lines = [(r, typed.get(r.unit.pk, "" if r.year_end is None else str(r.year_end))) for r in rows]
    return render(
        request,
        "performance/year/year_end.html",
        {"category": category, "lines": lines, "year": year, "refusal": refusal},
        status=400 if refusal else 200,
    )


@login_required
@require_GET
def year_unit_page(request: HttpRequest, unit_id: int) -> HttpResponse:
    req = AuthedRequest.of(request)
    year = _year(request.GET.get("year"))
    view = selectors.unit_year(req.user, unit_id, year)
    return render(request, "performance/year/unit.html", {"v": view, "year": year})


@login_required
@require_POST
def year_override(request: HttpRequest, unit_id: int) -> HttpResponse:
    req, region = _office(request)
    year = _year(request.POST.get("year"))
    try:
        score = _score(request.POST.get("score", ""), _("The result"))
        if score is None:
            raise ApplicationError(
                _("Write the result that stands for the computed one."),
                code=PerformanceErrorCode.YEAR_BAD_SCORE,
            )
        services.unit_year_override_set(
            actor=req.user,
            region=region,
            unit_id=unit_id,
            year=year,
            score=score,
            reason=request.POST.get("reason", ""),
        )
    except ApplicationError as exc:
        _shown(request, exc)
    else:
        messages.success(request, _("The override is saved with its reason."))
    return _back(year, "performance:year_unit", unit_id)


@login_required
@require_POST
def year_override_remove(request: HttpRequest, unit_id: int) -> HttpResponse:
    req, region = _office(request)
    year = _year(request.POST.get("year"))
    try:
        services.unit_year_override_remove(
            actor=req.user, region=region, unit_id=unit_id, year=year
        )
    except ApplicationError as exc:
        _shown(request, exc)
    else:
        messages.success(request, _("The override is removed; the computed result stands."))
    return _back(year, "performance:year_unit", unit_id)


@login_required
@require_http_methods(["GET", "POST"])
def year_marks_page(request: HttpRequest) -> HttpResponse:
    """The year's R5.8 marks; the office records one with the document it rests on."""
    req = AuthedRequest.of(request)
    source = request.POST if request.method == "POST" else request.GET
    year = _year(source.get("year"))
    form = {"unit": "", "kind": "", "reason": ""}
    refusal: Refusal | None = None
    if request.method == "POST":
        req, region = _office(request)
        form = {k: request.POST.get(k, "") for k in form}
        try:
            services.unit_year_mark_record(
                actor=req.user,
                region=region,
                unit_id=parse_id(form["unit"]) or 0,
                year=year,
                kind=form["kind"],
                reason=form["reason"],
            )
        except ApplicationError as exc:
            refusal = Refusal.of(exc)
        else:
            messages.success(request, _("The mark is recorded."))
            return _back(year, "performance:year_marks")
    return render(
        request,
        "performance/year/marks.html",
        {
            "marks": selectors.year_marks(req.user, year),
            "year": year,
            "office": is_region_admin(req.user),
            "units": selectors.office_units(req.user),
            "kinds": UnitYearMark.Kind.choices,
            "form": form,
            "unit_id": parse_id(form["unit"]),
            "refusal": refusal,
        },
        status=400 if refusal else 200,
    )


@login_required
@require_POST
def year_mark_remove(request: HttpRequest, mark_id: int) -> HttpResponse:
    req, region = _office(request)
    year = _year(request.POST.get("year"))
    try:
        services.unit_year_mark_remove(actor=req.user, region=region, mark_id=mark_id)
    except ApplicationError as exc:
        _shown(request, exc)
    else:
        messages.success(request, _("The mark is removed."))
    return _back(year, "performance:year_marks")


@login_required
@require_GET
def year_export(request: HttpRequest) -> HttpResponseBase:
    """The year's unit results as on the page, scoped as the page."""
    req = AuthedRequest.of(request)
    year = _year(request.GET.get("year"))
    rows = selectors.year_export_rows(req.user, year)
    header = [
        _("Unit category"),
        _("Unit code"),
        _("Unit"),
        _("Months counted"),
        _("Months' average"),
        _("Year-end evaluation"),
        _("Computed result"),
        _("Override"),
        _("Reason for the override"),
        _("Final result"),
        _("Rank in category"),
    ]

    def lines() -> Iterator[Sequence[Any]]:
        for (
            cat,
            code,
            name,
            counted,
            average,
            year_end,
            computed,
            override,
            reason,
            rank,
        ) in rows.iterator(chunk_size=EXPORT_CHUNK):
            final = override if override is not None else computed
            yield (
                cat or "",
                code,
                name,
                counted,
                average,
                year_end,
                computed,
                override,
                reason,
                final,
                rank,
            )

    sheet = SheetSpec(
        title=_("Units' year %(year)s") % {"year": year},
        header=header,
        rows=lines(),
        identifiers=(1,),
    )
    return xlsx_download(export_name(_("Units' year results"), year), [sheet])
