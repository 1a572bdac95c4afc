"""Rating rounds for the demo county 示范区 (``manage.py demo_load``).

Every quarter of the year that is over by `today` gets a round that went the
whole way: small units' outside raters proposed and approved, voting opened, a
realistic ballot set (about 97% turnout), closed — which
rewrites the scores and computes the results — and, except for the latest
one, published. The quarter containing `today` gets an open round with no
ballots, so the demo personas can vote in it.

Ballots are written in bulk, not through `ballot_submit` (one transaction per
ballot would take minutes): one INSERT of Participation rows, and the ballots
folded into their boxes and tallies by `boxes.ballots_fold`, which gives the same
rows as submitting them one by one. No draft is ever written.

The data come from one seeded generator, so each run yields the same scores;
only the seals' nonces come from the operating system's randomness.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from django.db import connection, models, transaction

from kaohe.accounts.models import User
from kaohe.core import sql
from kaohe.core.audit import audit_record
from kaohe.core.audit_actions import AuditAction
from kaohe.core.year_facts import year_facts_forget
from kaohe.org.models import LeadershipRole, Membership, Region, Unit, UnitType
from kaohe.reviews import services
from kaohe.reviews.boxes import CastBallot, ballots_fold
from kaohe.reviews.caches import ballots_forget
from kaohe.reviews.models import (
    OVERALL,
    ExtraRater,
    Participation,
    RaterGroup,
    ReviewRound,
    RoundUnit,
)
from kaohe.reviews.policies import ROLE_GROUP
from kaohe.reviews.tally import high_score_limit

SEED = 20261122
REGION_ADMIN_LOGIN = "region_admin"
YOUTH_LEAGUE = "团区委"  # rated by the youth-league secretaries of the towns

EXTRA_RATERS = (3, 5)  # outside raters proposed per small unit
VOTING_DAYS = 10  # a closed quarter's round runs over the first days of the next
TURNOUT = 0.97
BATCH_SIZE = 5000

# How scores come about: a cadre's standing (stable over the year, leaders a little
# higher), a small drift per quarter, a rater's leniency and each score's own noise.
# Together they put about 85% of scores between 75 and 92.
BASE_MEAN = 84.0
ROLE_BONUS = {LeadershipRole.MAIN: 4.0, LeadershipRole.TEAM: 2.0, LeadershipRole.STAFF: 0.0}
MERIT_SD = 3.0
DRIFT_SD = 1.2
LENIENCY_SD = 2.5
NOISE_SD = 3.5
LOW_SHARE = 0.008  # the odd score well below the rest
LOW_RANGE = (55, 72)
HIGH_FALLBACK = 5  # scores over a ballot's high-score limit drop to 85–89


# --- Result --------------------------------------------------------------------


@dataclass(frozen=True)
class BallotCounts:
    """What `cast_ballots` wrote for one round."""

    ballots: int  # Participation rows
    scores: int


@dataclass(frozen=True)
class DemoRoundsResult:
    region_id: int
    created: bool  # False when the region already had rounds and nothing was written
    rounds: int
    published: int
    closed: int  # closed and not published
    open: int
    small_units_approved: int  # round units given approved outside raters
    extra_raters: int
    ballots: int
    scores: int
    results: int
    seconds: float

    def summary(self) -> dict[str, object]:
        """The counts, as stored in the audit row."""
        return {
            "rounds": self.rounds,
            "published": self.published,
            "closed": self.closed,
            "open": self.open,
            "small_units_approved": self.small_units_approved,
            "extra_raters": self.extra_raters,
            "ballots": self.ballots,
            "scores": self.scores,
            "results": self.results,
        }


# --- Entry point ---------------------------------------------------------------


def quarter_end(year: int, quarter: int) -> dt.date:
    following = dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, 3 * quarter + 1, 1)
    return following - dt.timedelta(days=1)


@transaction.atomic
def generate_demo_rounds(*, region_id: int, year: int, today: dt.date) -> DemoRoundsResult:
    """Write the demo county's rounds of `year` as they stand on `today`; a no-op when
    the region already has a round.

    One transaction, so a failure leaves no half-made rounds behind (the no-op
    check would otherwise keep them forever). `round_close` then rewrites the
    scores inside it rather than in a transaction of its own; that separation
    guards submissions made one by one, and here every ballot of a round was
    written by the same statements anyway, so no transaction id singles one out.
    """
    started = time.perf_counter()
    if ReviewRound.objects.filter(region_id=region_id).exists():
        return _zero(region_id, started)
    region = Region.objects.get(pk=region_id)
    admin = User.objects.get(username=REGION_ADMIN_LOGIN, region=region)
    # Seeded so every run writes the same ballots; nothing here is a secret.
    rng = random.Random(SEED)  # noqa: S311
    merits: dict[int, float] = {}

    ended = [q for q in range(1, 5) if quarter_end(year, q) < today]
    current = (today.month - 1) // 3 + 1 if today.year == year else None
    closed: list[ReviewRound] = []
    approved = extras = results = 0
    totals: Counter[str] = Counter()
    for quarter in ended:
        end = quarter_end(year, quarter)
        starts_on = end + dt.timedelta(days=1)
        ends_on = max(starts_on, min(end + dt.timedelta(days=VOTING_DAYS), today))
        round_ = services.round_create(
            actor=admin,
            region=region,
            year=year,
            number=quarter,
            starts_on=starts_on,
            ends_on=ends_on,
        )
        units, raters = approve_small_units(round_, actor=admin, rng=rng)
        approved += units
        extras += raters
        services.round_open(actor=admin, round_=round_)
        counts = cast_ballots(round_, rng=rng, merits=merits)
        totals.update(ballots=counts.ballots, scores=counts.scores)
        audit_record(
            actor=admin,
            action=AuditAction.REVIEWS_DEMO_BALLOTS,
            obj=round_,
            region=region,
            # Counts only: like ballot_submit, never a value.
            details={"ballots": counts.ballots},
        )
        results += services.round_close(actor=admin, round_=round_)
        closed.append(round_)
    # The latest ended quarter stays closed: its results await publication.
    for round_ in closed[:-1]:
        services.round_publish(actor=admin, round_=round_)

    opened = 0
    if current is not None:
        round_ = services.round_create(
            actor=admin,
            region=region,
            year=year,
            number=current,
            starts_on=today,
            ends_on=quarter_end(year, current) + dt.timedelta(days=VOTING_DAYS),
        )
        services.round_open(actor=admin, round_=round_)
        opened = 1

    result = DemoRoundsResult(
        region_id=region_id,
        created=True,
        rounds=len(closed) + opened,
        published=max(len(closed) - 1, 0),
        closed=min(len(closed), 1),
        open=opened,
        small_units_approved=approved,
        extra_raters=extras,
        ballots=totals["ballots"],
        scores=totals["scores"],
        results=results,
        seconds=0.0,
    )
    audit_record(
        actor=admin, action=AuditAction.REVIEWS_DEMO_LOAD, region=region, details=result.summary()
    )
    year_facts_forget(region_id)  # rounds, raters and ballots written in bulk
    return replace(result, seconds=time.perf_counter() - started)


def _zero(region_id: int, started: float) -> DemoRoundsResult:
    return DemoRoundsResult(
        region_id=region_id,
        created=False,
        rounds=0,
        published=0,
        closed=0,
        open=0,
        small_units_approved=0,
        extra_raters=0,
        ballots=0,
        scores=0,
        results=0,
        seconds=time.perf_counter() - started,
    )


# --- Outside raters for small units --------------------------------------------


@dataclass(frozen=True)
class _Member:
    person_id: int
    unit_id: int
    role: str
    staff_no: str
    birth_date: dt.date | None


@transaction.atomic
def approve_small_units(round_: ReviewRound, *, actor: User, rng: random.Random) -> tuple[int, int]:
    """Give every small unit of a draft or open round 3–5 approved outside raters,
    as its administrator would propose and the region office approve them.

    The raters are people who know the unit's work: the towns' youth-league
    secretaries (a young cadre of each town) for 团区委, the supervising
    department's staff for a subordinate unit, otherwise staff of units of the same
    type and performance category. Returns (units approved, raters added).
    """
    round_units = list(
        RoundUnit.objects.filter(round=round_, proposal=RoundUnit.Proposal.MISSING)
        .select_related("unit", "unit__parent")
        .order_by("unit__path")
    )
    if not round_units:
        return 0, 0
    units = {u.pk: u for u in Unit.objects.filter(region_id=round_.region_id).order_by("path")}
    by_unit: dict[int, list[_Member]] = defaultdict(list)
    for person_id, unit_id, role, staff_no, birth_date in (
        Membership.objects.filter(region_id=round_.region_id)
        .on(round_.period_end)
        .in_scope()
        .order_by("person__staff_no")
        .values_list(
            "person_id", "unit_id", "leadership_role", "person__staff_no", "person__birth_date"
        )
    ):
        by_unit[unit_id].append(_Member(person_id, unit_id, role, staff_no, birth_date))

    rows: list[ExtraRater] = []
    for ru in round_units:
        people, note = _outside_raters(rng, ru.unit, units, by_unit)
        own = {m.person_id for m in by_unit[ru.unit_id]}
        rows += [ExtraRater(round_unit=ru, person_id=m.person_id) for m in people]
        if own & {m.person_id for m in people}:
            raise RuntimeError("An outside rater must come from another unit.")
        ru.proposal = RoundUnit.Proposal.APPROVED
        ru.proposal_note = note[:300]
        ru.decision_note = "同意。所提人员熟悉该单位工作，可参与本季度评价。"
    ExtraRater.objects.bulk_create(rows)
    RoundUnit.objects.bulk_update(round_units, ["proposal", "proposal_note", "decision_note"])
    ballots_forget(round_.region_id)
    audit_record(
        actor=actor,
        action=AuditAction.REVIEWS_RATERS_APPROVE,
        obj=round_,
        region=round_.region,
        details={"units": [ru.unit_id for ru in round_units], "raters": len(rows)},
    )
    return len(round_units), len(rows)


def _outside_raters(
    rng: random.Random,
    unit: Unit,
    units: dict[int, Unit],
    by_unit: dict[int, list[_Member]],
) -> tuple[list[_Member], str]:
    """3–5 people from other units who know `unit`'s work, and the proposal's reason."""
    wanted = rng.randint(*EXTRA_RATERS)
    intro = f"{unit.name}参评干部不足{services.SMALL_UNIT}人，"
    if unit.name == YOUTH_LEAGUE:
        towns = [u for u in units.values() if u.unit_type == UnitType.TOWN and by_unit[u.pk]]
        chosen = rng.sample(towns, min(wanted, len(towns)))
        # A town's youth-league secretary is, as a rule, one of its youngest cadres.
        people = [_youngest(by_unit[t.pk]) for t in chosen]
        names = "、".join(t.name for t in chosen)
        return people, (
            f"{intro}提请{names}团委书记参与评价：各镇街团委承接团区委部署的工作，"
            "了解其干部的日常表现。"
        )
    if unit.parent_id is not None and by_unit[unit.parent_id]:
        parent = units[unit.parent_id]
        pool = _staff_first(by_unit[parent.pk])
        people = rng.sample(pool[: max(wanted, len(pool) // 2)], min(wanted, len(pool)))
        return people, (
            f"{intro}提请主管部门{parent.name}的{len(people)}名干部参与评价：业务上直接指导本单位，"
            "熟悉其干部的工作。"
        )
    siblings = [
        u
        for u in units.values()
        if u.pk != unit.pk
        and u.unit_type == unit.unit_type
        and u.parent_id == unit.parent_id
        and u.performance_category_id == unit.performance_category_id
        and by_unit[u.pk]
    ] or [
        u
        for u in units.values()
        if u.pk != unit.pk and u.unit_type == unit.unit_type and by_unit[u.pk]
    ]
    # One person from each of several sibling units, so no single unit dominates.
    rng.shuffle(siblings)
    people = []
    used: set[int] = set()
    for sibling in siblings * wanted:
        if len(people) == wanted:
            break
        candidates = [m for m in _staff_first(by_unit[sibling.pk])[:6] if m.person_id not in used]
        if candidates:
            pick = rng.choice(candidates)
            people.append(pick)
            used.add(pick.person_id)
    names = "、".join(dict.fromkeys(units[m.unit_id].name for m in people))
    return people, (
        f"{intro}提请同类单位{names}的{len(people)}名干部参与评价：工作联系紧密，"
        "了解本单位干部的表现。"
    )


def _staff_first(members: list[_Member]) -> list[_Member]:
    """General cadres before leaders: outside raters are usually colleagues at work level."""
    return sorted(members, key=lambda m: (m.role != LeadershipRole.STAFF, m.staff_no))


def _youngest(members: list[_Member]) -> _Member:
    staff = [m for m in members if m.role == LeadershipRole.STAFF] or members
    return max(staff, key=lambda m: (m.birth_date or dt.date.min, m.staff_no))


# --- Ballots ---------------------------------------------------------------------


@transaction.atomic
def cast_ballots(
    round_: ReviewRound,
    *,
    rng: random.Random,
    turnout: float = TURNOUT,
    merits: dict[int, float] | None = None,
) -> BallotCounts:
    """Write the ballots of every unit of an open round that can vote, in bulk.

    The raters and targets follow `policies.ballot_sheet`: the unit's in-scope
    members at the period's end rate everyone else in it, in the group of their
    leadership role; approved outside raters rate everyone, as "others". Each
    ballot keeps to the round's share of high scores. `merits` carries each cadre's
    standing from round to round, so a cadre scores alike across the year.
    """
    merits = {} if merits is None else merits
    voting = list(
        RoundUnit.objects.filter(
            round=round_,
            proposal__in=[RoundUnit.Proposal.NOT_NEEDED, RoundUnit.Proposal.APPROVED],
        ).values_list("unit_id", flat=True)
    )
    members: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for unit_id, person_id, role in (
        Membership.objects.filter(unit_id__in=voting)
        .on(round_.period_end)
        .in_scope()
        .order_by("unit__path", "person__staff_no")
        .values_list("unit_id", "person_id", "leadership_role")
    ):
        members[unit_id].append((person_id, role))
    extras: dict[int, list[int]] = defaultdict(list)
    for unit_id, person_id in (
        ExtraRater.objects.filter(
            round_unit__round=round_, round_unit__proposal=RoundUnit.Proposal.APPROVED
        )
        .order_by("round_unit__unit__path", "person__staff_no")
        .values_list("round_unit__unit_id", "person_id")
    ):
        extras[unit_id].append(person_id)

    voted: list[tuple[int, int]] = []  # (unit, rater)
    ballots: list[CastBallot] = []
    scores = 0
    for unit_id, unit_members in members.items():
        means = {
            pid: BASE_MEAN
            + ROLE_BONUS[LeadershipRole(role)]
            + merits.setdefault(pid, rng.gauss(0, MERIT_SD))
            + rng.gauss(0, DRIFT_SD)
            for pid, role in unit_members
        }
        own = set(means)
        raters = [(pid, ROLE_GROUP[LeadershipRole(role)]) for pid, role in unit_members]
        raters += [(pid, RaterGroup.OTHERS) for pid in extras[unit_id] if pid not in own]
        for rater_id, group in raters:
            if rng.random() >= turnout:
                continue
            targets = [pid for pid in means if pid != rater_id]
            if not targets:
                continue
            voted.append((unit_id, rater_id))
            values = _ballot(rng, round_, [means[t] for t in targets])
            keys = [(t, OVERALL) for t in targets]
            ballots.append(CastBallot(unit_id, str(group), dict(zip(keys, values, strict=True))))
            scores += len(values)

    _write_participations(rng, round_, voted)
    ballots_fold(round_, ballots)
    ballots_forget(round_.region_id)  # participations written in bulk
    return BallotCounts(ballots=len(voted), scores=scores)


def _ballot(rng: random.Random, round_: ReviewRound, means: list[float]) -> list[int]:
    """One rater's scores for targets of the given standing, within the round's rules."""
    lo, hi, high = round_.score_min, round_.score_max, round_.high_score
    leniency = rng.gauss(0, LENIENCY_SD)
    values: list[int] = []
    for mean in means:
        if rng.random() < LOW_SHARE:
            value = rng.randint(*LOW_RANGE)
        else:
            value = round(mean + leniency + rng.gauss(0, NOISE_SD))
        values.append(min(max(value, lo), hi))
    # Over the limit, the rater keeps the high score for those they rate highest
    # and lowers the rest just under it, as the ballot form makes them.
    limit = high_score_limit(len(values), Decimal(round_.high_share))
    ranked = sorted((i for i, v in enumerate(values) if v >= high), key=lambda i: -values[i])
    for i in ranked[limit:]:
        values[i] = rng.randint(max(lo, high - HIGH_FALLBACK), high - 1)
    if len(values) > 1 and len(set(values)) == 1:
        # One score for everyone is refused at submission; a demo ballot tells people apart.
        values[0] += -1 if values[0] > lo else 1
    return values


def _insert(model: type[models.Model], columns: list[str], rows: list[list[Any]]) -> None:
    """A plain multi-row INSERT through the DB-API: tens of thousands of rows in a
    fraction of what bulk_create needs to build and compile a model instance per row.
    Values must already be in database form."""
    names = ", ".join(sql.column(model, c) for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    # Table and column names come from the models, never from input.
    insert = f"INSERT INTO {sql.table(model)} ({names}) VALUES ({marks})"  # noqa: S608
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH_SIZE):
            cursor.executemany(insert, rows[start : start + BATCH_SIZE])


def _write_participations(
    rng: random.Random, round_: ReviewRound, voted: list[tuple[int, int]]
) -> None:
    """Participation rows dated within the voting days, most in the first few."""
    span = (round_.ends_on - round_.starts_on).days
    day = Participation._meta.get_field("submitted_on")
    rows: list[list[Any]] = []
    for unit_id, rater_id in voted:
        on = round_.starts_on + dt.timedelta(days=min(span, int(rng.expovariate(0.4))))
        rows.append([round_.pk, unit_id, rater_id, day.get_db_prep_value(on, connection)])
    _insert(Participation, ["round_id", "unit_id", "rater_id", "submitted_on"], rows)
