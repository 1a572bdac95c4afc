from __future__ import annotations

import html
import json
import re
from urllib.parse import quote, urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kaohe.accounts.access import ADMIN_ROLES, is_region_admin, region_id_of, scope_of
from kaohe.core import clock
from kaohe.core.errors import ApplicationError
from kaohe.core.http import AuthedRequest, Refusal, parse_id, show_refusal
from kaohe.org.models import Dimension, Region, Unit
from kaohe.schemes import entry, evidence, selectors, services
from kaohe.schemes.errors import SchemeErrorCode
from kaohe.schemes.models import (
    AutoSource,
    EntryDeclaration,
    IndicatorKind,
    IndicatorResult,
    Module,
    SchemeVersion,
    VersionState,
)
from kaohe.worklogs.rules import Period

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _valid_year(year: int) -> None:
    """Periods become dates, which run from year 1 to 9999."""
    if not 1 <= year <= 9999:
        raise Http404


@login_required
@require_http_methods(["GET", "POST"])
def schemes_page(request: HttpRequest) -> HttpResponse:
    req = AuthedRequest.of(request)
    year = clock.today().year
    if request.method == "POST":
        try:
            if request.POST.get("action") == "template":
                version = services.template_create(
                    actor=req.user,
                    region=Region.objects.get(pk=region_id_of(req.user)),
                    name=request.POST.get("name", "").strip() or _("New template"),
                    year=year,
                )
            else:
                template = _chosen_template(req, request.POST.get("template"))
                unit = Unit.objects.filter(
                    scope_of(req.user, ADMIN_ROLES).unit_filter(),
                    pk=parse_id(request.POST.get("unit")) or 0,
                ).first()
                if template is None or unit is None:
                    raise ApplicationError(
                        _("Choose a template and one of your units."),
                        code=SchemeErrorCode.CHOOSE_TEMPLATE_AND_UNIT,
                    )
                if request.POST.get("confirm") != "1":
                    services.trunk_check(unit, year)  # said now, not after confirming
                    # What the template holds, before anything is created.
                    return _confirm_page(request, req, template, unit=unit, year=year)
                version = services.unit_scheme_create(
                    actor=req.user, template=template, unit=unit, year=year
                )
        except ApplicationError as exc:
            show_refusal(request, exc)
        else:
            return redirect("schemes:version", scheme_id=version.scheme_id, number=version.number)
    schemes = (
        selectors.visible_schemes(req.user).prefetch_related("versions").order_by("role", "name")
    )
    return render(
        request,
        "schemes/schemes.html",
        {
            "schemes": schemes,
            "templates": selectors.template_choices(req.user),
            "chosen": request.POST.get("template", ""),
            "units": Unit.objects.filter(scope_of(req.user, ADMIN_ROLES).unit_filter()).order_by(
                "path"
            ),
            "is_region_admin": is_region_admin(req.user),
            "year": year,
        },
    )


def _chosen_template(req: AuthedRequest, raw: str | None) -> SchemeVersion | None:
    return selectors.published_templates(req.user).filter(pk=parse_id(raw) or 0).first()


def _confirm_page(
    request: HttpRequest,
    req: AuthedRequest,
    template: SchemeVersion,
    *,
    unit: Unit | None = None,
    year: int = 0,
    version: SchemeVersion | None = None,
) -> HttpResponse:
    """The confirmation step of drafting (or redrafting `version`) from a template."""
    roots, _general = selectors.version_tree(template)
    choice = next(
        (c for c in selectors.template_choices(req.user) if c.version.pk == template.pk), None
    )
    return render(
        request,
        "schemes/draft_confirm.html",
        {
            "template": template,
            "description": choice.description if choice else "",
            "roots": roots,
            "unit": unit,
            "year": year,
            "version": version,
            "replaced": version.indicators.count() if version is not None else 0,
        },
    )


def _version_context(req: AuthedRequest, version: SchemeVersion) -> dict[str, object]:
    roots, general = selectors.version_tree(version)
    return {
        "version": version,
        "scheme": version.scheme,
        "roots": roots,
        "general_comments": general,
        "can_edit": version.editable and services.may_edit(req.user, version.scheme),
        "can_review": is_region_admin(req.user) and version.state == VersionState.SUBMITTED,
        "problems": services.validate_tree(version) if version.editable else [],
        "kinds": IndicatorKind.choices,
        "modules": Module.choices,
        "dimensions": Dimension.choices,
        "sources": AutoSource.choices,
        "states": VersionState,
        "governs": _quarters_label(
            version.scheme.year, selectors.governed_quarters(version, clock.today())
        ),
    }


def _quarters_label(year: int, quarters: list[int]) -> str:
    """ "2026 Q2–Q4", or "2026 Q3" for one; empty for none."""
    if not quarters:
        return ""
    if len(quarters) == 1:
        return _("%(year)s Q%(quarter)s") % {"year": year, "quarter": quarters[0]}
    return _("%(year)s Q%(first)s–Q%(last)s") % {
        "year": year,
        "first": quarters[0],
        "last": quarters[-1],
    }


@login_required
@require_http_methods(["GET", "POST"])
def version_page(request: HttpRequest, scheme_id: int, number: int) -> HttpResponse:
    req = AuthedRequest.of(request)
    version = selectors.version_get(req.user, scheme_id, number)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "submit":
                services.version_submit(
                    actor=req.user, version=version, note=request.POST.get("note", "")
                )
                messages.success(request, _("Submitted for approval."))
            elif action == "approve":
                services.version_approve(
                    actor=req.user, version=version, note=request.POST.get("note", "")
                )
                messages.success(request, _("Approved."))
            elif action == "return":
                notes = {
                    name[len("note_") :]: value
                    for name, value in request.POST.items()
                    if name.startswith("note_") and isinstance(value, str)
                }
                services.version_return(
                    actor=req.user,
                    version=version,
                    comment=request.POST.get("comment", ""),
                    indicator_comments=notes,
                )
                messages.success(request, _("Returned to the unit with your comments."))
            elif action == "new_version":
                version = services.version_new_draft(actor=req.user, version=version)
            elif action == "redraft":
                template = _chosen_template(req, request.POST.get("template"))
                if template is None:
                    raise ApplicationError(
                        _("Choose the template to draft from."),
                        code=SchemeErrorCode.CHOOSE_TEMPLATE,
                    )
                if request.POST.get("confirm") != "1":
                    return _confirm_page(request, req, template, version=version)
                services.scheme_redraft(actor=req.user, version=version, template=template)
                messages.success(
                    request,
                    _("The draft now holds the indicators of %(t)s.") % {"t": template.scheme.name},
                )
            elif action == "discard":
                services.scheme_discard(actor=req.user, version=version)
                messages.success(
                    request,
                    _("The draft scheme %(name)s was discarded.") % {"name": version.scheme.name},
                )
                return redirect("schemes:list")
            elif action == "supplement":
                version = services.supplement_create(
                    actor=req.user,
                    trunk=version.scheme,
                    quarter=parse_id(request.POST.get("quarter")) or 0,
                )
                return redirect(
                    "schemes:version", scheme_id=version.scheme_id, number=version.number
                )
            else:
                raise Http404
        except ApplicationError as exc:
            show_refusal(request, exc)
        return redirect("schemes:version", scheme_id=scheme_id, number=version.number)
    context = _version_context(req, version)
    context["versions"] = version.scheme.versions.order_by("number")
    if context["can_edit"] and selectors.may_redraft(version):
        context["redraft_templates"] = selectors.template_choices(req.user)
    context["events"] = selectors.version_history(version)
    return render(request, "schemes/version.html", context)


def _tree_response(
    request: HttpRequest, req: AuthedRequest, version: SchemeVersion
) -> HttpResponse:
    if request.headers.get("HX-Request"):
        return render(request, "schemes/_tree.html", _version_context(req, version))
    return redirect("schemes:version", scheme_id=version.scheme_id, number=version.number)


@login_required
@require_POST
def indicator_add_view(request: HttpRequest, scheme_id: int, number: int) -> HttpResponse:
    req = AuthedRequest.of(request)
    version = selectors.version_get(req.user, scheme_id, number)
    parent_id = parse_id(request.POST.get("parent"))
    parent = selectors.indicator_get(req.user, parent_id) if parent_id is not None else None
    try:
        services.indicator_add(actor=req.user, version=version, parent=parent, data=request.POST)
    except ApplicationError as exc:
        if request.headers.get("HX-Request"):
            return _error_fragment(request, exc)
        show_refusal(request, exc)
    return _tree_response(request, req, version)


def _error_fragment(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    """The problems in the tree's error box; nothing is queued as a message, so
    messages waiting for the next page are left alone."""
    response = render(request, "core/_refusal.html", {"refusal": Refusal.of(exc)})
    # The message goes to the error box, not in place of the tree.
    response["HX-Retarget"] = "#tree-errors"
    response["HX-Reswap"] = "innerHTML"
    return response


@login_required
@require_POST
def indicator_change_view(request: HttpRequest, indicator_id: int) -> HttpResponse:
    req = AuthedRequest.of(request)
    indicator = selectors.indicator_get(req.user, indicator_id)
    action = request.POST.get("action", "edit")
    try:
        if action == "edit":
            services.indicator_update(actor=req.user, indicator=indicator, data=request.POST)
        elif action in ("up", "down", "left"):
            services.indicator_move(actor=req.user, indicator=indicator, direction=action)
        elif action == "delete":
            services.indicator_delete(actor=req.user, indicator=indicator)
        else:
            raise Http404
    except ApplicationError as exc:
        if request.headers.get("HX-Request"):
            return _error_fragment(request, exc)
        show_refusal(request, exc)
    return _tree_response(request, req, indicator.version)


@login_required
def diff_page(request: HttpRequest, scheme_id: int) -> HttpResponse:
    req = AuthedRequest.of(request)
    right = selectors.version_get(req.user, scheme_id)
    numbers = list(right.scheme.versions.order_by("number").values_list("number", flat=True))
    try:
        a = int(request.GET.get("a", numbers[-2] if len(numbers) > 1 else numbers[0]))
        b = int(request.GET.get("b", numbers[-1]))
    except ValueError:
        raise Http404 from None
    left = selectors.version_get(req.user, scheme_id, a)
    right = selectors.version_get(req.user, scheme_id, b)
    return render(
        request,
        "schemes/diff.html",
        {
            "scheme": right.scheme,
            "left": left,
            "right": right,
            "rows": selectors.version_diff(left, right),
            "numbers": numbers,
        },
    )


@login_required
def entry_index(request: HttpRequest) -> HttpResponse:
    req = AuthedRequest.of(request)
    units = Unit.objects.filter(scope_of(req.user, entry.ASSESSOR_ROLES).unit_filter()).order_by(
        "path"
    )
    if not units.exists():
        raise Http404
    unit_id = parse_id(request.GET.get("unit"))
    if unit_id is not None:
        period = Period.quarter_of(clock.today())
        asked = request.GET.get("quarter") or str(period.quarter)
        if asked not in ("1", "2", "3", "4"):
            raise Http404
        quarter = int(asked)
        return redirect("schemes:entry", unit_id=unit_id, year=period.year, quarter=quarter)
    return render(
        request,
        "schemes/entry_index.html",
        {"units": units, "current": Period.quarter_of(clock.today())},
    )


def _version_ids(grid: entry.Grid) -> str:
    return ",".join(str(v.pk) for v in grid.versions)


@login_required
@require_http_methods(["GET", "POST"])
def entry_page(request: HttpRequest, unit_id: int, year: int, quarter: int) -> HttpResponse:
    req = AuthedRequest.of(request)
    _valid_year(year)
    if not 1 <= quarter <= 4:
        raise Http404
    period = Period(year, quarter)
    try:
        # A save reads the stored results itself, under its lock.
        grid = entry.entry_grid(req.user, unit_id, period, results=request.method != "POST")
    except ApplicationError as exc:
        unit = entry.assessed_unit(req.user, unit_id)
        return render(
            request,
            "schemes/entry.html",
            {"blocked": Refusal.of(exc), "period": period, "unit": unit, **_declared(unit, period)},
            status=200,
        )
    if request.method == "POST":
        cells: dict[tuple[int, int], str] = {}
        try:
            upload = request.FILES.get("file")
            if upload is not None:
                cells = entry.cells_from_workbook(grid, upload, upload.size or 0)
                source = "excel"
            else:
                # A page built on other versions (one approved since) names other
                # indicators: refused whole, rather than read as cells left empty.
                if request.POST.get("versions") != _version_ids(grid):
                    raise ApplicationError(
                        entry.stale_versions_message(), code=SchemeErrorCode.STALE_VERSIONS
                    )
                try:
                    cells = _posted_cells(grid, request)
                except BadCells:
                    return render(request, "core/bad_input.html", status=400)
                source = "grid"
            changed = entry.results_save(actor=req.user, grid=grid, cells=cells, source=source)
        except ApplicationError as exc:
            show_refusal(request, exc)
            entry.load_results(grid)
            if upload is None:
                grid.cells.update(cells)  # keep what was typed
        else:
            messages.success(request, _("Saved: %(n)s cells changed.") % {"n": changed})
            return redirect("schemes:entry", unit_id=unit_id, year=year, quarter=quarter)
    evidence_base = reverse("schemes:entry", args=[unit_id, year, quarter]) + "evidence/"
    return render(
        request,
        "schemes/entry.html",
        {
            "grid": grid,
            # After a refused save the cells hold what was typed, to be escaped.
            "rows": _grid_rows_html(grid, evidence_base, typed=request.method == "POST"),
            "version_ids": _version_ids(grid),
            # A refused save shows what was typed: the page's script then sends every cell.
            "unsaved": request.method == "POST",
            "period": period,
            "unit": grid.unit,
            **_declared(grid.unit, period),
        },
    )


def _declared(unit: Unit, period: Period) -> dict[str, object]:
    """The unit's declaration of no entries for the quarter, and whether it has entries
    (then there is nothing to declare)."""
    return {
        "declaration": EntryDeclaration.objects.filter(
            unit=unit, year=period.year, quarter=period.quarter
        ).first(),
        "has_entries": IndicatorResult.objects.filter(
            unit=unit, year=period.year, quarter=period.quarter
        ).exists(),
    }


@login_required
@require_POST
def entry_declare_view(request: HttpRequest, unit_id: int, year: int, quarter: int) -> HttpResponse:
    """The unit declares it has no indicator entries this quarter (issue 13)."""
    req = AuthedRequest.of(request)
    _valid_year(year)
    if not 1 <= quarter <= 4:
        raise Http404
    unit = entry.assessed_unit(req.user, unit_id)
    try:
        services.entry_declare_empty(
            actor=req.user,
            unit=unit,
            year=year,
            quarter=quarter,
            reason=request.POST.get("reason", ""),
        )
    except ApplicationError as exc:
        show_refusal(request, exc)
    else:
        messages.success(request, _("Declared: no indicator entries this quarter."))
    return redirect("schemes:entry", unit_id=unit_id, year=year, quarter=quarter)


def _ids(values: list[str]) -> list[int]:
    try:
        return [int(v) for v in values]
    except ValueError:
        raise Http404 from None


@login_required
@require_http_methods(["GET", "POST"])
def evidence_view(
    request: HttpRequest, unit_id: int, year: int, quarter: int, person_id: int, indicator_id: int
) -> HttpResponse:
    """The evidence panel of one grid cell: a dialog fragment for htmx, a page without it."""
    req = AuthedRequest.of(request)
    _valid_year(year)
    if not 1 <= quarter <= 4:
        raise Http404
    cell = evidence.evidence_cell(req.user, unit_id, Period(year, quarter), person_id, indicator_id)
    htmx = bool(request.headers.get("HX-Request"))
    params = request.POST if request.method == "POST" else request.GET
    text, page = params.get("q", ""), params.get("page", "1")
    saved = ""
    if request.method == "POST":
        linked, unlinked = evidence.evidence_set(
            actor=req.user,
            cell=cell,
            shown=_ids(request.POST.getlist("shown")),
            ticked=_ids(request.POST.getlist("log")),
        )
        saved = _("Evidence saved: %(linked)s linked, %(unlinked)s removed.") % {
            "linked": linked,
            "unlinked": unlinked,
        }
        if not htmx:
            messages.success(request, saved)
            return redirect(f"{request.path}?{urlencode({'q': text, 'page': page})}")
    panel = evidence.evidence_panel(req.user, cell, text, page)
    return render(
        request,
        "schemes/_evidence.html" if htmx else "schemes/evidence.html",
        {
            "panel": panel,
            "cell": cell,
            "saved": saved,
            "in_dialog": htmx,
            "grid_url": reverse("schemes:entry", args=[unit_id, year, quarter]),
        },
    )


# A typed cell is one line: no control character at all (the edge's check of posted
# values allows tab and line breaks, and never sees inside the JSON field's escapes).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class BadCells(Exception):
    """The "cells" field is not an object of cell names to texts."""


def _posted_cells(grid: entry.Grid, request: HttpRequest) -> dict[tuple[int, int], str]:
    """The grid's cells among the posted fields ("c_<person>_<indicator>"); others are
    ignored, and a cell not posted is left out (a save keeps what it holds).

    The page's script posts only the cells changed since the page was built, as one
    field "cells": a JSON object {"<person>_<indicator>": text}. Parsed in C, it
    spares Django a field (decoded, checked, stored in a QueryDict) per cell; without
    the script the form posts every cell as its own field, read below."""
    posted = request.POST
    if "cells" in posted:
        return _json_cells(grid, posted["cells"])
    cells: dict[tuple[int, int], str] = {}
    indicator_ids = [c.indicator.pk for c in grid.columns]
    for person in grid.people:
        prefix = f"c_{person.pk}_"
        for indicator_id in indicator_ids:
            name = prefix + str(indicator_id)
            if name in posted:
                cells[(person.pk, indicator_id)] = posted[name]
    return cells


def _json_cells(grid: entry.Grid, raw: str) -> dict[tuple[int, int], str]:
    try:
        sent = json.loads(raw)
        # One C call each checks that every text is a string and looks for control
        # characters in all of them.
        if not isinstance(sent, dict) or _CONTROL.search("".join(sent.values())):
            raise BadCells
    except (ValueError, TypeError) as exc:
        raise BadCells from exc
    # A name is "<person>_<indicator>": split at its first "_" and each half looked up
    # among the grid's ids as text, rather than every one of the grid's names built
    # to look it up in (8,600 at 200 people). An id has no "_", so a name is read
    # exactly when it is one of those names; any other is ignored.
    people = {str(p.pk): p.pk for p in grid.people}
    indicators = {str(c.indicator.pk): c.indicator.pk for c in grid.columns}
    cells: dict[tuple[int, int], str] = {}
    for name, text in sent.items():
        person, _sep, indicator = name.partition("_")
        person_id, indicator_id = people.get(person), indicators.get(indicator)
        if person_id is not None and indicator_id is not None:
            cells[(person_id, indicator_id)] = text
    return cells


READONLY = ' readonly class="auto"'


def _grid_rows_html(grid: entry.Grid, evidence_base: str, *, typed: bool = False) -> SafeString:
    """The grid's body rows, one per person: each cell's input (readonly when filled
    automatically) and, where the indicator requires evidence or some is linked, the
    link to the cell's evidence panel, marked "missing" when a save would refuse the
    cell for lack of evidence.

    Built here rather than in the template: a grid of 200 people has 8,600 cells, and
    the template engine spent about a quarter of a millisecond on each (two seconds a
    page). Every text from users is escaped; names once per row or column, and a
    cell's value when `typed` (a refused save shows what was typed): the texts the
    grid reads from the database (`entry._text`: digits, a point, 是/否/合格/不合格) and
    computes (a count) need no escaping. The markup that does not depend on the cell
    is built once per row or column, so that a cell is one formatted string."""
    word = escape(_("Evidence"))
    base = escape(evidence_base)
    # Per column: its id (as the cells key it and as the markup writes it), what
    # follows the value up to the person's name, and what follows the name.
    columns = [
        (
            column,
            column.indicator.pk,
            f'{column.indicator.pk}" value="',
            f'"{READONLY if column.auto else ""} size="4" aria-label="',
            f" {escape(column.indicator.name)}",
            bool(column.indicator.evidence_required and not column.auto),
        )
        for column in grid.columns
    ]
    texts, linked = grid.cells, grid.evidence
    quote = html.escape if typed else str
    parts: list[str] = []
    append = parts.append
    for person in grid.people:
        person_id = person.pk
        name = escape(person.name)
        head = f'<td><input type="text" name="c_{person_id}_'
        append(f"<tr><td>{name}</td>")
        for column, indicator_id, after_id, after_value, label, required in columns:
            key = (person_id, indicator_id)
            text = texts.get(key, "")
            n = linked.get(key, 0) if linked else 0
            if not (n or required):
                # The standard library's escape: the same five characters as Django's,
                # without its lazy-string wrapper, which cost more than the rest of a cell.
                append(
                    f'{head}{after_id}{quote(text) if text else ""}{after_value}{name}{label}">'
                    "</td>"
                )
                continue
            append(f'{head}{after_id}{quote(text) if text else ""}{after_value}{name}{label}">')
            missing = " missing" if entry.evidence_missing(column, person, text, n) else ""
            append(
                f'<a class="ev{missing}" href="{base}{person_id}/{indicator_id}/" '
                f'aria-label="{name}{label} {word}">{word} '
                f'<span class="ev-n" id="evn-{person_id}-{indicator_id}">{n}</span></a></td>'
            )
        append("</tr>\n")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


@login_required
def entry_export(request: HttpRequest, unit_id: int, year: int, quarter: int) -> HttpResponse:
    req = AuthedRequest.of(request)
    _valid_year(year)
    if not 1 <= quarter <= 4:
        raise Http404
    try:
        grid = entry.entry_grid(req.user, unit_id, Period(year, quarter))
    except ApplicationError as exc:
        show_refusal(request, exc)
        return redirect(reverse("schemes:entry", args=[unit_id, year, quarter]))
    response = HttpResponse(entry.grid_workbook(grid), content_type=XLSX)
    name = f"{grid.unit.name}-{year}年第{quarter}季度指标结果.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response
