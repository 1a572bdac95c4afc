"""Reads of the survey office's pages, scoped to the acting user (404 outside):

- the region's office (a region administrator) runs its region's surveys: every one of
  them, their questions, targets, paper checks and comments;
- a unit administrator enters and checks paper questionnaires of the targets in their
  units (`scope_of`), and sees only the surveys that have such a target.

Results (indices, rankings) are read elsewhere (results.py); nothing here reads a
respondent's answers beyond a pending paper questionnaire and a pending comment.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404

from kaohe.accounts.access import Scope, roles_of, scope_of
from kaohe.accounts.models import Role, User
from kaohe.core import clock
from kaohe.org.models import Membership, Person, Unit
from kaohe.supervision.models import SupervisionGroup
from kaohe.surveys.models import (
    Channel,
    Comment,
    CommentState,
    Question,
    Response,
    Survey,
    Target,
    Token,
)

# Who types and checks a paper questionnaire of a target: the office, or the unit's
# administrators over the target's unit.
PAPER_ROLES = frozenset({Role.REGION_ADMIN, Role.UNIT_ADMIN})


def may_manage(user: User) -> bool:
    """Whether the user is the survey office of their region (a region administrator)."""
    return user.is_active and user.region_id is not None and Role.REGION_ADMIN in roles_of(user)


def paper_scope(user: User) -> Scope:
    return scope_of(user, PAPER_ROLES)


def may_open_surveys(user: User) -> bool:
    """Whether the office's survey list is the user's page: the office, or a unit
    administrator (paper questionnaires of their units)."""
    return user.region_id is not None and not paper_scope(user).is_empty


def visible_surveys(user: User) -> QuerySet[Survey]:
    """The surveys the user may open; no query until read."""
    if user.region_id is None or not user.is_active:
        return Survey.objects.none()
    base = Survey.objects.filter(region_id=user.region_id)
    scope = paper_scope(user)
    if scope.region_wide:
        return base
    if scope.is_empty:
        return Survey.objects.none()
    mine = Target.objects.filter(scope.unit_filter("unit__"), survey=OuterRef("pk"))
    return base.filter(Exists(mine))


def survey_for(user: User, survey_id: int) -> Survey:
    """A survey the user may open; Http404 outside."""
    survey = visible_surveys(user).filter(pk=survey_id).select_related("group").first()
    if survey is None:
        raise Http404
    return survey


def managed_survey(user: User, survey_id: int) -> Survey:
    """A survey the user runs as the office; Http404 for anyone else."""
    if not may_manage(user):
        raise Http404
    return survey_for(user, survey_id)


@dataclass(frozen=True)
class SurveyRow:
    survey: Survey
    state: str  # its label
    targets: int
    counted: int
    pending_checks: int
    pending_comments: int


def survey_rows(user: User) -> list[SurveyRow]:
    """The list page: each visible survey with its targets and counts (four queries)."""
    surveys = list(visible_surveys(user).order_by("-opens_on", "-pk"))
    ids = [s.pk for s in surveys]
    targets = dict(
        Target.objects.filter(survey_id__in=ids)
        .values("survey_id")
        .annotate(n=Count("pk"))
        .values_list("survey_id", "n")
    )
    counted: dict[int, int] = {}
    pending: dict[int, int] = {}
    for survey_id, is_counted, n in (
        Response.objects.filter(target__survey_id__in=ids)
        .values("target__survey_id", "counted")
        .annotate(n=Count("pk"))
        .values_list("target__survey_id", "counted", "n")
    ):
        (counted if is_counted else pending)[survey_id] = n
    comments = dict(
        Comment.objects.filter(
            response__target__survey_id__in=ids, state=CommentState.PENDING, response__counted=True
        )
        .values("response__target__survey_id")
        .annotate(n=Count("pk"))
        .values_list("response__target__survey_id", "n")
    )
    return [
        SurveyRow(
            s,
            s.get_state_display(),
            targets.get(s.pk, 0),
            counted.get(s.pk, 0),
            pending.get(s.pk, 0),
            comments.get(s.pk, 0),
        )
        for s in surveys
    ]


def questions_of(survey: Survey) -> list[Question]:
    return list(Question.objects.filter(survey=survey).order_by("position"))


@dataclass(frozen=True)
class TargetRow:
    target: Target
    counted: int
    pending: int  # paper questionnaires awaiting their check
    codes: int  # codes printed
    unused: int  # of which not used yet


def targets_for(user: User, survey: Survey) -> list[TargetRow]:
    """The survey's targets the user may see (all for the office, their units' for a unit
    administrator), with their counts: four queries whatever their number."""
    rows = (
        Target.objects.filter(survey=survey)
        .filter(paper_scope(user).unit_filter("unit__"))
        .select_related("unit", "person")
        .order_by("unit__path", "window", "pk")
    )
    targets = list(rows)
    ids = [t.pk for t in targets]
    counted: dict[int, int] = {}
    pending: dict[int, int] = {}
    for target_id, is_counted, n in (
        Response.objects.filter(target_id__in=ids)
        .values("target_id", "counted")
        .annotate(n=Count("pk"))
        .values_list("target_id", "counted", "n")
    ):
        (counted if is_counted else pending)[target_id] = n
    codes: dict[int, int] = {}
    unused: dict[int, int] = {}
    for target_id, used, n in (
        Token.objects.filter(target_id__in=ids)
        .values("target_id", "used")
        .annotate(n=Count("pk"))
        .values_list("target_id", "used", "n")
    ):
        codes[target_id] = codes.get(target_id, 0) + n
        if not used:
            unused[target_id] = n
    return [
        TargetRow(t, counted.get(t.pk, 0), pending.get(t.pk, 0), codes.get(t.pk, 0),
                  unused.get(t.pk, 0))
        for t in targets
    ]  # fmt: skip


def target_for(user: User, survey: Survey, target_id: int) -> Target:
    """A target of the survey in the user's paper scope; Http404 outside."""
    target = (
        Target.objects.filter(survey=survey, pk=target_id)
        .filter(paper_scope(user).unit_filter("unit__"))
        .select_related("unit", "person", "survey")
        .first()
    )
    if target is None:
        raise Http404
    return target


def units_to_target(user: User) -> list[Unit]:
    """The region's units the office may add as targets."""
    if not may_manage(user) or user.region_id is None:
        return []
    return list(Unit.objects.filter(region_id=user.region_id).order_by("path"))


def groups_of_region(user: User) -> list[SupervisionGroup]:
    if not may_manage(user) or user.region_id is None:
        return []
    return list(
        SupervisionGroup.objects.filter(region_id=user.region_id, active=True).order_by("name")
    )


def cadres_of(unit: Unit) -> QuerySet[Person]:
    """The people whose membership today is in the unit: who may be a named cadre."""
    today = clock.today()
    members = Membership.objects.filter(unit=unit).on(today).values("person_id")
    return Person.objects.filter(region_id=unit.region_id, pk__in=members).order_by("name")


def pending_paper(user: User, survey: Survey) -> QuerySet[Response]:
    """The survey's paper questionnaires awaiting a check, in the user's scope, with
    who entered them; the list shows first those someone else entered."""
    return (
        Response.objects.filter(target__survey=survey, channel=Channel.PAPER, counted=False)
        .filter(paper_scope(user).unit_filter("target__unit__"))
        # A unit's administrator sees only what they typed (to discard a slip); the
        # office checks everything, free text included, before it counts.
        .filter(Q() if may_manage(user) else Q(entered_by=user))
        .select_related("target__unit", "target__person", "entered_by")
        .prefetch_related("answers", "comments")
        .order_by("target__unit__path", "day", "pk")
    )


def _key(raw: str) -> uuid.UUID:
    """A response's or comment's random key from a form; Http404 for anything else."""
    try:
        return uuid.UUID(raw)
    except ValueError as exc:
        raise Http404 from exc


def paper_response_for(user: User, survey: Survey, response_id: str) -> Response:
    """A pending paper questionnaire the user may check or discard; Http404 otherwise
    (also for an id that is not a UUID)."""
    found = pending_paper(user, survey).filter(pk=_key(response_id)).first()
    if found is None:
        raise Http404
    return found


def pending_comments(user: User, survey: Survey) -> QuerySet[Comment]:
    """The survey's comments awaiting moderation (of counted responses), for the office."""
    if not may_manage(user) or survey.region_id != user.region_id:
        return Comment.objects.none()
    return (
        Comment.objects.filter(
            response__target__survey=survey, state=CommentState.PENDING, response__counted=True
        )
        .select_related("response__target__unit", "question")
        .order_by("response__target__unit__path", "pk")
    )


def comment_for(user: User, survey: Survey, comment_id: str) -> Comment:
    found = pending_comments(user, survey).filter(pk=_key(comment_id)).first()
    if found is None:
        raise Http404
    return found


def region_names(region_id: int) -> list[str]:
    """The region's people's names of two characters or more, longest first (a name
    inside a longer one is replaced with it)."""
    names = Person.objects.filter(region_id=region_id).values_list("name", flat=True).distinct()
    return sorted({n.strip() for n in names if len(n.strip()) >= 2}, key=lambda n: (-len(n), n))


# An 18-character resident ID number, a mobile number, a landline with its area code
# (or a bare 7–8 digit local number), never inside a longer run of digits.
_ID_NUMBER = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?1[3-9][0-9]{9}(?![0-9])")
_LANDLINE = re.compile(r"(?<![0-9])(?:0[0-9]{2,3}[- ]?)?[2-9][0-9]{6,7}(?![0-9])")
NUMBER_MASK = "***"
NAME_MASK = "某某"


def suggested_text(text: str, names: Iterable[str]) -> str:
    """The comment as the moderator is offered to release it: ID numbers and phone
    numbers masked, the region's people's names replaced by 某某."""
    out = _ID_NUMBER.sub(NUMBER_MASK, text)
    out = _MOBILE.sub(NUMBER_MASK, out)
    out = _LANDLINE.sub(NUMBER_MASK, out)
    for name in names:
        if name in out:
            out = out.replace(name, NAME_MASK)
    return out


def state_counts(survey: Survey) -> dict[str, int]:
    """The survey page's counters: counted responses, paper ones waiting, comments
    waiting, codes printed and unused (four small queries)."""
    responses = Response.objects.filter(target__survey=survey)
    tokens = Token.objects.filter(target__survey=survey)
    return {
        "counted": responses.filter(counted=True).count(),
        "pending": responses.filter(counted=False).count(),
        "comments": Comment.objects.filter(
            response__target__survey=survey, state=CommentState.PENDING, response__counted=True
        ).count(),
        **tokens.aggregate(codes=Count("pk"), unused=Count("pk", filter=Q(used=False))),
    }
