"""Writes of public surveys. The one way a response is stored is `response_submit`,
whichever the channel: a token is spent in the same transaction that stores the
answers, by one conditional UPDATE, so two answers arriving at the same moment with
one code store one response."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from kaohe.accounts.access import require_region_admin
from kaohe.accounts.models import User
from kaohe.core import clock
from kaohe.core.audit import audit_record
from kaohe.core.audit_actions import AuditAction
from kaohe.core.errors import ApplicationError
from kaohe.core.text import bounded_text
from kaohe.supervision.services import findings_from_survey
from kaohe.surveys.errors import SurveyErrorCode
from kaohe.surveys.models import (
    SCALE_TOP,
    Answer,
    Channel,
    Comment,
    IndexKind,
    Question,
    QuestionKind,
    Response,
    Survey,
    SurveyState,
    Target,
    Token,
)
from kaohe.surveys.policies import policy_for as survey_policy_for
from kaohe.surveys.results import LowItem, low_items

COMMENT_MAX = 500


def token_digest(token: str) -> str:
    """What the token store keeps of a code: its SHA-256 (a code is 128 random bits,
    so no salt is needed to make guessing it from the digest hopeless)."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(16)


@dataclass(frozen=True, slots=True)
class Parsed:
    """A respondent's answers, checked against the survey's questions."""

    values: list[tuple[int, int]]  # (question id, value or choice position)
    texts: list[tuple[int, str]]  # (question id, free text)


def parse_answers(questions: Sequence[Question], form: Mapping[str, Sequence[str]]) -> Parsed:
    """Reads a form's `q<question id>` fields; every problem is listed at once."""
    values: list[tuple[int, int]] = []
    texts: list[tuple[int, str]] = []
    problems: list[str] = []
    for q in questions:
        raw = [v.strip() for v in form.get(f"q{q.pk}", ()) if v.strip()]
        if not raw:
            if q.required:
                problems.append(_("Question %(n)s has no answer: answer it.") % {"n": q.position})
            continue
        if q.kind == QuestionKind.TEXT:
            text = bounded_text(
                raw[0],
                COMMENT_MAX,
                field=_("The answer to question %(n)s") % {"n": q.position},
                code=SurveyErrorCode.TEXT_TOO_LONG,
            )
            if text:
                texts.append((q.pk, text))
            continue
        if q.kind in SCALE_TOP:
            top, many = SCALE_TOP[QuestionKind(q.kind)], False
        else:
            top, many = len(q.choices), q.kind == QuestionKind.MULTIPLE
        chosen: set[int] = set()
        for item in raw if many else raw[:1]:
            value = int(item) if item.isdigit() else 0
            if not 1 <= value <= top:
                problems.append(
                    _("The answer to question %(n)s is not one of its choices: choose again.")
                    % {"n": q.position}
                )
                break
            chosen.add(value)
        else:
            values.extend((q.pk, v) for v in sorted(chosen))
    if problems:
        raise ApplicationError(
            _("Some answers need attention."),
            code=SurveyErrorCode.ANSWER_REQUIRED,
            problems=problems,
        )
    return Parsed(values, texts)


def survey_is_answerable(survey: Survey) -> bool:
    today = clock.today()
    return survey.state == SurveyState.OPEN and survey.opens_on <= today <= survey.closes_on


def _closed() -> ApplicationError:
    return ApplicationError(
        _("This survey is not taking answers now. Thank you for your time."),
        code=SurveyErrorCode.CLOSED,
    )


def response_submit(
    *,
    target: Target,
    channel: Channel,
    answers: Parsed,
    token: str | None = None,
    entered_by: User | None = None,
) -> Response:
    """Stores one response with its answers, all or nothing. A token is spent here
    (refused if unknown or used); a paper response waits for a second person's check
    (`counted` false); the others count at once. Nothing about the respondent is kept:
    the response has a random key and the day."""
    survey = target.survey
    if not survey_is_answerable(survey):
        raise _closed()
    if channel == Channel.TOKEN and token is None:
        raise ApplicationError(_("This code is not known."), code=SurveyErrorCode.CODE_UNKNOWN)
    with transaction.atomic():
        if token is not None:
            digest = token_digest(token)
            spent = Token.objects.filter(target=target, digest=digest, used=False).update(used=True)
            if not spent:
                if Token.objects.filter(target=target, digest=digest).exists():
                    raise ApplicationError(
                        _("This code has already been used to answer. Each code answers once."),
                        code=SurveyErrorCode.CODE_USED,
                    )
                raise ApplicationError(
                    _("This code is not known. Check the code on your card."),
                    code=SurveyErrorCode.CODE_UNKNOWN,
                )
        response = Response.objects.create(
            target=target,
            channel=channel,
            day=clock.today(),
            counted=channel != Channel.PAPER,
            entered_by=entered_by if channel == Channel.PAPER else None,
        )
        Answer.objects.bulk_create(
            Answer(response=response, question_id=q, value=v) for q, v in answers.values
        )
        Comment.objects.bulk_create(
            Comment(response=response, question_id=q, text=t) for q, t in answers.texts
        )
    return response


# Results sent on (H3): a closed survey's low items to the supervision ledger.


def _low_item_text(survey: Survey, item: LowItem, low: Decimal) -> str:
    return _("Public survey 《%(name)s》: 「%(kind)s」 favourable %(index)s%%, below %(low)s%%") % {
        "name": survey.name,
        "kind": IndexKind(item.kind).label,
        "index": item.value,
        "low": f"{low.normalize():f}",
    }


def survey_send_low_items(*, actor: User, survey: Survey) -> int:
    """Send each unit's index kinds below the region's low mark (units with k counted
    responses) to the survey's supervision group as findings, once per survey. Refused
    before the survey is closed, without a group, or a second time. Returns the
    findings recorded."""
    require_region_admin(actor, survey.region_id)
    with transaction.atomic():
        survey = Survey.objects.select_for_update().select_related("group").get(pk=survey.pk)
        if survey.state != SurveyState.CLOSED:
            raise ApplicationError(
                _("Low items are sent once the survey is closed."),
                code=SurveyErrorCode.NOT_CLOSED,
            )
        if survey.group is None:
            raise ApplicationError(
                _("This survey names no supervision group to receive its low items."),
                code=SurveyErrorCode.NO_GROUP,
            )
        if survey.low_items_sent_on is not None:
            raise ApplicationError(
                _("This survey's low items were already sent on %(day)s.")
                % {"day": survey.low_items_sent_on.isoformat()},
                code=SurveyErrorCode.LOW_ITEMS_SENT,
            )
        policy = survey_policy_for(survey.region_id)
        items = low_items(survey, policy)
        today = clock.today()
        findings = findings_from_survey(
            actor=actor,
            group_id=survey.group.pk,
            items=[(i.unit_id, _low_item_text(survey, i, policy.low_index)) for i in items],
            found_on=today,
        )
        survey.low_items_sent_on = today
        survey.save(update_fields=["low_items_sent_on"])
        audit_record(
            actor=actor,
            action=AuditAction.SURVEY_FINDINGS_SEND,
            obj=survey,
            region=actor.region,
            details={
                "name": survey.name,
                "group": survey.group.name,
                "count": len(findings),
                "units": len({i.unit_id for i in items}),
            },
        )
    return len(findings)
