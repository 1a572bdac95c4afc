"""Reads for rating rounds, scoped by the acting user.

Nothing here returns a rater together with a value: progress lists who has
not voted; results are per target, with thin groups suppressed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404

from kaohe.accounts.access import ADMIN_ROLES, is_region_admin, region_id_of, scope_of
from kaohe.accounts.models import User
from kaohe.core.cache import region_token, user_cached
from kaohe.core.selectors import HistoryLine, object_history
from kaohe.org.models import LeadershipRole, Membership, Person, Unit
from kaohe.org.roster import FrozenPeriod
from kaohe.org.selectors import org_version
from kaohe.reviews.caches import BALLOTS_STAMP_TOPIC, MY_BALLOTS_TOPIC
from kaohe.reviews.models import (
    DraftBallot,
    ExtraRater,
    Participation,
    RaterGroup,
    ReviewRound,
    RoundResult,
    RoundState,
    RoundUnit,
)
from kaohe.reviews.policies import ROLE_GROUP, BallotSheet, ballot_sheet, rater_group
from kaohe.reviews.seal import unseal_draft
from kaohe.reviews.tally import high_score_limit
from kaohe.worklogs.models import Summary, WorkLog

GROUPS = list(RaterGroup)


def rounds_visible(user: User) -> QuerySet[ReviewRound]:
    """Region admins see every round; unit admins the rounds their units take part in."""
    region_id = region_id_of(user)
    qs = ReviewRound.objects.filter(region_id=region_id)
    if is_region_admin(user):
        return qs
    units = Unit.objects.filter(scope_of(user, ADMIN_ROLES).unit_filter())
    return qs.filter(units__unit__in=units).distinct()


def round_get(user: User, round_id: int) -> ReviewRound:
    round_ = rounds_visible(user).filter(pk=round_id).select_related("region").first()
    if round_ is None:
        raise Http404
    return round_


def admin_round_units(user: User, round_: ReviewRound) -> QuerySet[RoundUnit]:
    """The round's units the user administers (all of them for region admins)."""
    units = Unit.objects.filter(scope_of(user, ADMIN_ROLES).unit_filter())
    return (
        round_.units.filter(unit__in=units)
        .select_related("unit", "unit__parent")
        .order_by("unit__path")
    )


def round_unit_get(user: User, round_: ReviewRound, unit_id: int) -> RoundUnit:
    ru = admin_round_units(user, round_).filter(unit_id=unit_id).first()
    if ru is None:
        raise Http404
    return ru


@dataclass
class UnitProgress:
    round_unit: RoundUnit
    expected: int
    voted: int
    not_voted: list[Person]


def progress(user: User, round_: ReviewRound) -> list[UnitProgress]:
    """Per unit: raters expected, ballots in, and who has not voted (never what anyone gave)."""
    round_units = list(admin_round_units(user, round_))
    unit_ids = [ru.unit_id for ru in round_units]
    members: dict[int, list[Person]] = {}
    for m in (
        Membership.objects.filter(unit_id__in=unit_ids)
        .on(round_.period_end)
        .in_scope()
        .select_related("person")
        .order_by("person__staff_no")
    ):
        members.setdefault(m.unit_id, []).append(m.person)
    extras: dict[int, list[Person]] = {}
    for extra in ExtraRater.objects.filter(
        round_unit__in=[ru for ru in round_units if ru.proposal == RoundUnit.Proposal.APPROVED]
    ).select_related("person", "round_unit"):
        extras.setdefault(extra.round_unit.unit_id, []).append(extra.person)
    voted: dict[int, set[int]] = {}
    for unit_id, rater_id in Participation.objects.filter(
        round=round_, unit_id__in=unit_ids
    ).values_list("unit_id", "rater_id"):
        voted.setdefault(unit_id, set()).add(rater_id)
    out = []
    for ru in round_units:
        raters = members.get(ru.unit_id, []) + extras.get(ru.unit_id, [])
        done = voted.get(ru.unit_id, set())
        out.append(
            UnitProgress(
                round_unit=ru,
                expected=len(raters) if ru.can_vote else 0,
                voted=len(done),
                not_voted=[p for p in raters if p.pk not in done] if ru.can_vote else [],
            )
        )
    return out


@dataclass
class PreviewRow:
    person: Person
    counts: dict[str, int]


def preview(user: User, round_: ReviewRound, round_unit: RoundUnit) -> list[PreviewRow]:
    """For each cadre of the unit: how many raters each group will have."""
    members = list(
        Membership.objects.filter(unit_id=round_unit.unit_id)
        .on(round_.period_end)
        .in_scope()
        .select_related("person")
        .order_by("person__staff_no")
    )
    group_size: dict[str, int] = {g.value: 0 for g in GROUPS}
    for m in members:
        group_size[ROLE_GROUP[LeadershipRole(m.leadership_role)]] += 1
    extra = (
        ExtraRater.objects.filter(round_unit=round_unit).count()
        if round_unit.proposal == RoundUnit.Proposal.APPROVED
        else 0
    )
    rows = []
    for m in members:
        counts = dict(group_size)
        counts[ROLE_GROUP[LeadershipRole(m.leadership_role)]] -= 1  # nobody rates themselves
        counts[RaterGroup.OTHERS] += extra
        rows.append(PreviewRow(person=m.person, counts=counts))
    return rows


@dataclass
class ShownResult:
    person: Person
    score: Decimal | None  # None: fewer than k valid ballots rated the person
    rater_count: int  # ballots cast that covered the person
    groups: list[tuple[str, int | None, str | None]]  # (label, count, mean); Nones: hidden
    dimensions: list[str | None]  # annual evaluation: the score on each of 德能勤绩廉


def results(user: User, round_: ReviewRound, round_unit: RoundUnit) -> list[ShownResult]:
    """A closed round's results for one unit.

    What is stored is already what may be shown (decision 31): a close keeps no figure
    that rests on fewer than k ballots.
    """
    if round_.state not in (RoundState.CLOSED, RoundState.PUBLISHED):
        return []
    labels = dict(RaterGroup.choices)
    shown = []
    for r in (
        RoundResult.objects.filter(round=round_, unit_id=round_unit.unit_id)
        .select_related("target")
        .order_by("-score", "target__staff_no")
    ):
        figures = r.groups
        shown.append(
            ShownResult(
                person=r.target,
                score=r.score,
                rater_count=r.rater_count,
                # In the plan's order, whatever order the database keeps JSON keys in.
                groups=[(str(labels[g]), figures[g]["count"], figures[g]["mean"]) for g in GROUPS],
                dimensions=[r.dimensions.get(d, {}).get("score") for d in round_.dimensions if d],
            )
        )
    return shown


class Target(NamedTuple):
    """A person on a ballot, as the ballot pages show them."""

    pk: int
    name: str


@dataclass(frozen=True)
class OpenBallot:
    """One ballot of an open round as its rater's pages show it: whom to rate, the
    round's rules, and whether the rater has submitted or drafted it. Never a score:
    a draft's values are read from its sealed row when the page opens it."""

    round_unit_id: int
    round_id: int
    unit_id: int
    round_label: str
    unit_name: str
    group: str  # RaterGroup value (labelled when shown, in the reader's language)
    starts_on: dt.date
    ends_on: dt.date
    score_min: int
    score_max: int
    high_score: int
    high_limit: int  # per dimension
    dimensions: tuple[str, ...]
    can_vote: bool
    targets: tuple[Target, ...]
    submitted: bool
    has_draft: bool

    @property
    def group_label(self) -> str:
        return str(RaterGroup(self.group).label)

    def entries(self) -> list[tuple[Target, str, str]]:
        """Every score the ballot asks for, as `BallotSheet.entries`."""
        return [(p, d, BallotSheet.key(p.pk, d)) for p in self.targets for d in self.dimensions]


def open_ballot_of(
    round_unit: RoundUnit, sheet: BallotSheet, *, submitted: bool, has_draft: bool
) -> OpenBallot:
    round_ = sheet.round
    return OpenBallot(
        round_unit_id=round_unit.pk,
        round_id=round_.pk,
        unit_id=round_unit.unit_id,
        round_label=str(round_),
        unit_name=sheet.unit.name,
        group=str(sheet.group),
        starts_on=round_.starts_on,
        ends_on=round_.ends_on,
        score_min=round_.score_min,
        score_max=round_.score_max,
        high_score=round_.high_score,
        high_limit=sheet.high_limit,
        dimensions=tuple(sheet.dimensions),
        can_vote=round_unit.can_vote,
        targets=tuple(Target(p.pk, p.name) for p in sheet.targets),
        submitted=submitted,
        has_draft=has_draft,
    )


def open_ballots(user: User) -> tuple[OpenBallot, ...]:
    """The ballots of open rounds that the user rates (their own unit's, and those of
    units whose outside raters include them), submitted or not.

    Cached under the user's own key (they are the user's own standing: no score, no
    other rater), stamped with a random value kept for the region, so that one
    `ballots_forget` drops every rater's value of the region; the user's own writes (a
    draft saved, a ballot submitted) forget theirs (`my_ballots_forget`)."""
    person_id = user.person_id
    if person_id is None:
        return ()
    region_id = region_id_of(user)
    region_stamp = (region_token(BALLOTS_STAMP_TOPIC, region_id), org_version(region_id))
    return user_cached(
        MY_BALLOTS_TOPIC,
        user.pk,
        lambda: _open_ballots_build(region_id, person_id),
        stamp=(user.date_joined, person_id, region_stamp),
    )


def _open_ballots_build(region_id: int, person_id: int) -> tuple[OpenBallot, ...]:
    """Two queries for any number of ballots: the candidate round units (with the
    rater's participation, draft and outside-rater standing), and their members."""
    mine = {"round_id": OuterRef("round_id"), "unit_id": OuterRef("unit_id"), "rater_id": person_id}
    extra = ExtraRater.objects.filter(round_unit=OuterRef("pk"), person_id=person_id)
    own_units = Membership.objects.filter(person_id=person_id).in_scope().values("unit_id")
    candidates = list(
        RoundUnit.objects.filter(round__region_id=region_id, round__state=RoundState.OPEN)
        .filter(Q(unit_id__in=own_units) | Q(Exists(extra)))
        .annotate(
            submitted=Exists(Participation.objects.filter(**mine)),
            has_draft=Exists(DraftBallot.objects.filter(**mine)),
            is_extra=Exists(extra),
        )
        .select_related("round", "unit")
        .order_by("round_id", "unit__path")
    )
    if not candidates:
        return ()
    wanted = Q()
    for ru in candidates:
        wanted |= Q(unit_id=ru.unit_id) & _on_q(ru.round.period_end)
    members: dict[int, list[_Member]] = {}
    for unit_id, pk, name, staff_no, role, valid_from, valid_to in (
        Membership.objects.filter(wanted)
        .in_scope()
        .order_by()
        .values_list(
            "unit_id",
            "person_id",
            "person__name",
            "person__staff_no",
            "leadership_role",
            "valid_from",
            "valid_to",
        )
    ):
        members.setdefault(unit_id, []).append(
            _Member(pk, name, staff_no, role, valid_from, valid_to)
        )
    out = []
    for ru in candidates:
        round_ = ru.round
        end = round_.period_end
        rows = [
            m
            for m in members.get(ru.unit_id, [])
            if m.valid_from <= end and (m.valid_to is None or m.valid_to >= end)
        ]
        own = next((m.role for m in rows if m.person_id == person_id), None)
        is_extra: bool = ru.is_extra
        group = rater_group(own, ru, lambda is_extra=is_extra: is_extra)  # type: ignore[misc]
        if group is None:
            continue
        targets = tuple(
            Target(m.person_id, m.name)
            for m in sorted(rows, key=lambda m: m.staff_no)
            if m.person_id != person_id
        )
        out.append(
            OpenBallot(
                round_unit_id=ru.pk,
                round_id=round_.pk,
                unit_id=ru.unit_id,
                round_label=str(round_),
                unit_name=ru.unit.name,
                group=str(group),
                starts_on=round_.starts_on,
                ends_on=round_.ends_on,
                score_min=round_.score_min,
                score_max=round_.score_max,
                high_score=round_.high_score,
                high_limit=high_score_limit(len(targets), round_.high_share),
                dimensions=tuple(round_.dimensions),
                can_vote=ru.can_vote,
                targets=targets,
                submitted=ru.submitted,
                has_draft=ru.has_draft,
            )
        )
    return tuple(out)


class _Member(NamedTuple):
    person_id: int
    name: str
    staff_no: str
    role: str
    valid_from: dt.date
    valid_to: dt.date | None


def _on_q(day: dt.date) -> Q:
    """`MembershipQuerySet.on(day)` as a Q, to OR several days in one query."""
    return (Q(valid_to__isnull=True) | Q(valid_to__gte=day)) & Q(valid_from__lte=day)


def my_ballots(user: User) -> list[OpenBallot]:
    """The user's ballots that have someone to rate (the "my ballots" page)."""
    return [b for b in open_ballots(user) if b.targets]


def my_open_ballot(user: User, round_unit_id: int) -> OpenBallot:
    """One of the user's ballots in an open round; 404 otherwise (the ballot page)."""
    ballot = next((b for b in open_ballots(user) if b.round_unit_id == round_unit_id), None)
    if ballot is None:
        raise Http404
    return ballot


def my_round_unit(user: User, round_unit_id: int) -> tuple[RoundUnit, BallotSheet]:
    """The user's ballot in an open round; 404 otherwise. A rater's standing (and with it
    the targets' logs and summaries) ends with the voting: a cadre who has since moved
    must not keep reading the old unit through a past round."""
    ru = (
        RoundUnit.objects.filter(
            pk=round_unit_id, round__region_id=region_id_of(user), round__state=RoundState.OPEN
        )
        .select_related("round", "unit", "unit__region")
        .first()
    )
    if ru is None or user.person is None:
        raise Http404
    sheet = ballot_sheet(rater=user.person, round_unit=ru)
    if sheet is None:
        raise Http404
    return ru, sheet


def my_draft(user: User, round_unit: RoundUnit) -> dict[str, int]:
    return draft_values(user, round_unit.round_id, round_unit.unit_id)


def draft_values(user: User, round_id: int, unit_id: int) -> dict[str, int]:
    """The user's own draft of a ballot, unsealed (read when their page opens it)."""
    rater_id = user.person_id
    if rater_id is None:
        return {}
    sealed = (
        DraftBallot.objects.filter(round_id=round_id, unit_id=unit_id, rater_id=rater_id)
        .values_list("sealed", flat=True)
        .first()
    )
    if sealed is None:
        return {}
    return unseal_draft(sealed, round_id=round_id, unit_id=unit_id, rater_id=rater_id)


def has_voted(user: User, round_unit: RoundUnit) -> bool:
    return Participation.objects.filter(
        round_id=round_unit.round_id, unit_id=round_unit.unit_id, rater=user.person
    ).exists()


def target_record(
    sheet: BallotSheet, person_id: int
) -> tuple[Person, list[WorkLog], list[Summary]]:
    """The logs and summary a rater judges a target by (R3.3), for the round's period."""
    person = next((p for p in sheet.targets if p.pk == person_id), None)
    if person is None:
        raise Http404
    round_ = sheet.round
    logs = list(
        WorkLog.objects.filter(
            person=person, day__range=(round_.period_start, round_.period_end)
        ).order_by("-day")[:200]
    )
    summaries = list(Summary.objects.filter(person=person, year=round_.year).order_by("-quarter"))
    return person, logs, summaries


def unit_counts(round_: ReviewRound) -> dict[str, int]:
    """How many units are waiting on outside-rater proposals or decisions."""
    return dict(
        round_.units.values("proposal").annotate(n=Count("id")).values_list("proposal", "n")
    )


def open_round_periods(region_id: int) -> list[FrozenPeriod]:
    """The region's rounds whose voting is open, as the roster import must keep them:
    no change dated on or before a round's last day (decision "people imported during
    an open round")."""
    return [
        FrozenPeriod(label=str(r), last_day=r.period_end)
        for r in ReviewRound.objects.filter(region_id=region_id, state=RoundState.OPEN).order_by(
            "year", "number"
        )
    ]


@dataclass(frozen=True)
class Turnout:
    """Ballots in and expected, per unit of a round (no names: counts for the guards
    and the year plan)."""

    by_unit: dict[int, tuple[int, int]]  # unit id → (in, expected)

    @property
    def ballots_in(self) -> int:
        return sum(i for i, _e in self.by_unit.values())

    @property
    def expected(self) -> int:
        return sum(e for _i, e in self.by_unit.values())

    @property
    def outstanding(self) -> int:
        return sum(max(e - i, 0) for i, e in self.by_unit.values())


def head_counts(region_id: int, days: Iterable[dt.date]) -> dict[dt.date, dict[int, int]]:
    """Per day, each unit's cadres in scope on that day (units without any left out):
    the raters a round ending then expects, the units a period ending then assesses.
    One query for all the days: a page that shows a year's rounds and quarters asked
    once per round and once per period."""
    wanted = sorted(set(days))
    if not wanted:
        return {}
    counts = {
        f"n{i}": Count(
            "id",
            filter=(Q(valid_to__isnull=True) | Q(valid_to__gte=day)) & Q(valid_from__lte=day),
        )
        for i, day in enumerate(wanted)
    }
    out: dict[dt.date, dict[int, int]] = {day: {} for day in wanted}
    for row in (
        Membership.objects.filter(region_id=region_id)
        .overlapping(wanted[0], wanted[-1])
        .in_scope()
        .order_by()
        .values("unit_id")
        .annotate(**counts)
        .values_list("unit_id", *counts)
    ):
        unit_id, *per_day = row
        for day, n in zip(wanted, per_day, strict=True):
            if n:
                out[day][unit_id] = n
    return out


def turnout(round_: ReviewRound) -> Turnout:
    return turnouts([round_])[round_.pk]


def turnouts(
    rounds: Sequence[ReviewRound], counts: Mapping[dt.date, Mapping[int, int]] | None = None
) -> dict[int, Turnout]:
    """Each round's turnout (by round id), counted as `progress` counts (members in
    scope at the period's end and approved outside raters, where the unit may vote):
    four queries for any number of rounds of one region, three when the caller has the
    head counts of the rounds' last days (`head_counts`) already."""
    if not rounds:
        return {}
    region_id = rounds[0].region_id
    assert all(r.region_id == region_id for r in rounds), "one region's rounds"
    ids = [r.pk for r in rounds]
    ends = {r.period_end for r in rounds}
    if counts is None or not ends <= counts.keys():
        counts = head_counts(region_id, ends)
    round_units: dict[int, list[tuple[int, str]]] = {pk: [] for pk in ids}
    for round_id, unit_id, proposal in RoundUnit.objects.filter(round_id__in=ids).values_list(
        "round_id", "unit_id", "proposal"
    ):
        round_units[round_id].append((unit_id, proposal))
    extras = {
        (round_id, unit_id): n
        for round_id, unit_id, n in ExtraRater.objects.filter(
            round_unit__round_id__in=ids, round_unit__proposal=RoundUnit.Proposal.APPROVED
        )
        .order_by()
        .values("round_unit__round_id", "round_unit__unit_id")
        .annotate(n=Count("id"))
        .values_list("round_unit__round_id", "round_unit__unit_id", "n")
    }
    voted = {
        (round_id, unit_id): n
        for round_id, unit_id, n in Participation.objects.filter(round_id__in=ids)
        .order_by()
        .values("round_id", "unit_id")
        .annotate(n=Count("id"))
        .values_list("round_id", "unit_id", "n")
    }
    may_vote = (RoundUnit.Proposal.NOT_NEEDED, RoundUnit.Proposal.APPROVED)
    out = {}
    for r in rounds:
        members = counts[r.period_end]
        out[r.pk] = Turnout(
            {
                u: (
                    voted.get((r.pk, u), 0),
                    members.get(u, 0) + extras.get((r.pk, u), 0) if proposal in may_vote else 0,
                )
                for u, proposal in round_units[r.pk]
            }
        )
    return out


def round_history(round_: ReviewRound) -> list[HistoryLine]:
    """The round's states with who moved it and why, oldest first (its page): read
    from the audit log, which every change writes once (one query)."""
    return object_history(round_, RoundState)


def closed_round(region_id: int, year: int, cadence: str, number: int) -> ReviewRound | None:
    """The round of a period whose results count: the latest closed or published one
    (scoring reads it, so it need not know which states those are)."""
    return (
        ReviewRound.objects.filter(
            region_id=region_id,
            year=year,
            cadence=cadence,
            number=number,
            state__in=[RoundState.CLOSED, RoundState.PUBLISHED],
        )
        .order_by("-pk")
        .first()
    )


def round_result_scores(round_: ReviewRound) -> QuerySet[RoundResult, tuple[int, Decimal | None]]:
    """(target person, score) of each of a round's results; the score None where it
    is withheld (fewer valid ballots than the round shows)."""
    return RoundResult.objects.filter(round=round_).values_list("target_id", "score")
