"""Writes of public surveys. The one way a response is stored is `response_submit`,
whichever the channel: a token is spent in the same transaction that stores the
answers, by one conditional UPDATE, so two answers arriving at the same moment with
one code store one response."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from kaohe.accounts.access import require_region_admin
from kaohe.accounts.models import User
from kaohe.core import clock
from kaohe.core.audit import audit_record
from kaohe.core.audit_actions import AuditAction
from kaohe.core.errors import ApplicationError
from kaohe.core.text import bounded_text, clean_text, visible_length
from kaohe.org.models import Unit
from kaohe.supervision.models import SupervisionGroup
from kaohe.supervision.services import findings_from_survey
from kaohe.surveys import selectors
from kaohe.surveys.errors import SurveyErrorCode
from kaohe.surveys.models import (
    SCALE_TOP,
    Answer,
    Channel,
    Comment,
    CommentState,
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
from kaohe.surveys.templates import CHOICES, TEMPLATES

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
            value = int(item) if item.isascii() and item.isdigit() and len(item) <= 3 else 0
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


# ---------------------------------------------------------------------------------
# The survey office: surveys, questions, targets, codes, paper entry and its check,
# moderation. Each write is all or nothing with one audit row; no row names a response
# (a paper entry's or check's row names the target and the count).
# ---------------------------------------------------------------------------------

NAME_MAX = 100
INTRO_MAX = 1000
QUESTION_MAX = 200
CHOICES_MAX = 10
CHOICE_MAX = 60
WINDOW_MAX = 60
CODES_MAX = 500


def _require_office(actor: User, region_id: int) -> None:
    if not selectors.may_manage(actor) or actor.region_id != region_id:
        raise ApplicationError(
            _("Only the region's survey office may do this."), code=SurveyErrorCode.NOT_OFFICE
        )


def _wrong_state(survey: Survey) -> ApplicationError:
    return ApplicationError(
        _("This survey is %(state)s: that cannot be done now.")
        % {"state": survey.get_state_display()},
        code=SurveyErrorCode.WRONG_STATE,
    )


def _locked(survey: Survey) -> Survey:
    return Survey.objects.select_for_update().get(pk=survey.pk)


def _require_draft(survey: Survey) -> Survey:
    locked = _locked(survey)
    if locked.state != SurveyState.DRAFT:
        raise _wrong_state(locked)
    return locked


@dataclass(frozen=True, slots=True)
class SurveyFields:
    """A survey's settings as the create form gives them (already parsed days)."""

    name: str
    intro: str
    opens_on: dt.date
    closes_on: dt.date
    year: int | None = None
    month: int | None = None
    feeds_cadres: bool = False
    group_id: int | None = None


def _checked_fields(actor: User, fields: SurveyFields) -> SurveyFields:
    problems: list[str] = []
    name = bounded_text(
        fields.name, NAME_MAX, field=_("The name"), code=SurveyErrorCode.BAD_SURVEY
    ).strip()
    intro = bounded_text(
        fields.intro, INTRO_MAX, field=_("The introduction"), code=SurveyErrorCode.BAD_SURVEY
    ).strip()
    if visible_length(name) < 2:
        problems.append(_("Give the survey a name."))
    if fields.closes_on < fields.opens_on:
        problems.append(_("The survey must close on or after the day it opens."))
    if (fields.year is None) != (fields.month is None):
        problems.append(_("Give both the year and the month of unit performance, or neither."))
    if fields.year is not None and not 2000 <= fields.year <= 2100:
        problems.append(_("The year of unit performance must lie between 2000 and 2100."))
    if fields.month is not None and not 1 <= fields.month <= 12:
        problems.append(_("The month of unit performance must lie between 1 and 12."))
    if (
        fields.group_id is not None
        and not SupervisionGroup.objects.filter(
            pk=fields.group_id, region_id=actor.region_id or 0
        ).exists()
    ):
        problems.append(_("Choose a supervision group of your region."))
    if problems:
        raise ApplicationError(
            _("The survey cannot be saved."), code=SurveyErrorCode.BAD_SURVEY, problems=problems
        )
    return SurveyFields(
        name, intro, fields.opens_on, fields.closes_on, fields.year, fields.month,
        fields.feeds_cadres, fields.group_id,
    )  # fmt: skip


def survey_create(*, actor: User, fields: SurveyFields, template: str = "") -> Survey:
    """A new survey being prepared, with the questions of `template` (a key of
    templates.TEMPLATES) or none."""
    region_id = actor.region_id or 0
    _require_office(actor, region_id)
    chosen = TEMPLATES.get(template) if template else None
    if template and chosen is None:
        raise ApplicationError(
            _("Choose one of the templates offered."), code=SurveyErrorCode.BAD_SURVEY
        )
    f = _checked_fields(actor, fields)
    with transaction.atomic():
        survey = Survey.objects.create(
            region_id=region_id,
            name=f.name,
            intro=f.intro or (_(chosen.intro) if chosen else ""),
            opens_on=f.opens_on,
            closes_on=f.closes_on,
            year=f.year,
            month=f.month,
            feeds_cadres=f.feeds_cadres,
            group_id=f.group_id,
            created_by=actor,
        )
        if chosen is not None:
            Question.objects.bulk_create(
                Question(
                    survey=survey,
                    position=n,
                    text=_(q.text),
                    kind=q.kind,
                    index=q.index,
                    choices=[_(c) for c in CHOICES.get(q.text, ())],
                    required=q.required,
                )
                for n, q in enumerate(chosen.questions, start=1)
            )
        audit_record(
            actor=actor,
            action=AuditAction.SURVEY_SAVE,
            obj=survey,
            region=actor.region,
            details={"name": survey.name, "template": template or "—"},
            state=survey.state,
        )
    return survey


def _choices(kind: str, raw: str) -> list[str]:
    if kind not in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        return []
    lines = [clean_text(line).strip() for line in raw.splitlines()]
    choices = [c for c in lines if c]
    if not 2 <= len(choices) <= CHOICES_MAX or any(len(c) > CHOICE_MAX for c in choices):
        raise ApplicationError(
            _("Give 2 to %(n)s choices, one a line, each at most %(m)s characters.")
            % {"n": CHOICES_MAX, "m": CHOICE_MAX},
            code=SurveyErrorCode.BAD_QUESTION,
        )
    return choices


def _question_values(text: str, kind: str, index: str) -> tuple[str, str, str]:
    clean = bounded_text(
        text, QUESTION_MAX, field=_("The question"), code=SurveyErrorCode.BAD_QUESTION
    ).strip()
    if visible_length(clean) < 2:
        raise ApplicationError(_("Write the question."), code=SurveyErrorCode.BAD_QUESTION)
    if kind not in QuestionKind.values:
        raise ApplicationError(_("Choose the kind of question."), code=SurveyErrorCode.BAD_QUESTION)
    if index and (index not in IndexKind.values or kind not in SCALE_TOP):
        raise ApplicationError(
            _("Only a scale question counts towards an index."),
            code=SurveyErrorCode.BAD_QUESTION,
        )
    return clean, kind, index


def question_save(
    *,
    actor: User,
    survey: Survey,
    question: Question | None = None,
    text: str,
    kind: str,
    index: str = "",
    choices: str = "",
    required: bool = True,
) -> Question:
    """Adds a question at the end (`question` None) or changes one, while the survey is
    being prepared."""
    _require_office(actor, survey.region_id)
    clean, kind, index = _question_values(text, kind, index)
    listed = _choices(kind, choices)
    with transaction.atomic():
        locked = _require_draft(survey)
        if question is None:
            last = Question.objects.filter(survey=locked).order_by("-position").first()
            question = Question(survey=locked, position=(last.position + 1) if last else 1)
        elif question.survey_id != locked.pk:
            raise ApplicationError(_("No such question."), code=SurveyErrorCode.BAD_QUESTION)
        question.text, question.kind, question.index = clean, kind, index
        # An index question is always required: the k rule counts responses, so every
        # counted response must answer each index question (an optional one answered
        # by one person would show that person's answer as a 0% or 100% index).
        question.choices, question.required = listed, required or bool(index)
        question.save()
        audit_record(
            actor=actor,
            action=AuditAction.SURVEY_SAVE,
            obj=locked,
            region=actor.region,
            details={"name": clean},
            state=locked.state,
        )
    return question


def question_delete(*, actor: User, survey: Survey, question: Question) -> None:
    """Removes a question while the survey is being prepared; the later ones move up."""
    _require_office(actor, survey.region_id)
    with transaction.atomic():
        locked = _require_draft(survey)
        if question.survey_id != locked.pk:
            raise ApplicationError(_("No such question."), code=SurveyErrorCode.BAD_QUESTION)
        text = question.text
        question.delete()
        rest = list(Question.objects.filter(survey=locked).order_by("position"))
        # Two passes: positions are unique, so move them out of the way first.
        Question.objects.filter(survey=locked).update(position=F("position") + 1000)
        for n, q in enumerate(rest, start=1):
            q.position = n
        Question.objects.bulk_update(rest, ["position"])
        audit_record(
            actor=actor,
            action=AuditAction.SURVEY_SAVE,
            obj=locked,
            region=actor.region,
            details={"name": text, "cancelled": True},
            state=locked.state,
        )


def target_add(
    *,
    actor: User,
    survey: Survey,
    unit_id: int,
    window: str = "",
    open_link: bool = False,
    person_id: int | None = None,
    staff_no: str = "",
) -> Target:
    """Adds a unit of the region as a target, optionally narrowed to a service window
    (with an open link when asked) or to a named cadre whose membership today is in
    that unit (by id, or by the staff number the form gives). Not once the survey is
    closed."""
    _require_office(actor, survey.region_id)
    unit = Unit.objects.filter(pk=unit_id, region_id=survey.region_id).first()
    if unit is None:
        raise ApplicationError(_("Choose a unit of your region."), code=SurveyErrorCode.BAD_TARGET)
    name = bounded_text(
        window, WINDOW_MAX, field=_("The service window"), code=SurveyErrorCode.BAD_TARGET
    ).strip()
    if open_link and not name:
        raise ApplicationError(
            _("Name the service window that the open link is for."),
            code=SurveyErrorCode.BAD_TARGET,
        )
    person = None
    staff_no = staff_no.strip()[:32]
    if person_id is not None or staff_no:
        cadres = selectors.cadres_of(unit)
        person = (
            cadres.filter(pk=person_id)
            if person_id is not None
            else cadres.filter(staff_no=staff_no)
        ).first()
        if person is None:
            raise ApplicationError(
                _("The named cadre must work in %(unit)s today.") % {"unit": unit.name},
                code=SurveyErrorCode.BAD_TARGET,
            )
    with transaction.atomic():
        locked = _locked(survey)
        if locked.state == SurveyState.CLOSED:
            raise _wrong_state(locked)
        target = Target.objects.create(
            survey=locked,
            unit=unit,
            window=name,
            person=person,
            open_key=secrets.token_urlsafe(16) if open_link else "",
        )
        audit_record(
            actor=actor,
            action=AuditAction.SURVEY_SAVE,
            obj=locked,
            region=actor.region,
            details={"unit": unit.name, "name": name or "—", "added": True},
            state=locked.state,
        )
    return target


def target_remove(*, actor: User, target: Target) -> None:
    """Removes a target while the survey is being prepared (its codes with it)."""
    survey = target.survey
    _require_office(actor, survey.region_id)
    with transaction.atomic():
        locked = _require_draft(survey)
        if Response.objects.filter(target=target).exists():
            raise _wrong_state(locked)
        unit_name = target.unit.name
        target.delete()
        audit_record(
            actor=actor,
            action=AuditAction.SURVEY_SAVE,
            obj=locked,
            region=actor.region,
            details={"unit": unit_name, "cancelled": True},
            state=locked.state,
        )


def survey_open(*, actor: User, survey: Survey) -> Survey:
    """Being prepared → open: answers are taken from its opening day to its closing
    day; its questions no longer change."""
    _require_office(actor, survey.region_id)
    with transaction.atomic():
        locked = _require_draft(survey)
        problems = []
        if not Question.objects.filter(survey=locked).exists():
            problems.append(_("Add at least one question."))
        if not Target.objects.filter(survey=locked).exists():
            problems.append(_("Add at least one unit to rate."))
        if problems:
            raise ApplicationError(
                _("The survey cannot open yet."),
                code=SurveyErrorCode.WRONG_STATE,
                problems=problems,
            )
        locked.state = SurveyState.OPEN
        locked.save(update_fields=["state"])
        audit_record(
            actor=actor,
            action=AuditAction.SURVEY_OPEN,
            obj=locked,
            region=actor.region,
            state=locked.state,
        )
    return locked


def survey_close(*, actor: User, survey: Survey) -> Survey:
    """Open → closed: no more answers by any channel."""
    _require_office(actor, survey.region_id)
    with transaction.atomic():
        locked = _locked(survey)
        if locked.state != SurveyState.OPEN:
            raise _wrong_state(locked)
        locked.state = SurveyState.CLOSED
        locked.save(update_fields=["state"])
        audit_record(
            actor=actor,
            action=AuditAction.SURVEY_CLOSE,
            obj=locked,
            region=actor.region,
            state=locked.state,
        )
    return locked


def tokens_issue(*, actor: User, target: Target, count: int) -> list[str]:
    """`count` (1–500) new single-use codes for the target's household visits. Only
    their digests are stored: the plain codes returned here are printed once."""
    survey = target.survey
    _require_office(actor, survey.region_id)
    if not 1 <= count <= CODES_MAX:
        raise ApplicationError(
            _("Print between 1 and %(n)s codes at a time.") % {"n": CODES_MAX},
            code=SurveyErrorCode.BAD_COUNT,
        )
    codes = [new_token() for _i in range(count)]
    with transaction.atomic():
        locked = _locked(survey)
        if locked.state == SurveyState.CLOSED:
            raise _wrong_state(locked)
        Token.objects.bulk_create(Token(target=target, digest=token_digest(c)) for c in codes)
        audit_record(
            actor=actor,
            action=AuditAction.SURVEY_TOKENS_ISSUE,
            obj=locked,
            region=actor.region,
            details={"unit": target.unit.name, "count": count},
        )
    return codes


def _require_paper_staff(actor: User, target: Target) -> None:
    unit = target.unit
    if target.survey.region_id != actor.region_id or not selectors.paper_scope(actor).covers_path(
        unit.path, unit.pk
    ):
        raise ApplicationError(
            _("Only the survey office or the unit's administrators may enter or check "
              "paper questionnaires."),
            code=SurveyErrorCode.NOT_PAPER_STAFF,
        )  # fmt: skip


def paper_enter(*, actor: User, target: Target, form: Mapping[str, Sequence[str]]) -> Response:
    """A paper questionnaire typed by staff: stored, not counted until a second person
    checks it."""
    # The survey's state read afresh: the caller's copy may predate its opening.
    target = Target.objects.select_related("survey", "unit").get(pk=target.pk)
    _require_paper_staff(actor, target)
    questions = list(Question.objects.filter(survey_id=target.survey_id).order_by("position"))
    answers = parse_answers(questions, form)
    with transaction.atomic():
        response = response_submit(
            target=target, channel=Channel.PAPER, answers=answers, entered_by=actor
        )
        audit_record(
            actor=actor,
            action=AuditAction.SURVEY_PAPER_ENTER,
            obj=target.survey,
            region=actor.region,
            details={"unit": target.unit.name, "count": 1},
        )
    return response


def _pending_paper(response: Response) -> Response:
    locked = (
        Response.objects.select_for_update()
        .filter(pk=response.pk, channel=Channel.PAPER, counted=False)
        .first()
    )
    if locked is None:
        raise ApplicationError(
            _("This questionnaire has already been checked or discarded."),
            code=SurveyErrorCode.ALREADY_CHECKED,
        )
    return locked


def paper_check(*, actor: User, response: Response) -> Response:
    """A second person of the survey office confirms a paper questionnaire against the
    paper: it counts from now. Never the rated unit (two of its administrators could
    otherwise type and check each other's questionnaires without end), never the one
    who typed it, and not once the survey is closed (its results have gone out)."""
    target = response.target
    _require_office(actor, target.survey.region_id)
    with transaction.atomic():
        survey = Survey.objects.select_for_update().get(pk=target.survey_id)
        if survey.state == SurveyState.CLOSED:
            raise ApplicationError(
                _("The survey is closed: a questionnaire can no longer be checked."),
                code=SurveyErrorCode.WRONG_STATE,
            )
        locked = _pending_paper(response)
        if locked.entered_by_id == actor.pk:
            raise ApplicationError(
                _("A questionnaire you typed must be checked by someone else."),
                code=SurveyErrorCode.SAME_PERSON,
            )
        locked.counted, locked.checked_by = True, actor
        locked.save(update_fields=["counted", "checked_by"])
        audit_record(
            actor=actor,
            action=AuditAction.SURVEY_PAPER_CHECK,
            obj=target.survey,
            region=actor.region,
            details={"unit": target.unit.name, "count": 1},
        )
    return locked


def paper_discard(*, actor: User, response: Response) -> None:
    """A paper questionnaire typed wrongly is discarded before its check (by the one
    who typed it or by the checker), with its answers and comments."""
    target = response.target
    _require_paper_staff(actor, target)
    with transaction.atomic():
        locked = _pending_paper(response)
        locked.delete()
        audit_record(
            actor=actor,
            action=AuditAction.SURVEY_PAPER_CHECK,
            obj=target.survey,
            region=actor.region,
            details={"unit": target.unit.name, "count": 1, "cancelled": True},
        )


def comment_moderate(*, actor: User, comment: Comment, text: str, release: bool) -> Comment:
    """The office releases a comment to the unit as `text` (the names and numbers taken
    out), or withholds it."""
    target = comment.response.target
    _require_office(actor, target.survey.region_id)
    released = ""
    if release:
        released = bounded_text(
            text, COMMENT_MAX, field=_("The released text"), code=SurveyErrorCode.TEXT_TOO_LONG
        ).strip()
        if not visible_length(released):
            raise ApplicationError(
                _("Write the text to release, or withhold the comment."),
                code=SurveyErrorCode.TEXT_TOO_LONG,
            )
    with transaction.atomic():
        locked = Comment.objects.select_for_update().get(pk=comment.pk)
        locked.state = CommentState.RELEASED if release else CommentState.WITHHELD
        locked.released_text = released
        locked.moderated_by = actor
        locked.save(update_fields=["state", "released_text", "moderated_by"])
        audit_record(
            actor=actor,
            action=AuditAction.SURVEY_COMMENT_MODERATE,
            obj=target.survey,
            region=actor.region,
            details={"unit": target.unit.name, "count": 1, "status": locked.state},
        )
    return locked


def survey_update(*, actor: User, survey: Survey, fields: SurveyFields) -> Survey:
    """Changes a survey's settings (its name, introduction, days, performance month,
    cadres' items, supervision group) until it is closed: an open survey's closing day
    may be moved to take answers longer."""
    _require_office(actor, survey.region_id)
    f = _checked_fields(actor, fields)
    with transaction.atomic():
        locked = _locked(survey)
        if locked.state == SurveyState.CLOSED:
            raise _wrong_state(locked)
        locked.name, locked.intro = f.name, f.intro
        locked.opens_on, locked.closes_on = f.opens_on, f.closes_on
        locked.year, locked.month = f.year, f.month
        locked.feeds_cadres, locked.group_id = f.feeds_cadres, f.group_id
        locked.save()
        audit_record(
            actor=actor,
            action=AuditAction.SURVEY_SAVE,
            obj=locked,
            region=actor.region,
            details={"name": locked.name},
            state=locked.state,
        )
    return locked


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
        survey = (
            Survey.objects.select_for_update(of=("self",)).select_related("group").get(pk=survey.pk)
        )
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
