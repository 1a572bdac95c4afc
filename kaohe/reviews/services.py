"""Writes for rating rounds: set-up, outside raters, ballots, closing (R3).

Nothing written here links a rater to a value: a submission writes a
Participation row (who, which day), folds the ballot into its group's box
(kaohe.reviews.boxes: sealed until the close) and deletes the draft, in one
transaction; closing opens the boxes, computes the results in SQL and deletes the
boxes, in one transaction too (kaohe.reviews.closing).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from kaohe.accounts.access import ADMIN_ROLES, is_region_admin, require_region_admin, scope_of
from kaohe.accounts.home_cache import home_forget_region, home_forget_user
from kaohe.accounts.models import User
from kaohe.core.audit import audit_record
from kaohe.core.audit_actions import AuditAction
from kaohe.core.clock import today
from kaohe.core.errors import ApplicationError
from kaohe.core.text import clean_text, visible_length
from kaohe.core.year_facts import year_facts_forget
from kaohe.jobs.progress import ProgressFn, no_progress
from kaohe.notices.services import notify
from kaohe.org.models import Dimension, Membership, Person, Region, Unit
from kaohe.reviews import closing
from kaohe.reviews.boxes import CastBallot, ballot_fold
from kaohe.reviews.caches import ballots_forget, my_ballots_forget
from kaohe.reviews.errors import ReviewErrorCode
from kaohe.reviews.models import (
    DraftBallot,
    ExtraRater,
    Participation,
    ReviewRound,
    RoundResult,
    RoundState,
    RoundUnit,
)
from kaohe.reviews.policies import BallotSheet, ballot_sheet, plan_for
from kaohe.reviews.seal import seal_draft
from kaohe.reviews.tally import is_uniform

SMALL_UNIT = 8  # units with fewer assessed cadres need outside raters (R3.6)


# The audit action of a round moving to each state: the round's history is its audit
# rows with a state (kaohe.core.selectors.object_history).
ROUND_STATE_ACTIONS = {
    RoundState.DRAFT: AuditAction.REVIEWS_ROUND_DRAFT,
    RoundState.OPEN: AuditAction.REVIEWS_ROUND_OPEN,
    RoundState.CLOSED: AuditAction.REVIEWS_ROUND_CLOSED,
    RoundState.PUBLISHED: AuditAction.REVIEWS_ROUND_PUBLISHED,
}


@transaction.atomic
def round_create(
    *,
    actor: User,
    region: Region,
    year: int,
    number: int,
    starts_on: dt.date,
    ends_on: dt.date,
    cadence: str = ReviewRound.Cadence.QUARTERLY,
) -> ReviewRound:
    """A draft round over the units that have assessed cadres at the period's end."""
    require_region_admin(actor, region.pk)
    if cadence not in ReviewRound.Cadence.values:
        raise ApplicationError(
            _("Choose the kind of round from the list."), code=ReviewErrorCode.BAD_CADENCE
        )
    limit = {"monthly": 12, "annual": 1}.get(str(cadence), 4)
    if not 1 <= number <= limit:
        raise ApplicationError(
            _("Choose a period from 1 to %(n)s.") % {"n": limit}, code=ReviewErrorCode.BAD_PERIOD
        )
    if ends_on < starts_on:
        raise ApplicationError(
            _("Voting must end on or after the day it starts."),
            code=ReviewErrorCode.VOTING_ENDS_BEFORE_START,
        )
    if ReviewRound.objects.filter(
        region=region, year=year, cadence=cadence, number=number
    ).exists():
        raise ApplicationError(
            _("A round for this period already exists."), code=ReviewErrorCode.ROUND_EXISTS
        )
    round_ = ReviewRound(
        region=region,
        year=year,
        number=number,
        cadence=cadence,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    round_rules_check(round_)
    round_.save()
    sizes = dict(
        Membership.objects.filter(region_id=region.pk)
        .on(round_.period_end)
        .in_scope()
        .values("unit_id")
        .annotate(n=Count("id"))
        .values_list("unit_id", "n")
    )
    RoundUnit.objects.bulk_create(
        RoundUnit(
            round=round_,
            unit_id=unit_id,
            proposal=RoundUnit.Proposal.MISSING
            if n < SMALL_UNIT
            else RoundUnit.Proposal.NOT_NEEDED,
        )
        for unit_id, n in sizes.items()
    )
    ballots_forget(region.pk)
    year_facts_forget(region.pk)
    audit_record(
        actor=actor,
        action=AuditAction.REVIEWS_ROUND_CREATE,
        obj=round_,
        region=region,
        details={"units": len(sizes)},
        state=RoundState.DRAFT,
    )
    return round_


def weights_fix(round_: ReviewRound) -> None:
    """Give each unit of an opening round its rater-plan weights as they stand now: the
    close weighs with these, whatever the plan or the unit's type becomes meanwhile
    (decision 31). One UPDATE per unit type; units fixed already keep theirs, so a
    reopened round of before the weights were fixed gets them when it reopens."""
    unfixed = round_.units.filter(leader_weight__isnull=True)
    for unit_type in sorted(set(unfixed.values_list("unit__unit_type", flat=True))):
        plan = plan_for(round_.region_id, unit_type)
        if plan.pk is None:
            # Stored with the defaults it was read with: 系统设置 then lists the plan
            # this round used, for the office to edit before the next one.
            plan.save()
        unfixed.filter(unit__unit_type=unit_type).update(
            leader_weight=plan.leader_weight,
            team_weight=plan.team_weight,
            others_weight=plan.others_weight,
        )


def round_rules_check(round_: ReviewRound) -> None:
    """The round's rules as every entry point checks them: the model's validation (its
    constraints), turned into one message that says what to change."""
    try:
        round_.full_clean(exclude=["region", "created_at"], validate_unique=False)
    except ValidationError as error:
        problems = [str(m) for messages in error.message_dict.values() for m in messages]
        raise ApplicationError(
            " ".join(problems), problems=problems, code=ReviewErrorCode.RULES_INVALID
        ) from None


def _may_admin(actor: User, unit: Unit) -> bool:
    return scope_of(actor, ADMIN_ROLES).covers_path(unit.path, unit.pk)


@transaction.atomic
def extra_raters_propose(
    *, actor: User, round_unit: RoundUnit, people: list[Person], note: str
) -> RoundUnit:
    """A small unit's administrator proposes outside raters (e.g. the town youth-league
    secretaries for a 3-person committee)."""
    unit = round_unit.unit
    if not _may_admin(actor, unit):
        raise ApplicationError(
            _("Only the unit's administrator may propose its raters."),
            code=ReviewErrorCode.NOT_UNIT_ADMIN,
        )
    if round_unit.proposal in (RoundUnit.Proposal.NOT_NEEDED, RoundUnit.Proposal.APPROVED):
        raise ApplicationError(
            _("This unit needs no proposal now."), code=ReviewErrorCode.NO_PROPOSAL_NEEDED
        )
    if round_unit.round.state not in (RoundState.DRAFT, RoundState.OPEN):
        raise ApplicationError(_("The round is closed."), code=ReviewErrorCode.ROUND_CLOSED)
    people = [p for p in people if p.region_id == unit.region_id]
    if len(people) < 3:
        raise ApplicationError(
            _("Propose at least 3 raters from other units."), code=ReviewErrorCode.TOO_FEW_RATERS
        )
    note = clean_text(note)
    if not visible_length(note):
        raise ApplicationError(
            _("Say why these raters know the unit's work."),
            code=ReviewErrorCode.PROPOSAL_NEEDS_NOTE,
        )
    ExtraRater.objects.filter(round_unit=round_unit).delete()
    ExtraRater.objects.bulk_create(ExtraRater(round_unit=round_unit, person=p) for p in people)
    round_unit.proposal = RoundUnit.Proposal.PROPOSED
    round_unit.proposal_note = note.strip()[:300]
    round_unit.decision_note = ""
    round_unit.save(update_fields=["proposal", "proposal_note", "decision_note"])
    home_forget_region(unit.region_id)  # the unit's ballots wait for the decision
    ballots_forget(unit.region_id)
    year_facts_forget(unit.region_id)  # the round's expected ballots
    audit_record(
        actor=actor,
        action=AuditAction.REVIEWS_RATERS_PROPOSE,
        obj=round_unit.round,
        region=unit.region,
        details={"unit": unit.pk, "raters": [p.pk for p in people]},
    )
    return round_unit


@transaction.atomic
def extra_raters_decide(
    *, actor: User, round_unit: RoundUnit, approve: bool, note: str
) -> RoundUnit:
    """The superior unit's administrator (the region office for top-level units) decides."""
    unit = round_unit.unit
    superior = unit.parent
    allowed = _may_admin(actor, superior) if superior is not None else is_region_admin(actor)
    if not allowed:
        raise ApplicationError(
            _("Only the superior unit's administrator may decide."),
            code=ReviewErrorCode.NOT_SUPERIOR_ADMIN,
        )
    if round_unit.proposal != RoundUnit.Proposal.PROPOSED:
        raise ApplicationError(
            _("There is no proposal awaiting a decision."), code=ReviewErrorCode.NO_PROPOSAL_PENDING
        )
    note = clean_text(note)
    if not approve and not visible_length(note):
        raise ApplicationError(
            _("Give the reason for rejecting, so the unit can correct it."),
            code=ReviewErrorCode.REJECTION_NEEDS_REASON,
        )
    round_unit.proposal = RoundUnit.Proposal.APPROVED if approve else RoundUnit.Proposal.REJECTED
    round_unit.decision_note = note.strip()[:300]
    round_unit.save(update_fields=["proposal", "decision_note"])
    home_forget_region(unit.region_id)  # approved raters get a ballot
    ballots_forget(unit.region_id)
    year_facts_forget(unit.region_id)  # the round's expected ballots
    audit_record(
        actor=actor,
        action=AuditAction.REVIEWS_RATERS_APPROVE if approve else AuditAction.REVIEWS_RATERS_REJECT,
        obj=round_unit.round,
        region=unit.region,
        details={"unit": unit.pk, "note": round_unit.decision_note},
    )
    return round_unit


def _transition(
    actor: User, round_: ReviewRound, to: RoundState, allowed_from: set[str], reason: str = ""
) -> None:
    require_region_admin(actor, round_.region_id)
    locked = ReviewRound.objects.select_for_update().get(pk=round_.pk)
    if locked.state not in allowed_from:
        raise ApplicationError(
            _("The round is %(state)s; it cannot become %(to)s.")
            % {"state": locked.get_state_display(), "to": RoundState(to).label},
            code=ReviewErrorCode.BAD_TRANSITION,
        )
    round_.state = to
    round_.save(update_fields=["state"])
    home_forget_region(round_.region_id)  # every rater's open ballots
    ballots_forget(round_.region_id)
    year_facts_forget(round_.region_id)
    audit_record(
        actor=actor,
        action=ROUND_STATE_ACTIONS[to],
        obj=round_,
        region=round_.region,
        details={"reason": reason} if reason else {},
        state=to,
        note=reason,
    )


def _rater_rows(round_: ReviewRound) -> tuple[QuerySet[Membership], QuerySet[ExtraRater]]:
    """The memberships and outside raters behind the round's expected ballots."""
    voting = RoundUnit.objects.filter(round=round_).exclude(
        proposal__in=[
            RoundUnit.Proposal.MISSING,
            RoundUnit.Proposal.PROPOSED,
            RoundUnit.Proposal.REJECTED,
        ]
    )
    members = (
        Membership.objects.filter(unit_id__in=voting.values("unit_id"))
        .on(round_.period_end)
        .in_scope()
    )
    extras = ExtraRater.objects.filter(
        round_unit__round=round_, round_unit__proposal=RoundUnit.Proposal.APPROVED
    )
    return members, extras


def round_raters(round_: ReviewRound) -> set[tuple[int, int]]:
    """(unit, rater person) of every ballot the round expects: the in-scope members of
    each voting unit on the period's last day, and the approved outside raters. Two
    queries whatever the round's size."""
    members, extras = _rater_rows(round_)
    raters = set(members.values_list("unit_id", "person_id"))
    raters.update(extras.values_list("round_unit__unit_id", "person_id"))
    return raters


def _notify_opened(round_: ReviewRound) -> None:
    """Every rater of the round learns that voting is open (one query per table, no
    list of ids sent: a province's round has hundreds of thousands of raters)."""
    members, extras = _rater_rows(round_)
    notify(
        users=User.objects.filter(
            Q(person_id__in=members.values("person_id"))
            | Q(person_id__in=extras.values("person_id"))
        ),
        text=_("%(round)s is open for voting until %(day)s; please cast your ballot.")
        % {"round": round_, "day": round_.ends_on.isoformat()},
        url=reverse("reviews:mine"),
        kind="round_open",
    )


@transaction.atomic
def round_open(*, actor: User, round_: ReviewRound) -> None:
    _transition(actor, round_, RoundState.OPEN, {RoundState.DRAFT})
    weights_fix(round_)
    _notify_opened(round_)


@transaction.atomic
def round_publish(*, actor: User, round_: ReviewRound) -> None:
    # A close is all or nothing, so a closed round has its results unless nobody
    # voted; a round closed before closes were (decision 31) may have none.
    if not RoundResult.objects.filter(round=round_).exists():
        raise ApplicationError(
            _("This round has no results yet, so it cannot be published."),
            code=ReviewErrorCode.NO_RESULTS_TO_PUBLISH,
        )
    _transition(actor, round_, RoundState.PUBLISHED, {RoundState.CLOSED})


# Checks that refuse reopening a round whose results a later step has used: each
# returns the reasons (empty when none). Registered by the apps above this one
# (scoring: a confirmed or published quarter or year), which this app may not import.
ReopenGuard = Callable[[ReviewRound], list[str]]
reopen_guards: list[ReopenGuard] = []


def round_reopen_blockers(round_: ReviewRound) -> list[str]:
    """Why the round may not be reopened now (empty when it may)."""
    return [reason for guard in reopen_guards for reason in guard(round_)]


@transaction.atomic
def round_reopen(*, actor: User, round_: ReviewRound, reason: str) -> None:
    """Reopen voting: the results and every ballot are discarded and collected again.

    Adding late ballots to kept results would let anyone who reads the results before
    and after subtract them (decision 31), so a reopened round starts afresh: everyone
    votes again, and participation is cleared so that they can. Not once the quarter or
    year using the results is confirmed or published: that period is reopened first.
    """
    reason = clean_text(reason)
    if visible_length(reason) < 4:
        raise ApplicationError(
            _("Reopening needs a written reason."), code=ReviewErrorCode.REOPEN_NEEDS_REASON
        )
    blockers = round_reopen_blockers(round_)
    if blockers:
        raise ApplicationError(
            " ".join(blockers), problems=blockers, code=ReviewErrorCode.REOPEN_BLOCKED
        )
    _transition(
        actor,
        round_,
        RoundState.OPEN,
        {RoundState.CLOSED, RoundState.PUBLISHED},
        reason.strip()[:300],
    )
    discarded = Participation.objects.filter(round=round_).count()
    RoundResult.objects.filter(round=round_).delete()
    Participation.objects.filter(round=round_).delete()
    weights_fix(round_)
    _notify_opened(round_)  # everyone votes again
    audit_record(
        actor=actor,
        action=AuditAction.REVIEWS_ROUND_DISCARD,
        obj=round_,
        region=round_.region,
        details={"ballots": discarded},
    )


@transaction.atomic
def round_extend(*, actor: User, round_: ReviewRound, ends_on: dt.date, reason: str) -> None:
    """Move the end of voting later, with the reason (recorded in the round's history
    and the audit log). Only forwards: an earlier end would cut off raters who were
    told they had until then."""
    require_region_admin(actor, round_.region_id)
    locked = ReviewRound.objects.select_for_update().get(pk=round_.pk)
    if locked.state not in (RoundState.DRAFT, RoundState.OPEN):
        raise ApplicationError(
            _("The round is %(state)s; only a round still to vote in can be extended.")
            % {"state": locked.get_state_display()},
            code=ReviewErrorCode.EXTEND_NOT_OPEN,
        )
    if ends_on <= locked.ends_on:
        raise ApplicationError(
            _("The new end must be after the current end, %(day)s.")
            % {"day": locked.ends_on.isoformat()},
            code=ReviewErrorCode.EXTEND_NOT_LATER,
        )
    if ends_on > dt.date(locked.year + 1, 12, 31):
        raise ApplicationError(
            _("Choose an end within the year after the round's year."),
            code=ReviewErrorCode.EXTEND_TOO_FAR,
        )
    reason = clean_text(reason)
    if visible_length(reason) < 4:
        raise ApplicationError(
            _("Extending voting needs a written reason."), code=ReviewErrorCode.EXTEND_NEEDS_REASON
        )
    previous = locked.ends_on
    round_.ends_on = ends_on
    round_.save(update_fields=["ends_on"])
    home_forget_region(round_.region_id)  # the ballots' deadline
    ballots_forget(round_.region_id)
    text = _("Voting extended from %(old)s to %(new)s: %(reason)s") % {
        "old": previous.isoformat(),
        "new": ends_on.isoformat(),
        "reason": reason.strip(),
    }
    year_facts_forget(round_.region_id)
    audit_record(
        actor=actor,
        action=AuditAction.REVIEWS_ROUND_EXTEND,
        obj=round_,
        region=round_.region,
        details={"from": previous.isoformat(), "to": ends_on.isoformat(), "reason": reason[:300]},
        # The history shows the state it stays in, with the whole change in words.
        state=locked.state,
        note=text[:300],
    )


@transaction.atomic
def round_close(*, actor: User, round_: ReviewRound, progress: ProgressFn = no_progress) -> int:
    """Close voting and compute the results, all or nothing: one transaction opens the
    boxes still sealed, writes every result from the tallies and deletes the boxes and
    tallies (decision 31). Returns how many results were written. `progress` hears how
    far it is (a background job's bar, kaohe.jobs)."""
    _transition(actor, round_, RoundState.CLOSED, {RoundState.OPEN})
    DraftBallot.objects.filter(round=round_).delete()
    progress(10, 100, _("Opening the ballot boxes and writing the results"))
    written = closing.round_results(round_)
    progress(100, 100, _("Voting closed; %(n)s results computed.") % {"n": written})
    return written


# ---------------------------------------------------------------- ballots


def _validate(
    sheet: BallotSheet, values: Mapping[str, object], *, complete: bool
) -> dict[tuple[int, str], int]:
    """The ballot's scores by (person, dimension), or every reason it is refused:
    `problems` lists them all, `extra["fields"]` maps a score's key to what is
    wrong with that score (the page marks the field), `extra["general"]` holds the
    problems that belong to no single field."""
    round_ = sheet.round
    labels = dict(Dimension.choices)
    clean: dict[tuple[int, str], int] = {}
    problems: list[str] = []
    general: list[str] = []
    fields: dict[str, str] = {}
    for person, dimension, key in sheet.entries():
        name = f"{person.name}（{labels[dimension]}）" if dimension else person.name
        raw = values.get(key)
        text = str(raw).strip() if raw is not None else ""
        if not text:
            if complete:
                problems.append(_("%(name)s has no score yet.") % {"name": name})
                fields[key] = _("No score yet.")
            continue
        # isdecimal, not isdigit: "²" is a digit that int() cannot read (a full-width
        # "８５" is decimal and reads as 85).
        if (
            not text.isdecimal()
            or len(text) > 4
            or not round_.score_min <= int(text) <= round_.score_max
        ):
            problems.append(
                _("%(name)s: “%(value)s” is not a whole number from %(min)s to %(max)s.")
                % {
                    "name": name,
                    "value": text[:10],
                    "min": round_.score_min,
                    "max": round_.score_max,
                }
            )
            fields[key] = _("Give a whole number from %(min)s to %(max)s.") % {
                "min": round_.score_min,
                "max": round_.score_max,
            }
            continue
        clean[(person.pk, dimension)] = int(text)
    for dimension in sheet.dimensions:
        high = sum(1 for (_p, d), v in clean.items() if d == dimension and v >= round_.high_score)
        if high <= sheet.high_limit:
            continue
        # Each high score of the aspect is marked: the rater chooses which to lower.
        for (person_id, d), value in clean.items():
            if d == dimension and value >= round_.high_score:
                fields[BallotSheet.key(person_id, d)] = _(
                    "One of %(n)s scores of %(high)s or more; at most %(limit)s are allowed."
                ) % {"n": high, "high": round_.high_score, "limit": sheet.high_limit}
        message = _(
            "%(n)s people have %(high)s or more; at most %(limit)s of the %(size)s on this "
            "ballot may (%(share)s%%). Lower %(over)s of them."
        ) % {
            "n": high,
            "high": round_.high_score,
            "limit": sheet.high_limit,
            "size": len(sheet.targets),
            "share": int(round_.high_share * 100),
            "over": high - sheet.high_limit,
        }
        line = f"{labels[dimension]}：{message}" if dimension else message
        problems.append(line)
        general.append(line)
    if problems:
        raise ApplicationError(
            " ".join(problems),
            problems=problems,
            extra={"fields": fields, "general": general},
            code=ReviewErrorCode.BALLOT_INVALID,
        )
    return clean


def tells_nobody_apart(sheet: BallotSheet, clean: Mapping[tuple[int, str], int]) -> bool:
    """One score for everyone (R3.9, configurable): with 德能勤绩廉 rated apart, one
    score for everyone on every aspect (decision 27). Such a ballot is refused, not
    counted as void: a void ballot's absence from the counts would say whose it was
    (decision 31)."""
    if not sheet.round.uniform_invalid:
        return False
    return all(
        is_uniform([v for (_p, d), v in clean.items() if d == dimension])
        for dimension in sheet.dimensions
    )


def voting_days_problem(round_: ReviewRound) -> str:
    """Why today is not a voting day of the round ("" when it is): ballots are drafted
    and submitted from its start to its end, both included."""
    return voting_days_problem_between(round_.starts_on, round_.ends_on)


def voting_days_problem_between(starts_on: dt.date, ends_on: dt.date) -> str:
    """`voting_days_problem` for a round voting from `starts_on` to `ends_on`."""
    day = today()
    if day < starts_on:
        return _("Voting in this round starts on %(day)s; come back then.") % {
            "day": starts_on.isoformat()
        }
    if day > ends_on:
        return _(
            "Voting in this round ended on %(day)s, so ballots are no longer taken. "
            "If you could not vote in time, ask the assessment office to extend it."
        ) % {"day": ends_on.isoformat()}
    return ""


def _check_open(round_unit: RoundUnit, rater: Person) -> None:
    round_ = ReviewRound.objects.select_for_update().get(pk=round_unit.round_id)
    if round_.state != RoundState.OPEN:
        raise ApplicationError(
            _("Voting is not open in this round."), code=ReviewErrorCode.VOTING_NOT_OPEN
        )
    problem = voting_days_problem(round_)
    if problem:
        raise ApplicationError(problem, code=ReviewErrorCode.OUTSIDE_VOTING_DAYS)
    if not round_unit.can_vote:
        raise ApplicationError(
            _("This unit's outside raters are not approved yet; voting has not started."),
            code=ReviewErrorCode.RATERS_NOT_APPROVED,
        )
    if Participation.objects.filter(round=round_, unit_id=round_unit.unit_id, rater=rater).exists():
        raise ApplicationError(
            _("You have already submitted this ballot; a ballot is submitted once."),
            code=ReviewErrorCode.BALLOT_ALREADY_SUBMITTED,
        )


@transaction.atomic
def ballot_save_draft(
    *, actor: User, round_unit: RoundUnit, values: Mapping[str, object]
) -> DraftBallot:
    rater = _rater(actor)
    sheet = _sheet_or_refuse(rater, round_unit)
    _check_open(round_unit, rater)
    clean = _validate(sheet, values, complete=False)
    sealed = seal_draft(
        {BallotSheet.key(p, d): v for (p, d), v in clean.items()},
        round_id=round_unit.round_id,
        unit_id=round_unit.unit_id,
        rater_id=rater.pk,
    )
    draft, _created = DraftBallot.objects.update_or_create(
        round_id=round_unit.round_id,
        unit_id=round_unit.unit_id,
        rater=rater,
        defaults={"sealed": sealed},
    )
    my_ballots_forget(actor.pk)
    return draft


@dataclass(frozen=True)
class BallotCheck:
    """What a checked ballot holds, for the rater's confirmation step (never stored)."""

    scores: dict[tuple[int, str], int]
    high: dict[str, int]  # per dimension, how many scores of high_score or more


def _checked(rater: Person, round_unit: RoundUnit, values: Mapping[str, object]) -> BallotSheet:
    """Every check a submission makes, in the order it makes them."""
    sheet = _sheet_or_refuse(rater, round_unit)
    _check_open(round_unit, rater)
    return sheet


def _complete(sheet: BallotSheet, values: Mapping[str, object]) -> dict[tuple[int, str], int]:
    clean = _validate(sheet, values, complete=True)
    if tells_nobody_apart(sheet, clean):
        message = _(
            "You gave everyone the same score, which tells nobody apart, so the ballot "
            "would not count. Give each person the score their work deserves."
        )
        raise ApplicationError(
            message,
            problems=[message],
            extra={"general": [message]},
            code=ReviewErrorCode.BALLOT_UNIFORM,
        )
    return clean


@transaction.atomic
def ballot_check(
    *, actor: User, round_unit: RoundUnit, values: Mapping[str, object]
) -> BallotCheck:
    """Check a ballot as `ballot_submit` would, writing nothing: the page asks the rater
    to confirm the one-time submission only once the ballot would be accepted."""
    rater = _rater(actor)
    sheet = _checked(rater, round_unit, values)
    clean = _complete(sheet, values)
    high = {
        d: sum(1 for (_p, dd), v in clean.items() if dd == d and v >= sheet.round.high_score)
        for d in sheet.dimensions
    }
    return BallotCheck(scores=clean, high=high)


@transaction.atomic
def ballot_submit(*, actor: User, round_unit: RoundUnit, values: Mapping[str, object]) -> None:
    """Submit a complete ballot: participation, the ballot folded into its sealed box,
    the draft deleted, in one transaction."""
    rater = _rater(actor)
    sheet = _checked(rater, round_unit, values)
    clean = _complete(sheet, values)
    Participation.objects.create(
        round_id=round_unit.round_id,
        unit_id=round_unit.unit_id,
        rater=rater,
        submitted_on=today(),
    )
    home_forget_user(actor.pk)  # the ballot leaves the rater's tasks
    year_facts_forget(sheet.round.region_id)  # the round's turnout
    DraftBallot.objects.filter(
        round_id=round_unit.round_id, unit_id=round_unit.unit_id, rater=rater
    ).delete()
    my_ballots_forget(actor.pk)
    ballot_fold(
        sheet.round,
        CastBallot(unit_id=round_unit.unit_id, group=str(sheet.group), values=dict(clean)),
    )
    # That a ballot was submitted, never its values.
    audit_record(
        actor=actor,
        action=AuditAction.REVIEWS_BALLOT_SUBMIT,
        obj=sheet.round,
        region=sheet.unit.region,
        details={"unit": sheet.unit.pk},
    )


def _rater(actor: User) -> Person:
    if actor.person is None:
        raise ApplicationError(
            _("Your account is not linked to a person, so it has no ballot."),
            code=ReviewErrorCode.NO_PERSON,
        )
    return actor.person


def _sheet_or_refuse(rater: Person, round_unit: RoundUnit) -> BallotSheet:
    from django.http import Http404

    sheet = ballot_sheet(rater=rater, round_unit=round_unit)
    if sheet is None:
        raise Http404
    return sheet
