"""Writes for rating rounds: set-up, outside raters, ballots, closing (R3).

Nothing written here links a rater to a value: a submission writes a
Participation row (who, when) and Score rows (what, random keys, no rater, no
time, shuffled) in one transaction and deletes the draft; closing rewrites the
round's scores in random order and computes results with one GROUP BY.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, F, Max, Min, Sum
from django.utils.translation import gettext as _

from kaohe.accounts.access import ADMIN_ROLES, is_region_admin, scope_of
from kaohe.accounts.models import User
from kaohe.core.audit import audit_record
from kaohe.core.errors import ApplicationError
from kaohe.org.models import LeadershipRole, Membership, Person, Region, Unit
from kaohe.reviews.models import (
    DraftBallot,
    ExtraRater,
    InvalidBallots,
    Participation,
    RaterGroup,
    RaterPlan,
    ReviewRound,
    RoundEvent,
    RoundResult,
    RoundState,
    RoundUnit,
    Score,
)
from kaohe.reviews.tally import (
    GroupFigure,
    high_score_limit,
    is_uniform,
    weighted_score,
)

SMALL_UNIT = 8  # units with fewer assessed cadres need outside raters (R3.6)
ROLE_GROUP = {
    LeadershipRole.MAIN: RaterGroup.LEADER,
    LeadershipRole.TEAM: RaterGroup.TEAM,
    LeadershipRole.STAFF: RaterGroup.OTHERS,
}
# The operating system's randomness: the order cannot be reproduced from anything stored.
_shuffle = random.SystemRandom().shuffle


def plan_for(region_id: int, unit_type: str) -> RaterPlan:
    plan, _created = RaterPlan.objects.get_or_create(region_id=region_id, unit_type=unit_type)
    return plan


def _scope_members(round_: ReviewRound, unit_ids: list[int]) -> list[Membership]:
    return list(
        Membership.objects.filter(unit_id__in=unit_ids)
        .on(round_.period_end)
        .in_scope()
        .select_related("person")
    )


def _event(round_: ReviewRound, actor: User | None, state: str, reason: str = "") -> None:
    RoundEvent.objects.create(round=round_, actor=actor, state=state, reason=reason)


def _require_region_admin(actor: User, region_id: int) -> None:
    if not is_region_admin(actor) or actor.region_id != region_id:
        raise ApplicationError(_("Only the region's assessment office may do this."))


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
    _require_region_admin(actor, region.pk)
    if cadence not in ReviewRound.Cadence.values:
        raise ApplicationError(_("Choose the kind of round from the list."))
    limit = {"monthly": 12, "annual": 1}.get(str(cadence), 4)
    if not 1 <= number <= limit:
        raise ApplicationError(_("Choose a period from 1 to %(n)s.") % {"n": limit})
    if ends_on < starts_on:
        raise ApplicationError(_("Voting must end on or after the day it starts."))
    if ReviewRound.objects.filter(
        region=region, year=year, cadence=cadence, number=number
    ).exists():
        raise ApplicationError(_("A round for this period already exists."))
    round_ = ReviewRound.objects.create(
        region=region,
        year=year,
        number=number,
        cadence=cadence,
        starts_on=starts_on,
        ends_on=ends_on,
    )
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
    _event(round_, actor, RoundState.DRAFT)
    audit_record(
        actor=actor,
        action="reviews.round.create",
        obj=round_,
        region=region,
        details={"units": len(sizes)},
    )
    return round_


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
        raise ApplicationError(_("Only the unit's administrator may propose its raters."))
    if round_unit.proposal in (RoundUnit.Proposal.NOT_NEEDED, RoundUnit.Proposal.APPROVED):
        raise ApplicationError(_("This unit needs no proposal now."))
    if round_unit.round.state not in (RoundState.DRAFT, RoundState.OPEN):
        raise ApplicationError(_("The round is closed."))
    people = [p for p in people if p.region_id == unit.region_id]
    if len(people) < 3:
        raise ApplicationError(_("Propose at least 3 raters from other units."))
    if not note.strip():
        raise ApplicationError(_("Say why these raters know the unit's work."))
    ExtraRater.objects.filter(round_unit=round_unit).delete()
    ExtraRater.objects.bulk_create(ExtraRater(round_unit=round_unit, person=p) for p in people)
    round_unit.proposal = RoundUnit.Proposal.PROPOSED
    round_unit.proposal_note = note.strip()[:300]
    round_unit.decision_note = ""
    round_unit.save(update_fields=["proposal", "proposal_note", "decision_note"])
    audit_record(
        actor=actor,
        action="reviews.raters.propose",
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
        raise ApplicationError(_("Only the superior unit's administrator may decide."))
    if round_unit.proposal != RoundUnit.Proposal.PROPOSED:
        raise ApplicationError(_("There is no proposal awaiting a decision."))
    if not approve and not note.strip():
        raise ApplicationError(_("Give the reason for rejecting, so the unit can correct it."))
    round_unit.proposal = RoundUnit.Proposal.APPROVED if approve else RoundUnit.Proposal.REJECTED
    round_unit.decision_note = note.strip()[:300]
    round_unit.save(update_fields=["proposal", "decision_note"])
    audit_record(
        actor=actor,
        action="reviews.raters.approve" if approve else "reviews.raters.reject",
        obj=round_unit.round,
        region=unit.region,
        details={"unit": unit.pk, "note": round_unit.decision_note},
    )
    return round_unit


def _transition(
    actor: User, round_: ReviewRound, to: RoundState, allowed_from: set[str], reason: str = ""
) -> None:
    _require_region_admin(actor, round_.region_id)
    locked = ReviewRound.objects.select_for_update().get(pk=round_.pk)
    if locked.state not in allowed_from:
        raise ApplicationError(
            _("The round is %(state)s; it cannot become %(to)s.")
            % {"state": locked.get_state_display(), "to": RoundState(to).label}
        )
    round_.state = to
    round_.save(update_fields=["state"])
    _event(round_, actor, to, reason)
    audit_record(
        actor=actor,
        action=f"reviews.round.{to}",
        obj=round_,
        region=round_.region,
        details={"reason": reason} if reason else {},
    )


@transaction.atomic
def round_open(*, actor: User, round_: ReviewRound) -> None:
    _transition(actor, round_, RoundState.OPEN, {RoundState.DRAFT})


@transaction.atomic
def round_publish(*, actor: User, round_: ReviewRound) -> None:
    _transition(actor, round_, RoundState.PUBLISHED, {RoundState.CLOSED})


@transaction.atomic
def round_reopen(*, actor: User, round_: ReviewRound, reason: str) -> None:
    if len(reason.strip()) < 4:
        raise ApplicationError(_("Reopening needs a written reason."))
    _transition(
        actor,
        round_,
        RoundState.OPEN,
        {RoundState.CLOSED, RoundState.PUBLISHED},
        reason.strip()[:300],
    )
    RoundResult.objects.filter(round=round_).delete()


def round_close(*, actor: User, round_: ReviewRound) -> int:
    """Close voting, rewrite the scores in random order, compute every result.

    Two transactions: the close and the rewrite, so the rewritten rows share no
    transaction id with any submission; then the results.
    """
    with transaction.atomic():
        _transition(actor, round_, RoundState.CLOSED, {RoundState.OPEN})
        DraftBallot.objects.filter(round=round_).delete()
    with transaction.atomic():
        scores_rewrite(round_)
    with transaction.atomic():
        return results_compute(round_)


def scores_rewrite(round_: ReviewRound) -> None:
    """Re-insert the round's score rows in random order under new random keys."""
    if connection.vendor == "postgresql":
        # In the database: millions of rows never travel to Python.
        # One statement: the deleted rows feed the insert, in random order, under
        # new random keys; no temporary table, so it also nests in an outer transaction.
        with connection.cursor() as cursor:
            cursor.execute(
                "WITH old AS (DELETE FROM reviews_score WHERE round_id = %s "
                "RETURNING round_id, unit_id, target_id, rater_group, value) "
                "INSERT INTO reviews_score (id, round_id, unit_id, target_id, rater_group, value) "
                "SELECT gen_random_uuid(), round_id, unit_id, target_id, rater_group, value "
                "FROM old ORDER BY random()",
                [round_.pk],
            )
            # Fresh statistics, so computing the results right after plans well.
            cursor.execute("ANALYZE reviews_score")
        return
    # SQLite: the same in SQL through a scratch table (dropped at once, so the close
    # also nests in an outer transaction); randomblob gives the new 128-bit keys.
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS temp.kaohe_rewrite")
        cursor.execute(
            "CREATE TEMP TABLE kaohe_rewrite AS SELECT round_id, unit_id, target_id, "
            "rater_group, value FROM reviews_score WHERE round_id = %s ORDER BY random()",
            [round_.pk],
        )
        cursor.execute("DELETE FROM reviews_score WHERE round_id = %s", [round_.pk])
        cursor.execute(
            "INSERT INTO reviews_score (id, round_id, unit_id, target_id, rater_group, value) "
            "SELECT lower(hex(randomblob(16))), round_id, unit_id, target_id, rater_group, value "
            "FROM kaohe_rewrite ORDER BY random()"
        )
        cursor.execute("DROP TABLE temp.kaohe_rewrite")


def results_compute(round_: ReviewRound) -> int:
    """Every target's group means (trimmed above `trim_above` scores: one highest and
    one lowest dropped) and weighted score, from one GROUP BY over the scores."""
    aggregates = (
        Score.objects.filter(round=round_)
        .values("unit_id", "target_id", "rater_group")
        .annotate(n=Count("id"), total=Sum("value"), low=Min("value"), high=Max("value"))
    )
    by_target: dict[tuple[int, int], dict[str, tuple[int, Decimal | None]]] = defaultdict(dict)
    for row in aggregates:
        n, total = row["n"], row["total"]
        if n > round_.trim_above:
            n, total = n - 2, total - row["low"] - row["high"]
        mean = (Decimal(total) / n).quantize(Decimal("0.01")) if n else None
        by_target[(row["unit_id"], row["target_id"])][row["rater_group"]] = (row["n"], mean)
    unit_types = dict(
        Unit.objects.filter(pk__in={u for u, _t in by_target}).values_list("pk", "unit_type")
    )
    plans = {t: plan_for(round_.region_id, t).weights() for t in set(unit_types.values())}
    results = []
    for (unit_id, target_id), groups in by_target.items():
        weights = plans[unit_types[unit_id]]
        figures = [
            GroupFigure(g, groups.get(g, (0, None))[0], groups.get(g, (0, None))[1])
            for g in weights
        ]
        used, score = weighted_score(figures, weights)
        results.append(
            RoundResult(
                round=round_,
                unit_id=unit_id,
                target_id=target_id,
                score=score,
                groups={
                    f.group: {"count": f.count, "mean": str(f.mean) if f.mean is not None else None}
                    for f in figures
                },
                weights={g: str(w.quantize(Decimal("0.0001"))) for g, w in used.items()},
                rater_count=sum(f.count for f in figures),
            )
        )
    RoundResult.objects.filter(round=round_).delete()
    RoundResult.objects.bulk_create(results, batch_size=5000)
    return len(results)


# ---------------------------------------------------------------- ballots


@dataclass(frozen=True)
class BallotSheet:
    """What one rater rates in one unit of a round."""

    round: ReviewRound
    unit: Unit
    group: RaterGroup
    targets: list[Person]
    high_limit: int


def ballot_sheet(*, rater: Person, round_unit: RoundUnit) -> BallotSheet | None:
    """The rater's ballot for a unit, or None when they do not rate it."""
    round_ = round_unit.round
    members = _scope_members(round_, [round_unit.unit_id])
    own = next((m for m in members if m.person_id == rater.pk), None)
    if own is not None:
        group = ROLE_GROUP[LeadershipRole(own.leadership_role)]
    elif (
        round_unit.proposal == RoundUnit.Proposal.APPROVED
        and ExtraRater.objects.filter(round_unit=round_unit, person=rater).exists()
    ):
        group = RaterGroup.OTHERS
    else:
        return None
    targets = sorted(
        (m.person for m in members if m.person_id != rater.pk), key=lambda p: p.staff_no
    )
    return BallotSheet(
        round=round_,
        unit=round_unit.unit,
        group=group,
        targets=targets,
        high_limit=high_score_limit(len(targets), round_.high_share),
    )


def _validate(
    sheet: BallotSheet, values: Mapping[str, object], *, complete: bool
) -> dict[int, int]:
    round_ = sheet.round
    names = {p.pk: p.name for p in sheet.targets}
    clean: dict[int, int] = {}
    problems: list[str] = []
    for person_id, name in names.items():
        raw = values.get(str(person_id))
        text = str(raw).strip() if raw is not None else ""
        if not text:
            if complete:
                problems.append(_("%(name)s has no score yet.") % {"name": name})
            continue
        if not text.isdigit() or not round_.score_min <= int(text) <= round_.score_max:
            problems.append(
                _("%(name)s: “%(value)s” is not a whole number from %(min)s to %(max)s.")
                % {
                    "name": name,
                    "value": text[:10],
                    "min": round_.score_min,
                    "max": round_.score_max,
                }
            )
            continue
        clean[person_id] = int(text)
    high = sum(1 for v in clean.values() if v >= round_.high_score)
    if high > sheet.high_limit:
        problems.append(
            _(
                "%(n)s people have %(high)s or more; at most %(limit)s of the %(size)s on this "
                "ballot may (%(share)s%%). Lower %(over)s of them."
            )
            % {
                "n": high,
                "high": round_.high_score,
                "limit": sheet.high_limit,
                "size": len(sheet.targets),
                "share": int(round_.high_share * 100),
                "over": high - sheet.high_limit,
            }
        )
    if problems:
        raise ApplicationError(" ".join(problems), {"problems": problems})
    return clean


def _check_open(round_unit: RoundUnit, rater: Person) -> None:
    round_ = ReviewRound.objects.select_for_update().get(pk=round_unit.round_id)
    if round_.state != RoundState.OPEN:
        raise ApplicationError(_("Voting is not open in this round."))
    if not round_unit.can_vote:
        raise ApplicationError(
            _("This unit's outside raters are not approved yet; voting has not started.")
        )
    if Participation.objects.filter(round=round_, unit_id=round_unit.unit_id, rater=rater).exists():
        raise ApplicationError(
            _("You have already submitted this ballot; a ballot is submitted once.")
        )


@transaction.atomic
def ballot_save_draft(
    *, actor: User, round_unit: RoundUnit, values: Mapping[str, object]
) -> DraftBallot:
    rater = _rater(actor)
    sheet = _sheet_or_refuse(rater, round_unit)
    _check_open(round_unit, rater)
    clean = _validate(sheet, values, complete=False)
    draft, _created = DraftBallot.objects.update_or_create(
        round_id=round_unit.round_id,
        unit_id=round_unit.unit_id,
        rater=rater,
        defaults={"values": {str(k): v for k, v in clean.items()}},
    )
    return draft


@transaction.atomic
def ballot_submit(*, actor: User, round_unit: RoundUnit, values: Mapping[str, object]) -> bool:
    """Submit a complete ballot; returns False when it was void (one score for everyone)."""
    rater = _rater(actor)
    sheet = _sheet_or_refuse(rater, round_unit)
    _check_open(round_unit, rater)
    clean = _validate(sheet, values, complete=True)
    Participation.objects.create(
        round_id=round_unit.round_id, unit_id=round_unit.unit_id, rater=rater
    )
    DraftBallot.objects.filter(
        round_id=round_unit.round_id, unit_id=round_unit.unit_id, rater=rater
    ).delete()
    valid = not (sheet.round.uniform_invalid and is_uniform(list(clean.values())))
    if valid:
        rows = [
            Score(
                id=uuid.uuid4(),
                round_id=round_unit.round_id,
                unit_id=round_unit.unit_id,
                target_id=target,
                rater_group=sheet.group,
                value=value,
            )
            for target, value in clean.items()
        ]
        _shuffle(rows)
        Score.objects.bulk_create(rows)
    else:
        tally, _created = InvalidBallots.objects.get_or_create(
            round_id=round_unit.round_id, unit_id=round_unit.unit_id, rater_group=sheet.group
        )
        InvalidBallots.objects.filter(pk=tally.pk).update(count=F("count") + 1)
    # That a ballot was submitted, never its values (nor whether it was void).
    audit_record(
        actor=actor,
        action="reviews.ballot.submit",
        obj=sheet.round,
        region=sheet.unit.region,
        details={"unit": sheet.unit.pk},
    )
    return valid


def _rater(actor: User) -> Person:
    if actor.person is None:
        raise ApplicationError(_("Your account is not linked to a person, so it has no ballot."))
    return actor.person


def _sheet_or_refuse(rater: Person, round_unit: RoundUnit) -> BallotSheet:
    from django.http import Http404

    sheet = ballot_sheet(rater=rater, round_unit=round_unit)
    if sheet is None:
        raise Http404
    return sheet
