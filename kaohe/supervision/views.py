"""The ledger's pages: the list per group and per unit with its filters and Excel
export, a finding with the acts open to the viewer, the forms to record a finding
(group members), to rectify it (the unit) and to verify, send back or strike it off
(the group), and the evidence files. Thin: parsing here, reads in selectors, writes in
services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kaohe.core import clock
from kaohe.core.errors import ApplicationError
from kaohe.core.files import EVIDENCE_MAX_BYTES, attachment
from kaohe.core.http import AuthedRequest, parse_day, parse_id, show_refusal
from kaohe.core.workbooks import EXPORT_CHUNK, SheetSpec, export_name, xlsx_download
from kaohe.supervision import selectors, services
from kaohe.supervision.errors import SupervisionErrorCode
from kaohe.supervision.models import (
    UNIT_TO_ACT,
    Finding,
    FindingCategory,
    FindingState,
    Severity,
)


def _ledger_user(request: HttpRequest) -> AuthedRequest:
    req = AuthedRequest.of(request)
    if not selectors.may_open_ledger(req.user):
        raise Http404
    return req


def _filters(request: HttpRequest) -> selectors.LedgerFilter:
    get = request.GET
    state = get.get("state", "")
    severity = get.get("severity", "")
    start, _ok = parse_day(get.get("start"), None)
    end, _ok2 = parse_day(get.get("end"), None)
    return selectors.LedgerFilter(
        state=state if state in FindingState.values else "",
        severity=severity if severity in Severity.values else "",
        overdue=get.get("overdue") == "1",
        unit_id=parse_id(get.get("unit")),
        group_id=parse_id(get.get("group")),
        start=start,
        end=end,
    )


def _in_scope(user: Any, filters: selectors.LedgerFilter) -> tuple[list[Any], list[Any]]:
    """The units and groups the user may filter by; a unit or group outside them is a
    404, as its id would be anywhere else."""
    units = selectors.units_for_filter(user)
    groups = selectors.groups_for_filter(user)
    if filters.unit_id is not None and filters.unit_id not in {u.pk for u in units}:
        raise Http404
    if filters.group_id is not None and filters.group_id not in {g.pk for g in groups}:
        raise Http404
    return units, groups


def _query(filters: selectors.LedgerFilter) -> str:
    values = {
        "state": filters.state,
        "severity": filters.severity,
        "overdue": "1" if filters.overdue else "",
        "unit": filters.unit_id or "",
        "group": filters.group_id or "",
        "start": filters.start.isoformat() if filters.start else "",
        "end": filters.end.isoformat() if filters.end else "",
    }
    return urlencode({k: v for k, v in values.items() if v})


@login_required
def ledger(request: HttpRequest) -> HttpResponse:
    """The findings the user may read, 50 a page, with a count per unit."""
    req = _ledger_user(request)
    today = clock.today()
    filters = _filters(request)
    units, groups = _in_scope(req.user, filters)
    paged = selectors.ledger_page(req.user, filters, today, parse_id(request.GET.get("page")) or 1)
    return render(
        request,
        "supervision/ledger.html",
        {
            "paged": paged,
            "rows": [(f, f.is_overdue(today)) for f in paged.object_list],
            "tallies": selectors.ledger_tallies(req.user, filters, today),
            "group_tallies": (
                selectors.group_tallies(req.user, filters, today) if len(groups) > 1 else []
            ),
            "filters": filters,
            "query": _query(filters),
            "states": FindingState.choices,
            "severities": Severity.choices,
            "units": units,
            "groups": groups,
            "my_groups": selectors.my_groups(req.user),
            "today": today,
        },
    )


def _export_rows(rows: Any, today: dt.date) -> Iterator[Sequence[Any]]:
    states = dict(FindingState.choices)
    severities = dict(Severity.choices)
    categories = dict(FindingCategory.choices)
    fields = (
        "pk",
        "unit__name",
        "group__name",
        "category",
        "severity",
        "description",
        "found_on",
        "deadline",
        "state",
        "struck_off_on",
    )
    for (
        pk,
        unit,
        group,
        category,
        severity,
        text,
        found,
        deadline,
        state,
        struck,
    ) in rows.values_list(*fields).iterator(chunk_size=EXPORT_CHUNK):
        late = state != FindingState.STRUCK_OFF and today > deadline
        yield (
            pk,
            unit,
            group,
            str(categories.get(category, "")),
            str(severities.get(severity, "")),
            text,
            found,
            deadline,
            str(states.get(state, "")),
            _("Yes") if late else _("No"),
            struck or "",
        )


@login_required
def export(request: HttpRequest) -> FileResponse:
    """The filtered ledger as a workbook: the same rows as the page, every page."""
    req = _ledger_user(request)
    today = clock.today()
    filters = _filters(request)
    _in_scope(req.user, filters)
    rows = selectors.ledger_rows(req.user, filters, today)
    header = [
        _("Number"),
        _("Unit"),
        _("Supervision group"),
        _("Kind of problem"),
        _("Severity"),
        _("Problem found"),
        _("Found on"),
        _("Deadline"),
        _("State"),
        _("Overdue"),
        _("Struck off on"),
    ]
    sheet = SheetSpec(
        _("Supervision ledger"),
        header,
        _export_rows(rows, today),
        widths=(8, 24, 16, 14, 10, 60, 12, 12, 16, 8, 12),
    )
    return xlsx_download(export_name(_("Supervision ledger"), today.isoformat()), [sheet])


def _uploads(request: HttpRequest) -> list[services.Upload]:
    files = [f for f in request.FILES.getlist("files") if isinstance(f, UploadedFile) and f.size]
    if len(files) > services.MAX_FILES:
        raise services.too_many_files()
    uploads = []
    for file in files:
        if (file.size or 0) > EVIDENCE_MAX_BYTES:  # refused before it is read
            raise services.too_big()
        uploads.append(services.Upload(name=file.name or "", content=file.read()))
    return uploads


@login_required
@require_http_methods(["GET", "POST"])
def finding_new(request: HttpRequest) -> HttpResponse:
    """A group member records a finding in a unit their group covers."""
    req = AuthedRequest.of(request)
    groups = selectors.my_groups(req.user)
    if not groups:
        raise Http404
    today = clock.today()
    values = {
        "group": str(groups[0].pk),
        "unit": "",
        "category": "",
        "severity": Severity.GENERAL.value,
        "found_on": today.isoformat(),
        "description": "",
    }
    status = 200
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in values}
        found_on, ok = parse_day(values["found_on"], None)
        try:
            if not ok or found_on is None:
                raise ApplicationError(
                    _("Write the day it was found as 2026-03-01."),
                    code=SupervisionErrorCode.BAD_DATE,
                )
            finding = services.finding_record(
                actor=req.user,
                group_id=parse_id(values["group"]) or 0,
                unit_id=parse_id(values["unit"]) or 0,
                category=values["category"],
                severity=values["severity"],
                description=values["description"],
                found_on=found_on,
                uploads=_uploads(request),
            )
        except ApplicationError as exc:
            show_refusal(request, exc)
            status = 400
        else:
            messages.success(
                request,
                _("The finding is recorded; the unit must rectify it by %(day)s.")
                % {"day": finding.deadline.isoformat()},
            )
            return redirect("supervision:finding", finding.pk)
    return render(
        request,
        "supervision/finding_new.html",
        {
            "groups": groups,
            "values": values,
            "categories": FindingCategory.choices,
            "severities": Severity.choices,
            "max_files": services.MAX_FILES,
        },
        status=status,
    )


def _finding_context(req: AuthedRequest, finding: Finding) -> dict[str, Any]:
    today = clock.today()
    member = selectors.is_member(req.user, finding.group_id)
    days_left = (finding.deadline - today).days
    return {
        "finding": finding,
        "history": selectors.finding_history(finding),
        "overdue": finding.is_overdue(today),
        "days_left": days_left,
        "days_over": -days_left,
        "may_rectify": finding.state in UNIT_TO_ACT and selectors.may_rectify(req.user, finding),
        "may_decide": member and finding.state == FindingState.RECTIFYING,
        "may_strike_off": member and finding.state == FindingState.VERIFIED,
        "struck_off": finding.state == FindingState.STRUCK_OFF,
        "values": {"text": "", "reason": ""},
        "max_files": services.MAX_FILES,
    }


@login_required
def finding_page(request: HttpRequest, finding_id: int) -> HttpResponse:
    req = AuthedRequest.of(request)
    finding = selectors.finding_get(req.user, finding_id)
    return render(request, "supervision/finding.html", _finding_context(req, finding))


def _act(
    request: HttpRequest, finding_id: int, act: Any, done: str, field: str = ""
) -> HttpResponse:
    req = AuthedRequest.of(request)
    finding = selectors.finding_get(req.user, finding_id)
    try:
        act(req, finding)
    except ApplicationError as exc:
        show_refusal(request, exc)
        context = _finding_context(req, finding)
        if field:
            context["values"][field] = request.POST.get(field, "")
        return render(request, "supervision/finding.html", context, status=400)
    messages.success(request, done)
    return redirect("supervision:finding", finding.pk)


@login_required
@require_POST
def finding_rectify(request: HttpRequest, finding_id: int) -> HttpResponse:
    return _act(
        request,
        finding_id,
        lambda req, f: services.rectification_submit(
            actor=req.user, finding=f, text=request.POST.get("text", ""), uploads=_uploads(request)
        ),
        _("The rectification is submitted to the group for verification."),
        "text",
    )


@login_required
@require_POST
def finding_verify(request: HttpRequest, finding_id: int) -> HttpResponse:
    return _act(
        request,
        finding_id,
        lambda req, f: services.finding_verify(actor=req.user, finding=f),
        _("The rectification is verified; the finding may now be struck off."),
    )


@login_required
@require_POST
def finding_send_back(request: HttpRequest, finding_id: int) -> HttpResponse:
    return _act(
        request,
        finding_id,
        lambda req, f: services.finding_send_back(
            actor=req.user, finding=f, reason=request.POST.get("reason", "")
        ),
        _("The rectification is sent back to the unit."),
        "reason",
    )


@login_required
@require_POST
def finding_strike_off(request: HttpRequest, finding_id: int) -> HttpResponse:
    return _act(
        request,
        finding_id,
        lambda req, f: services.finding_strike_off(actor=req.user, finding=f),
        _("The finding is struck off the ledger."),
    )


@login_required
def evidence_file(request: HttpRequest, file_id: int) -> HttpResponse:
    req = AuthedRequest.of(request)
    evidence = selectors.evidence_get(req.user, file_id)
    return attachment(evidence.content, evidence.content_type, evidence.file_name)
