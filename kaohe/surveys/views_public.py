"""The respondent's pages: a household code's link (/s/c/<code>/), a service window's
open link (/s/w/<open key>/) and the thanks page. No login and no session: nothing
is written about the respondent but the open link's signed device cookie (in their
own browser) and an hourly counter under an HMAC of their address (a `Throttle` row).
Nothing here logs the code or the path: see kaohe.core.logs for the request and access
logs, which leave out /s/."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from kaohe.core.errors import ApplicationError
from kaohe.core.http import Refusal
from kaohe.surveys import public
from kaohe.surveys.errors import SurveyErrorCode
from kaohe.surveys.models import SCALE_TOP, Channel, Question, QuestionKind, Target
from kaohe.surveys.policies import policy_for
from kaohe.surveys.services import parse_answers, response_submit, survey_is_answerable


@dataclass(frozen=True, slots=True)
class Option:
    value: str
    label: str
    checked: bool


@dataclass(frozen=True, slots=True)
class Field:
    """One question as the form shows it, with what the respondent entered."""

    question: Question
    name: str
    kind: str  # "scale", "single", "multiple" or "text"
    options: list[Option]
    text: str
    ends: str  # what the scale's ends mean
    input_type: str  # "radio" or "checkbox" for the options
    attrs: SafeString  # each option's input's extra attributes, rendered once


def _entered(request: HttpRequest) -> dict[str, list[str]]:
    return {key: request.POST.getlist(key) for key in request.POST} if request.POST else {}


def _fields(questions: Sequence[Question], entered: Mapping[str, Sequence[str]]) -> list[Field]:
    fields = []
    for q in questions:
        name = f"q{q.pk}"
        given = set(entered.get(name, ()))
        ends = ""
        if q.kind in SCALE_TOP:
            top = SCALE_TOP[QuestionKind(q.kind)]
            kind = "scale"
            options = [Option(str(v), str(v), str(v) in given) for v in range(1, top + 1)]
            ends = _("1 = very poor, %(top)s = very good") % {"top": top}
        elif q.kind == QuestionKind.TEXT:
            kind, options = "text", []
        else:
            kind = "multiple" if q.kind == QuestionKind.MULTIPLE else "single"
            options = [
                Option(str(i), str(label), str(i) in given)
                for i, label in enumerate(q.choices, start=1)
            ]
        text = (entered.get(name) or [""])[0] if kind == "text" else ""
        parts = [" required"] if q.required and kind in ("scale", "single") else []
        if kind == "scale":
            parts.append(f' aria-describedby="{name}-ends"')
        attrs = mark_safe("".join(parts))  # noqa: S308 - constants and "q<id>"
        input_type = "checkbox" if kind == "multiple" else "radio"
        fields.append(Field(q, name, kind, options, text, ends, input_type, attrs))
    return fields


def _notice(request: HttpRequest, title: str, message: str, status: int) -> HttpResponse:
    context = {"title": title, "message": message}
    return render(request, "surveys/public_notice.html", context, status=status)


def _unknown(request: HttpRequest) -> HttpResponse:
    return _notice(
        request,
        _("Survey not found"),
        _("This survey link is not known. Check the address or the code on your card."),
        404,
    )


def _closed(request: HttpRequest) -> HttpResponse:
    return _notice(
        request,
        _("This survey is closed"),
        _("This survey is not taking answers now. Thank you for your time."),
        404,
    )


def _used(request: HttpRequest) -> HttpResponse:
    return _notice(
        request,
        _("This code has been used"),
        _(
            "This code has already been used to answer. Each code answers once, "
            "so your answers have been received."
        ),
        410,
    )


def _thanks() -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("survey_public:thanks"))


def _form(
    request: HttpRequest,
    target: Target,
    questions: Sequence[Question],
    *,
    refusal: Refusal | None = None,
    challenge: public.Challenge | None = None,
) -> HttpResponse:
    rated = " · ".join(
        part
        for part in (target.unit.name, target.window, target.person.name if target.person else "")
        if part
    )
    context = {
        "survey": target.survey,
        "rated": _("Rating: %(target)s") % {"target": rated},
        "fields": _fields(questions, _entered(request) if refusal else {}),
        "refusal": refusal,
        "challenge": challenge,
    }
    return render(request, "surveys/public_form.html", context, status=400 if refusal else 200)


@never_cache
@require_http_methods(["GET", "POST"])
def code_page(request: HttpRequest, code: str) -> HttpResponse:
    """A household code's survey: the code answers once, and is spent with the answers."""
    found = public.target_for_code(code)
    if found is None:
        return _unknown(request)
    target, token = found
    if not survey_is_answerable(target.survey):
        return _closed(request)
    if token.used:
        return _used(request)
    questions = public.questions_of(target.survey)
    if request.method != "POST":
        return _form(request, target, questions)
    try:
        answers = parse_answers(questions, _entered(request))
        response_submit(target=target, channel=Channel.TOKEN, answers=answers, token=code)
    except ApplicationError as exc:
        if exc.code == SurveyErrorCode.CODE_USED:
            return _used(request)
        if exc.code == SurveyErrorCode.CODE_UNKNOWN:
            return _unknown(request)
        if exc.code == SurveyErrorCode.CLOSED:
            return _closed(request)
        return _form(request, target, questions, refusal=Refusal.of(exc))
    return _thanks()


@never_cache
@require_http_methods(["GET", "POST"])
def open_page(request: HttpRequest, key: str) -> HttpResponse:
    """A service window's open link: limited per device and per address, with a
    minimum answering time and a challenge."""
    target = public.target_for_open_key(key)
    if target is None:
        return _unknown(request)
    survey = target.survey
    if not survey_is_answerable(survey):
        return _closed(request)
    policy = policy_for(survey.region_id)
    try:
        public.device_check(request, survey, policy)
        if request.method == "POST":
            public.address_check(request, survey, policy)
    except ApplicationError as exc:
        status = 429 if exc.code == SurveyErrorCode.ADDRESS_LIMIT else 200
        return _notice(request, _("Thank you"), exc.message, status)
    questions = public.questions_of(survey)
    if request.method != "POST":
        return _form(request, target, questions, challenge=public.challenge_new(target))
    checked = public.challenge_read(target, request.POST.get("challenge", ""))
    spent = False  # whether this request spent the submitted token's nonce

    def again(exc: ApplicationError) -> HttpResponse:
        # A follow-on challenge: timed from the first form's opening only when this
        # request spends the submitted token (public.challenge_follow_on).
        challenge = public.challenge_follow_on(target, checked, spent=spent)
        return _form(request, target, questions, refusal=Refusal.of(exc), challenge=challenge)

    def limited(exc: ApplicationError) -> HttpResponse:
        return _notice(request, _("Thank you"), exc.message, 429)

    try:
        answers = parse_answers(questions, _entered(request))
    except ApplicationError as exc:
        return again(exc)
    try:
        public.challenge_check(checked, policy, request.POST.get("challenge_answer", ""))
    except ApplicationError as exc:
        if exc.code != SurveyErrorCode.CHALLENGE_WRONG:
            return again(exc)
        spent = True
        # A wrong answer counts against the address like an answer: otherwise a
        # script could guess each sum (2..18) without limit, and the guesses would
        # cost it nothing; a person who mistypes once loses one of many.
        try:
            public.address_count_up(request, survey, policy)
        except ApplicationError as limit:
            return limited(limit)
        return again(exc)
    spent = True
    # Counted before the answers are stored, in a transaction of its own: requests
    # at the same moment from one address cannot all pass a count read before theirs.
    try:
        public.address_count_up(request, survey, policy)
    except ApplicationError as exc:
        return limited(exc)
    try:
        response_submit(target=target, channel=Channel.OPEN, answers=answers)
    except ApplicationError as exc:
        if exc.code == SurveyErrorCode.CLOSED:
            return _closed(request)
        return again(exc)
    response = _thanks()
    public.device_count_up(request, response, survey)
    return response


@require_http_methods(["GET", "HEAD"])
def thanks_page(request: HttpRequest) -> HttpResponse:
    """Says nothing of who answered or what."""
    return render(request, "surveys/public_thanks.html")
