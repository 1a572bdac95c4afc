"""The cases' pages: the cadre's 复核 request and 申诉 from their notice, their own
cases, the deciding body's docket, a case with its decision form, its evidence files
and its case file PDF."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kaohe.core import clock
from kaohe.core.errors import ApplicationError
from kaohe.core.files import EVIDENCE_MAX_BYTES, attachment
from kaohe.core.http import AuthedRequest, show_refusal
from kaohe.core.pdf import pdf_response
from kaohe.dueprocess import selectors, services
from kaohe.dueprocess.case_pdf import case_file_bytes
from kaohe.dueprocess.errors import DueProcessErrorCode
from kaohe.dueprocess.models import Case, CaseKind, CaseState
from kaohe.scoring.engine import AnnualGrade
from kaohe.scoring.explain import grade_label


def _upload(request: HttpRequest) -> services.Upload | None:
    file = request.FILES.get("file")
    if not isinstance(file, UploadedFile) or not file.size:
        return None
    if file.size > EVIDENCE_MAX_BYTES:  # refused before it is read
        raise ApplicationError(
            _("The file is larger than 5 MB: attach a smaller one."),
            code=DueProcessErrorCode.EVIDENCE_TOO_BIG,
        )
    return services.Upload(name=file.name or "", content=file.read())


def _request_page(request: HttpRequest, notice_id: int, kind: CaseKind) -> HttpResponse:
    req = AuthedRequest.of(request)
    notice = selectors.own_notice(req.user, notice_id)
    today = clock.today()
    cases = selectors.notice_cases(notice)
    if kind == CaseKind.REVIEW:
        last: Any = selectors.review_last_day(notice)
    else:
        reviews = [c for c in cases if c.kind == CaseKind.REVIEW]
        last = reviews[-1].appeal_until if reviews else selectors.direct_appeal_last_day(notice)
    values = {"text": "", "statement": ""}
    status = 200
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in values}
        lodge = services.review_request if kind == CaseKind.REVIEW else services.appeal_lodge
        try:
            case = lodge(
                actor=req.user,
                notice_id=notice.pk,
                text=values["text"],
                statement=values["statement"],
                upload=_upload(request),
            )
        except ApplicationError as exc:
            show_refusal(request, exc)
            status = 400
        else:
            messages.success(
                request,
                _("Your %(kind)s is filed; it is to be decided by %(day)s.")
                % {"kind": case.get_kind_display(), "day": case.due_on.isoformat()},
            )
            return redirect("dueprocess:case", case.pk)
    return render(
        request,
        "dueprocess/cases_request.html",
        {
            "notice": notice,
            "kind": kind,
            "kind_label": CaseKind(kind).label,
            "grade": grade_label(notice.grade),
            "cases": cases,
            "clock": selectors.deadline_clock(notice.region_id, last, today) if last else None,
            "values": values,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def review_request(request: HttpRequest, notice_id: int) -> HttpResponse:
    return _request_page(request, notice_id, CaseKind.REVIEW)


@login_required
@require_http_methods(["GET", "POST"])
def appeal_request(request: HttpRequest, notice_id: int) -> HttpResponse:
    return _request_page(request, notice_id, CaseKind.APPEAL)


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    req = AuthedRequest.of(request)
    today = clock.today()
    rows = [
        (c, selectors.deadline_clock(c.region_id, c.due_on, today) if c.state == "open" else None)
        for c in selectors.my_cases(req.user)
    ]
    return render(request, "dueprocess/cases_mine.html", {"rows": rows})


@login_required
def docket(request: HttpRequest, kind: str) -> HttpResponse:
    req = AuthedRequest.of(request)
    today = clock.today()
    page = selectors.docket_page(req.user, kind, request.GET.get("page"))
    region_id = req.user.region_id or 0
    rows = [(c, selectors.deadline_clock(region_id, c.due_on, today)) for c in page]
    return render(
        request,
        "dueprocess/cases_docket.html",
        {
            "kind": kind,
            "kind_label": CaseKind(kind).label,
            "page": page,
            "rows": rows,
            "designated": kind == CaseKind.APPEAL and selectors.designated_body(region_id),
        },
    )


def _case_context(req: AuthedRequest, case: Case) -> dict[str, Any]:
    today = clock.today()
    evidence = selectors.case_evidence(case)
    deciding = selectors.is_deciding_body(req.user, case) and case.state == CaseState.OPEN
    appeal_clock = None
    if case.kind == CaseKind.REVIEW and case.appeal_until and case.person_id == req.user.person_id:
        appeal_clock = selectors.deadline_clock(case.region_id, case.appeal_until, today)
    return {
        "case": case,
        "notice": case.notice,
        "notice_grade": grade_label(case.notice.grade),
        "new_grade": grade_label(case.new_grade) if case.new_grade else "",
        "evidence": evidence,
        "steps": selectors.case_steps(case, evidence),
        "clock": selectors.deadline_clock(case.region_id, case.due_on, today)
        if case.state == CaseState.OPEN
        else None,
        "appeal_clock": appeal_clock,
        "deciding": deciding,
        "may_extend": deciding and case.kind == CaseKind.APPEAL and not case.extended_days,
        "designated": case.kind == CaseKind.APPEAL and case.body_region_id == case.region_id,
        "grades": [(g.value, grade_label(g.value)) for g in AnnualGrade],
        "outcomes": Case.Outcome.choices,
        "values": {
            "outcome": "",
            "new_grade": "",
            "new_composite": "",
            "reasons": "",
            "extension": "",
        },
    }


@login_required
def case_page(request: HttpRequest, case_id: int) -> HttpResponse:
    req = AuthedRequest.of(request)
    case = selectors.case_get(req.user, case_id)
    return render(request, "dueprocess/cases_case.html", _case_context(req, case))


@login_required
@require_POST
def case_decide(request: HttpRequest, case_id: int) -> HttpResponse:
    req = AuthedRequest.of(request)
    case = selectors.case_get(req.user, case_id)
    fields = ("outcome", "new_grade", "new_composite", "reasons")
    values = {k: request.POST.get(k, "") for k in fields}
    try:
        services.case_decide(
            actor=req.user,
            case=case,
            outcome=values["outcome"],
            new_grade=values["new_grade"],
            new_composite=values["new_composite"],
            reasons=values["reasons"],
        )
    except ApplicationError as exc:
        show_refusal(request, exc)
        context = _case_context(req, case)
        context["values"].update(values)
        return render(request, "dueprocess/cases_case.html", context, status=400)
    messages.success(request, _("The decision is recorded and the cadre told."))
    return redirect("dueprocess:case", case.pk)


@login_required
@require_POST
def case_extend(request: HttpRequest, case_id: int) -> HttpResponse:
    req = AuthedRequest.of(request)
    case = selectors.case_get(req.user, case_id)
    reason = request.POST.get("extension", "")
    try:
        services.case_extend(actor=req.user, case=case, reason=reason)
    except ApplicationError as exc:
        show_refusal(request, exc)
        context = _case_context(req, case)
        context["values"]["extension"] = reason
        return render(request, "dueprocess/cases_case.html", context, status=400)
    messages.success(request, _("The decision is extended."))
    return redirect("dueprocess:case", case.pk)


@login_required
def case_pdf(request: HttpRequest, case_id: int) -> HttpResponse:
    req = AuthedRequest.of(request)
    case = selectors.case_get(req.user, case_id)
    return pdf_response(
        _("case-file-%(name)s-%(year)s.pdf") % {"name": case.person.name, "year": case.year},
        case_file_bytes(case),
    )


@login_required
def evidence_file(request: HttpRequest, evidence_id: int) -> HttpResponse:
    req = AuthedRequest.of(request)
    evidence = selectors.evidence_get(req.user, evidence_id)
    return attachment(evidence.content, evidence.content_type, evidence.file_name)
