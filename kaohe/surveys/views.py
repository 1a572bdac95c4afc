"""The survey office's pages: the region's surveys, a new one from a template, a survey
with its questions, targets and acts (open, close, print codes, the window's QR), the
paper entry form of a target, the second person's check, and the comments' moderation.
Unit administrators reach the paper entry and the check for their units' targets.
Thin: parsing here, reads in selectors, writes in services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kaohe.core import clock
from kaohe.core.errors import ApplicationError
from kaohe.core.http import AuthedRequest, parse_day, parse_id, show_refusal
from kaohe.core.pdf import pdf_response
from kaohe.surveys import selectors, services, sheets
from kaohe.surveys.errors import SurveyErrorCode
from kaohe.surveys.models import (
    SCALE_TOP,
    IndexKind,
    Question,
    QuestionKind,
    Survey,
    SurveyState,
)
from kaohe.surveys.templates import template_choices


def _office(request: HttpRequest) -> AuthedRequest:
    req = AuthedRequest.of(request)
    if not selectors.may_manage(req.user):
        raise Http404
    return req


def _staff(request: HttpRequest) -> AuthedRequest:
    req = AuthedRequest.of(request)
    if not selectors.may_open_surveys(req.user):
        raise Http404
    return req


@login_required
def survey_list(request: HttpRequest) -> HttpResponse:
    req = _staff(request)
    return render(
        request,
        "surveys/office_list.html",
        {"rows": selectors.survey_rows(req.user), "manage": selectors.may_manage(req.user)},
    )


def _bad_day(field: str) -> ApplicationError:
    return ApplicationError(
        _("Write %(field)s as 2026-10-08.") % {"field": field}, code=SurveyErrorCode.BAD_SURVEY
    )


def _number(raw: str) -> int | None:
    raw = raw.strip()
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 4 else None


FIELDS = ("name", "intro", "opens_on", "closes_on", "year", "month", "feeds_cadres", "group")


def _parsed_fields(values: dict[str, str]) -> services.SurveyFields:
    opens_on, ok = parse_day(values["opens_on"], None)
    if not ok or opens_on is None:
        raise _bad_day(_("the opening day"))
    closes_on, ok = parse_day(values["closes_on"], None)
    if not ok or closes_on is None:
        raise _bad_day(_("the closing day"))
    year, month = _number(values["year"]), _number(values["month"])
    if (values["year"].strip() and year is None) or (values["month"].strip() and month is None):
        raise ApplicationError(
            _("Write the year and the month of unit performance as numbers."),
            code=SurveyErrorCode.BAD_SURVEY,
        )
    return services.SurveyFields(
        name=values["name"],
        intro=values["intro"],
        opens_on=opens_on,
        closes_on=closes_on,
        year=year,
        month=month,
        feeds_cadres=values["feeds_cadres"] == "1",
        group_id=parse_id(values["group"]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def survey_create(request: HttpRequest) -> HttpResponse:
    req = _office(request)
    today = clock.today()
    values = {
        "template": "satisfaction",
        "name": "",
        "intro": "",
        "opens_on": today.isoformat(),
        "closes_on": (today + dt.timedelta(days=30)).isoformat(),
        "year": "",
        "month": "",
        "feeds_cadres": "",
        "group": "",
    }
    status = 200
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in values}
        try:
            survey = services.survey_create(
                actor=req.user, fields=_parsed_fields(values), template=values["template"]
            )
        except ApplicationError as exc:
            show_refusal(request, exc)
            status = 400
        else:
            messages.success(request, _("The survey is made: add the units it rates."))
            return redirect("surveys:survey", survey.pk)
    return render(
        request,
        "surveys/office_create.html",
        {
            "values": values,
            "templates": template_choices(),
            "groups": selectors.groups_of_region(req.user),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def survey_edit(request: HttpRequest, survey_id: int) -> HttpResponse:
    """The survey's settings, until it is closed."""
    req = _office(request)
    survey = selectors.managed_survey(req.user, survey_id)
    if survey.state == SurveyState.CLOSED:
        raise Http404
    values = {
        "name": survey.name,
        "intro": survey.intro,
        "opens_on": survey.opens_on.isoformat(),
        "closes_on": survey.closes_on.isoformat(),
        "year": str(survey.year or ""),
        "month": str(survey.month or ""),
        "feeds_cadres": "1" if survey.feeds_cadres else "",
        "group": str(survey.group_id or ""),
    }
    status = 200
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in FIELDS}
        try:
            services.survey_update(actor=req.user, survey=survey, fields=_parsed_fields(values))
        except ApplicationError as exc:
            show_refusal(request, exc)
            status = 400
        else:
            messages.success(request, _("The survey's settings are saved."))
            return redirect("surveys:survey", survey.pk)
    return render(
        request,
        "surveys/office_create.html",
        {
            "survey": survey,
            "values": values,
            "groups": selectors.groups_of_region(req.user),
        },
        status=status,
    )


def _own_counts(rows: list[selectors.TargetRow]) -> dict[str, int]:
    return {
        "counted": sum(r.counted for r in rows),
        "pending": sum(r.pending for r in rows),
        "codes": sum(r.codes for r in rows),
        "unused": sum(r.unused for r in rows),
        "comments": 0,
    }


def _survey_context(req: AuthedRequest, survey: Survey) -> dict[str, Any]:
    manage = selectors.may_manage(req.user)
    targets = selectors.targets_for(req.user, survey)
    return {
        "survey": survey,
        "state": survey.get_state_display(),
        "manage": manage,
        "draft": survey.state == SurveyState.DRAFT,
        "is_open": survey.state == SurveyState.OPEN,
        "closed": survey.state == SurveyState.CLOSED,
        "questions": selectors.questions_of(survey),
        "targets": targets,
        # A unit's administrator counts only their own units' targets.
        "counts": selectors.state_counts(survey) if manage else _own_counts(targets),
        "units": selectors.units_to_target(req.user) if manage else [],
        "kinds": QuestionKind.choices,
        "indices": IndexKind.choices,
        "codes_max": services.CODES_MAX,
        "target_items": [
            (row, sheets.window_url(req.request, row.target) if row.target.open_key else "")
            for row in targets
        ],
    }


@login_required
def survey_page(request: HttpRequest, survey_id: int) -> HttpResponse:
    req = _staff(request)
    survey = selectors.survey_for(req.user, survey_id)
    return render(request, "surveys/office_survey.html", _survey_context(req, survey))


def _act(request: HttpRequest, survey_id: int, act: Any, done: str) -> HttpResponse:
    """Runs an office act on the survey; a refusal shows on the survey page."""
    req = _office(request)
    survey = selectors.managed_survey(req.user, survey_id)
    try:
        act(req, survey)
    except ApplicationError as exc:
        show_refusal(request, exc)
        context = _survey_context(req, selectors.managed_survey(req.user, survey_id))
        return render(request, "surveys/office_survey.html", context, status=400)
    messages.success(request, done)
    return redirect("surveys:survey", survey.pk)


def _question(survey: Survey, question_id: int) -> Question:
    question = Question.objects.filter(survey=survey, pk=question_id).first()
    if question is None:
        raise Http404
    return question


def _question_fields(request: HttpRequest) -> dict[str, Any]:
    post = request.POST
    return {
        "text": post.get("text", ""),
        "kind": post.get("kind", ""),
        "index": post.get("index", ""),
        "choices": post.get("choices", ""),
        "required": post.get("required") == "1",
    }


@login_required
@require_POST
def question_add(request: HttpRequest, survey_id: int) -> HttpResponse:
    return _act(
        request,
        survey_id,
        lambda req, s: services.question_save(
            actor=req.user, survey=s, **_question_fields(request)
        ),
        _("The question is added."),
    )


@login_required
@require_POST
def question_edit(request: HttpRequest, survey_id: int, question_id: int) -> HttpResponse:
    return _act(
        request,
        survey_id,
        lambda req, s: services.question_save(
            actor=req.user,
            survey=s,
            question=_question(s, question_id),
            **_question_fields(request),
        ),
        _("The question is saved."),
    )


@login_required
@require_POST
def question_delete(request: HttpRequest, survey_id: int, question_id: int) -> HttpResponse:
    return _act(
        request,
        survey_id,
        lambda req, s: services.question_delete(
            actor=req.user, survey=s, question=_question(s, question_id)
        ),
        _("The question is removed."),
    )


@login_required
@require_POST
def target_add(request: HttpRequest, survey_id: int) -> HttpResponse:
    post = request.POST
    return _act(
        request,
        survey_id,
        lambda req, s: services.target_add(
            actor=req.user,
            survey=s,
            unit_id=parse_id(post.get("unit")) or 0,
            window=post.get("window", ""),
            open_link=post.get("open_link") == "1",
            staff_no=post.get("staff_no", ""),
        ),
        _("The unit is added to the survey."),
    )


@login_required
@require_POST
def target_remove(request: HttpRequest, survey_id: int, target_id: int) -> HttpResponse:
    return _act(
        request,
        survey_id,
        lambda req, s: services.target_remove(
            actor=req.user, target=selectors.target_for(req.user, s, target_id)
        ),
        _("The unit is removed from the survey."),
    )


@login_required
@require_POST
def survey_open(request: HttpRequest, survey_id: int) -> HttpResponse:
    return _act(
        request,
        survey_id,
        lambda req, s: services.survey_open(actor=req.user, survey=s),
        _("The survey is open: answers are taken from its opening day to its closing day."),
    )


@login_required
@require_POST
def survey_close(request: HttpRequest, survey_id: int) -> HttpResponse:
    return _act(
        request,
        survey_id,
        lambda req, s: services.survey_close(actor=req.user, survey=s),
        _("The survey is closed: it takes no more answers."),
    )


@login_required
@require_POST
def codes_sheet(request: HttpRequest, survey_id: int, target_id: int) -> HttpResponse:
    """New codes for the target, printed at once as a PDF (the codes are not kept)."""
    req = _office(request)
    survey = selectors.managed_survey(req.user, survey_id)
    target = selectors.target_for(req.user, survey, target_id)
    raw = request.POST.get("count", "").strip()
    count = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 4 else 0
    try:
        codes = services.tokens_issue(actor=req.user, target=target, count=count)
    except ApplicationError as exc:
        show_refusal(request, exc)
        return render(
            request, "surveys/office_survey.html", _survey_context(req, survey), status=400
        )
    content = sheets.code_sheet(
        request=request, target=target, survey_name=survey.name, codes=codes
    )
    name = _("%(survey)s %(unit)s codes.pdf") % {
        "survey": survey.name,
        "unit": sheets.target_label(target),
    }
    return pdf_response(name.replace("/", "-"), content)


@login_required
def window_qr(request: HttpRequest, survey_id: int, target_id: int) -> HttpResponse:
    """The window's open link as a QR code (SVG), shown on the page and downloaded for
    the window's poster."""
    req = _office(request)
    survey = selectors.managed_survey(req.user, survey_id)
    target = selectors.target_for(req.user, survey, target_id)
    if not target.open_key:
        raise Http404
    response = HttpResponse(
        sheets.window_svg(sheets.window_url(request, target)), content_type="image/svg+xml"
    )
    response["Cache-Control"] = "private, no-store"
    if request.GET.get("download") == "1":
        response["Content-Disposition"] = "attachment; filename=window-qr.svg"
    return response


def _question_rows(questions: list[Question], chosen: dict[str, list[str]]) -> list[dict[str, Any]]:
    """The questions as the paper form draws them: each scale's points, each choice."""
    rows = []
    for q in questions:
        if q.kind in SCALE_TOP:
            options = [(str(v), str(v)) for v in range(1, SCALE_TOP[QuestionKind(q.kind)] + 1)]
        else:
            options = [(str(n), c) for n, c in enumerate(q.choices, start=1)]
        field = f"q{q.pk}"
        rows.append(
            {
                "q": q,
                "options": options,
                "field": field,
                "values": chosen.get(field, []),
                "scale": SCALE_TOP.get(QuestionKind(q.kind), 0),
            }
        )
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def paper_entry(request: HttpRequest, survey_id: int, target_id: int) -> HttpResponse:
    """Staff type one paper questionnaire of a target; it counts once someone else has
    checked it."""
    req = _staff(request)
    survey = selectors.survey_for(req.user, survey_id)
    target = selectors.target_for(req.user, survey, target_id)
    questions = selectors.questions_of(survey)
    chosen: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        chosen = {f"q{q.pk}": request.POST.getlist(f"q{q.pk}") for q in questions}
        try:
            services.paper_enter(actor=req.user, target=target, form=chosen)
        except ApplicationError as exc:
            show_refusal(request, exc)
            status = 400
        else:
            messages.success(
                request,
                _("The questionnaire is entered; it counts once a colleague has checked it."),
            )
            return redirect("surveys:paper", survey.pk, target.pk)
    return render(
        request,
        "surveys/office_paper.html",
        {
            "survey": survey,
            "target": target,
            "label": sheets.target_label(target),
            "rows": _question_rows(questions, chosen),
            "answerable": services.survey_is_answerable(survey),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def paper_checks(request: HttpRequest, survey_id: int) -> HttpResponse:
    """The paper questionnaires waiting for their check: confirm or discard."""
    req = _staff(request)
    survey = selectors.survey_for(req.user, survey_id)
    if request.method == "POST":
        response = selectors.paper_response_for(req.user, survey, request.POST.get("response", ""))
        try:
            if request.POST.get("act") == "discard":
                services.paper_discard(actor=req.user, response=response)
                messages.success(request, _("The questionnaire is discarded."))
            else:
                services.paper_check(actor=req.user, response=response)
                messages.success(request, _("The questionnaire is checked: it counts now."))
        except ApplicationError as exc:
            show_refusal(request, exc)
        return redirect("surveys:checks", survey.pk)
    questions = {q.pk: q for q in selectors.questions_of(survey)}
    rows = []
    for response in selectors.pending_paper(req.user, survey):
        answers: dict[int, list[str]] = {}
        for a in response.answers.all():
            q = questions.get(a.question_id)
            if q is None:
                continue
            shown = str(a.value) if q.kind in SCALE_TOP else _choice(q, a.value)
            answers.setdefault(q.pk, []).append(shown)
        for c in response.comments.all():
            answers.setdefault(c.question_id, []).append(c.text)
        rows.append(
            {
                "response": response,
                "label": sheets.target_label(response.target),
                "mine": response.entered_by_id == req.user.pk,
                "answers": [
                    (q, "、".join(answers.get(q.pk, [])) or "—") for q in questions.values()
                ],
            }
        )
    return render(request, "surveys/office_checks.html", {"survey": survey, "rows": rows})


def _choice(question: Question, value: int) -> str:
    return question.choices[value - 1] if 1 <= value <= len(question.choices) else str(value)


@login_required
@require_http_methods(["GET", "POST"])
def moderation(request: HttpRequest, survey_id: int) -> HttpResponse:
    """The comments awaiting moderation, each with the suggested text to release (names
    and numbers taken out); the office edits it, releases or withholds."""
    req = _office(request)
    survey = selectors.managed_survey(req.user, survey_id)
    if request.method == "POST":
        comment = selectors.comment_for(req.user, survey, request.POST.get("comment", ""))
        release = request.POST.get("act") != "withhold"
        try:
            services.comment_moderate(
                actor=req.user, comment=comment, text=request.POST.get("text", ""), release=release
            )
        except ApplicationError as exc:
            show_refusal(request, exc)
        else:
            messages.success(
                request,
                _("The comment is released to the unit.")
                if release
                else _("The comment is withheld."),
            )
        return redirect("surveys:moderation", survey.pk)
    names = selectors.region_names(survey.region_id)
    comments = [
        (c, sheets.target_label(c.response.target), selectors.suggested_text(c.text, names))
        for c in selectors.pending_comments(req.user, survey)[:50]
    ]
    return render(
        request,
        "surveys/office_moderation.html",
        {
            "survey": survey,
            "comments": comments,
            "total": selectors.pending_comments(req.user, survey).count(),
        },
    )
